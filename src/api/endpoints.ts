/**
 * Typed client for the `endpoints` resource, and for invoking an endpoint
 * through the server's authenticated proxy `mlstudio/endpoints/{name}/…`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  errorMessage,
  MLStudioAPIError,
  NETWORK_ERROR,
  requestAPI
} from './request';
import type {
  Endpoint,
  EndpointCreate,
  EndpointErrorList,
  EndpointExample,
  EndpointList,
  EndpointLogChunk,
  EndpointMetrics,
  EndpointStatus,
  EndpointUpdate
} from './types';

/** Every endpoint status, in lifecycle order. */
export const ENDPOINT_STATUSES: ReadonlyArray<EndpointStatus> = [
  'Creating',
  'InService',
  'Updating',
  'Failed',
  'Deleting'
];

/** Statuses the server leaves on its own (nothing announces the end). */
const TRANSITIONAL: ReadonlySet<EndpointStatus> = new Set<EndpointStatus>([
  'Creating',
  'Updating',
  'Deleting'
]);

/** Whether the endpoint is being created, updated or deleted. */
export function isTransitional(endpoint: Pick<Endpoint, 'status'>): boolean {
  return TRANSITIONAL.has(endpoint.status);
}

/** Whether the endpoint answers requests (an update keeps it serving). */
export function isServing(endpoint: Pick<Endpoint, 'status'>): boolean {
  return endpoint.status === 'InService' || endpoint.status === 'Updating';
}

/** The server's endpoint name rule, as an `<input pattern>` (`v` flag). */
export const ENDPOINT_NAME_INPUT_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,62}';

/** One page of endpoints, most recently changed first. */
export function listEndpoints(
  options: { status?: EndpointStatus | null; maxItems?: number } = {},
  settings?: ServerConnection.ISettings
): Promise<EndpointList> {
  const query = new URLSearchParams();
  if (options.status) {
    query.set('status', options.status);
  }
  if (options.maxItems !== undefined) {
    query.set('max_items', String(options.maxItems));
  }
  const search = query.toString();
  return requestAPI<EndpointList>(
    search ? `endpoints?${search}` : 'endpoints',
    {},
    settings
  );
}

export function getEndpoint(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<Endpoint> {
  return requestAPI<Endpoint>(endpointPath(name), {}, settings);
}

/** Deploy model versions; the endpoint comes back `Creating`. */
export function createEndpoint(
  body: EndpointCreate,
  settings?: ServerConnection.ISettings
): Promise<Endpoint> {
  return requestAPI<Endpoint>(
    'endpoints',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** A rolling update; the endpoint comes back `Updating`. */
export function updateEndpoint(
  name: string,
  body: EndpointUpdate,
  settings?: ServerConnection.ISettings
): Promise<Endpoint> {
  return requestAPI<Endpoint>(
    endpointPath(name),
    { method: 'PATCH', body: JSON.stringify(body) },
    settings
  );
}

/** Stop and delete; the endpoint comes back `Deleting`, then is gone. */
export function deleteEndpoint(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<Endpoint> {
  return requestAPI<Endpoint>(
    endpointPath(name),
    { method: 'DELETE' },
    settings
  );
}

export function getEndpointMetrics(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<EndpointMetrics> {
  return requestAPI<EndpointMetrics>(
    `${endpointPath(name)}/metrics`,
    {},
    settings
  );
}

/** The endpoint's log from byte `offset` on; read on from `next_offset`. */
export function getEndpointLog(
  name: string,
  offset: number,
  settings?: ServerConnection.ISettings
): Promise<EndpointLogChunk> {
  return requestAPI<EndpointLogChunk>(
    `${endpointPath(name)}/log?offset=${offset}`,
    {},
    settings
  );
}

/** The most recent failed requests, newest first. */
export function getEndpointErrors(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<EndpointErrorList> {
  return requestAPI<EndpointErrorList>(
    `${endpointPath(name)}/errors`,
    {},
    settings
  );
}

/** A test request prefilled from the model's input example. */
export function getEndpointExample(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<EndpointExample> {
  return requestAPI<EndpointExample>(
    `${endpointPath(name)}/example`,
    {},
    settings
  );
}

/** The proxy path of an endpoint below the server's base URL. */
export function proxyPath(name: string, path = ''): string {
  return URLExt.join('mlstudio/endpoints', encodeURIComponent(name), path);
}

/** The full proxy URL of an endpoint (what `curl` or a notebook calls). */
export function proxyUrl(
  name: string,
  path = '',
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return URLExt.join(settings.baseUrl, proxyPath(name, path));
}

/** What an invocation answered; HTTP errors are answers too. */
export interface IInvocationResult {
  /** HTTP status. */
  readonly status: number;
  readonly ok: boolean;
  /** Milliseconds from sending to the whole answer, measured in the page. */
  readonly latencyMs: number;
  /** The variant that answered (`X-Invoked-Variant`), if any. */
  readonly variant: string | null;
  readonly contentType: string;
  /** The predictions of a successful JSON answer. */
  readonly predictions: unknown[] | null;
  /** The error message of a failed answer. */
  readonly error: string | null;
  /** The raw body. */
  readonly body: string;
}

/**
 * POST a request to the endpoint's `/invocations` through the proxy, with
 * Jupyter's authentication (and XSRF header). Throws only when no answer
 * came back (`MLStudioAPIError` with `NETWORK_ERROR`).
 */
export async function invokeEndpoint(
  name: string,
  body: string | Blob,
  options: {
    contentType: string;
    variant?: string | null;
    /** A model of a multi-model endpoint (`churn/3`, `churn@prod`, `churn`). */
    targetModel?: string | null;
  },
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<IInvocationResult> {
  const headers = new Headers({
    'Content-Type': options.contentType,
    Accept: 'application/json'
  });
  if (options.variant) {
    headers.set('X-Target-Variant', options.variant);
  }
  if (options.targetModel) {
    headers.set('X-Amzn-SageMaker-Target-Model', options.targetModel);
  }
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await ServerConnection.makeRequest(
      proxyUrl(name, 'invocations', settings),
      { method: 'POST', body, headers, cache: 'no-cache' },
      settings
    );
    text = await response.text();
  } catch (reason) {
    throw new MLStudioAPIError(0, NETWORK_ERROR, errorMessage(reason));
  }
  const latencyMs = performance.now() - started;
  const parsed = parseJSON(text);
  let predictions: unknown[] | null = null;
  let error: string | null = null;
  if (response.ok) {
    if (isRecord(parsed) && Array.isArray(parsed.predictions)) {
      predictions = parsed.predictions;
    }
  } else {
    error = answerMessage(parsed, text, response);
  }
  return {
    status: response.status,
    ok: response.ok,
    latencyMs,
    variant: response.headers.get('X-Invoked-Variant'),
    contentType: response.headers.get('Content-Type') ?? '',
    predictions,
    error,
    body: text
  };
}

/** The readable message of an error answer, whatever its shape. */
function answerMessage(
  parsed: unknown,
  text: string,
  response: Response
): string {
  if (isRecord(parsed)) {
    const error = parsed.error;
    if (isRecord(error) && typeof error.message === 'string') {
      return typeof error.code === 'string'
        ? `${error.code}: ${error.message}`
        : error.message;
    }
    if (typeof error === 'string') {
      return error;
    }
    if (typeof parsed.message === 'string') {
      return parsed.message;
    }
  }
  const plain = text.trim();
  if (plain && !plain.startsWith('<')) {
    return plain.slice(0, 1000);
  }
  return response.statusText || `HTTP ${response.status}`;
}

// -- metrics ------------------------------------------------------------------------
/** One variant's (or the totals') cumulative counters. */
export interface IVariantMetrics {
  readonly requests: number;
  readonly errors4xx: number;
  readonly errors5xx: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly mean: number | null;
  readonly max: number | null;
  readonly captured: number;
  readonly dropped: number;
  readonly batchMean: number | null;
  /** p99 of the online feature lookups (endpoints deployed with features). */
  readonly lookupP99: number | null;
}

/** The parts of `GET /metrics` the UI shows. */
export interface IMetricsSnapshot {
  /** Server time, seconds since the epoch. */
  readonly time: number;
  readonly totals: IVariantMetrics;
  readonly variants: ReadonlyMap<string, IVariantMetrics>;
  /** Autoscaling state, as sent (see endpoints/sections/autoscaling.tsx). */
  readonly autoscaling?: unknown;
}

/** Read the loosely typed metrics document into numbers. */
export function parseMetrics(metrics: EndpointMetrics): IMetricsSnapshot {
  const variants = new Map<string, IVariantMetrics>();
  for (const [name, value] of Object.entries(metrics.variants)) {
    variants.set(name, countersOf(value));
  }
  return {
    time: typeof metrics.time === 'number' ? metrics.time : Date.now() / 1000,
    totals: countersOf(metrics.totals),
    variants,
    autoscaling: (metrics as Record<string, unknown>).autoscaling
  };
}

function countersOf(value: unknown): IVariantMetrics {
  const record = isRecord(value) ? value : {};
  const errors = isRecord(record.errors) ? record.errors : {};
  const latency = isRecord(record.latency_ms) ? record.latency_ms : {};
  const capture = isRecord(record.capture) ? record.capture : {};
  const batch = isRecord(record.batch_size) ? record.batch_size : {};
  const lookup = isRecord(record.feature_lookup_ms)
    ? record.feature_lookup_ms
    : {};
  return {
    requests: count(record.requests),
    errors4xx: count(errors['4xx']),
    errors5xx: count(errors['5xx']),
    p50: numberOrNull(latency.p50),
    p90: numberOrNull(latency.p90),
    p99: numberOrNull(latency.p99),
    mean: numberOrNull(latency.mean),
    max: numberOrNull(latency.max),
    captured: count(capture.captured),
    dropped: count(capture.dropped),
    batchMean: numberOrNull(batch.mean),
    lookupP99: numberOrNull(lookup.p99)
  };
}

// -- capture ------------------------------------------------------------------------
/** An endpoint's data capture settings, with the server's defaults. */
export interface ICaptureSettings {
  enabled: boolean;
  samplingPercent: number;
  format: 'jsonl' | 'parquet';
}

export function captureOf(endpoint: Endpoint): ICaptureSettings {
  const capture = endpoint.capture;
  const sampling = numberOrNull(capture.sampling_percent);
  return {
    enabled: capture.enabled === true,
    samplingPercent: sampling ?? 100,
    format: capture.format === 'parquet' ? 'parquet' : 'jsonl'
  };
}

function endpointPath(name: string): string {
  return `endpoints/${encodeURIComponent(name)}`;
}

function count(value: unknown): number {
  return typeof value === 'number' && isFinite(value) ? value : 0;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && isFinite(value) ? value : null;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
