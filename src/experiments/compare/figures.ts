/**
 * Plotly figures of a comparison, built from plain data (no DOM, no state).
 */
import type { MetricHistory, Run } from '../../api/types';
import type { IFigure, ScatterTrace } from '../../charts/plotly';
import type { CurveAxis } from './model';
import { numericAxis } from './ticks';

/** Above this many runs, curves are drawn with WebGL. */
const SVG_TRACE_LIMIT = 30;
/** At most this many params and metrics become parallel axes. */
const MAX_PARAM_AXES = 12;
const MAX_METRIC_AXES = 8;

/** One run's line of a metric chart. */
export function curveTrace(
  run: Run,
  history: MetricHistory | undefined,
  axis: CurveAxis,
  color: string,
  gl: boolean
): ScatterTrace {
  const points = history?.points ?? [];
  const t0 = points.length > 0 ? points[0].timestamp : 0;
  const x = points.map(p =>
    axis === 'step'
      ? p.step
      : axis === 'relative'
        ? p.timestamp - t0
        : new Date(p.timestamp * 1000).toISOString()
  );
  return {
    type: gl ? 'scattergl' : 'scatter',
    mode: points.length === 1 ? 'markers' : 'lines',
    name: run.name,
    x,
    y: points.map(p => p.value),
    line: { color, width: 1.5 },
    marker: { color, size: 6 },
    connectgaps: false,
    hovertemplate: `${escapeText(run.name)}<br>%{x}: %{y}<extra></extra>`
  };
}

/**
 * Whether a metric history is a series worth a line chart: points at two or
 * more steps. A metric logged once (a final accuracy, `train_rows`) is a
 * value, shown as a number or a bar instead of a one-dot chart.
 */
export function isSeries(history: MetricHistory | undefined): boolean {
  const points = history?.points ?? [];
  return points.some(point => point.step !== points[0].step);
}

/** The overlaid curves of one metric: a line per run. */
export function curvesFigure(
  key: string,
  runs: ReadonlyArray<Run>,
  historyOf: (runId: string) => MetricHistory | undefined,
  colorOf: (runId: string) => string,
  axis: CurveAxis,
  options: { titled?: boolean } = {}
): IFigure {
  const gl = runs.length > SVG_TRACE_LIMIT;
  const data = runs.map(run =>
    curveTrace(run, historyOf(run.id), axis, colorOf(run.id), gl)
  );
  const downsampled = runs.some(run => historyOf(run.id)?.downsampled);
  const titled = options.titled ?? true;
  return {
    data,
    layout: {
      title: titled
        ? {
            text: escapeText(key) + (downsampled ? ' (downsampled)' : ''),
            font: { size: 13 },
            x: 0.01,
            xanchor: 'left'
          }
        : undefined,
      showlegend: false,
      // Untitled charts keep a strip on top for the mode bar (on hover).
      margin: { l: 56, r: 16, t: titled ? 32 : 24, b: 40 },
      xaxis: {
        title: { text: axisTitle(axis) },
        type: axis === 'time' ? 'date' : 'linear'
      },
      yaxis: { automargin: true }
    }
  };
}

/**
 * One metric's value per run as bars in the runs' colours: how single-step
 * metrics compare (a line chart of one dot per run says nothing).
 */
export function barsFigure(
  key: string,
  runs: ReadonlyArray<Run>,
  colorOf: (runId: string) => string,
  formatValue: (value: number | null) => string
): IFigure {
  const shown = runs.filter(run => key in run.metrics);
  const values = shown.map(run => run.metrics[key] ?? null);
  // One bar per run even when runs share a name.
  const counts = new Map<string, number>();
  shown.forEach(run => counts.set(run.name, (counts.get(run.name) ?? 0) + 1));
  const labels = shown.map(run =>
    escapeText(
      (counts.get(run.name) ?? 0) > 1
        ? `${run.name} (${run.id.slice(0, 6)})`
        : run.name
    )
  );
  const trace: ScatterTrace = {
    type: 'bar',
    x: labels,
    y: values,
    text: values.map(formatValue),
    textposition: 'auto',
    marker: { color: shown.map(run => colorOf(run.id)) },
    hovertemplate: '%{x}: %{y}<extra></extra>'
  };
  return {
    data: [trace],
    layout: {
      title: {
        text: escapeText(key),
        font: { size: 13 },
        x: 0.01,
        xanchor: 'left'
      },
      showlegend: false,
      margin: { l: 56, r: 16, t: 32, b: 40 },
      xaxis: { type: 'category', automargin: true },
      yaxis: { automargin: true }
    }
  };
}

export function axisTitle(axis: CurveAxis): string {
  switch (axis) {
    case 'step':
      return 'step';
    case 'relative':
      return 'seconds since first point';
    default:
      return 'time';
  }
}

/** A parcoords axis. */
interface IParcoordsDimension {
  label: string;
  values: number[];
  range?: [number, number];
  tickvals?: number[];
  ticktext?: string[];
}

/** The parts of a parcoords trace that the plotly types do not describe. */
interface IParcoordsTrace extends Omit<ScatterTrace, 'line'> {
  line: {
    color: number[];
    colorscale: Array<[number, string]>;
    cmin: number;
    cmax: number;
  };
  dimensions: IParcoordsDimension[];
  labelfont?: { color: string; size?: number };
  tickfont?: { color: string; size?: number };
  rangefont?: { color: string; size?: number };
}

/**
 * A parallel-coordinates plot: an axis per param (numeric or categorical)
 * and per metric, a line per run in the run's colour.
 */
export function parallelFigure(
  runs: ReadonlyArray<Run>,
  paramKeys: ReadonlyArray<string>,
  metricKeys: ReadonlyArray<string>,
  colorOf: (runId: string) => string,
  textColor: string
): IFigure | null {
  if (runs.length === 0) {
    return null;
  }
  const varying = paramKeys.filter(key =>
    differs(runs.map(r => r.params[key]))
  );
  const params = (varying.length > 0 ? varying : paramKeys).slice(
    0,
    MAX_PARAM_AXES
  );
  const dimensions: IParcoordsDimension[] = [];
  for (const key of params) {
    dimensions.push(
      dimension(
        key,
        runs.map(run => run.params[key])
      )
    );
  }
  for (const key of metricKeys.slice(0, MAX_METRIC_AXES)) {
    const values = runs.map(run => run.metrics[key]);
    dimensions.push(numericDimension(key, values));
  }
  if (dimensions.length === 0) {
    return null;
  }
  const n = runs.length;
  const colorscale: Array<[number, string]> = [];
  runs.forEach((run, i) => {
    const color = colorOf(run.id);
    if (n === 1) {
      colorscale.push([0, color], [1, color]);
    } else {
      colorscale.push([i / n, color], [(i + 1) / n, color]);
    }
  });
  const trace: IParcoordsTrace = {
    type: 'parcoords',
    line: {
      color: runs.map((_, i) => (n === 1 ? 0 : (i + 0.5) / n)),
      colorscale,
      cmin: 0,
      cmax: 1
    },
    dimensions,
    labelfont: { color: textColor, size: 11 },
    tickfont: { color: textColor, size: 10 },
    rangefont: { color: textColor, size: 9 }
  };
  return {
    data: [trace],
    layout: { margin: { l: 64, r: 64, t: 48, b: 24 } }
  };
}

function dimension(
  label: string,
  values: ReadonlyArray<string | undefined>
): IParcoordsDimension {
  const numbers = values.map(v => (v === undefined ? NaN : Number(v)));
  if (
    values.every(v => v !== undefined && v.trim() !== '') &&
    numbers.every(isFinite)
  ) {
    return numericDimension(label, numbers);
  }
  const categories = [...new Set(values.map(v => v ?? '(none)'))].sort();
  return {
    label,
    values: values.map(v => categories.indexOf(v ?? '(none)')),
    tickvals: categories.map((_, i) => i),
    ticktext: categories.map(c => clip(c, 16)),
    range: [0, Math.max(categories.length - 1, 1)]
  };
}

function numericDimension(
  label: string,
  values: ReadonlyArray<number | null | undefined>
): IParcoordsDimension {
  return { label, ...numericAxis(values) };
}

/** A selectable scatter axis: a param or a metric. */
export interface IAxisChoice {
  readonly id: string;
  readonly label: string;
  readonly value: (run: Run) => number | string | null;
}

export function axisChoices(
  paramKeys: ReadonlyArray<string>,
  metricKeys: ReadonlyArray<string>
): IAxisChoice[] {
  return [
    ...paramKeys.map(key => ({
      id: `params.${key}`,
      label: `param: ${key}`,
      value: (run: Run) => {
        const text = run.params[key];
        if (text === undefined) {
          return null;
        }
        const number = Number(text);
        return text.trim() !== '' && isFinite(number) ? number : text;
      }
    })),
    ...metricKeys.map(key => ({
      id: `metrics.${key}`,
      label: `metric: ${key}`,
      value: (run: Run) => run.metrics[key] ?? null
    }))
  ];
}

/** A point per run: x and y from the chosen params or metrics. */
export function scatterFigure(
  runs: ReadonlyArray<Run>,
  x: IAxisChoice,
  y: IAxisChoice,
  colorOf: (runId: string) => string
): IFigure {
  const data: ScatterTrace[] = runs.map(run => {
    const xv = x.value(run);
    const yv = y.value(run);
    return {
      type: 'scatter',
      mode: 'markers',
      name: run.name,
      x: xv === null || yv === null ? [] : [xv],
      y: xv === null || yv === null ? [] : [yv],
      marker: { color: colorOf(run.id), size: 10 },
      hovertemplate: `${escapeText(run.name)}<br>${escapeText(x.label)}: %{x}<br>${escapeText(y.label)}: %{y}<extra></extra>`
    };
  });
  return {
    data,
    layout: {
      showlegend: false,
      margin: { l: 64, r: 16, t: 16, b: 48 },
      xaxis: { title: { text: escapeText(x.label) } },
      yaxis: { title: { text: escapeText(y.label) } }
    }
  };
}

/** A row of the diff table. */
export interface IDiffRow {
  readonly kind: 'param' | 'metric' | 'tag';
  readonly key: string;
  readonly values: ReadonlyArray<string>;
  readonly differs: boolean;
}

/** Params, metrics and tags side by side; `differs` when not all equal. */
export function diffRows(
  runs: ReadonlyArray<Run>,
  paramKeys: ReadonlyArray<string>,
  metricKeys: ReadonlyArray<string>,
  tagKeys: ReadonlyArray<string>,
  formatMetric: (value: number | null) => string
): IDiffRow[] {
  const rows: IDiffRow[] = [];
  const add = (
    kind: IDiffRow['kind'],
    key: string,
    value: (run: Run) => string | undefined
  ) => {
    const raw = runs.map(value);
    rows.push({
      kind,
      key,
      values: raw.map(v => v ?? '—'),
      differs: differs(raw)
    });
  };
  for (const key of paramKeys) {
    add('param', key, run => run.params[key]);
  }
  for (const key of metricKeys) {
    add('metric', key, run =>
      key in run.metrics ? formatMetric(run.metrics[key] ?? null) : undefined
    );
  }
  for (const key of tagKeys) {
    add('tag', key, run => run.tags[key]);
  }
  return rows;
}

function differs(values: ReadonlyArray<string | undefined>): boolean {
  return new Set(values).size > 1;
}

/** Plotly renders titles and hover text as HTML: escape user text. */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
