/**
 * A React component that renders one plotly figure into a div, following
 * the JupyterLab theme. Plotly is loaded on the first mount.
 */
import * as React from 'react';

import {
  CHART_CONFIG,
  IFigure,
  loadPlotly,
  PlotConfig,
  themedLayout
} from './plotly';
import { errorMessage } from '../api/request';
import type { IThemeColors } from './theme';

/**
 * The figure to draw: whole (`figure`), or as `data` and `layout` where the two
 * come apart (a figure read from a report).
 */
export type IPlotlyChartProps = ({ figure: IFigure } | IFigure) &
  IPlotlyChartOptions;

export interface IPlotlyChartOptions {
  colors: IThemeColors;
  config?: PlotConfig;
  /** Apply the theme's colours (off for figures logged by users). */
  themed?: boolean;
  className?: string;
  testId?: string;
  /** Height in pixels (plotly needs one). */
  height?: number;
}

export function PlotlyChart(props: IPlotlyChartProps): JSX.Element {
  const node = React.useRef<HTMLDivElement>(null);
  const [error, setError] = React.useState<string | null>(null);
  const { data, layout } = 'figure' in props ? props.figure : props;
  const { colors, config, themed = true, height = 300 } = props;

  React.useEffect(() => {
    let cancelled = false;
    const div = node.current;
    if (!div) {
      return;
    }
    loadPlotly()
      .then(Plotly => {
        if (cancelled) {
          return;
        }
        const full = themed ? themedLayout(layout, colors) : layout;
        return Plotly.react(
          div,
          data,
          { ...full, height },
          { ...CHART_CONFIG, ...config }
        );
      })
      .then(() => setError(null))
      .catch(reason => {
        if (!cancelled) {
          setError(errorMessage(reason));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [data, layout, colors, config, themed, height]);

  // Release plotly's listeners when the chart goes away.
  React.useEffect(() => {
    const div = node.current;
    return () => {
      if (div) {
        void loadPlotly().then(Plotly => Plotly.purge(div));
      }
    };
  }, []);

  // Follow the container's width (the main area is resizable).
  React.useEffect(() => {
    const div = node.current;
    if (!div || typeof ResizeObserver === 'undefined') {
      return;
    }
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (div.isConnected && div.classList.contains('js-plotly-plot')) {
          void loadPlotly().then(Plotly => Plotly.Plots.resize(div));
        }
      });
    });
    observer.observe(div);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, []);

  return (
    <div
      className={`jp-MLStudio-chart ${props.className ?? ''}`}
      data-testid={props.testId}
    >
      <div ref={node} style={{ height }} />
      {error && (
        <div className="jp-MLStudio-chartError" role="alert">
          Could not draw the chart: {error}
        </div>
      )}
    </div>
  );
}
