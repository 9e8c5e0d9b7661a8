/**
 * Typed client for the pipeline definition routes under `pipelines/`: the
 * step-type catalog (each type's argument JSON schema with `x-picker` hints)
 * and validation of a `.pipeline` document. The execution routes are used by
 * the execution view when they exist (see `execution seam` in widget.tsx).
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api/request';
import type { components } from '../api/schema';

type Schemas = components['schemas'];

/** The JSON Schema subset the core's pydantic models produce. */
export interface IArgSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: IArgSchema;
  properties?: Record<string, IArgSchema>;
  patternProperties?: Record<string, IArgSchema>;
  required?: string[];
  anyOf?: IArgSchema[];
  oneOf?: IArgSchema[];
  allOf?: IArgSchema[];
  additionalProperties?: boolean | IArgSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $ref?: string;
  $defs?: Record<string, IArgSchema>;
  'x-picker'?: string;
}

/** One step type: its argument schema, outputs, metrics and properties. */
export type IStepType = Schemas['StepType'] & { schema: IArgSchema };

export type IPipelineIssue = Schemas['PipelineIssue'];
export type IPipelineValidation = Schemas['PipelineValidation'];

let catalog: Promise<IStepType[]> | null = null;

/** The step types, fetched once per page (again after a failure). */
export function loadStepTypes(
  settings?: ServerConnection.ISettings
): Promise<IStepType[]> {
  if (!catalog) {
    catalog = requestAPI<{ items: IStepType[] }>(
      'pipelines/step-types',
      {},
      settings
    ).then(list => list.items);
    catalog.catch(() => {
      catalog = null;
    });
  }
  return catalog;
}

/** Validate a document as edited (saved or not). */
export function validatePipeline(
  document: unknown,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IPipelineValidation> {
  return requestAPI<IPipelineValidation>(
    'pipelines/validate',
    { method: 'POST', body: JSON.stringify(document), signal },
    settings
  );
}

// -- pipelines and executions ---------------------------------------------------------

export type IPipelineExecution = Schemas['PipelineExecution'];
export type IStepExecution = Schemas['PipelineStepExecution'];
export type IPipelineDetail = Schemas['PipelineDetail'];
export type ILogChunk = Schemas['JobLogChunk'];

const enc = encodeURIComponent;

/** Store a document: creates the pipeline, or a new version of the one of its name. */
export function savePipeline(
  document: unknown,
  settings?: ServerConnection.ISettings
): Promise<IPipelineDetail> {
  return requestAPI<IPipelineDetail>(
    'pipelines',
    { method: 'POST', body: JSON.stringify(document) },
    settings
  );
}

/**
 * Start an execution; `baseDir` (relative to the Jupyter root) is the folder its
 * relative paths are read from: the editor sends its file's folder, the panel nothing
 * (the server then uses the folder of the pipeline's latest execution).
 */
export function startExecution(
  pipeline: string,
  parameters: Record<string, unknown>,
  settings?: ServerConnection.ISettings,
  baseDir?: string
): Promise<IPipelineExecution> {
  const body =
    baseDir === undefined ? { parameters } : { parameters, base_dir: baseDir };
  return requestAPI<IPipelineExecution>(
    `pipelines/${enc(pipeline)}/executions`,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export function getExecution(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<IPipelineExecution> {
  return requestAPI<IPipelineExecution>(
    `pipeline-executions/${enc(id)}`,
    {},
    settings
  );
}

/** The document an execution ran (its pipeline's version). */
export async function executionDocument(
  execution: IPipelineExecution,
  settings?: ServerConnection.ISettings
): Promise<unknown> {
  const versions = await requestAPI<{
    items: Array<{ version: number; document: unknown }>;
  }>(`pipelines/${enc(execution.pipeline_name)}/versions`, {}, settings);
  const found = versions.items.find(v => v.version === execution.version);
  if (!found) {
    throw new Error(
      `Version ${execution.version} of pipeline ${execution.pipeline_name} is gone.`
    );
  }
  return found.document;
}

export function stopExecution(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<IPipelineExecution> {
  return requestAPI<IPipelineExecution>(
    `pipeline-executions/${enc(id)}/stop`,
    { method: 'POST', body: '{}' },
    settings
  );
}

/** A new execution rerunning `fromStep` and its downstream (default: the failed steps). */
export function retryExecution(
  id: string,
  fromStep: string | null,
  settings?: ServerConnection.ISettings
): Promise<IPipelineExecution> {
  return requestAPI<IPipelineExecution>(
    `pipeline-executions/${enc(id)}/retry`,
    { method: 'POST', body: JSON.stringify({ from_step: fromStep }) },
    settings
  );
}

export function stepLog(
  id: string,
  step: string,
  offset: number,
  settings?: ServerConnection.ISettings
): Promise<ILogChunk> {
  return requestAPI<ILogChunk>(
    `pipeline-executions/${enc(id)}/steps/${enc(step)}/log?offset=${offset}`,
    {},
    settings
  );
}

export type IPipelineInfo = Schemas['Pipeline'];

export function listPipelines(
  settings?: ServerConnection.ISettings
): Promise<IPipelineInfo[]> {
  return requestAPI<{ items: IPipelineInfo[] }>('pipelines', {}, settings).then(
    list => list.items
  );
}

export function listExecutions(
  pipeline: string,
  settings?: ServerConnection.ISettings
): Promise<IPipelineExecution[]> {
  return requestAPI<{ items: IPipelineExecution[] }>(
    `pipelines/${enc(pipeline)}/executions?max_items=20`,
    {},
    settings
  ).then(list => list.items);
}
