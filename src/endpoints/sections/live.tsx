/**
 * The live request and latency charts and the recent errors.
 */
import * as React from 'react';

import { isServing } from '../../api/endpoints';
import type { Endpoint } from '../../api/types';
import { PlotlyChart } from '../../charts/chart';
import type { IThemeColors } from '../../charts/theme';
import type { EndpointModel } from '../endpoint-model';
import { latencyFigure, requestsFigure } from '../figures';
import { formatMs } from '../../ui/format';
import { PageSection, ScrollTable } from '../../ui/components';

export function LiveSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
  colors: IThemeColors;
}): JSX.Element {
  const { model, colors } = props;
  const serving = isServing(props.endpoint);
  const samples = model.samples;
  const totals = model.metrics?.totals ?? null;
  const lookups = [...(model.metrics?.variants.values() ?? [])]
    .map(v => v.lookupP99)
    .filter((v): v is number => v !== null);
  const lookupP99 = lookups.length ? Math.max(...lookups) : null;
  const requests = React.useMemo(() => requestsFigure(samples), [samples]);
  const latency = React.useMemo(() => latencyFigure(samples), [samples]);
  const counted = samples.reduce((sum, s) => sum + s.requests, 0);
  return (
    <PageSection
      title="Live metrics"
      aside={
        <span className="jp-MLStudio-muted">
          {model.metricsError
            ? `Metrics unavailable: ${model.metricsError}`
            : 'every 2 s while shown'}
        </span>
      }
    >
      <dl
        className="jp-MLStudio-endpointStats"
        data-testid="mls-endpoint-stats"
      >
        <div>
          <dt>Requests</dt>
          <dd data-testid="mls-endpoint-requests">
            {totals ? totals.requests : '—'}
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-testid="mls-endpoint-errors">
            {totals ? totals.errors4xx + totals.errors5xx : '—'}
          </dd>
        </div>
        <div>
          <dt>p50</dt>
          <dd>{formatMs(totals?.p50)}</dd>
        </div>
        <div>
          <dt>p99</dt>
          <dd>{formatMs(totals?.p99)}</dd>
        </div>
        {props.endpoint.features.length > 0 && (
          <div title="p99 of the online feature lookups (the slowest variant)">
            <dt>Lookup p99</dt>
            <dd data-testid="mls-endpoint-lookup-p99">{formatMs(lookupP99)}</dd>
          </div>
        )}
      </dl>
      <div
        className="jp-MLStudio-endpointCharts"
        data-testid="mls-endpoint-charts"
        data-points={samples.length}
        data-counted={counted}
      >
        {samples.length === 0 ? (
          <div
            className="jp-MLStudio-chartCard jp-MLStudio-endpointNoChart"
            data-testid="mls-endpoint-no-metrics"
          >
            {serving
              ? 'Waiting for the first metrics…'
              : 'No metrics: the endpoint is not serving.'}
          </div>
        ) : (
          (
            [
              ['mls-requests-chart', requests],
              ['mls-latency-chart', latency]
            ] as const
          ).map(([testId, figure]) => (
            <div key={testId} className="jp-MLStudio-chartCard">
              <PlotlyChart
                testId={testId}
                figure={figure}
                colors={colors}
                height={200}
              />
            </div>
          ))
        )}
      </div>
    </PageSection>
  );
}

export function ErrorsSection(props: { model: EndpointModel }): JSX.Element {
  const errors = props.model.recentErrors;
  return (
    <PageSection title="Recent errors">
      {errors.length === 0 ? (
        <div className="jp-MLStudio-muted" data-testid="mls-endpoint-no-errors">
          No failed requests.
        </div>
      ) : (
        <ScrollTable
          testId="mls-endpoint-error-table"
          className="jp-MLStudio-endpointErrors"
          size="short"
          head={
            <>
              <th>Time</th>
              <th className="jp-mod-numeric">Status</th>
              <th>Request</th>
              <th>Message</th>
            </>
          }
        >
          {errors.map((error, index) => (
            <tr key={`${error.time}-${index}`} data-testid="mls-error-row">
              <td className="jp-MLStudio-mono" title={error.time}>
                {error.time.slice(11, 19) || error.time}
              </td>
              <td className="jp-mod-numeric">{error.status}</td>
              <td className="jp-MLStudio-mono">
                {error.method} {error.path}
              </td>
              <td title={error.message}>{error.message}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </PageSection>
  );
}
