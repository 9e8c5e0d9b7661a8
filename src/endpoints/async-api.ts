/**
 * Typed client for an endpoint's asynchronous inference
 * (`endpoints/{name}/async-invocations`): queue a payload, list the recent
 * requests, read one, fetch its output (or error file).
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, requestBlob } from '../api/request';
import type { components } from '../api/schema';

export type AsyncInference = components['schemas']['AsyncInference'];
export type AsyncInferenceList = components['schemas']['AsyncInferenceList'];
export type AsyncStatus = AsyncInference['status'];

/** The event resource the server announces finished requests on. */
export const ASYNC_INFERENCE_RESOURCE = 'async-inference';

/** Whether the request has finished (its output or error file is written). */
export function isFinished(request: Pick<AsyncInference, 'status'>): boolean {
  return request.status === 'Completed' || request.status === 'Failed';
}

/**
 * The endpoint and inference id of an `async-inference` event's id
 * (`<endpoint>/<inference id>`), or `null`.
 */
export function parseAsyncEventId(
  id: string
): { endpoint: string; inferenceId: string } | null {
  const slash = id.lastIndexOf('/');
  if (slash <= 0 || slash === id.length - 1) {
    return null;
  }
  return { endpoint: id.slice(0, slash), inferenceId: id.slice(slash + 1) };
}

function asyncPath(name: string, rest = ''): string {
  return `endpoints/${encodeURIComponent(name)}/async-invocations${rest}`;
}

/** Queue a payload (text or a file); answered at once (202) with its id. */
export function invokeAsync(
  name: string,
  payload: string | Blob,
  contentType: string,
  settings?: ServerConnection.ISettings
): Promise<AsyncInference> {
  return requestAPI<AsyncInference>(
    asyncPath(name),
    {
      method: 'POST',
      body: payload,
      headers: { 'Content-Type': contentType, Accept: 'application/json' }
    },
    settings
  );
}

/** The endpoint's recent asynchronous requests, newest first. */
export function listAsync(
  name: string,
  maxItems = 20,
  settings?: ServerConnection.ISettings
): Promise<AsyncInferenceList> {
  return requestAPI<AsyncInferenceList>(
    asyncPath(name, `?max_items=${maxItems}`),
    {},
    settings
  );
}

export function getAsync(
  name: string,
  inferenceId: string,
  settings?: ServerConnection.ISettings
): Promise<AsyncInference> {
  return requestAPI<AsyncInference>(
    asyncPath(name, `/${encodeURIComponent(inferenceId)}`),
    {},
    settings
  );
}

/** The output of a completed request, or the error file of a failed one. */
export function getAsyncOutput(
  name: string,
  inferenceId: string,
  settings?: ServerConnection.ISettings
): Promise<Blob> {
  return requestBlob(
    asyncPath(name, `/${encodeURIComponent(inferenceId)}/output`),
    {},
    settings
  );
}
