/**
 * The model registry commands, reused by the Models sidebar, the run view,
 * the palette and the main menu.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ServerConnection } from '@jupyterlab/services';
import { addIcon } from '@jupyterlab/ui-components';

import { listModels, registerModelVersion } from '../api/registry';
import { compareIcon, modelIcon } from '../icons';
import {
  addListCommands,
  addOpenCommand,
  countArg,
  countsArg,
  iconOutsidePalette,
  textArg
} from '../ui/commands';
import { errorOf } from '../ui/errors';
import { RunView } from '../experiments/run-view/widget';
import { askNewModel, askRegister, IRegisterValue } from './dialogs';
import type { ModelsModel } from './model';
import type { ModelViews } from './views';
import { CommandIDs, MODELS_SIDEBAR_ID } from '../command-ids';

export interface IModelCommandOptions {
  app: JupyterFrontEnd;
  model: ModelsModel;
  views: ModelViews;
  serverSettings?: ServerConnection.ISettings;
}

export function addModelCommands(options: IModelCommandOptions): void {
  const { app, model, views } = options;
  const { commands, shell } = app;

  addListCommands(app, {
    what: 'Models',
    about: 'the model registry',
    icon: modelIcon,
    sidebarId: MODELS_SIDEBAR_ID,
    model,
    ids: { open: CommandIDs.openModels, refresh: CommandIDs.refreshModels }
  });

  commands.addCommand(CommandIDs.createModel, {
    label: 'New Model…',
    caption: 'Create an empty model in the registry',
    icon: iconOutsidePalette(addIcon),
    execute: async () => {
      const value = await askNewModel();
      if (!value) {
        return null;
      }
      shell.activateById(MODELS_SIDEBAR_ID);
      const group = await model.create(value.name, value.description);
      return group ? views.openModel(group.name) : null;
    }
  });

  addOpenCommand(app, CommandIDs.openModel, {
    label: 'Open Model',
    caption: "Show a model's versions",
    icon: modelIcon,
    arg: 'name',
    open: name => views.openModel(name)
  });

  commands.addCommand(CommandIDs.openModelVersion, {
    label: 'Open Model Version',
    caption: 'Show a model version: approval, aliases, card and lineage',
    icon: modelIcon,
    isEnabled: args =>
      textArg(args.name) !== '' && countArg(args.version) !== null,
    execute: args => {
      const name = textArg(args.name);
      const version = countArg(args.version);
      return name && version !== null ? views.openVersion(name, version) : null;
    }
  });

  commands.addCommand(CommandIDs.compareModelVersions, {
    label: args => `Compare Versions (${countsArg(args.versions).length})`,
    caption: 'Compare the metrics, params and signatures of model versions',
    icon: compareIcon,
    isEnabled: args =>
      textArg(args.name) !== '' && new Set(countsArg(args.versions)).size >= 2,
    execute: args => {
      const name = textArg(args.name);
      const versions = countsArg(args.versions);
      return name && versions.length >= 2
        ? views.compare(name, versions)
        : null;
    }
  });

  commands.addCommand(CommandIDs.registerModel, {
    label: args =>
      args.isPalette ? 'Register Model from Run…' : 'Register Model…',
    caption: "Register a run's logged model as a new model version",
    icon: iconOutsidePalette(modelIcon),
    execute: async args => {
      // Without a run id, the run of the run view in focus, else ask.
      const current = shell.currentWidget;
      const runView = current instanceof RunView ? current : null;
      const runId = textArg(args.runId) || runView?.model.runId || null;
      const runName =
        runView && runView.model.runId === runId
          ? (runView.model.run?.name ?? null)
          : null;
      const modelNames = await listModels(
        { maxItems: 1000 },
        options.serverSettings
      )
        .then(page => page.items.map(group => group.name))
        .catch(() => []);
      let initial: Partial<IRegisterValue> | undefined;
      let error: string | undefined;
      // The server's answer is shown in the dialog again, the input kept.
      for (;;) {
        const value = await askRegister({
          runId,
          runLabel: runName ? `“${runName}”` : undefined,
          modelNames,
          initial,
          error
        });
        if (!value) {
          return null;
        }
        try {
          const version = await registerModelVersion(
            value.name,
            { run_id: value.runId, description: value.description },
            options.serverSettings
          );
          void model.refresh();
          return views.openVersion(version.name, version.version);
        } catch (reason) {
          initial = value;
          error = errorOf(reason).message;
        }
      }
    }
  });
}
