/**
 * jupyter-mlstudio frontend plugins: one list, each feature registers its
 * own commands and views.
 */
import { endpointsPlugin } from './endpoints/plugin';
import { featuresPlugin } from './features/plugin';
import { corePlugin, launcherPlugin } from './experiments/plugin';
import { homePlugin } from './home/plugin';
import { jobsPlugin } from './jobs/plugin';
import { jumpstartPlugin } from './jumpstart/plugin';
import { modelsPlugin } from './registry/plugin';
import { monitorPlugin } from './monitor/plugin';
import { pipelinesPlugin } from './pipelines/plugin';
import { tuningPlugin } from './tuning/plugin';
import { wranglerPlugin } from './wrangler/plugin';

export * from './tokens';
export default [
  corePlugin,
  launcherPlugin,
  jobsPlugin,
  tuningPlugin,
  modelsPlugin,
  endpointsPlugin,
  wranglerPlugin,
  pipelinesPlugin,
  featuresPlugin,
  homePlugin,
  monitorPlugin,
  jumpstartPlugin
];
