/**
 * Reading the server's "an endpoint changed" events. The server announces
 * what it was asked to do (deploy, update, delete); the status changes that
 * follow are not announced, so models also poll while an endpoint is in
 * transition.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { resourceChange, setPolling as poll } from '../events';

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
  const change = resourceChange(emission, 'endpoints');
  return change && { action: change.action, name: change.id };
}

/** Milliseconds between refreshes caused by endpoint events. */
export const ENDPOINT_UPDATE_INTERVAL = 500;

/** Milliseconds between polls while an endpoint is in transition. */
export const ENDPOINT_TRANSITION_POLL = 2000;

/** Run `poll` every `interval` ms only while `active`. */
export function setPolling(
  target: Poll,
  active: boolean,
  interval = ENDPOINT_TRANSITION_POLL
): void {
  poll(target, active, interval);
}
