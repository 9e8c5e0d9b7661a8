/**
 * The one network seam of the frontend: every REST call goes through
 * `requestAPI`, which throws a typed `MLStudioAPIError` on failure.
 * Callers decide how to show errors; nothing here opens a dialog.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { ErrorResponse } from './types';

/** Path of the REST API below the server's base URL. */
export const API_PREFIX = 'mlstudio/api/v1';

/** Error code used when the request never got an HTTP answer. */
export const NETWORK_ERROR = 'NETWORK_ERROR';

/** Error code used when the server extension is not installed or not enabled. */
export const SERVER_EXTENSION_MISSING = 'SERVER_EXTENSION_MISSING';

/**
 * A failed API call: the HTTP status (0 for network failures) plus the
 * server's error code and message.
 */
export class MLStudioAPIError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'MLStudioAPIError';
  }
}

/**
 * The message of a rejection, whatever was thrown (the one helper for this;
 * `errorOf` in `ui/errors` adds the API error code).
 */
export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * A 404 without our error shape: the route does not exist, so the
 * jupyter_mlstudio server extension is not running.
 */
export class ServerExtensionMissingError extends MLStudioAPIError {
  constructor() {
    super(
      404,
      SERVER_EXTENSION_MISSING,
      'The jupyter_mlstudio server extension is not running.'
    );
    this.name = 'ServerExtensionMissingError';
  }
}

/**
 * Call the REST API and return the parsed JSON body.
 *
 * @param endpoint - path below `mlstudio/api/v1/`, with any query string.
 * @param init - fetch options; a JSON `body` must already be serialized.
 * @param settings - server connection settings (defaults to the page's).
 * @returns the parsed body, or `undefined` for a 204 response (use `T = void`).
 * @throws {MLStudioAPIError} for network failures and non-2xx responses.
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const response = await send(endpoint, init, settings);
  const text = response.status === 204 ? '' : await response.text();
  if (text === '') {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new MLStudioAPIError(
      response.status,
      'INVALID_RESPONSE',
      `The server sent a response that is not JSON (${response.url}).`
    );
  }
}

/**
 * Call the REST API and return the body as a Blob (artifact downloads).
 * The Blob's `type` is the response's Content-Type.
 *
 * @throws {MLStudioAPIError} for network failures and non-2xx responses.
 */
export async function requestBlob(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<Blob> {
  const response = await send(endpoint, init, settings);
  try {
    return await response.blob();
  } catch (reason) {
    throw new MLStudioAPIError(0, NETWORK_ERROR, errorMessage(reason));
  }
}

/** Send a request with the server's auth; throw the typed error unless 2xx. */
async function send(
  endpoint: string,
  init: RequestInit,
  settings: ServerConnection.ISettings
): Promise<Response> {
  const url = URLExt.join(settings.baseUrl, API_PREFIX, endpoint);
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }

  let response: Response;
  try {
    // JupyterLab's default `cache: 'no-store'` appends a bare timestamp to the
    // query string as a cache buster, which our strict query validation
    // rejects; 'no-cache' still revalidates every GET with the server.
    response = await ServerConnection.makeRequest(
      url,
      { cache: 'no-cache', ...init, headers },
      settings
    );
  } catch (reason) {
    throw new MLStudioAPIError(0, NETWORK_ERROR, errorMessage(reason));
  }
  if (!response.ok) {
    throw errorFromResponse(response, await response.text());
  }
  return response;
}

/** Build the typed error for a non-2xx response. */
function errorFromResponse(response: Response, text: string): MLStudioAPIError {
  const body = parseErrorBody(text);
  if (body) {
    return new MLStudioAPIError(
      response.status,
      body.error.code,
      body.error.message
    );
  }
  if (response.status === 404) {
    return new ServerExtensionMissingError();
  }
  const detail = response.statusText || `HTTP ${response.status}`;
  return new MLStudioAPIError(
    response.status,
    `HTTP_${response.status}`,
    `Request failed: ${detail}`
  );
}

/** Return the body if it is our `{"error": {code, message}}` shape. */
function parseErrorBody(text: string): ErrorResponse | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value) || !isRecord(value.error)) {
    return null;
  }
  const { code, message } = value.error;
  if (typeof code !== 'string' || typeof message !== 'string') {
    return null;
  }
  return { error: { code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A query parameter's value; `null`, `undefined` and `''` leave it out. */
export type QueryValue = string | number | null | undefined;

/** `path` with a query string of the parameters that have a value. */
export function withQuery(
  path: string,
  params: Record<string, QueryValue>
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') {
      query.set(name, String(value));
    }
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}
