/**
 * Small presentational pieces shared by the Endpoints sidebar and the
 * endpoint view.
 */
import * as React from 'react';

import type { Endpoint, EndpointStatus } from '../api/types';
import { StatusBadge } from '../ui/components';

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
    <StatusBadge
      className="jp-MLStudio-endpointStatus"
      status={props.status}
      label={statusLabel(props.status)}
      title={props.status}
      testId={props.testId ?? 'mls-endpoint-status'}
    />
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
