/**
 * Reading the server's "a model changed" events. The event's id is the
 * model's name; any change to a version, approval, alias or card of the
 * model is announced as a change of the model.
 */
import type { Event } from '@jupyterlab/services';

import { resourceChange } from '../events';

/** A change to one model, as announced by the server. */
export interface IModelChange {
  readonly action: 'created' | 'updated' | 'deleted';
  /** The model's name. */
  readonly name: string;
}

/** The model change an event announces, or `null` for any other event. */
export function modelChange(emission: Event.Emission): IModelChange | null {
  const change = resourceChange(emission, 'models');
  return change && { action: change.action, name: change.id };
}

/** Milliseconds between refreshes caused by model events. */
export const MODEL_UPDATE_INTERVAL = 500;
