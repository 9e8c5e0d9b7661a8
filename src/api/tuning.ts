/**
 * Typed client for the `tuning-jobs` resource. Paths in a tuning job's
 * training spec are relative to the server's root folder, like the file
 * browser's. A tuning job is addressed by its id or its name.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, withQuery } from './request';
import type {
  ParetoFront,
  SageMakerTuningJobCreate,
  SageMakerTuningJobCreated,
  TrialList,
  TrialState,
  TuningImportances,
  TuningJob,
  TuningJobClone,
  TuningJobCreate,
  TuningJobList,
  TuningJobStatus,
  WarmStartReport
} from './types';

/** Every tuning-job status, in lifecycle order. */
export const TUNING_STATUSES: ReadonlyArray<TuningJobStatus> = [
  'Pending',
  'Running',
  'Stopping',
  'Completed',
  'Failed',
  'Stopped'
];

/** Every trial state. */
export const TRIAL_STATES: ReadonlyArray<TrialState> = [
  'Running',
  'Completed',
  'Pruned',
  'Failed',
  'Waiting'
];

/** Whether a tuning job can still change (trials may still run). */
export function isTuningActive(job: Pick<TuningJob, 'status'>): boolean {
  return (
    job.status === 'Pending' ||
    job.status === 'Running' ||
    job.status === 'Stopping'
  );
}

/** Options for `listTuningJobs`. */
export interface IListTuningJobsOptions {
  status?: TuningJobStatus | null;
  /** Page size asked of the server. */
  maxItems?: number;
  nextToken?: string | null;
  signal?: AbortSignal;
}

/** One page of tuning jobs, newest first. */
export function listTuningJobs(
  options: IListTuningJobsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<TuningJobList> {
  const path = withQuery('tuning-jobs', {
    status: options.status,
    max_items: options.maxItems,
    next_token: options.nextToken
  });
  return requestAPI<TuningJobList>(path, { signal: options.signal }, settings);
}

/** A tuning job by id or name. */
export function getTuningJob(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<TuningJob> {
  return requestAPI<TuningJob>(tuningPath(ref), {}, settings);
}

/** Start a tuning job (a 400 error names what is wrong with the spec). */
export function createTuningJob(
  body: TuningJobCreate,
  settings?: ServerConnection.ISettings
): Promise<TuningJob> {
  return requestAPI<TuningJob>(
    'tuning-jobs',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/**
 * Start a tuning job from a SageMaker `HyperParameterTuningJobConfig`; the
 * answer lists the fields that have no equivalent here.
 */
export function createTuningJobFromSageMaker(
  body: SageMakerTuningJobCreate,
  settings?: ServerConnection.ISettings
): Promise<SageMakerTuningJobCreated> {
  return requestAPI<SageMakerTuningJobCreated>(
    'tuning-jobs/sagemaker',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Stop a tuning job and its running trials; a 409 error if it already ended. */
export function stopTuningJob(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<TuningJob> {
  return requestAPI<TuningJob>(
    `${tuningPath(ref)}/stop`,
    { method: 'POST' },
    settings
  );
}

/**
 * Start a new tuning job with the same spec; `warm_start_from_source` seeds
 * it with this one's trials.
 */
export function cloneTuningJob(
  ref: string,
  body: TuningJobClone = {},
  settings?: ServerConnection.ISettings
): Promise<TuningJob> {
  return requestAPI<TuningJob>(
    `${tuningPath(ref)}/clone`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Options for `listTrials`. */
export interface IListTrialsOptions {
  state?: TrialState | null;
  sortBy?: 'number' | 'value';
  /** Default: number ascending, value best first. */
  order?: 'asc' | 'desc' | null;
  maxItems?: number;
  nextToken?: string | null;
  signal?: AbortSignal;
}

/** One page of a tuning job's trials, with the total matching the filter. */
export function listTrials(
  ref: string,
  options: IListTrialsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<TrialList> {
  const path = withQuery(`${tuningPath(ref)}/trials`, {
    state: options.state,
    sort_by: options.sortBy,
    order: options.order,
    max_items: options.maxItems,
    next_token: options.nextToken
  });
  return requestAPI<TrialList>(path, { signal: options.signal }, settings);
}

/** optuna's hyperparameter importances over the completed trials. */
export function getImportances(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<TuningImportances> {
  return requestAPI<TuningImportances>(
    `${tuningPath(ref)}/importances`,
    {},
    settings
  );
}

/** The Pareto front (two objectives) or the best trial (one). */
export function getParetoFront(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<ParetoFront> {
  return requestAPI<ParetoFront>(`${tuningPath(ref)}/pareto`, {}, settings);
}

/** What the warm start added, mapped and dropped. */
export function getWarmStartReport(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<WarmStartReport> {
  return requestAPI<WarmStartReport>(
    `${tuningPath(ref)}/warm-start-report`,
    {},
    settings
  );
}

function tuningPath(ref: string): string {
  return `tuning-jobs/${encodeURIComponent(ref)}`;
}
