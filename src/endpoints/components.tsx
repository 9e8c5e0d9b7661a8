/**
 * Small presentational pieces shared by the Endpoints sidebar and the
 * endpoint view.
 */
import * as React from 'react';

import type { Endpoint, EndpointStatus } from '../api/types';

/** How a status is shown: `InService` reads "In service". */
export function statusLabel(status: EndpointStatus): string {
  return status === 'InService' ? 'In service' : status;
}

/** An endpoint's status, coloured by what it means. */
export function EndpointStatusBadge(props: {
  status: EndpointStatus;
  testId?: string;
}): JSX.Element {
  return (
    <span
      className={`jp-MLStudio-badge jp-MLStudio-endpointStatus jp-mod-${props.status.toLowerCase()}`}
      data-testid={props.testId ?? 'mls-endpoint-status'}
      data-status={props.status}
      title={props.status}
    >
      {statusLabel(props.status)}
    </span>
  );
}

/** What an endpoint serves: `iris-rf v1`, or `iris-rf v1 (80%) + v2 (20%)`. */
export function servedModels(endpoint: Endpoint): string {
  const variants = endpoint.variants;
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  return variants
    .map(v => {
      const label = `${v.model} v${v.version}`;
      return variants.length > 1 && total > 0
        ? `${label} (${Math.round((v.weight / total) * 100)}%)`
        : label;
    })
    .join(' + ');
}

/** A variant's share of the traffic, in percent. */
export function trafficShare(
  weight: number,
  variants: ReadonlyArray<{ weight: number }>
): number {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  return total > 0 ? (weight / total) * 100 : 0;
}

/** `12.3 ms`, `1.20 s`; `—` without a value. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !isFinite(value)) {
    return '—';
  }
  if (value >= 1000) {
    return `${(value / 1000).toFixed(2)} s`;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
}
