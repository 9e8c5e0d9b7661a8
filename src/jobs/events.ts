/**
 * Reading the server's "a job changed" events. The server announces every
 * status and progress change, about once a second per active job, so views
 * coalesce them with a throttle.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { IResourceChange, resourceChange, setPolling as poll } from '../events';

/** A change to one job, as announced by the server. */
export type IJobChange = IResourceChange;

/** The job change an event announces, or `null` for any other event. */
export function jobChange(emission: Event.Emission): IJobChange | null {
  return resourceChange(emission, 'jobs');
}

/** Milliseconds between refreshes caused by job events. */
export const JOB_UPDATE_INTERVAL = 1000;

/**
 * Milliseconds between fallback polls while a job is active, for servers
 * whose events do not reach the page.
 */
export const JOB_FALLBACK_POLL = 5000;

/** Run a fallback poll only while `active` (see `setPolling` in ../events). */
export function setPolling(target: Poll, active: boolean): void {
  poll(target, active, JOB_FALLBACK_POLL);
}
