/**
 * Typed client for the `jobs`, `algorithms` and `data/columns` resources.
 * Paths in request bodies are relative to the server's root folder, like the
 * file browser's.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, withQuery } from './request';
import type {
  AlgorithmList,
  DataColumns,
  Job,
  JobClone,
  JobKind,
  JobList,
  JobLogChunk,
  JobStatus,
  ProcessingJobCreate,
  TrainingJobCreate
} from './types';

/** Every job status, in lifecycle order. */
export const JOB_STATUSES: ReadonlyArray<JobStatus> = [
  'Pending',
  'Running',
  'Stopping',
  'Completed',
  'Failed',
  'Stopped'
];

/** Statuses after which a job never changes again. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  'Completed',
  'Failed',
  'Stopped'
]);

/** Whether a job can still change (its process may still run). */
export function isActive(job: Pick<Job, 'status'>): boolean {
  return !TERMINAL_STATUSES.has(job.status);
}

/** Options for `listJobs`. */
export interface IListJobsOptions {
  kind?: JobKind | null;
  status?: JobStatus | null;
  /** Page size asked of the server. */
  maxItems?: number;
  nextToken?: string | null;
  signal?: AbortSignal;
}

/** One page of jobs, newest first. */
export function listJobs(
  options: IListJobsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<JobList> {
  const path = withQuery('jobs', {
    kind: options.kind,
    status: options.status,
    max_items: options.maxItems,
    next_token: options.nextToken
  });
  return requestAPI<JobList>(path, { signal: options.signal }, settings);
}

export function getJob(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(jobPath(id), {}, settings);
}

/** Start a training job (a built-in algorithm or a script). */
export function createTrainingJob(
  body: TrainingJobCreate,
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(
    'jobs/training',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Start a processing job (a script or a notebook). */
export function createProcessingJob(
  body: ProcessingJobCreate,
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(
    'jobs/processing',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Stop a job; a 409 error if it already ended. */
export function stopJob(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(`${jobPath(id)}/stop`, { method: 'POST' }, settings);
}

/** Start a new job with the same spec. */
export function cloneJob(
  id: string,
  body: JobClone = {},
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(
    `${jobPath(id)}/clone`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/**
 * The job's log from byte `offset` on. Read on from `next_offset`; once
 * `complete` is true nothing more will follow.
 */
export function getJobLog(
  id: string,
  offset: number,
  maxBytes?: number,
  settings?: ServerConnection.ISettings
): Promise<JobLogChunk> {
  const query = new URLSearchParams({ offset: String(offset) });
  if (maxBytes !== undefined) {
    query.set('max_bytes', String(maxBytes));
  }
  return requestAPI<JobLogChunk>(
    `${jobPath(id)}/log?${query.toString()}`,
    {},
    settings
  );
}

/** The built-in training algorithms with their hyperparameter schemas. */
export function listAlgorithms(
  settings?: ServerConnection.ISettings
): Promise<AlgorithmList> {
  return requestAPI<AlgorithmList>('algorithms', {}, settings);
}

/** The column names of a data file (a 400 error if it cannot be read). */
export function getDataColumns(
  path: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<DataColumns> {
  const query = new URLSearchParams({ path });
  return requestAPI<DataColumns>(
    `data/columns?${query.toString()}`,
    { signal },
    settings
  );
}

function jobPath(id: string): string {
  return `jobs/${encodeURIComponent(id)}`;
}
