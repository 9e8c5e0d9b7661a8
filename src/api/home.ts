/**
 * Typed client for the server's `home` resource: what runs now, recent
 * activity and the configuration in use.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import type { components } from './schema';

type Schemas = components['schemas'];

export type Home = Schemas['Home'];
export type RunningItem = Schemas['RunningItem'];
export type ActivityItem = Schemas['ActivityItem'];
export type ActivityTarget = Schemas['ActivityTarget'];
export type HomeConfiguration = Schemas['HomeConfiguration'];
export type ProcessUsage = Schemas['ProcessUsage'];
export type TrialProgress = Schemas['TrialProgress'];

/** Everything the Studio home shows, in one request. */
export function getHome(settings?: ServerConnection.ISettings): Promise<Home> {
  return requestAPI<Home>('home', {}, settings);
}
