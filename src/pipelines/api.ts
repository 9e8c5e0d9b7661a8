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
