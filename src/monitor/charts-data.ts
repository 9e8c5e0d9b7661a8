/**
 * Pure helpers of the execution charts: plotly figures of drift over time,
 * baseline-vs-current histograms and model quality over time, and the
 * narrowing of an execution's report (untyped JSON on the wire) to the
 * histograms the charts draw.
 */
import type {
  DriftPoint,
  FeatureDriftHistory,
  HistoryExecution,
  QualityPoint
} from '../api/monitor-reports';
import { isPValueMethod } from '../api/monitor-reports';
import type { IFigure, PlotData, PlotLayout } from '../charts/plotly';
import type { IThemeColors } from '../charts/theme';

/** Drawn for p-values of 0 (a log axis cannot show 0). */
const P_FLOOR = 1e-16;
const BASELINE_COLOR = '#7f7f7f';
const CURRENT_COLOR = '#ff7f0e';
const ESTIMATE_COLOR = '#9467bd';

/** A feature's histogram in one report (shares, not counts). */
export interface IHistogram {
  edges: number[] | null;
  categories: string[] | null;
  reference: number[];
  current: number[];
  currentBelow: number;
  currentAbove: number;
}

/** One feature of a report: its test and histogram. */
export interface IReportFeature {
  name: string;
  kind: string;
  method: string;
  statistic: number | null;
  pValue: number | null;
  threshold: number | null;
  drifted: boolean;
  histogram: IHistogram | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numbers(value: unknown): number[] | null {
  return Array.isArray(value) && value.every(v => typeof v === 'number')
    ? (value as number[])
    : null;
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) && value.every(v => typeof v === 'string')
    ? (value as string[])
    : null;
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function histogramOf(value: unknown): IHistogram | null {
  if (!isRecord(value)) {
    return null;
  }
  const reference = numbers(value.reference);
  const current = numbers(value.current);
  if (!reference || !current) {
    return null;
  }
  return {
    edges: numbers(value.edges),
    categories: strings(value.categories),
    reference,
    current,
    currentBelow: numberOr(value.current_below, 0),
    currentAbove: numberOr(value.current_above, 0)
  };
}

/** The features of a data-quality report (empty for anything else). */
export function reportFeatures(
  report: Record<string, unknown> | null | undefined
): IReportFeature[] {
  const features = report?.features;
  if (!Array.isArray(features)) {
    return [];
  }
  return features.filter(isRecord).flatMap(entry =>
    typeof entry.name === 'string'
      ? [
          {
            name: entry.name,
            kind: typeof entry.kind === 'string' ? entry.kind : 'numerical',
            method: typeof entry.method === 'string' ? entry.method : '',
            statistic: numberOr(entry.statistic, null),
            pValue: numberOr(entry.p_value, null),
            threshold: numberOr(entry.threshold, null),
            drifted: entry.drifted === true,
            histogram: histogramOf(entry.histogram)
          }
        ]
      : []
  );
}

/** The point of `executionId` in a feature's history, if it was tested. */
export function pointOf(
  feature: FeatureDriftHistory,
  executionId: string
): DriftPoint | undefined {
  return feature.points.find(p => p.execution_id === executionId);
}

/**
 * The features, most drifted in `executionId` first (by severity, which is
 * comparable across tests), then the history's order.
 */
export function sortByDrift(
  features: ReadonlyArray<FeatureDriftHistory>,
  executionId: string
): FeatureDriftHistory[] {
  const severity = (f: FeatureDriftHistory): number =>
    pointOf(f, executionId)?.severity ?? -1;
  return features
    .map((feature, index) => ({ feature, index }))
    .sort(
      (a, b) => severity(b.feature) - severity(a.feature) || a.index - b.index
    )
    .map(entry => entry.feature);
}

/** "p = 0.0012" or "wasserstein = 0.23" of a point. */
export function describePoint(point: DriftPoint): string {
  const format = (value: number) =>
    value !== 0 && Math.abs(value) < 1e-3
      ? value.toExponential(1)
      : value.toFixed(3);
  if (isPValueMethod(point.method)) {
    return point.p_value === null
      ? `${point.method}: not tested`
      : `${point.method} p = ${format(point.p_value)}`;
  }
  return point.statistic === null
    ? `${point.method}: not tested`
    : `${point.method} = ${format(point.statistic)}`;
}

/**
 * A feature's drift over time: its p-value (log axis) or distance per
 * execution, the threshold as a dashed line, drifted executions in the
 * error colour and the selected one ringed. When the test changed between
 * executions (an edited override), the severity is drawn instead (1 = the
 * threshold), the one scale every test shares.
 */
export function driftFigure(
  feature: FeatureDriftHistory,
  executionId: string,
  colors: IThemeColors
): IFigure {
  const points = feature.points;
  const methods = new Set(points.map(p => p.method));
  const mixed = methods.size > 1;
  const pValues = !mixed && isPValueMethod(points[0]?.method ?? '');
  const valueOf = (p: DriftPoint): number | null => {
    if (mixed) {
      return p.severity;
    }
    if (pValues) {
      return p.p_value === null ? null : Math.max(p.p_value, P_FLOOR);
    }
    return p.statistic;
  };
  const x = points.map(p => p.time);
  const y = points.map(valueOf);
  const thresholds = points.map(p => (mixed ? 1 : p.threshold));
  const label = mixed
    ? 'Severity (1 = threshold)'
    : pValues
      ? `p-value (${points[0]?.method})`
      : `${points[0]?.method ?? 'distance'} distance`;
  const selected = points.filter(p => p.execution_id === executionId);
  const data: PlotData[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: label,
      x,
      y,
      text: points.map(p => describePoint(p)),
      hovertemplate: '%{x}<br>%{text}<extra></extra>',
      line: { color: colors.accent, width: 2 },
      marker: {
        size: 8,
        color: points.map(p => (p.drifted ? colors.error : colors.accent))
      }
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: mixed
        ? 'Threshold'
        : `Threshold ${thresholds[thresholds.length - 1]}`,
      x,
      y: thresholds,
      hoverinfo: 'skip',
      line: { color: colors.error, dash: 'dash', width: 1.5, shape: 'hv' }
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'This execution',
      x: selected.map(p => p.time),
      y: selected.map(valueOf),
      hoverinfo: 'skip',
      marker: {
        size: 16,
        color: 'rgba(0,0,0,0)',
        line: { color: colors.foreground, width: 2 }
      }
    }
  ];
  const layout: PlotLayout = {
    margin: { l: 64, r: 16, t: 16, b: 40 },
    showlegend: true,
    legend: { orientation: 'h', y: -0.2 },
    xaxis: { type: 'date' },
    yaxis: {
      title: { text: label },
      type: pValues ? 'log' : 'linear',
      rangemode: pValues ? undefined : 'tozero'
    }
  };
  return { data, layout };
}

/** Three significant digits, without an exponent: 7718.59 → 7720. */
function short(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function binLabel(low: number, high: number): string {
  return `${short(low)}–${short(high)}`;
}

/**
 * Baseline vs current shares of one feature: a bar per bin of the
 * baseline's range (current values below or above it as their own bars,
 * when there are any) or per category.
 */
export function histogramFigure(histogram: IHistogram): IFigure {
  let labels: string[];
  let reference = histogram.reference;
  let current = histogram.current;
  if (histogram.categories) {
    labels = histogram.categories.map(c => (c === '__other__' ? 'other' : c));
  } else {
    const edges = histogram.edges ?? [];
    labels = reference.map((_, i) => binLabel(edges[i], edges[i + 1]));
    if (histogram.currentBelow > 0) {
      labels = [`< ${short(edges[0])}`, ...labels];
      reference = [0, ...reference];
      current = [histogram.currentBelow, ...current];
    }
    if (histogram.currentAbove > 0) {
      const last = edges[edges.length - 1];
      labels = [...labels, `> ${short(last)}`];
      reference = [...reference, 0];
      current = [...current, histogram.currentAbove];
    }
  }
  const bar = (name: string, y: number[], color: string): PlotData => ({
    type: 'bar',
    name,
    x: labels,
    y,
    marker: { color },
    hovertemplate: '%{x}: %{y:.1%}<extra>' + name + '</extra>'
  });
  return {
    data: [
      bar('Baseline', reference, BASELINE_COLOR),
      bar('This execution', current, CURRENT_COLOR)
    ],
    layout: {
      barmode: 'group',
      margin: { l: 56, r: 16, t: 36, b: 64 },
      legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom' },
      xaxis: { type: 'category', tickangle: labels.length > 8 ? -35 : 0 },
      yaxis: { title: { text: 'Share of rows' }, tickformat: '.0%' }
    }
  };
}

const CLASSIFICATION_METRICS = ['accuracy', 'f1', 'auc', 'precision', 'recall'];
const METRIC_LABELS: Record<string, string> = {
  accuracy: 'Accuracy',
  f1: 'F1',
  auc: 'AUC',
  precision: 'Precision',
  recall: 'Recall',
  mae: 'MAE',
  rmse: 'RMSE',
  r2: 'R²'
};

/** A metric's display name. */
export function metricLabel(name: string): string {
  return METRIC_LABELS[name] ?? name;
}

/** The realized metrics the points have, in display order. */
export function qualityMetrics(points: ReadonlyArray<QualityPoint>): string[] {
  const present = new Set(
    points.flatMap(p =>
      Object.entries(p.metrics)
        .filter(([, v]) => v !== null)
        .map(([k]) => k)
    )
  );
  const order = [...CLASSIFICATION_METRICS, 'mae', 'rmse', 'r2'];
  return [
    ...order.filter(m => present.has(m)),
    ...[...present].filter(m => !order.includes(m)).sort()
  ];
}

/**
 * Realized quality over time, a line per metric, with CBPE's estimated
 * accuracy dashed next to the realized accuracy (where there is one); R²
 * on its own axis beside the error metrics of a regression.
 */
export function qualityFigure(
  points: ReadonlyArray<QualityPoint>,
  executions: ReadonlyArray<HistoryExecution>,
  executionId: string,
  colors: IThemeColors
): IFigure {
  const metrics = qualityMetrics(points);
  const regression = metrics.some(m => m === 'mae' || m === 'rmse');
  // no red: it means drift and violations elsewhere
  const palette = [colors.accent, '#2ca02c', '#8c564b', '#17becf', '#e377c2'];
  const x = points.map(p => p.time);
  const data: PlotData[] = metrics.map((metric, index) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: `${metricLabel(metric)} (realized)`,
    x,
    y: points.map(p => p.metrics[metric] ?? null),
    yaxis: regression && metric === 'r2' ? 'y2' : 'y',
    line: { color: palette[index % palette.length], width: 2 },
    marker: { size: 7 }
  }));
  if (points.some(p => p.estimated_accuracy !== null)) {
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: 'Accuracy (estimated, CBPE)',
      x,
      y: points.map(p => p.estimated_accuracy),
      line: { color: ESTIMATE_COLOR, width: 2, dash: 'dash' },
      marker: { size: 7, symbol: 'diamond' }
    });
  }
  const selected = executions.find(e => e.id === executionId);
  const layout: PlotLayout = {
    margin: { l: 56, r: regression ? 56 : 16, t: 16, b: 40 },
    legend: { orientation: 'h', y: -0.2 },
    xaxis: { type: 'date' },
    yaxis: regression
      ? { title: { text: 'Error' }, rangemode: 'tozero' }
      : { title: { text: 'Score' }, range: [0, 1.05] },
    shapes: selected
      ? [
          {
            type: 'line',
            xref: 'x',
            yref: 'paper',
            x0: selected.time,
            x1: selected.time,
            y0: 0,
            y1: 1,
            line: { color: colors.foregroundMuted, dash: 'dot', width: 1.5 }
          }
        ]
      : []
  };
  if (regression) {
    layout.yaxis2 = {
      title: { text: 'R²' },
      overlaying: 'y',
      side: 'right',
      showgrid: false
    };
  }
  return { data, layout };
}
