/**
 * Reading the server's `resource_changed` events, and the fallback polls
 * that run while some resource is still changing.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { RESOURCE_CHANGED_SCHEMA } from './tokens';

/** A change to one resource, as announced by the server. */
export interface IResourceChange {
  readonly action: 'created' | 'updated' | 'deleted';
  /** The resource's id (a name for models and endpoints). */
  readonly id: string;
}

/**
 * The change of a `resource` (`'jobs'`, `'runs'`, …) an event announces, or
 * `null` for any other event.
 */
export function resourceChange(
  emission: Event.Emission,
  resource: string
): IResourceChange | null {
  if (
    emission.schema_id !== RESOURCE_CHANGED_SCHEMA ||
    emission.resource !== resource
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

/**
 * Run `poll` every `interval` ms only while `active`. Starting waits one
 * interval: the caller has just loaded, so an immediate tick would load
 * twice.
 */
export function setPolling(
  poll: Poll,
  active: boolean,
  interval: number
): void {
  if (poll.isDisposed) {
    return;
  }
  if (active) {
    void poll.schedule({
      cancel: ({ phase }) =>
        phase !== 'constructed' && phase !== 'standby' && phase !== 'stopped',
      interval,
      phase: 'started'
    });
  } else {
    void poll.stop();
  }
}
