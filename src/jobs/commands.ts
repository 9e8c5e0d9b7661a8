/**
 * The jobs commands, reused by the Jobs sidebar, palette, launcher, main
 * menu and the file browser's context menu.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import { refreshIcon } from '@jupyterlab/ui-components';

import { createProcessingJob } from '../api/jobs';
import { jobIcon, trainIcon } from '../icons';
import { errorOf } from '../ui/errors';
import { isDataFile } from './form-model';
import type { JobsModel } from './model';
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

export function addJobCommands(options: IJobCommandOptions): void {
  const { app, model, views } = options;
  const { commands, shell } = app;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const selected = (test: (path: string) => boolean) => {
    const paths = options.selectedFiles();
    return paths.length > 0 && paths.every(test) ? paths : [];
  };

  commands.addCommand(CommandIDs.openJobs, {
    label: 'Open Jobs',
    caption: 'Show the Jobs sidebar: training and processing jobs',
    icon: args => (args.isPalette ? undefined : jobIcon),
    execute: () => shell.activateById(JOBS_SIDEBAR_ID)
  });

  commands.addCommand(CommandIDs.refreshJobs, {
    label: 'Refresh Jobs',
    caption: 'Reload the jobs from the server',
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.newTrainingJob, {
    label: args =>
      args.isLauncher || args.isPalette
        ? 'New Training Job'
        : 'New Training Job…',
    caption: 'Train a built-in algorithm on a data file, as a background job',
    icon: args => (args.isPalette ? undefined : trainIcon),
    execute: args =>
      views.openTrainingForm(
        text(args.path) || undefined,
        text(args.experiment) || undefined
      )
  });

  commands.addCommand(CommandIDs.openJob, {
    label: 'Open Job',
    caption: 'Show a job: status, log, metrics and outputs',
    icon: jobIcon,
    isEnabled: args => text(args.id) !== '',
    execute: args => {
      const id = text(args.id);
      return id ? views.openJob(id) : null;
    }
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
