/**
 * A JupyterLab notification per finished asynchronous request: the server
 * announces each request of its store that completes or fails
 * (`async-inference` events, id `<endpoint>/<inference id>`); this reads
 * the request and tells the user, once per request even when the event
 * comes again (a request retried after a crash finishes twice).
 */
import { Notification } from '@jupyterlab/apputils';
import type { Event, ServerConnection } from '@jupyterlab/services';

import { resourceChange } from '../events';
import {
  ASYNC_INFERENCE_RESOURCE,
  getAsync,
  isFinished,
  parseAsyncEventId
} from './async-api';

/** Requests remembered as notified (older ones are forgotten first). */
const MAX_REMEMBERED = 1000;

export function notifyAsyncResults(options: {
  events: Event.IManager | undefined;
  settings: ServerConnection.ISettings;
  /** Open the endpoint's view (the notification's Open action). */
  open: (endpoint: string) => void;
}): void {
  const notified = new Set<string>();
  options.events?.stream.connect((_, emission: Event.Emission) => {
    const change = resourceChange(emission, ASYNC_INFERENCE_RESOURCE);
    const target = change ? parseAsyncEventId(change.id) : null;
    if (!target || notified.has(target.inferenceId)) {
      return;
    }
    notified.add(target.inferenceId);
    if (notified.size > MAX_REMEMBERED) {
      notified.delete(notified.values().next().value as string);
    }
    void getAsync(target.endpoint, target.inferenceId, options.settings)
      .then(request => {
        if (!isFinished(request)) {
          notified.delete(target.inferenceId); // announced again once finished
          return;
        }
        const id = request.inference_id.slice(0, 12);
        const actions = [
          {
            label: 'Open',
            caption: `Open the endpoint ${request.endpoint}`,
            callback: () => options.open(request.endpoint)
          }
        ];
        if (request.status === 'Completed') {
          Notification.success(
            `Async request ${id} on ${request.endpoint} completed.`,
            { autoClose: 8000, actions }
          );
        } else {
          Notification.error(
            `Async request ${id} on ${request.endpoint} failed: ${request.error ?? 'see its error file'}`,
            { autoClose: false, actions }
          );
        }
      })
      .catch(() => notified.delete(target.inferenceId));
  });
}
