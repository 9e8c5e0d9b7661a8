/**
 * plotly.js, loaded on first use with a dynamic `import()`: webpack puts it
 * in its own chunk, so JupyterLab start-up never downloads it.
 */
import type * as PlotlyModule from 'plotly.js-dist-min';

import type { IThemeColors } from './theme';

export type Plotly = typeof PlotlyModule;
export type PlotData = PlotlyModule.Data;
export type ScatterTrace = Partial<PlotlyModule.PlotData>;
export type PlotLayout = Partial<PlotlyModule.Layout>;
export type PlotConfig = Partial<PlotlyModule.Config>;

/** A figure: traces and layout. */
export interface IFigure {
  data: PlotData[];
  layout: PlotLayout;
}

let loading: Promise<Plotly> | null = null;

/** The plotly module (one download, shared by every chart). */
export function loadPlotly(): Promise<Plotly> {
  if (!loading) {
    loading = import(
      /* webpackChunkName: "mlstudio-plotly" */ 'plotly.js-dist-min'
    ).then(module => {
      // The bundle is CommonJS: depending on interop it is the namespace
      // itself or its `default` export.
      const withDefault = module as unknown as { default?: Plotly };
      return withDefault.default ?? (module as unknown as Plotly);
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** A categorical palette readable on light and dark backgrounds. */
export const TRACE_COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f'
];

/** The colour of the n-th series. */
export function traceColor(index: number): string {
  return TRACE_COLORS[index % TRACE_COLORS.length];
}

/** The theme-dependent parts of a layout, merged under `layout`. */
export function themedLayout(
  layout: PlotLayout,
  colors: IThemeColors
): PlotLayout {
  const axis = {
    gridcolor: colors.gridLine,
    linecolor: colors.border,
    zerolinecolor: colors.border,
    tickfont: { color: colors.foregroundMuted },
    title: { font: { color: colors.foreground } }
  };
  const merge = <T extends object>(base: T, extra: unknown): T =>
    typeof extra === 'object' && extra !== null ? { ...base, ...extra } : base;
  return {
    autosize: true,
    margin: { l: 56, r: 16, t: 32, b: 40 },
    ...layout,
    paper_bgcolor: colors.background,
    plot_bgcolor: colors.background,
    font: {
      family: colors.uiFont,
      size: 11,
      color: colors.foreground
    },
    hoverlabel: {
      bgcolor: colors.panel,
      bordercolor: colors.border,
      font: { color: colors.foreground }
    },
    legend: merge(
      {
        font: { color: colors.foreground },
        bgcolor: 'rgba(0,0,0,0)'
      },
      layout.legend
    ),
    xaxis: merge(axis, layout.xaxis),
    yaxis: merge(axis, layout.yaxis)
  };
}

/** Options every chart shares: responsive, a small mode bar, no logo. */
export const CHART_CONFIG: PlotConfig = {
  responsive: true,
  displaylogo: false,
  displayModeBar: 'hover',
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'sendDataToCloud']
};
