/**
 * The live charts of an endpoint, built from its metrics samples (no DOM,
 * no state).
 */
import type { IFigure } from '../charts/plotly';
import { type ScatterTrace, traceColor } from '../charts/plotly';
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

/**
 * One line over the samples' read times, in the trace colour `color`;
 * `extra` adds to the trace (its `line` to the line style).
 */
function sampleLine(
  samples: ReadonlyArray<IMetricsSample>,
  name: string,
  value: (sample: IMetricsSample) => number | null,
  style: { color: number; width: number; hovertemplate: string },
  extra: ScatterTrace = {}
): ScatterTrace {
  const color = traceColor(style.color);
  return {
    type: 'scatter',
    mode: samples.length === 1 ? 'markers' : 'lines+markers',
    name,
    x: timeAxis(samples),
    y: samples.map(value),
    ...extra,
    line: { color, width: style.width, ...extra.line },
    marker: { color, size: 4 },
    hovertemplate: style.hovertemplate
  };
}

/** Requests per second between reads, with errors per second. */
export function requestsFigure(
  samples: ReadonlyArray<IMetricsSample>
): IFigure {
  return {
    data: [
      sampleLine(
        samples,
        'requests/s',
        s => s.rate,
        {
          color: 0,
          width: 2,
          hovertemplate:
            '%{y:.2f} req/s (%{customdata} requests)<extra></extra>'
        },
        { line: { shape: 'hv' }, customdata: samples.map(s => s.requests) }
      ),
      sampleLine(
        samples,
        'errors/s',
        s => s.errorRate,
        {
          color: 3,
          width: 1.5,
          hovertemplate: '%{y:.2f} errors/s<extra></extra>'
        },
        { line: { shape: 'hv' } }
      )
    ],
    layout: baseLayout('Requests per second', 'req/s')
  };
}

/** p50 and p99 latency, as the endpoint reports them at each read. */
export function latencyFigure(samples: ReadonlyArray<IMetricsSample>): IFigure {
  return {
    data: [
      sampleLine(
        samples,
        'p50',
        s => s.p50,
        { color: 2, width: 2, hovertemplate: 'p50 %{y:.1f} ms<extra></extra>' },
        { connectgaps: true }
      ),
      sampleLine(
        samples,
        'p99',
        s => s.p99,
        { color: 1, width: 2, hovertemplate: 'p99 %{y:.1f} ms<extra></extra>' },
        { connectgaps: true }
      )
    ],
    layout: baseLayout('Latency', 'ms')
  };
}
