/**
 * The extension's commands, registered once and reused by the sidebar,
 * palette, launcher and menus.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import {
  addIcon,
  deleteIcon,
  editIcon,
  refreshIcon
} from '@jupyterlab/ui-components';

import {
  askNewExperiment,
  askRename,
  confirmDelete
} from './experiments/dialogs';
import { experimentIcon, studioIcon } from './icons';
import type { IExperimentsModel } from './tokens';

export namespace CommandIDs {
  export const open = 'mlstudio:open';
  export const createExperiment = 'mlstudio:create-experiment';
  export const refreshExperiments = 'mlstudio:refresh-experiments';
  export const renameExperiment = 'mlstudio:rename-experiment';
  export const deleteExperiment = 'mlstudio:delete-experiment';
}

/** Id of the ML Studio sidebar widget. */
export const SIDEBAR_ID = 'mlstudio-sidebar';

export interface ICommandOptions {
  app: JupyterFrontEnd;
  model: IExperimentsModel;
  /** Whether deleting asks for confirmation (a user setting). */
  confirmDelete: () => boolean;
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
    icon: args => (args.isPalette ? undefined : studioIcon),
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

  commands.addCommand(CommandIDs.refreshExperiments, {
    label: 'Refresh Experiments',
    caption: 'Reload the experiments from the server',
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.renameExperiment, {
    label: 'Rename Experiment…',
    caption: 'Rename the selected experiment',
    icon: args => (args.isPalette ? undefined : editIcon),
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
    icon: args => (args.isPalette ? undefined : deleteIcon),
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
}
