/**
 * Typed client for an endpoint's shadow variant (serving/shadow.py): the
 * comparison with production and the promotion.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api/request';
import type { Endpoint, ShadowComparison } from '../api/types';

function shadowPath(name: string, rest: string): string {
  return `endpoints/${encodeURIComponent(name)}/shadow/${rest}`;
}

/** The shadow's answers against production's on the same requests. */
export function getShadowComparison(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ShadowComparison> {
  return requestAPI<ShadowComparison>(
    shadowPath(name, 'compare'),
    {},
    settings
  );
}

/** Make the shadow the production variant; the endpoint comes back `Updating`. */
export function promoteEndpointShadow(
  name: string,
  replace: string | null,
  settings?: ServerConnection.ISettings
): Promise<Endpoint> {
  return requestAPI<Endpoint>(
    shadowPath(name, 'promote'),
    { method: 'POST', body: JSON.stringify(replace ? { replace } : {}) },
    settings
  );
}
