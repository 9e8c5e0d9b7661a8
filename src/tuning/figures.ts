/**
 * The tuning-job plots as plotly figures, computed in the page from the
 * trials list (optuna-dashboard's plots, built to stay fast at thousands of
 * trials: a few traces with gaps instead of one trace per trial).
 *
 * Pure functions of plain data: no DOM, no plotly import (the figures are
 * drawn by `charts/chart.tsx`, which loads plotly on demand).
 */
import type { IFigure, PlotData, PlotLayout } from '../charts/plotly';
import {
  bestSoFar,
  type Direction,
  intermediateOf,
  type IPlotTrial,
  objectiveOf,
  paretoFront
} from './trial-values';

/** A range of the search space, as the spec gives it. */
export interface IPlotRange {
  readonly type: 'continuous' | 'integer' | 'categorical';
  readonly min_value?: number;
  readonly max_value?: number;
  readonly scaling?: string;
  readonly values?: ReadonlyArray<unknown>;
}

/** The colours a figure uses for meanings (the theme gives the rest). */
export interface IFigureColors {
  readonly trial: string;
  readonly best: string;
  readonly pruned: string;
  readonly running: string;
  readonly muted: string;
}

export const DEFAULT_FIGURE_COLORS: IFigureColors = {
  trial: '#1f77b4',
  best: '#ff7f0e',
  pruned: '#d62728',
  running: '#2ca02c',
  muted: '#9e9e9e'
};

/**
 * A colour scale of mid-luminance colours: every end stays readable on the
 * light and the dark theme's background (Viridis's dark end vanishes on dark).
 */
export const READABLE_SCALE = 'Portland';

/**
 * Optimization history: every completed trial's objective by trial number,
 * and the best value so far as a step line.
 */
export function historyFigure(
  trials: ReadonlyArray<IPlotTrial>,
  objective: string,
  direction: Direction,
  colors: IFigureColors = DEFAULT_FIGURE_COLORS,
  /** Draw the best-so-far line (not with two objectives: no single best). */
  withBest = true
): IFigure {
  const x: number[] = [];
  const y: number[] = [];
  for (const trial of trials) {
    const value = objectiveOf(trial);
    if (value !== null) {
      x.push(trial.number);
      y.push(value);
    }
  }
  const best = withBest ? bestSoFar(trials, direction) : [];
  const data: PlotData[] = [
    {
      type: 'scatter',
      mode: 'markers',
      name: 'Trial',
      x,
      y,
      marker: { color: colors.trial, size: 6, opacity: 0.75 },
      hovertemplate: `Trial %{x}<br>${escapeLabel(objective)}: %{y}<extra></extra>`
    }
  ];
  if (withBest) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `Best so far (${direction === 'Maximize' ? 'max' : 'min'})`,
      x: best.map(p => p[0]),
      y: best.map(p => p[1]),
      line: { color: colors.best, width: 2, shape: 'hv' },
      hovertemplate: 'Best after trial %{x}: %{y}<extra></extra>'
    });
  }
  return {
    data,
    layout: {
      // whole trial numbers: a tick per trial while there are few
      xaxis: {
        title: { text: 'Trial' },
        rangemode: 'tozero',
        ...(Math.max(0, ...x) <= 10 ? { dtick: 1 } : {})
      },
      yaxis: { title: { text: objective } },
      legend: { orientation: 'h', y: 1.12, x: 0 },
      margin: { l: 56, r: 16, t: 24, b: 40 }
    }
  };
}

/**
 * Intermediate values (the objective per step) of every trial: one trace
 * per state with gaps between trials, and a cross where each pruned trial
 * was stopped.
 */
export function intermediateFigure(
  trials: ReadonlyArray<IPlotTrial>,
  objective: string,
  colors: IFigureColors = DEFAULT_FIGURE_COLORS
): IFigure {
  const groups: Array<{ state: string; name: string; color: string }> = [
    { state: 'Completed', name: 'Completed', color: colors.trial },
    { state: 'Running', name: 'Running', color: colors.running },
    { state: 'Pruned', name: 'Pruned', color: colors.pruned },
    { state: 'Failed', name: 'Failed', color: colors.muted }
  ];
  const data: PlotData[] = [];
  const stopX: number[] = [];
  const stopY: number[] = [];
  const stopText: string[] = [];
  for (const group of groups) {
    const x: Array<number | null> = [];
    const y: Array<number | null> = [];
    const text: string[] = [];
    for (const trial of trials) {
      if (trial.state !== group.state) {
        continue;
      }
      const points = intermediateOf(trial);
      if (points.length === 0) {
        continue;
      }
      for (const [step, value] of points) {
        x.push(step);
        y.push(value);
        text.push(`Trial ${trial.number}`);
      }
      x.push(null);
      y.push(null);
      text.push('');
      if (trial.state === 'Pruned') {
        const last = points[points.length - 1];
        stopX.push(last[0]);
        stopY.push(last[1]);
        stopText.push(
          `Trial ${trial.number} pruned at step ${trial.pruned_step ?? last[0]}`
        );
      }
    }
    if (x.length > 0) {
      data.push({
        type: 'scatter',
        // markers too: a trial that reported one step draws no line
        mode: 'lines+markers',
        name: group.name,
        x,
        y,
        text,
        connectgaps: false,
        line: { color: group.color, width: 1.2 },
        marker: { color: group.color, size: 4 },
        opacity: group.state === 'Completed' ? 0.8 : 0.65,
        hovertemplate: `%{text}<br>step %{x}: %{y}<extra>${group.name}</extra>`
      });
    }
  }
  if (stopX.length > 0) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: 'Stopped here',
      x: stopX,
      y: stopY,
      text: stopText,
      marker: { color: colors.pruned, symbol: 'x', size: 8 },
      hovertemplate: '%{text}<br>%{y}<extra></extra>'
    });
  }
  return {
    data,
    layout: {
      xaxis: { title: { text: 'Step' } },
      yaxis: { title: { text: objective } },
      legend: { orientation: 'h', y: 1.12, x: 0 },
      margin: { l: 56, r: 16, t: 24, b: 40 }
    }
  };
}

/** Whether a numeric range is searched on a log scale (`Auto` resolved). */
export function isLogScale(range: IPlotRange | undefined): boolean {
  if (!range || range.type === 'categorical') {
    return false;
  }
  if (range.scaling === 'Logarithmic') {
    return true;
  }
  const min = range.min_value ?? 0;
  const max = range.max_value ?? 0;
  return (
    (range.scaling === 'Auto' || range.scaling === undefined) &&
    min > 0 &&
    max / min >= 1000
  );
}

/**
 * How a parameter is placed on an axis: numbers as they are; anything else
 * (categorical values, booleans) by its index among the values seen.
 */
export interface IAxisOf {
  readonly categorical: boolean;
  readonly log: boolean;
  /** Categories in order (categorical axes). */
  readonly categories: ReadonlyArray<string>;
  /** The coordinate of a value, `null` if it cannot be placed. */
  position(value: unknown): number | null;
}

export function axisOf(
  name: string,
  trials: ReadonlyArray<IPlotTrial>,
  range?: IPlotRange
): IAxisOf {
  const seen = trials
    .map(t => t.params[name])
    .filter(v => v !== undefined && v !== null);
  const numeric =
    range?.type !== 'categorical' &&
    seen.length > 0 &&
    seen.every(v => typeof v === 'number');
  if (numeric) {
    const log = isLogScale(range);
    return {
      categorical: false,
      log,
      categories: [],
      position: value =>
        typeof value === 'number' && Number.isFinite(value) ? value : null
    };
  }
  const ordered = (range?.values ?? []).map(labelOf);
  for (const value of seen) {
    const label = labelOf(value);
    if (!ordered.includes(label)) {
      ordered.push(label);
    }
  }
  return {
    categorical: true,
    log: false,
    categories: ordered,
    position: value => {
      if (value === undefined || value === null) {
        return null;
      }
      const index = ordered.indexOf(labelOf(value));
      return index >= 0 ? index : null;
    }
  };
}

/** A parameter value as text (`true`, `0.1`, `gini`). */
export function labelOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function axisLayout(axis: IAxisOf, title: string): PlotLayout['xaxis'] {
  if (axis.categorical) {
    return {
      title: { text: title },
      tickvals: axis.categories.map((_, i) => i),
      ticktext: [...axis.categories]
    };
  }
  return { title: { text: title }, type: axis.log ? 'log' : 'linear' };
}

/**
 * Parallel coordinates: the objective and every searched parameter of the
 * completed trials, coloured by the objective.
 */
export function parallelFigure(
  trials: ReadonlyArray<IPlotTrial>,
  params: ReadonlyArray<string>,
  objective: string,
  space: { readonly [name: string]: IPlotRange } = {}
): IFigure {
  const done = trials.filter(t => objectiveOf(t) !== null);
  const values = done.map(t => objectiveOf(t) as number);
  const dimensions: Array<Record<string, unknown>> = [
    { label: objective, values }
  ];
  for (const name of params) {
    const axis = axisOf(name, done, space[name]);
    const raw = done.map(t => axis.position(t.params[name]));
    if (axis.categorical) {
      dimensions.push({
        label: name,
        values: raw.map(v => v ?? NaN),
        tickvals: axis.categories.map((_, i) => i),
        ticktext: [...axis.categories]
      });
    } else if (axis.log) {
      // parcoords has no log axes: plot log10 and label in the values
      const logs = raw.map(v => (v !== null && v > 0 ? Math.log10(v) : NaN));
      const finite = logs.filter(Number.isFinite);
      const lo = Math.floor(Math.min(...finite, 0));
      const hi = Math.ceil(Math.max(...finite, 0));
      const ticks: number[] = [];
      for (let t = lo; t <= hi; t++) {
        ticks.push(t);
      }
      dimensions.push({
        label: `${name} (log)`,
        values: logs,
        tickvals: ticks,
        ticktext: ticks.map(t => formatTick(10 ** t))
      });
    } else {
      dimensions.push({ label: name, values: raw.map(v => v ?? NaN) });
    }
  }
  const trace = {
    type: 'parcoords',
    dimensions,
    line: {
      color: values,
      colorscale: READABLE_SCALE,
      showscale: true,
      colorbar: { title: { text: objective }, thickness: 12 }
    }
  } as unknown as PlotData;
  return {
    data: done.length > 0 ? [trace] : [],
    layout: { margin: { l: 64, r: 64, t: 56, b: 24 } }
  };
}

/** `0.001`, `1e+4`: short tick labels of powers of ten. */
function formatTick(value: number): string {
  return value >= 0.001 && value < 100_000
    ? String(Number(value.toPrecision(3)))
    : value.toExponential(0);
}

/**
 * Slice plots: the objective against each parameter, one panel per
 * parameter, points coloured by trial number.
 */
export function sliceFigure(
  trials: ReadonlyArray<IPlotTrial>,
  params: ReadonlyArray<string>,
  objective: string,
  space: { readonly [name: string]: IPlotRange } = {},
  perRow = 3
): IFigure {
  const done = trials.filter(t => objectiveOf(t) !== null);
  const columns = Math.max(1, Math.min(perRow, params.length));
  const rows = Math.max(1, Math.ceil(params.length / columns));
  const data: PlotData[] = [];
  const layout: Record<string, unknown> = {
    grid: { rows, columns, pattern: 'independent', xgap: 0.12, ygap: 0.35 },
    showlegend: false,
    margin: { l: 56, r: 16, t: 16, b: 48 }
  };
  params.forEach((name, index) => {
    const axis = axisOf(name, done, space[name]);
    const suffix = index === 0 ? '' : String(index + 1);
    const x: number[] = [];
    const y: number[] = [];
    const numbers: number[] = [];
    for (const trial of done) {
      const position = axis.position(trial.params[name]);
      if (position !== null) {
        x.push(position);
        y.push(objectiveOf(trial) as number);
        numbers.push(trial.number);
      }
    }
    data.push({
      type: 'scatter',
      mode: 'markers',
      name,
      x,
      y,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      customdata: numbers,
      marker: {
        color: numbers,
        colorscale: READABLE_SCALE,
        size: 6,
        line: { width: 0.5, color: '#555' },
        showscale: index === 0,
        colorbar: { title: { text: 'Trial' }, thickness: 10 }
      },
      hovertemplate: `Trial %{customdata}<br>${escapeLabel(name)}: %{x}<br>%{y}<extra></extra>`
    } as PlotData);
    layout[`xaxis${suffix}`] = axisLayout(axis, name);
    layout[`yaxis${suffix}`] = {
      title: { text: index % columns === 0 ? objective : '' }
    };
  });
  return { data, layout: layout as PlotLayout };
}

/**
 * A contour of the objective over two parameters: the completed trials
 * averaged on a grid (empty cells interpolated by plotly), with the trials
 * as points on top.
 */
export function contourFigure(
  trials: ReadonlyArray<IPlotTrial>,
  xName: string,
  yName: string,
  objective: string,
  space: { readonly [name: string]: IPlotRange } = {},
  bins = 24
): IFigure {
  const done = trials.filter(t => objectiveOf(t) !== null);
  const xAxis = axisOf(xName, done, space[xName]);
  const yAxis = axisOf(yName, done, space[yName]);
  const points: Array<[number, number, number, number]> = [];
  for (const trial of done) {
    const x = xAxis.position(trial.params[xName]);
    const y = yAxis.position(trial.params[yName]);
    if (x !== null && y !== null) {
      points.push([x, y, objectiveOf(trial) as number, trial.number]);
    }
  }
  const data: PlotData[] = [];
  const xGrid = gridOf(
    points.map(p => p[0]),
    xAxis,
    bins
  );
  const yGrid = gridOf(
    points.map(p => p[1]),
    yAxis,
    bins
  );
  if (points.length >= 3 && xGrid.length > 1 && yGrid.length > 1) {
    const sums = yGrid.map(() => xGrid.map(() => 0));
    const counts = yGrid.map(() => xGrid.map(() => 0));
    for (const [x, y, value] of points) {
      const i = nearest(yGrid, y, yAxis.log);
      const j = nearest(xGrid, x, xAxis.log);
      sums[i][j] += value;
      counts[i][j] += 1;
    }
    const z = sums.map((row, i) =>
      row.map((sum, j) => (counts[i][j] > 0 ? sum / counts[i][j] : null))
    );
    data.push({
      type: 'contour',
      x: xGrid,
      y: yGrid,
      z,
      connectgaps: true,
      colorscale: 'Viridis',
      opacity: 0.85,
      contours: { coloring: 'heatmap' },
      colorbar: { title: { text: objective }, thickness: 12 },
      hoverinfo: 'skip'
    } as unknown as PlotData);
  }
  data.push({
    type: 'scatter',
    mode: 'markers',
    name: 'Trial',
    x: points.map(p => p[0]),
    y: points.map(p => p[1]),
    customdata: points.map(p => [p[3], p[2]]),
    marker: { color: '#ffffff', size: 6, line: { color: '#000000', width: 1 } },
    hovertemplate: `Trial %{customdata[0]}<br>${escapeLabel(xName)}: %{x}<br>${escapeLabel(yName)}: %{y}<br>${escapeLabel(objective)}: %{customdata[1]}<extra></extra>`
  } as PlotData);
  return {
    data,
    layout: {
      xaxis: axisLayout(xAxis, xName),
      yaxis: axisLayout(yAxis, yName),
      showlegend: false,
      margin: { l: 64, r: 16, t: 16, b: 48 }
    }
  };
}

/** Grid coordinates spanning `values` (log-spaced on log axes). */
function gridOf(
  values: ReadonlyArray<number>,
  axis: IAxisOf,
  bins: number
): number[] {
  if (axis.categorical) {
    return axis.categories.map((_, i) => i);
  }
  const usable = axis.log ? values.filter(v => v > 0) : values;
  if (usable.length === 0) {
    return [];
  }
  const scale = (v: number) => (axis.log ? Math.log10(v) : v);
  const unscale = (v: number) => (axis.log ? 10 ** v : v);
  const lo = scale(Math.min(...usable));
  const hi = scale(Math.max(...usable));
  if (hi === lo) {
    return [unscale(lo)];
  }
  const distinct = new Set(usable).size;
  const count = Math.max(2, Math.min(bins, distinct));
  return Array.from({ length: count }, (_, i) =>
    unscale(lo + ((hi - lo) * i) / (count - 1))
  );
}

function nearest(
  grid: ReadonlyArray<number>,
  value: number,
  log: boolean
): number {
  const at = (v: number) =>
    log ? Math.log10(Math.max(v, Number.MIN_VALUE)) : v;
  let best = 0;
  let distance = Infinity;
  grid.forEach((g, i) => {
    const d = Math.abs(at(g) - at(value));
    if (d < distance) {
      distance = d;
      best = i;
    }
  });
  return best;
}

/** Hyperparameter importances as horizontal bars, the most important on top. */
export function importancesFigure(
  importances: { readonly [name: string]: number },
  colors: IFigureColors = DEFAULT_FIGURE_COLORS
): IFigure {
  const entries = Object.entries(importances)
    .filter(([, v]) => Number.isFinite(v))
    .sort((a, b) => a[1] - b[1]);
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        x: entries.map(e => e[1]),
        y: entries.map(e => e[0]),
        marker: { color: colors.trial },
        text: entries.map(e => e[1].toFixed(3)),
        textposition: 'auto',
        textangle: 0,
        hovertemplate: '%{y}: %{x:.3f}<extra></extra>'
      }
    ],
    layout: {
      xaxis: { title: { text: 'Importance (fANOVA)' }, rangemode: 'tozero' },
      yaxis: { automargin: true },
      showlegend: false,
      margin: { l: 120, r: 16, t: 16, b: 40 }
    }
  };
}

/** The Pareto front of two objectives over every completed trial. */
export function paretoFigure(
  trials: ReadonlyArray<IPlotTrial>,
  names: readonly [string, string],
  directions: readonly [Direction, Direction],
  colors: IFigureColors = DEFAULT_FIGURE_COLORS
): IFigure {
  const front = paretoFront(trials, directions);
  const onFront = new Set(front.map(t => t.number));
  const rest = trials.filter(
    t =>
      !onFront.has(t.number) &&
      objectiveOf(t, 0) !== null &&
      objectiveOf(t, 1) !== null
  );
  const trace = (
    list: ReadonlyArray<IPlotTrial>,
    name: string,
    color: string,
    lines: boolean
  ): PlotData => ({
    type: 'scatter',
    mode: lines ? 'lines+markers' : 'markers',
    name,
    x: list.map(t => objectiveOf(t, 0) as number),
    y: list.map(t => objectiveOf(t, 1) as number),
    customdata: list.map(t => t.number),
    marker: { color, size: lines ? 8 : 6 },
    line: { color, width: 1, shape: 'hv' },
    hovertemplate: `Trial %{customdata}<br>${escapeLabel(names[0])}: %{x}<br>${escapeLabel(names[1])}: %{y}<extra></extra>`
  });
  return {
    data: [
      trace(rest, 'Trial', colors.muted, false),
      trace(front, 'Pareto front', colors.best, true)
    ],
    layout: {
      xaxis: { title: { text: `${names[0]} (${directions[0]})` } },
      yaxis: { title: { text: `${names[1]} (${directions[1]})` } },
      legend: { orientation: 'h', y: 1.12, x: 0 },
      margin: { l: 56, r: 16, t: 24, b: 40 }
    }
  };
}

/** A name as literal text in a plotly hover template. */
function escapeLabel(text: string): string {
  return text.replace(/[%{}<>]/g, c => `&#${c.charCodeAt(0)};`);
}
