/**
 * The jobs commands, reused by the Jobs sidebar, palette, launcher, main
 * menu and the file browser's context menu.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';

import { createProcessingJob } from '../api/jobs';
import { jobIcon, trainIcon } from '../icons';
import {
  addListCommands,
  addOpenCommand,
  iconOutsidePalette,
  textArg
} from '../ui/commands';
import { errorOf } from '../ui/errors';
import { isDataFile } from './form-model';
import type { JobsModel } from './model';
import { runAsSparkJobDialog } from './spark-dialog';
import type { JobViews } from './views';
import { CommandIDs, JOBS_SIDEBAR_ID } from '../command-ids';

export interface IJobCommandOptions {
  app: JupyterFrontEnd;
  model: JobsModel;
  views: JobViews;
  serverSettings?: ServerConnection.ISettings;
  /** Paths of the file browser items a context menu was opened on. */
  selectedFiles: () => ReadonlyArray<string>;
}

/** Whether a path is something "Run as Job" can run. */
export function isRunnable(path: string): boolean {
  return /\.(py|ipynb)$/i.test(path);
}

/** Whether a path is a Python script, which "Run as Spark Job" can submit. */
export function isPySparkCandidate(path: string): boolean {
  return /\.py$/i.test(path);
}

export function addJobCommands(options: IJobCommandOptions): void {
  const { app, model, views } = options;
  const { commands } = app;
  const selected = (test: (path: string) => boolean) => {
    const paths = options.selectedFiles();
    return paths.length > 0 && paths.every(test) ? paths : [];
  };

  addListCommands(app, {
    what: 'Jobs',
    about: 'training and processing jobs',
    icon: jobIcon,
    sidebarId: JOBS_SIDEBAR_ID,
    model,
    ids: { open: CommandIDs.openJobs, refresh: CommandIDs.refreshJobs }
  });

  commands.addCommand(CommandIDs.newTrainingJob, {
    label: args =>
      args.isLauncher || args.isPalette
        ? 'New Training Job'
        : 'New Training Job…',
    caption: 'Train a built-in algorithm on a data file, as a background job',
    icon: iconOutsidePalette(trainIcon),
    execute: args =>
      views.openTrainingForm(
        textArg(args.path) || undefined,
        textArg(args.experiment) || undefined
      )
  });

  addOpenCommand(app, CommandIDs.openJob, {
    label: 'Open Job',
    caption: 'Show a job: status, log, metrics and outputs',
    icon: jobIcon,
    arg: 'id',
    open: id => views.openJob(id)
  });

  commands.addCommand(CommandIDs.runAsJob, {
    label: 'Run as Job',
    caption: 'Run this script or notebook as a background processing job',
    icon: jobIcon,
    isVisible: () => selected(isRunnable).length > 0,
    execute: async () => {
      for (const path of selected(isRunnable)) {
        try {
          const job = await createProcessingJob(
            { code: path },
            options.serverSettings
          );
          void model.refresh();
          await views.openJob(job.id);
        } catch (reason) {
          await showErrorMessage('Run as Job', errorOf(reason).message);
          return false;
        }
      }
      return true;
    }
  });

  commands.addCommand(CommandIDs.runAsSparkJob, {
    label: 'Run as Spark Job…',
    caption: 'Run this PySpark script with spark-submit as a processing job',
    icon: jobIcon,
    isVisible: () => selected(isPySparkCandidate).length === 1,
    execute: async () => {
      const [path] = selected(isPySparkCandidate);
      if (!path) {
        return null;
      }
      const job = await runAsSparkJobDialog(path, options.serverSettings);
      if (job) {
        void model.refresh();
        await views.openJob(job.id);
      }
      return job;
    }
  });

  commands.addCommand(CommandIDs.trainWithData, {
    label: 'New Training Job with This Data…',
    caption: 'Open the training job form with this file as training data',
    icon: trainIcon,
    isVisible: () => selected(isDataFile).length === 1,
    execute: () => {
      const [path] = selected(isDataFile);
      return path ? views.openTrainingForm(path) : null;
    }
  });
}
