/**
 * The tuning commands, reused by the Tuning sidebar, the palette, the
 * launcher, the tuning-job view (Clone, Warm-start from this) and the job
 * view (Tune…).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';

import { getTuningJob, TrainingSpec } from './api';
import { getJob } from '../api/jobs';
import type { Job } from '../api/types';
import { tuningIcon } from '../icons';
import {
  addListCommands,
  addOpenCommand,
  iconOutsidePalette,
  textArg
} from '../ui/commands';
import { errorOf } from '../ui/errors';
import type { TuningJobsModel } from './model';
import type { TuningViews } from './views';
import { CommandIDs, TUNING_SIDEBAR_ID } from '../command-ids';

export interface ITuningCommandOptions {
  app: JupyterFrontEnd;
  model: TuningJobsModel;
  views: TuningViews;
  serverSettings?: ServerConnection.ISettings;
}

/** Whether "Tune…" can start from a job: a completed built-in training job. */
export function isTunable(job: Pick<Job, 'kind' | 'status' | 'spec'>): boolean {
  return (
    job.kind === 'training' &&
    job.status === 'Completed' &&
    typeof job.spec.algorithm === 'string'
  );
}

/** The training spec of a training job (its stored spec, minus run-only fields). */
export function trainingSpecOf(job: Job): TrainingSpec {
  const spec = { ...job.spec } as TrainingSpec & Record<string, unknown>;
  delete spec.name;
  delete spec.register_as;
  return spec;
}

export function addTuningCommands(options: ITuningCommandOptions): void {
  const { app, model, views, serverSettings } = options;
  const { commands } = app;

  addListCommands(app, {
    what: 'Tuning Jobs',
    about: 'automatic model tuning',
    icon: tuningIcon,
    sidebarId: TUNING_SIDEBAR_ID,
    model,
    ids: {
      open: CommandIDs.openTuningJobs,
      refresh: CommandIDs.refreshTuningJobs
    }
  });

  commands.addCommand(CommandIDs.newTuningJob, {
    label: args =>
      args.isLauncher || args.isPalette ? 'New Tuning Job' : 'New Tuning Job…',
    caption:
      'Tune the hyperparameters of a built-in algorithm: many training jobs, the best kept',
    icon: iconOutsidePalette(tuningIcon),
    execute: async args => {
      // `from`: a tuning job whose spec fills the form (Clone, Warm-start)
      const from = textArg(args.from);
      if (!from) {
        return views.openForm();
      }
      try {
        const source = await getTuningJob(from, serverSettings);
        const warm = args.warmStart === true;
        return views.openForm({
          spec: source.spec,
          warmStart: warm ? [source.name] : source.spec.warm_start,
          label: warm ? `Warm-start: ${source.name}` : `Clone: ${source.name}`
        });
      } catch (reason) {
        await showErrorMessage('New Tuning Job', errorOf(reason).message);
        return null;
      }
    }
  });

  addOpenCommand(app, CommandIDs.openTuningJob, {
    label: 'Open Tuning Job',
    caption: 'Show a tuning job: progress, trials, plots and the best trial',
    icon: tuningIcon,
    arg: 'id',
    open: id => views.openJob(id)
  });

  commands.addCommand(CommandIDs.tuneJob, {
    label: 'Tune…',
    caption:
      "Open the tuning form with this training job's algorithm, data and hyperparameters",
    icon: tuningIcon,
    isEnabled: args => textArg(args.id) !== '',
    execute: async args => {
      try {
        const job = await getJob(textArg(args.id), serverSettings);
        if (!isTunable(job)) {
          throw new Error(
            'Only a completed training job of a built-in algorithm can be tuned from here.'
          );
        }
        return views.openForm({
          training: trainingSpecOf(job),
          label: `Tune: ${job.name}`
        });
      } catch (reason) {
        await showErrorMessage('Tune', errorOf(reason).message);
        return null;
      }
    }
  });
}
