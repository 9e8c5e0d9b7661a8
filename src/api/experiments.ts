/**
 * Typed client for the `experiments` resource.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import type {
  Experiment,
  ExperimentCreate,
  ExperimentList,
  ExperimentUpdate
} from './types';

/** Options for `listExperiments`. */
export interface IListExperimentsOptions {
  /** Only the experiment with exactly this name. */
  name?: string;
  /** Page size asked of the server (1..1000). */
  maxItems?: number;
}

/**
 * List all experiments, following `next_token` until the last page.
 */
export async function listExperiments(
  options: IListExperimentsOptions = {},
  settings?: ServerConnection.ISettings
): Promise<Experiment[]> {
  const items: Experiment[] = [];
  let nextToken: string | null = null;
  do {
    const query = new URLSearchParams();
    query.set('max_items', String(options.maxItems ?? 1000));
    if (options.name !== undefined) {
      query.set('name', options.name);
    }
    if (nextToken !== null) {
      query.set('next_token', nextToken);
    }
    const page: ExperimentList = await requestAPI<ExperimentList>(
      `experiments?${query.toString()}`,
      {},
      settings
    );
    items.push(...page.items);
    nextToken = page.next_token ?? null;
  } while (nextToken);
  return items;
}

export function getExperiment(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<Experiment> {
  return requestAPI<Experiment>(experimentPath(id), {}, settings);
}

export function createExperiment(
  body: ExperimentCreate,
  settings?: ServerConnection.ISettings
): Promise<Experiment> {
  return requestAPI<Experiment>(
    'experiments',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export function updateExperiment(
  id: string,
  body: ExperimentUpdate,
  settings?: ServerConnection.ISettings
): Promise<Experiment> {
  return requestAPI<Experiment>(
    experimentPath(id),
    { method: 'PATCH', body: JSON.stringify(body) },
    settings
  );
}

export function deleteExperiment(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<void> {
  return requestAPI<void>(experimentPath(id), { method: 'DELETE' }, settings);
}

function experimentPath(id: string): string {
  return `experiments/${encodeURIComponent(id)}`;
}
