/**
 * Reading the server's "a run changed" events.
 *
 * The server emits `updated` about once a second for every run that logged
 * something (SDK writes from kernels included), so views coalesce them with
 * a throttle instead of reloading on each.
 */
import type { Event } from '@jupyterlab/services';

import { RESOURCE_CHANGED_SCHEMA } from '../tokens';

/** A change to one run, as announced by the server. */
export interface IRunChange {
  readonly action: 'created' | 'updated' | 'deleted';
  readonly id: string;
}

/** The run change an event announces, or `null` for any other event. */
export function runChange(emission: Event.Emission): IRunChange | null {
  if (
    emission.schema_id !== RESOURCE_CHANGED_SCHEMA ||
    emission.resource !== 'runs'
  ) {
    return null;
  }
  const { action, id } = emission;
  if (
    typeof id !== 'string' ||
    (action !== 'created' && action !== 'updated' && action !== 'deleted')
  ) {
    return null;
  }
  return { action, id };
}

/** Milliseconds between refreshes caused by run events. */
export const LIVE_UPDATE_INTERVAL = 1000;
