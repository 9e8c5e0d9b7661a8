/**
 * Typed client for the Data Wrangler resources under `wrangler/`: the
 * transform catalog, previews, the insights report, exports and flow jobs.
 * Paths in request bodies are relative to the server's root folder, like the
 * file browser's; `flow` is the document as edited (saved or not).
 *
 * Request and response bodies are the generated wire types, the flow
 * document included (src/wrangler/document.ts names its parts). The
 * transforms' parameter schemas are open JSON objects in the OpenAPI
 * document; `IJSONSchema` below spells out the JSON Schema subset the core
 * produces (no JSON Schema type package is a dependency) so the UI reads
 * them typed.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import type { components } from './schema';
import type { Job } from './types';

type Schemas = components['schemas'];

/** A JSON schema object (the transforms' parameter schemas). */
export interface IJSONSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: IJSONSchema;
  properties?: Record<string, IJSONSchema>;
  required?: string[];
  anyOf?: IJSONSchema[];
  additionalProperties?: boolean | IJSONSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  $ref?: string;
  $defs?: Record<string, IJSONSchema>;
  'x-mlstudio-widget'?: 'column' | 'columns' | 'code';
  'x-mlstudio-dtype'?: 'numeric' | 'text' | 'datetime' | 'boolean';
  'x-mlstudio-port'?: number;
  'x-mlstudio-language'?: string;
}

/**
 * One transform of the catalog; its parameter schema, an open object in the
 * OpenAPI document, read as a JSON schema.
 */
export type ITransformInfo = Schemas['TransformInfo'] & {
  params_schema: IJSONSchema;
};

export interface ITransformList {
  items: ITransformInfo[];
}

/** One output frame of a node, on the sample. */
export type IOutputInfo = Schemas['OutputInfo'];

/** One node's outcome in a preview run. */
export type IStepStatus = Schemas['StepStatus'];
export type StepState = IStepStatus['state'];

export type IHistogram = Schemas['Histogram'];
export type IColumnSummary = Schemas['ColumnSummary'];

/** The first rows of a node's output, with a summary per column. */
export type IPreview = Schemas['Preview'];

export type IPreviewRequest = Schemas['FlowPreviewRequest'];
export type IPreviewResponse = Schemas['FlowPreviewResponse'];

/** A plotly figure of the insights report (wrangler/insights/charts.py). */
export type IReportFigure = Schemas['ReportFigure'];

/** The insights report (wrangler/insights/models.py). */
export type IInsightsReport = Schemas['InsightsReport'];

export type IReportRequest = Schemas['FlowReportRequest'];

export type IReportResponse = Schemas['FlowReportResponse'];

export type ExportFormat = IExportRequest['format'];

export type IExportRequest = Schemas['FlowExportRequest'];

export type IExportResponse = Schemas['FlowExportResponse'];

/** What a file export (script, notebook, sklearn, report) answers. */
export type IFileExportResponse = IExportResponse & { path: string };

/** What an export to the Feature Store answers. */
export type IFeatureStoreExportResponse = IExportResponse & {
  feature_group: string;
  /** Rows ingested in the request; absent when a job ingests (`job_id`). */
  rows_written?: number;
  /** The processing job ingesting the flow's full result (`as_job`). */
  job_id?: string;
};

export type IFeatureStoreExport = Schemas['FeatureStoreExport'];

export type FlowJobFormat = NonNullable<
  Schemas['FlowJobRequest']['output_format']
>;

/** The transform catalog with each transform's parameter schema. */
export function listTransforms(
  settings?: ServerConnection.ISettings
): Promise<ITransformList> {
  return requestAPI<ITransformList>('wrangler/transforms', {}, settings);
}

/**
 * Run the flow on its sample up to `node` and return every computed node's
 * status plus the preview of `node` (null when it failed or is blocked).
 */
export function previewFlow(
  body: IPreviewRequest,
  settings?: ServerConnection.ISettings,
  signal?: AbortSignal
): Promise<IPreviewResponse> {
  return requestAPI<IPreviewResponse>(
    'wrangler/preview',
    { method: 'POST', body: JSON.stringify(body), signal },
    settings
  );
}

/** The Data Quality and Insights report of a node's output. */
export function buildReport(
  body: IReportRequest,
  settings?: ServerConnection.ISettings
): Promise<IReportResponse> {
  return requestAPI<IReportResponse>(
    'wrangler/report',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Export the flow; the file is written next to the .flow file. */
export function exportFlow(
  body: IExportRequest & { format: Exclude<ExportFormat, 'feature-store'> },
  settings?: ServerConnection.ISettings
): Promise<IFileExportResponse> {
  return requestAPI<IFileExportResponse>(
    'wrangler/export',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/**
 * Run the flow on its full data and ingest the result into a feature group
 * (a new one, or a new batch of an existing one of the same schema).
 */
export function exportFlowToFeatureStore(
  body: Omit<IExportRequest, 'format' | 'feature_store'> & {
    feature_store: IFeatureStoreExport;
  },
  settings?: ServerConnection.ISettings
): Promise<IFeatureStoreExportResponse> {
  return requestAPI<IFeatureStoreExportResponse>(
    'wrangler/export',
    {
      method: 'POST',
      body: JSON.stringify({ ...body, format: 'feature-store' })
    },
    settings
  );
}

/** Run the saved flow on the full data as a processing job. */
export function startFlowJob(
  path: string,
  outputFormat: FlowJobFormat,
  settings?: ServerConnection.ISettings
): Promise<Job> {
  return requestAPI<Job>(
    'wrangler/job',
    {
      method: 'POST',
      body: JSON.stringify({
        path,
        output_format: outputFormat
      } satisfies Schemas['FlowJobRequest'])
    },
    settings
  );
}
