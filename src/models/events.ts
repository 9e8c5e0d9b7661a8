/**
 * Reading the server's "a model changed" events. The event's id is the
 * model's name; any change to a version, approval, alias or card of the
 * model is announced as a change of the model.
 */
import type { Event } from '@jupyterlab/services';

import { RESOURCE_CHANGED_SCHEMA } from '../tokens';

/** A change to one model, as announced by the server. */
export interface IModelChange {
  readonly action: 'created' | 'updated' | 'deleted';
  /** The model's name. */
  readonly name: string;
}

/** The model change an event announces, or `null` for any other event. */
export function modelChange(emission: Event.Emission): IModelChange | null {
  if (
    emission.schema_id !== RESOURCE_CHANGED_SCHEMA ||
    emission.resource !== 'models'
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

/** Milliseconds between refreshes caused by model events. */
export const MODEL_UPDATE_INTERVAL = 500;
