/**
 * Reading the server's "an endpoint changed" events. The server announces
 * what it was asked to do (deploy, update, delete); the status changes that
 * follow are not announced, so models also poll while an endpoint is in
 * transition.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { RESOURCE_CHANGED_SCHEMA } from '../tokens';

/** A change to one endpoint, as announced by the server. */
export interface IEndpointChange {
  readonly action: 'created' | 'updated' | 'deleted';
  /** The endpoint's name. */
  readonly name: string;
}

/** The endpoint change an event announces, or `null` for any other event. */
export function endpointChange(
  emission: Event.Emission
): IEndpointChange | null {
  if (
    emission.schema_id !== RESOURCE_CHANGED_SCHEMA ||
    emission.resource !== 'endpoints'
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
  return { action, name: id };
}

/** Milliseconds between refreshes caused by endpoint events. */
export const ENDPOINT_UPDATE_INTERVAL = 500;

/** Milliseconds between polls while an endpoint is in transition. */
export const ENDPOINT_TRANSITION_POLL = 2000;

/** Run `poll` every `interval` ms only while `active`. */
export function setPolling(
  poll: Poll,
  active: boolean,
  interval = ENDPOINT_TRANSITION_POLL
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
