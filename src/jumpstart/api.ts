/**
 * Typed client of the JumpStart catalog routes (`catalog/`): the entries
 * (solutions and pre-built models), launching a solution, following its
 * launch, deploying and fine-tuning a pre-built model.
 *
 * The types are the generated ones of the server's `api/catalog_models.py`.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api/request';
import type { components } from '../api/schema';

type Schemas = components['schemas'];

export type ICatalogEntrySummary = Schemas['CatalogEntrySummary'];
export type CatalogKind = ICatalogEntrySummary['kind'];
export type ICatalogParameter = Schemas['CatalogParameter'];
export type IResourceCheck = Schemas['CatalogResourceCheck'];
export type ICatalogEntry = Schemas['CatalogEntry'];
export type ICatalogError = Schemas['CatalogLoadError'];
export type ICatalogSource = Schemas['CatalogSourceInfo'];
export type ICatalogList = Schemas['CatalogList'];
export type ICatalogLaunch = Schemas['CatalogLaunch'];
export type LaunchStatus = ICatalogLaunch['status'];
export type IDeployResult = Schemas['CatalogDeployment'];
export type IFineTuneResult = Schemas['CatalogFineTune'];

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
  return requestAPI<Schemas['CatalogLaunchList']>(
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
): Promise<IFineTuneResult> {
  return requestAPI<IFineTuneResult>(
    `catalog/${enc(name)}/fine-tune`,
    {
      method: 'POST',
      body: JSON.stringify(target ? { data, target } : { data })
    },
    settings
  );
}
