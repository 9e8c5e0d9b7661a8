/**
 * Typed client for the model registry: `models`, their versions, approvals,
 * aliases, lineage and model cards.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, requestBlob } from './request';
import type {
  ApprovalChange,
  ApprovalStatus,
  Lineage,
  ModelGroup,
  ModelGroupCreate,
  ModelGroupList,
  ModelGroupUpdate,
  ModelVersion,
  ModelVersionCreate,
  ModelVersionList,
  ModelVersionUpdate
} from './types';

/** Every approval status, in the order a version usually goes through. */
export const APPROVAL_STATUSES: ReadonlyArray<ApprovalStatus> = [
  'PendingManualApproval',
  'Approved',
  'Rejected'
];

/** The editable fields of a model card, in the order they are shown. */
export const CARD_FIELDS = [
  'intended_use',
  'training_data',
  'evaluation',
  'caveats',
  'owner'
] as const;
export type CardField = (typeof CARD_FIELDS)[number];

/** What the server accepts as a model name. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** What the server accepts as an alias ('latest' is reserved besides). */
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Options for `listModels`. */
export interface IListModelsOptions {
  /** Case-insensitive substring of the name or description. */
  search?: string;
  maxItems?: number;
  nextToken?: string | null;
  signal?: AbortSignal;
}

/** One page of model groups, most recently changed first. */
export function listModels(
  options: IListModelsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<ModelGroupList> {
  const query = new URLSearchParams();
  if (options.search) {
    query.set('search', options.search);
  }
  if (options.maxItems !== undefined) {
    query.set('max_items', String(options.maxItems));
  }
  if (options.nextToken) {
    query.set('next_token', options.nextToken);
  }
  const search = query.toString();
  return requestAPI<ModelGroupList>(
    search ? `models?${search}` : 'models',
    { signal: options.signal },
    settings
  );
}

export function getModel(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ModelGroup> {
  return requestAPI<ModelGroup>(modelPath(name), {}, settings);
}

export function createModel(
  body: ModelGroupCreate,
  settings?: ServerConnection.ISettings
): Promise<ModelGroup> {
  return requestAPI<ModelGroup>(
    'models',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export function updateModel(
  name: string,
  body: ModelGroupUpdate,
  settings?: ServerConnection.ISettings
): Promise<ModelGroup> {
  return requestAPI<ModelGroup>(
    modelPath(name),
    { method: 'PATCH', body: JSON.stringify(body) },
    settings
  );
}

/** Delete a model; `force` also deletes its versions (else a 409 if any). */
export function deleteModel(
  name: string,
  force = false,
  settings?: ServerConnection.ISettings
): Promise<void> {
  return requestAPI<void>(
    force ? `${modelPath(name)}?force=true` : modelPath(name),
    { method: 'DELETE' },
    settings
  );
}

/** A model's versions, newest first. */
export function listModelVersions(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ModelVersionList> {
  return requestAPI<ModelVersionList>(
    `${modelPath(name)}/versions`,
    {},
    settings
  );
}

/**
 * Register a run's (or a finished job's) model as the next version; the
 * model group is created if missing. A 400 error if the source has no model.
 */
export function registerModelVersion(
  name: string,
  body: ModelVersionCreate,
  settings?: ServerConnection.ISettings
): Promise<ModelVersion> {
  return requestAPI<ModelVersion>(
    `${modelPath(name)}/versions`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export function getModelVersion(
  name: string,
  version: number,
  settings?: ServerConnection.ISettings
): Promise<ModelVersion> {
  return requestAPI<ModelVersion>(versionPath(name, version), {}, settings);
}

/** Change a version's description, tags or card fields. */
export function updateModelVersion(
  name: string,
  version: number,
  body: ModelVersionUpdate,
  settings?: ServerConnection.ISettings
): Promise<ModelVersion> {
  return requestAPI<ModelVersion>(
    versionPath(name, version),
    { method: 'PATCH', body: JSON.stringify(body) },
    settings
  );
}

/** Approve or reject a version (a 409 if it already has that status). */
export function setModelApproval(
  name: string,
  version: number,
  body: ApprovalChange,
  settings?: ServerConnection.ISettings
): Promise<ModelVersion> {
  return requestAPI<ModelVersion>(
    `${versionPath(name, version)}/approval`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export function getModelLineage(
  name: string,
  version: number,
  settings?: ServerConnection.ISettings
): Promise<Lineage> {
  return requestAPI<Lineage>(
    `${versionPath(name, version)}/lineage`,
    {},
    settings
  );
}

/** The version's model card as Markdown text. */
export async function getModelCardMarkdown(
  name: string,
  version: number,
  settings?: ServerConnection.ISettings
): Promise<string> {
  const blob = await requestBlob(
    `${versionPath(name, version)}/card`,
    {},
    settings
  );
  return blob.text();
}

/** Point an alias at a version, moving it from any other version. */
export function setModelAlias(
  name: string,
  alias: string,
  version: number,
  settings?: ServerConnection.ISettings
): Promise<ModelVersion> {
  return requestAPI<ModelVersion>(
    aliasPath(name, alias),
    { method: 'PUT', body: JSON.stringify({ version }) },
    settings
  );
}

export function deleteModelAlias(
  name: string,
  alias: string,
  settings?: ServerConnection.ISettings
): Promise<void> {
  return requestAPI<void>(
    aliasPath(name, alias),
    { method: 'DELETE' },
    settings
  );
}

/*
 * The OpenAPI document types a version's signature, data reference and the
 * lineage entries as free-form objects; these read the shapes the server
 * writes and tolerate anything else.
 */

/** One input or output column of a model signature. */
export interface ISignatureColumn {
  readonly name: string;
  readonly dtype: string;
}

export interface IModelSignature {
  readonly inputs: ReadonlyArray<ISignatureColumn>;
  readonly outputs: ReadonlyArray<ISignatureColumn>;
}

/** The run a version came from (`missing` when it was deleted since). */
export interface ILineageRun {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly experimentId: string | null;
  readonly experimentName: string | null;
  readonly missing: boolean;
}

export interface ILineageJob {
  readonly id: string;
  readonly name: string | null;
  readonly status: string | null;
  readonly missing: boolean;
}

/** The training data a version was fitted on. */
export interface IDataRef {
  readonly uri: string;
  readonly hash: string | null;
}

/**
 * The inference code a version runs when served (SageMaker handlers: a
 * script-mode training script or `code/inference.py`), or `null`.
 */
export function inferenceCodeOf(version: ModelVersion): string | null {
  return version.tags['mlstudio.inference_code'] || null;
}

/** Whether a code version's code was trusted when it was registered. */
export function codeTrustedAtRegister(version: ModelVersion): boolean {
  return version.tags['mlstudio.trust_code'] === 'true';
}

export function signatureOf(version: ModelVersion): IModelSignature {
  const columns = (value: unknown): ISignatureColumn[] =>
    Array.isArray(value)
      ? value.filter(isRecord).map(column => ({
          name: String(column.name ?? ''),
          dtype: String(column.dtype ?? '')
        }))
      : [];
  return {
    inputs: columns(version.signature.inputs),
    outputs: columns(version.signature.outputs)
  };
}

export function lineageRun(lineage: Lineage): ILineageRun | null {
  const run = lineage.run;
  if (!run || typeof run.id !== 'string') {
    return null;
  }
  return {
    id: run.id,
    name: textOrNull(run.name),
    status: textOrNull(run.status),
    experimentId: textOrNull(run.experiment_id),
    experimentName: textOrNull(run.experiment_name),
    missing: run.missing === true
  };
}

export function lineageJob(lineage: Lineage): ILineageJob | null {
  const job = lineage.job;
  if (!job || typeof job.id !== 'string') {
    return null;
  }
  return {
    id: job.id,
    name: textOrNull(job.name),
    status: textOrNull(job.status),
    missing: job.missing === true
  };
}

export function dataRefOf(
  value: Record<string, unknown> | null
): IDataRef | null {
  if (!value || typeof value.uri !== 'string') {
    return null;
  }
  return { uri: value.uri, hash: textOrNull(value.hash) };
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function modelPath(name: string): string {
  return `models/${encodeURIComponent(name)}`;
}

function versionPath(name: string, version: number): string {
  return `${modelPath(name)}/versions/${version}`;
}

function aliasPath(name: string, alias: string): string {
  return `${modelPath(name)}/aliases/${encodeURIComponent(alias)}`;
}
