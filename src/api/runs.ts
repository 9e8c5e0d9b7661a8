/**
 * Typed client for the `runs`, `metric-histories` and `artifacts` resources.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, requestBlob } from './request';
import type {
  ArtifactList,
  ExperimentKeys,
  MetricHistoryList,
  Run,
  RunList,
  RunUpdate
} from './types';

/** Which runs a search covers: the trash is `deleted`. */
export type RunLifecycle = 'active' | 'deleted' | 'all';

/** Options for `searchRuns`. */
export interface ISearchRunsOptions {
  /** A filter in the search grammar, e.g. `metrics.auc > 0.9`. */
  filter?: string;
  /** Sort keys, e.g. `["metrics.auc DESC", "start_time ASC"]`. */
  orderBy?: ReadonlyArray<string>;
  /** Page size asked of the server (1..1000). */
  maxItems?: number;
  /** The token of the page to fetch (from the previous page). */
  nextToken?: string | null;
  lifecycle?: RunLifecycle;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** The most run ids and keys one `metric-histories` call accepts. */
export const MAX_HISTORY_RUNS = 100;
export const MAX_HISTORY_KEYS = 50;

/** One page of an experiment's runs, filtered and sorted by the server. */
export function searchRuns(
  experimentId: string,
  options: ISearchRunsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<RunList> {
  const query = new URLSearchParams();
  query.set('max_items', String(options.maxItems ?? 1000));
  if (options.filter) {
    query.set('filter', options.filter);
  }
  if (options.orderBy && options.orderBy.length > 0) {
    query.set('order_by', options.orderBy.join(','));
  }
  if (options.nextToken) {
    query.set('next_token', options.nextToken);
  }
  if (options.lifecycle) {
    query.set('lifecycle', options.lifecycle);
  }
  return requestAPI<RunList>(
    `experiments/${encodeURIComponent(experimentId)}/runs?${query.toString()}`,
    { signal: options.signal },
    settings
  );
}

/** Every run matching a search, following `next_token` to the last page. */
export async function searchAllRuns(
  experimentId: string,
  options: Omit<ISearchRunsOptions, 'nextToken'> = {},
  settings?: ServerConnection.ISettings
): Promise<Run[]> {
  const runs: Run[] = [];
  let nextToken: string | null = null;
  do {
    const page: RunList = await searchRuns(
      experimentId,
      { ...options, nextToken },
      settings
    );
    runs.push(...page.items);
    nextToken = page.next_token ?? null;
  } while (nextToken);
  return runs;
}

/** The metric, param and tag names used by an experiment's active runs. */
export function getExperimentKeys(
  experimentId: string,
  settings?: ServerConnection.ISettings
): Promise<ExperimentKeys> {
  return requestAPI<ExperimentKeys>(
    `experiments/${encodeURIComponent(experimentId)}/keys`,
    {},
    settings
  );
}

export function getRun(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<Run> {
  return requestAPI<Run>(runPath(id), {}, settings);
}

export function updateRun(
  id: string,
  body: RunUpdate,
  settings?: ServerConnection.ISettings
): Promise<Run> {
  return requestAPI<Run>(
    runPath(id),
    { method: 'PATCH', body: JSON.stringify(body) },
    settings
  );
}

/** Move a run to the trash. */
export function deleteRun(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<void> {
  return requestAPI<void>(runPath(id), { method: 'DELETE' }, settings);
}

/** Bring a run back from the trash. */
export function restoreRun(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<Run> {
  return requestAPI<Run>(
    `${runPath(id)}/restore`,
    { method: 'POST' },
    settings
  );
}

/**
 * Metric histories of runs × keys, downsampled by the server to about
 * `maxPoints` points each (it keeps each bucket's min, max and last).
 * Splits large requests into calls the server accepts.
 */
export async function getMetricHistories(
  runIds: ReadonlyArray<string>,
  keys: ReadonlyArray<string>,
  maxPoints = 1000,
  settings?: ServerConnection.ISettings
): Promise<MetricHistoryList> {
  if (runIds.length === 0 || keys.length === 0) {
    return { items: [] };
  }
  const calls: Promise<MetricHistoryList>[] = [];
  for (let r = 0; r < runIds.length; r += MAX_HISTORY_RUNS) {
    for (let k = 0; k < keys.length; k += MAX_HISTORY_KEYS) {
      const query = new URLSearchParams();
      query.set('run_ids', runIds.slice(r, r + MAX_HISTORY_RUNS).join(','));
      query.set('keys', keys.slice(k, k + MAX_HISTORY_KEYS).join(','));
      query.set('max_points', String(maxPoints));
      calls.push(
        requestAPI<MetricHistoryList>(
          `metric-histories?${query.toString()}`,
          {},
          settings
        )
      );
    }
  }
  const pages = await Promise.all(calls);
  return { items: pages.flatMap(page => page.items) };
}

/** The entries of one artifact folder of a run (`''` is the root). */
export function listArtifacts(
  runId: string,
  path = '',
  settings?: ServerConnection.ISettings
): Promise<ArtifactList> {
  const query = new URLSearchParams();
  if (path) {
    query.set('path', path);
  }
  const suffix = path ? `?${query.toString()}` : '';
  return requestAPI<ArtifactList>(
    `${runPath(runId)}/artifacts${suffix}`,
    {},
    settings
  );
}

/** Download one artifact file; the Blob's type is the server's guess. */
export function fetchArtifact(
  runId: string,
  path: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<Blob> {
  const query = new URLSearchParams({ path });
  return requestBlob(
    `${runPath(runId)}/artifacts/content?${query.toString()}`,
    { signal },
    settings
  );
}

function runPath(id: string): string {
  return `runs/${encodeURIComponent(id)}`;
}
