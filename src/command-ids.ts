/**
 * Every command id and sidebar id of the extension, in one leaf module (no
 * imports): views and plugins name commands through it, so a view never
 * imports the plugin or the module that registers the command.
 */

export namespace CommandIDs {
  // Experiments and runs (registered in src/experiments/commands.ts)
  export const open = 'mlstudio:open';
  export const createExperiment = 'mlstudio:create-experiment';
  export const refreshExperiments = 'mlstudio:refresh-experiments';
  export const renameExperiment = 'mlstudio:rename-experiment';
  export const deleteExperiment = 'mlstudio:delete-experiment';
  export const openExperiment = 'mlstudio:open-experiment';
  export const openRun = 'mlstudio:open-run';
  export const compareRuns = 'mlstudio:compare-runs';
  export const deleteRuns = 'mlstudio:delete-runs';
  // Jobs (registered by the jobs plugin, src/jobs/commands.ts)
  export const openJobs = 'mlstudio:open-jobs';
  export const refreshJobs = 'mlstudio:refresh-jobs';
  export const newTrainingJob = 'mlstudio:new-training-job';
  export const openJob = 'mlstudio:open-job';
  export const runAsJob = 'mlstudio:run-as-job';
  export const runAsSparkJob = 'mlstudio:run-as-spark-job';
  export const trainWithData = 'mlstudio:train-with-data';
  // Model registry (registered by the registry plugin, src/registry/commands.ts)
  export const openModels = 'mlstudio:open-models';
  export const refreshModels = 'mlstudio:refresh-models';
  export const createModel = 'mlstudio:create-model';
  export const openModel = 'mlstudio:open-model';
  export const openModelVersion = 'mlstudio:open-model-version';
  export const compareModelVersions = 'mlstudio:compare-model-versions';
  export const registerModel = 'mlstudio:register-model';
  // Endpoints (registered by the endpoints plugin, src/endpoints/commands.ts)
  export const openEndpoints = 'mlstudio:open-endpoints';
  export const refreshEndpoints = 'mlstudio:refresh-endpoints';
  export const openEndpoint = 'mlstudio:open-endpoint';
  export const deployModel = 'mlstudio:deploy-model';
  // Home (registered by the home plugin, src/home/plugin.ts)
  export const openHome = 'mlstudio:open-home';
  // Data Wrangler (registered by the wrangler plugin, src/wrangler/plugin.ts)
  export const newFlow = 'mlstudio:new-flow';
  export const openInWrangler = 'mlstudio:open-in-wrangler';
  export const openFlow = 'mlstudio:open-flow';
  // Automatic model tuning (registered by the tuning plugin, src/tuning/commands.ts)
  export const openTuningJobs = 'mlstudio:open-tuning-jobs';
  export const refreshTuningJobs = 'mlstudio:refresh-tuning-jobs';
  export const newTuningJob = 'mlstudio:new-tuning-job';
  export const openTuningJob = 'mlstudio:open-tuning-job';
  export const tuneJob = 'mlstudio:tune-job';
  // Feature Store (registered by the features plugin, src/features/commands.ts)
  export const openFeatureStore = 'mlstudio:open-feature-store';
  export const refreshFeatureGroups = 'mlstudio:refresh-feature-groups';
  export const openFeatureGroup = 'mlstudio:open-feature-group';
  export const createFeatureGroup = 'mlstudio:create-feature-group';
  export const ingestFeatureGroup = 'mlstudio:ingest-feature-group';
  export const newFeatureDataset = 'mlstudio:new-feature-dataset';
  // Model Monitor (registered by the monitor plugin, src/monitor/plugin.ts)
  export const openMonitors = 'mlstudio:open-monitors';
  export const openMonitor = 'mlstudio:open-monitor';
  export const newMonitor = 'mlstudio:new-monitor';
  // JumpStart (registered by the jumpstart plugin, src/jumpstart/plugin.ts)
  export const openJumpStart = 'mlstudio:open-jumpstart';
  export const openCatalogEntry = 'mlstudio:open-catalog-entry';
  export const openCatalogLaunch = 'mlstudio:open-catalog-launch';
  // A pipeline execution (registered by the pipelines plugin, src/pipelines/plugin.ts)
  export const openPipelineExecution = 'mlstudio:open-pipeline-execution';
}

/** Id of the ML Studio sidebar widget. */
export const SIDEBAR_ID = 'mlstudio-sidebar';

/** Id of the Jobs sidebar widget. */
export const JOBS_SIDEBAR_ID = 'mlstudio-jobs';

/** Id of the Models sidebar widget. */
export const MODELS_SIDEBAR_ID = 'mlstudio-models';

/** Id of the Endpoints sidebar widget. */
export const ENDPOINTS_SIDEBAR_ID = 'mlstudio-endpoints';

/** Id of the Tuning sidebar widget. */
export const TUNING_SIDEBAR_ID = 'mlstudio-tuning';

/** Id of the Monitors sidebar widget. */
export const MONITORS_SIDEBAR_ID = 'mlstudio-monitors';

/** Id of the Feature Store sidebar widget. */
export const FEATURES_SIDEBAR_ID = 'mlstudio-features';

/** Id of the JumpStart sidebar widget. */
export const JUMPSTART_SIDEBAR_ID = 'mlstudio-jumpstart';
