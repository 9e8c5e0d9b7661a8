/**
 * Reading the server's "a run changed" events.
 *
 * The server emits `updated` about once a second for every run that logged
 * something (SDK writes from kernels included), so views coalesce them with
 * a throttle instead of reloading on each.
 */
import type { Event } from '@jupyterlab/services';

import { IResourceChange, resourceChange } from '../../events';

/** A change to one run, as announced by the server. */
export type IRunChange = IResourceChange;

/** The run change an event announces, or `null` for any other event. */
export function runChange(emission: Event.Emission): IRunChange | null {
  return resourceChange(emission, 'runs');
}

/** Milliseconds between refreshes caused by run events. */
export const LIVE_UPDATE_INTERVAL = 1000;
