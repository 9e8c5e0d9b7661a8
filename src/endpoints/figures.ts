/**
 * The live charts of an endpoint, built from its metrics samples (no DOM,
 * no state).
 */
import type { IFigure } from '../experiments/compare/figures';
import { traceColor } from '../charts/plotly';
import type { IMetricsSample } from './endpoint-model';

function timeAxis(samples: ReadonlyArray<IMetricsSample>): string[] {
  return samples.map(s => new Date(s.time).toISOString());
}

function baseLayout(title: string, yTitle: string): IFigure['layout'] {
  return {
    title: {
      text: title,
      font: { size: 13 },
      x: 0.01,
      xanchor: 'left'
    },
    margin: { l: 56, r: 16, t: 32, b: 36 },
    xaxis: { type: 'date' },
    yaxis: {
      title: { text: yTitle },
      rangemode: 'tozero',
      automargin: true
    },
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.12 }
  };
}

/** Requests per second between reads, with errors per second. */
export function requestsFigure(
  samples: ReadonlyArray<IMetricsSample>
): IFigure {
  const x = timeAxis(samples);
  const mode = samples.length === 1 ? 'markers' : 'lines+markers';
  return {
    data: [
      {
        type: 'scatter',
        mode,
        name: 'requests/s',
        x,
        y: samples.map(s => s.rate),
        line: { color: traceColor(0), width: 2, shape: 'hv' },
        marker: { color: traceColor(0), size: 4 },
        customdata: samples.map(s => s.requests),
        hovertemplate: '%{y:.2f} req/s (%{customdata} requests)<extra></extra>'
      },
      {
        type: 'scatter',
        mode,
        name: 'errors/s',
        x,
        y: samples.map(s => s.errorRate),
        line: { color: traceColor(3), width: 1.5, shape: 'hv' },
        marker: { color: traceColor(3), size: 4 },
        hovertemplate: '%{y:.2f} errors/s<extra></extra>'
      }
    ],
    layout: baseLayout('Requests per second', 'req/s')
  };
}

/** p50 and p99 latency, as the endpoint reports them at each read. */
export function latencyFigure(samples: ReadonlyArray<IMetricsSample>): IFigure {
  const x = timeAxis(samples);
  const mode = samples.length === 1 ? 'markers' : 'lines+markers';
  return {
    data: [
      {
        type: 'scatter',
        mode,
        name: 'p50',
        x,
        y: samples.map(s => s.p50),
        connectgaps: true,
        line: { color: traceColor(2), width: 2 },
        marker: { color: traceColor(2), size: 4 },
        hovertemplate: 'p50 %{y:.1f} ms<extra></extra>'
      },
      {
        type: 'scatter',
        mode,
        name: 'p99',
        x,
        y: samples.map(s => s.p99),
        connectgaps: true,
        line: { color: traceColor(1), width: 2 },
        marker: { color: traceColor(1), size: 4 },
        hovertemplate: 'p99 %{y:.1f} ms<extra></extra>'
      }
    ],
    layout: baseLayout('Latency', 'ms')
  };
}
