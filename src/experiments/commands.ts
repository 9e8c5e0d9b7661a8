/**
 * The extension's commands, registered once and reused by the sidebar,
 * palette, launcher and menus.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import { addIcon, deleteIcon, editIcon } from '@jupyterlab/ui-components';

import { askNewExperiment, askRename, confirmDelete } from './dialogs';
import { errorMessage } from '../api/request';
import { CommandIDs, SIDEBAR_ID } from '../command-ids';
import { deleteRun } from '../api/runs';
import { compareIcon, experimentIcon, runIcon, studioIcon } from '../icons';
import type { IExperimentsModel } from '../tokens';
import {
  addOpenCommand,
  addRefreshCommand,
  iconOutsidePalette,
  textArg,
  textsArg
} from '../ui/commands';
import type { StudioViews } from './views';

export interface ICommandOptions {
  app: JupyterFrontEnd;
  model: IExperimentsModel;
  /** Whether deleting asks for confirmation (a user setting). */
  confirmDelete: () => boolean;
  /** Opens the experiment, run and comparison views. */
  views: StudioViews;
  serverSettings?: ServerConnection.ISettings;
}

export function addCommands(options: ICommandOptions): void {
  const { app, model } = options;
  const { commands, shell } = app;

  /** The experiment named by `args.id`, else the selected one. */
  const target = (args: { id?: unknown }) => {
    const id = typeof args.id === 'string' ? args.id : model.selected?.id;
    return model.experiments.find(e => e.id === id) ?? null;
  };

  commands.addCommand(CommandIDs.open, {
    label: args => (args.isLauncher ? 'ML Studio' : 'Open ML Studio'),
    caption: 'Show the ML Studio sidebar',
    icon: iconOutsidePalette(studioIcon),
    execute: () => shell.activateById(SIDEBAR_ID)
  });

  commands.addCommand(CommandIDs.createExperiment, {
    label: args => (args.isLauncher ? 'New Experiment' : 'New Experiment…'),
    caption: 'Create an ML Studio experiment',
    icon: args =>
      args.isPalette ? undefined : args.isLauncher ? experimentIcon : addIcon,
    execute: async () => {
      const value = await askNewExperiment();
      if (!value) {
        return null;
      }
      shell.activateById(SIDEBAR_ID);
      return model.create(value.name, value.description);
    }
  });

  addRefreshCommand(app, CommandIDs.refreshExperiments, 'Experiments', model);

  commands.addCommand(CommandIDs.renameExperiment, {
    label: 'Rename Experiment…',
    caption: 'Rename the selected experiment',
    icon: iconOutsidePalette(editIcon),
    isEnabled: args => target(args) !== null,
    execute: async args => {
      const experiment = target(args);
      if (!experiment) {
        return null;
      }
      const name = await askRename(experiment);
      return name === null ? null : model.rename(experiment.id, name);
    }
  });

  commands.addCommand(CommandIDs.deleteExperiment, {
    label: 'Delete Experiment',
    caption: 'Delete the selected experiment',
    icon: iconOutsidePalette(deleteIcon),
    isEnabled: args => target(args) !== null,
    execute: async args => {
      const experiment = target(args);
      if (!experiment) {
        return false;
      }
      if (options.confirmDelete() && !(await confirmDelete(experiment))) {
        return false;
      }
      return model.remove(experiment.id);
    }
  });

  addViewCommands(options);
}

/** The commands of the experiment, run and comparison views. */
function addViewCommands(options: ICommandOptions): void {
  const { app, model, views } = options;
  const { commands } = app;

  addOpenCommand(app, CommandIDs.openExperiment, {
    label: 'Open Experiment',
    caption: "Show the experiment's runs in the main area",
    icon: iconOutsidePalette(experimentIcon),
    arg: 'id',
    open: id => views.openExperiment(id),
    fallback: () => model.selected?.id
  });

  addOpenCommand(app, CommandIDs.openRun, {
    label: 'Open Run',
    caption: 'Show a run: params, metrics and artifacts',
    icon: runIcon,
    arg: 'id',
    open: id => views.openRun(id)
  });

  commands.addCommand(CommandIDs.compareRuns, {
    label: args => `Compare Runs (${textsArg(args.ids).length})`,
    caption: 'Compare the metrics and params of runs',
    icon: compareIcon,
    isEnabled: args => textsArg(args.ids).length > 0,
    execute: args => {
      const runIds = textsArg(args.ids);
      const experimentId = textArg(args.experimentId);
      return runIds.length > 0 && experimentId
        ? views.compare(experimentId, runIds)
        : null;
    }
  });

  commands.addCommand(CommandIDs.deleteRuns, {
    label: args => `Delete Runs (${textsArg(args.ids).length})`,
    caption: 'Move runs to the trash',
    icon: deleteIcon,
    isEnabled: args => textsArg(args.ids).length > 0,
    execute: async args => {
      const runIds = textsArg(args.ids);
      if (runIds.length === 0) {
        return false;
      }
      if (options.confirmDelete()) {
        const result = await showDialog({
          title: 'Delete Runs',
          body: `Move ${runIds.length} run${runIds.length === 1 ? '' : 's'} to the trash? They can be restored from the run view.`,
          buttons: [
            Dialog.cancelButton({ label: 'Cancel' }),
            Dialog.warnButton({ label: 'Delete' })
          ]
        });
        if (!result.button.accept) {
          return false;
        }
      }
      const failures: string[] = [];
      for (const id of runIds) {
        try {
          await deleteRun(id, options.serverSettings);
        } catch (reason) {
          failures.push(errorMessage(reason));
        }
      }
      views.experiments.forEach(view => void view.model.refresh());
      if (failures.length > 0) {
        await showErrorMessage('Delete Runs', failures.join('\n'));
        return false;
      }
      return true;
    }
  });
}
