/**
 * Typed client of the JumpStart catalog routes (`catalog/`): the entries
 * (solutions and pre-built models), launching a solution, following its
 * launch, deploying and fine-tuning a pre-built model.
 *
 * The types follow the catalog REST contract (the server's
 * `api/catalog_models.py`); they are written by hand until the generated
 * `src/api/schema.ts` holds the catalog models.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api/request';

export type CatalogKind = 'solution' | 'model';

export interface ICatalogData {
  source: string;
  rows?: number | null;
  size_mb?: number | null;
}

export interface ICatalogResources {
  ram_mb: number;
  disk_mb: number;
  minutes: number;
}

export interface ICatalogEntrySummary {
  name: string;
  kind: CatalogKind;
  title: string;
  task: string;
  description: string;
  tags: string[];
  licence: string;
  /** The catalog it comes from (`builtin`, or a configured catalog). */
  source: string;
  data: ICatalogData | null;
  resources: ICatalogResources;
}

export interface ICatalogParameter {
  name: string;
  type: 'Float' | 'Integer' | 'String' | 'Boolean';
  default?: unknown;
  description?: string | null;
  choices?: unknown[] | null;
  minimum?: number | null;
  maximum?: number | null;
}

export interface IResourceCheck {
  ok: boolean;
  free_ram_mb?: number | null;
  free_disk_mb?: number | null;
  warnings: string[];
}

export interface ICatalogEntry extends ICatalogEntrySummary {
  readme: string;
  parameters: ICatalogParameter[];
  creates: string[];
  model_name?: string | null;
  endpoint_name?: string | null;
  monitor?: boolean;
  metrics?: Record<string, number> | null;
  input_example?: unknown;
  resource_check?: IResourceCheck | null;
}

export interface ICatalogError {
  source: string;
  path: string;
  message: string;
}

export interface ICatalogSource {
  name: string;
  location: string;
  builtin: boolean;
}

export interface ICatalogList {
  entries: ICatalogEntrySummary[];
  errors: ICatalogError[];
  sources: ICatalogSource[];
  tasks: string[];
}

export type LaunchStatus = 'Preparing' | 'Running' | 'Completed' | 'Failed';

export interface ICatalogLaunch {
  id: string;
  entry: string;
  /** Relative to the Jupyter root. */
  folder: string;
  status: LaunchStatus;
  message?: string | null;
  pipeline_name?: string | null;
  execution_id?: string | null;
  failed_step?: string | null;
  error?: string | null;
  /** The notebook, relative to the Jupyter root. */
  notebook?: string | null;
  model_name?: string | null;
  model_version?: number | null;
  endpoint_name?: string | null;
  monitor_name?: string | null;
  /** The resource check's warnings at launch. */
  warnings?: string[];
  created: string;
  finished?: string | null;
}

export interface IDeployResult {
  model_name: string;
  model_version: number;
  endpoint_name: string;
}

/** Whether a launch still changes (its view polls it). */
export function isLaunchActive(
  launch: Pick<ICatalogLaunch, 'status'>
): boolean {
  return launch.status === 'Preparing' || launch.status === 'Running';
}

const enc = encodeURIComponent;

export function listCatalog(
  settings?: ServerConnection.ISettings
): Promise<ICatalogList> {
  return requestAPI<ICatalogList>('catalog', {}, settings);
}

export function getCatalogEntry(
  name: string,
  settings?: ServerConnection.ISettings
): Promise<ICatalogEntry> {
  return requestAPI<ICatalogEntry>(`catalog/${enc(name)}`, {}, settings);
}

export function launchEntry(
  name: string,
  parameters: Record<string, unknown>,
  settings?: ServerConnection.ISettings
): Promise<ICatalogLaunch> {
  return requestAPI<ICatalogLaunch>(
    `catalog/${enc(name)}/launch`,
    { method: 'POST', body: JSON.stringify({ parameters }) },
    settings
  );
}

export function listLaunches(
  settings?: ServerConnection.ISettings
): Promise<ICatalogLaunch[]> {
  return requestAPI<{ launches: ICatalogLaunch[] }>(
    'catalog/launches',
    {},
    settings
  ).then(list => list.launches);
}

export function getLaunch(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<ICatalogLaunch> {
  return requestAPI<ICatalogLaunch>(
    `catalog/launches/${enc(id)}`,
    {},
    settings
  );
}

export function deployEntry(
  name: string,
  endpointName: string | null,
  settings?: ServerConnection.ISettings
): Promise<IDeployResult> {
  return requestAPI<IDeployResult>(
    `catalog/${enc(name)}/deploy`,
    {
      method: 'POST',
      body: JSON.stringify(endpointName ? { endpoint_name: endpointName } : {})
    },
    settings
  );
}

export function fineTuneEntry(
  name: string,
  data: string,
  target: string | null,
  settings?: ServerConnection.ISettings
): Promise<{ job_id: string }> {
  return requestAPI<{ job_id: string }>(
    `catalog/${enc(name)}/fine-tune`,
    {
      method: 'POST',
      body: JSON.stringify(target ? { data, target } : { data })
    },
    settings
  );
}
