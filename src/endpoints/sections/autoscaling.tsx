/**
 * Autoscaling and scale to zero (serving/autoscaling.py): the policies, the
 * instances serving now and wanted, the instance count over time, whether
 * the endpoint is scaled to zero and its last cold start. The state comes
 * with the endpoint's metrics (`autoscaling`), read every 2 s while shown.
 */
import * as React from 'react';

import type { Endpoint } from '../../api/types';
import { PlotlyChart } from '../../charts/chart';
import type { IFigure } from '../../charts/plotly';
import { traceColor } from '../../charts/plotly';
import type { IThemeColors } from '../../charts/theme';
import { PageSection } from '../../ui/components';
import type { EndpointModel } from '../endpoint-model';

/** A variant's target-tracking policy, as the endpoint describes it. */
export interface IScalingPolicy {
  min_instances: number;
  max_instances: number;
  target_invocations_per_instance?: number | null;
  target_cpu_percent?: number | null;
  scale_out_cooldown: number;
  scale_in_cooldown: number;
  window_seconds: number;
}

/** The live state the endpoint's supervisor reports. */
export interface IScalingState {
  instances: number;
  desired: number;
  scaledToZero: boolean;
  idleSeconds: number | null;
  coldStarts: number;
  lastColdStart: number | null;
  /** [seconds since the epoch, instances] */
  history: ReadonlyArray<readonly [number, number]>;
  /** Requests per minute over the window, by variant. */
  rates: ReadonlyMap<string, number | null>;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && isFinite(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read the metrics document's loosely typed `autoscaling` part. */
export function parseScalingState(value: unknown): IScalingState | null {
  if (!isRecord(value)) {
    return null;
  }
  const history = Array.isArray(value.history)
    ? value.history
        .filter(
          (p): p is [number, number] =>
            Array.isArray(p) && num(p[0]) !== null && num(p[1]) !== null
        )
        .map(p => [p[0], p[1]] as const)
    : [];
  const rates = new Map<string, number | null>();
  if (isRecord(value.variants)) {
    for (const [name, variant] of Object.entries(value.variants)) {
      rates.set(
        name,
        isRecord(variant) ? num(variant.invocations_per_minute) : null
      );
    }
  }
  return {
    instances: num(value.instances) ?? 0,
    desired: num(value.desired) ?? 0,
    scaledToZero: value.scaled_to_zero === true,
    idleSeconds: num(value.idle_seconds),
    coldStarts: num(value.cold_starts) ?? 0,
    lastColdStart: num(value.last_cold_start_seconds),
    history,
    rates
  };
}

/** "600 invocations / instance / min" or "CPU 70 %". */
export function targetText(policy: IScalingPolicy): string {
  if (policy.target_cpu_percent) {
    return `CPU ${policy.target_cpu_percent} %`;
  }
  return `${policy.target_invocations_per_instance ?? '—'} invocations / instance / min`;
}

/** The instance count over time, as steps. */
export function instancesFigure(state: IScalingState, now: number): IFigure {
  const points = [...state.history];
  const last = points[points.length - 1];
  if (last && last[0] < now) {
    points.push([now, state.instances]);
  }
  const color = traceColor(0);
  const most = Math.max(1, ...points.map(p => p[1]));
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'instances',
        x: points.map(p => new Date(p[0] * 1000).toISOString()),
        y: points.map(p => p[1]),
        line: { color, width: 2, shape: 'hv' },
        fill: 'tozeroy',
        hovertemplate: '%{y} instance(s)<extra></extra>'
      }
    ],
    layout: {
      title: {
        text: 'Instances over time',
        font: { size: 13 },
        x: 0.01,
        xanchor: 'left'
      },
      margin: { l: 56, r: 16, t: 32, b: 36 },
      xaxis: { type: 'date' },
      yaxis: {
        title: { text: 'instances' },
        range: [0, most + 0.5],
        dtick: 1,
        automargin: true
      },
      showlegend: false
    }
  };
}

function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '—';
  }
  // 0.42 s, 5 s, 300 s: no trailing zeros
  return `${value < 10 ? +value.toFixed(2) : Math.round(value)} s`;
}

/** Whether the endpoint autoscales or scales to zero. */
export function hasScaling(endpoint: Endpoint): boolean {
  return (
    Object.keys(endpoint.autoscaling ?? {}).length > 0 ||
    (endpoint.scale_to_zero_after ?? null) !== null
  );
}

export function AutoscalingSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
  colors: IThemeColors;
}): JSX.Element {
  const { model, endpoint, colors } = props;
  const state = parseScalingState(model.metrics?.autoscaling);
  const figure = React.useMemo(
    () => (state ? instancesFigure(state, model.metrics?.time ?? 0) : null),
    [model.metrics]
  );
  if (!hasScaling(endpoint)) {
    return <></>;
  }
  const policies = Object.entries(
    (endpoint.autoscaling ?? {}) as unknown as Record<string, IScalingPolicy>
  );
  const zeroAfter = endpoint.scale_to_zero_after ?? null;
  const status = !state
    ? '—'
    : state.scaledToZero
      ? 'Scaled to zero'
      : state.instances === 0
        ? 'Starting'
        : 'Serving';
  return (
    <PageSection
      title="Autoscaling"
      testId="mls-endpoint-autoscaling"
      aside={
        <span className="jp-MLStudio-muted">
          target tracking, as SageMaker's Application Auto Scaling
        </span>
      }
    >
      <dl
        className="jp-MLStudio-endpointStats"
        data-testid="mls-autoscaling-stats"
      >
        <div>
          <dt>Instances</dt>
          <dd data-testid="mls-autoscaling-instances">
            {state ? state.instances : '—'}
          </dd>
        </div>
        <div>
          <dt>Desired</dt>
          <dd data-testid="mls-autoscaling-desired">
            {state ? state.desired : '—'}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd
            data-testid="mls-autoscaling-status"
            data-scaled-to-zero={state?.scaledToZero ? 'true' : 'false'}
          >
            {status}
          </dd>
        </div>
        <div title="From the first request at zero instances to its answer">
          <dt>Last cold start</dt>
          <dd data-testid="mls-autoscaling-cold-start">
            {seconds(state?.lastColdStart)}
            {state && state.coldStarts > 0 ? ` (${state.coldStarts}×)` : ''}
          </dd>
        </div>
      </dl>
      <table
        className="jp-MLStudio-table jp-MLStudio-scalingTable"
        data-testid="mls-autoscaling-policies"
      >
        <thead>
          <tr>
            <th>Variant</th>
            <th>Min–max</th>
            <th>Target</th>
            <th>Traffic</th>
            <th>Cooldown out / in</th>
            <th>Window</th>
          </tr>
        </thead>
        <tbody>
          {policies.map(([name, policy]) => {
            const rate = state?.rates.get(name) ?? null;
            return (
              <tr key={name} data-variant={name}>
                <td>{name}</td>
                <td>
                  {policy.min_instances}–{policy.max_instances}
                </td>
                <td>{targetText(policy)}</td>
                <td>
                  {rate === null ? '—' : `${Math.round(rate)} requests / min`}
                </td>
                <td>
                  {seconds(policy.scale_out_cooldown)} /{' '}
                  {seconds(policy.scale_in_cooldown)}
                </td>
                <td>{seconds(policy.window_seconds)}</td>
              </tr>
            );
          })}
          <tr data-variant="">
            <td>Scale to zero</td>
            <td colSpan={5} data-testid="mls-autoscaling-zero-after">
              {zeroAfter === null
                ? 'Off: the workers keep running when idle'
                : `After ${seconds(zeroAfter)} without a request; the next request starts a worker`}
            </td>
          </tr>
        </tbody>
      </table>
      <div
        className="jp-MLStudio-chartCard"
        data-testid="mls-autoscaling-chart-card"
        data-points={state?.history.length ?? 0}
      >
        {figure && state && state.history.length > 0 ? (
          <PlotlyChart
            testId="mls-instances-chart"
            figure={figure}
            colors={colors}
            height={180}
          />
        ) : (
          <div className="jp-MLStudio-endpointNoChart">
            Waiting for the first instance count…
          </div>
        )}
      </div>
    </PageSection>
  );
}
