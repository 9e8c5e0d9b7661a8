/**
 * Reading the server's "a tuning job changed" events (resource
 * `tuning-jobs`): announced on every status, trial and best-value change,
 * so views coalesce them with a throttle.
 */
import type { Event } from '@jupyterlab/services';

import { IResourceChange, resourceChange } from '../events';

/** The `resource` of the server's tuning-job events. */
export const TUNING_RESOURCE = 'tuning-jobs';

/** The tuning-job change an event announces, or `null` for any other event. */
export function tuningChange(emission: Event.Emission): IResourceChange | null {
  return resourceChange(emission, TUNING_RESOURCE);
}

/** Milliseconds between refreshes caused by tuning events. */
export const TUNING_UPDATE_INTERVAL = 1000;

/**
 * Milliseconds between fallback polls while a tuning job is active, for
 * servers whose events do not reach the page.
 */
export const TUNING_FALLBACK_POLL = 5000;
