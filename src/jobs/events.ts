/**
 * Reading the server's "a job changed" events. The server announces every
 * status and progress change, about once a second per active job, so views
 * coalesce them with a throttle.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { RESOURCE_CHANGED_SCHEMA } from '../tokens';

/** A change to one job, as announced by the server. */
export interface IJobChange {
  readonly action: 'created' | 'updated' | 'deleted';
  readonly id: string;
}

/** The job change an event announces, or `null` for any other event. */
export function jobChange(emission: Event.Emission): IJobChange | null {
  if (
    emission.schema_id !== RESOURCE_CHANGED_SCHEMA ||
    emission.resource !== 'jobs'
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

/** Milliseconds between refreshes caused by job events. */
export const JOB_UPDATE_INTERVAL = 1000;

/**
 * Milliseconds between fallback polls while a job is active, for servers
 * whose events do not reach the page.
 */
export const JOB_FALLBACK_POLL = 5000;

/**
 * Run a fallback poll only while `active`. Starting waits one interval: the
 * caller has just loaded, so an immediate tick would load twice.
 */
export function setPolling(poll: Poll, active: boolean): void {
  if (poll.isDisposed) {
    return;
  }
  if (active) {
    void poll.schedule({
      cancel: ({ phase }) =>
        phase !== 'constructed' && phase !== 'standby' && phase !== 'stopped',
      interval: JOB_FALLBACK_POLL,
      phase: 'started'
    });
  } else {
    void poll.stop();
  }
}
