/**
 * Typed client for the Feature Store: `feature-groups` (catalog, statistics,
 * ingestion, online records, offline rows) and `feature-datasets`.
 *
 * A group is named by reference: `customers` is its newest version,
 * `customers@2` a given one. Paths in request bodies are relative to the
 * server's root folder, like the file browser's.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, withQuery } from './request';
import type {
  FeatureDataset,
  FeatureDatasetCreate,
  FeatureGroup,
  FeatureGroupCreate,
  FeatureGroupLineage,
  FeatureGroupList,
  FeatureGroupSummary,
  FeatureGroupUpdate,
  FeatureInference,
  FeatureInferRequest,
  FeatureIngestJobRequest,
  FeatureIngestRequest,
  FeatureIngestResult,
  FeatureIngestionList,
  FeatureRecord,
  FeatureRecordList,
  FeatureRows,
  FeatureType,
  Job
} from './types';

/** Every feature type, in the order a schema editor offers them. */
export const FEATURE_TYPES: ReadonlyArray<FeatureType> = [
  'string',
  'integral',
  'fractional',
  'boolean',
  'timestamp'
];

/** What the server accepts as a feature group name. */
export const FEATURE_GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** What the server accepts as a feature name. */
export const FEATURE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** Options for `listFeatureGroups`. */
export interface IListFeatureGroupsOptions {
  /** Part of a name, description, tag or feature name (case-insensitive). */
  search?: string;
  maxItems?: number;
  nextToken?: string | null;
  signal?: AbortSignal;
}

/** One page of feature groups (the newest version of each), by name. */
export function listFeatureGroups(
  options: IListFeatureGroupsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<FeatureGroupList> {
  return requestAPI<FeatureGroupList>(
    withQuery('feature-groups', {
      search: options.search,
      max_items: options.maxItems,
      next_token: options.nextToken
    }),
    { signal: options.signal },
    settings
  );
}

/** Create a group (or, with `new_version`, the next version of one). */
export function createFeatureGroup(
  body: FeatureGroupCreate,
  settings?: ServerConnection.ISettings
): Promise<FeatureGroup> {
  return requestAPI<FeatureGroup>(
    'feature-groups',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export function getFeatureGroup(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureGroup> {
  return requestAPI<FeatureGroup>(groupPath(ref), {}, settings);
}

/** Change descriptions or tags in place (the definition is immutable). */
export function updateFeatureGroup(
  ref: string,
  body: FeatureGroupUpdate,
  settings?: ServerConnection.ISettings
): Promise<FeatureGroup> {
  return requestAPI<FeatureGroup>(
    groupPath(ref),
    { method: 'PATCH', body: JSON.stringify(body) },
    settings
  );
}

/** Delete one version (`name@2`) or every version (`name`) with its records. */
export async function deleteFeatureGroup(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<void> {
  await requestAPI<void>(groupPath(ref), { method: 'DELETE' }, settings);
}

/** Every version of a group, newest first. */
export function listFeatureGroupVersions(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureGroupList> {
  return requestAPI<FeatureGroupList>(
    `${groupPath(ref)}/versions`,
    {},
    settings
  );
}

/** Record counts, freshness and per-feature statistics. */
export function getFeatureGroupSummary(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureGroupSummary> {
  return requestAPI<FeatureGroupSummary>(
    `${groupPath(ref)}/summary`,
    {},
    settings
  );
}

/** A version's ingestion history, newest first. */
export function listFeatureGroupIngestions(
  ref: string,
  options: { maxItems?: number; nextToken?: string | null } = {},
  settings?: ServerConnection.ISettings
): Promise<FeatureIngestionList> {
  return requestAPI<FeatureIngestionList>(
    withQuery(`${groupPath(ref)}/ingestions`, {
      max_items: options.maxItems,
      next_token: options.nextToken
    }),
    {},
    settings
  );
}

/** Who feeds a group version and who uses it (datasets, runs, models, endpoints). */
export function getFeatureGroupLineage(
  ref: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureGroupLineage> {
  return requestAPI<FeatureGroupLineage>(
    `${groupPath(ref)}/lineage`,
    {},
    settings
  );
}

/** Ingest a data file under the server's root folder. */
export function ingestFeatureGroupFile(
  ref: string,
  body: FeatureIngestRequest,
  settings?: ServerConnection.ISettings
): Promise<FeatureIngestResult> {
  return requestAPI<FeatureIngestResult>(
    `${groupPath(ref)}/ingest`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** A data file's feature types, inferred on the server from every row. */
export function inferFeatures(
  body: FeatureInferRequest,
  settings?: ServerConnection.ISettings
): Promise<FeatureInference> {
  return requestAPI<FeatureInference>(
    'feature-inference',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Ingest a big file in a processing job; the job comes back at once (202). */
export function ingestFeatureGroupFileAsJob(
  ref: string,
  body: FeatureIngestJobRequest,
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(
    `${groupPath(ref)}/ingest-jobs`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Options for `getFeatureGroupRows`. */
export interface IFeatureRowsOptions {
  limit?: number;
  /** ISO-8601: ignore what was ingested later. */
  asOf?: string;
  includeDeleted?: boolean;
  signal?: AbortSignal;
}

/** The first rows of the offline history, oldest event first. */
export function getFeatureGroupRows(
  ref: string,
  options: IFeatureRowsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<FeatureRows> {
  return requestAPI<FeatureRows>(
    withQuery(`${groupPath(ref)}/rows`, {
      limit: options.limit,
      as_of: options.asOf,
      include_deleted: options.includeDeleted ? 'true' : undefined
    }),
    { signal: options.signal },
    settings
  );
}

/** The latest online record of an id (a 404 error when there is none). */
export function getFeatureRecord(
  ref: string,
  recordId: string,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<FeatureRecord> {
  return requestAPI<FeatureRecord>(
    recordPath(ref, recordId),
    { signal },
    settings
  );
}

/** Online records of many ids, in the order asked (null: none). */
export function getFeatureRecords(
  ref: string,
  recordIds: ReadonlyArray<string | number>,
  settings?: ServerConnection.ISettings
): Promise<FeatureRecordList> {
  return requestAPI<FeatureRecordList>(
    `${groupPath(ref)}/lookup`,
    { method: 'POST', body: JSON.stringify({ record_ids: recordIds }) },
    settings
  );
}

/** Write one record (offline and online); the id comes from the path. */
export function putFeatureRecord(
  ref: string,
  recordId: string,
  record: Record<string, unknown>,
  settings?: ServerConnection.ISettings
): Promise<FeatureIngestResult> {
  return requestAPI<FeatureIngestResult>(
    recordPath(ref, recordId),
    { method: 'PUT', body: JSON.stringify({ record }) },
    settings
  );
}

/** Delete a record as of `eventTime` (ISO-8601; default now). */
export function deleteFeatureRecord(
  ref: string,
  recordId: string,
  eventTime?: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureIngestResult> {
  return requestAPI<FeatureIngestResult>(
    withQuery(recordPath(ref, recordId), { event_time: eventTime }),
    { method: 'DELETE' },
    settings
  );
}

/** Build a point-in-time-correct training set (and write it if asked). */
export function createFeatureDataset(
  body: FeatureDatasetCreate,
  settings?: ServerConnection.ISettings
): Promise<FeatureDataset> {
  return requestAPI<FeatureDataset>(
    'feature-datasets',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

function groupPath(ref: string): string {
  return `feature-groups/${encodeURIComponent(ref)}`;
}

function recordPath(ref: string, recordId: string): string {
  return `${groupPath(ref)}/records/${encodeURIComponent(recordId)}`;
}
