/**
 * The model registry commands, reused by the Models sidebar, the run view,
 * the palette and the main menu.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ServerConnection } from '@jupyterlab/services';
import { addIcon, refreshIcon } from '@jupyterlab/ui-components';

import { listModels, registerModelVersion } from '../api/registry';
import { compareIcon, modelIcon } from '../icons';
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
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isInteger(value) && value > 0
      ? value
      : null;
  const numbers = (value: unknown) =>
    Array.isArray(value)
      ? value.map(number).filter((n): n is number => n !== null)
      : [];

  commands.addCommand(CommandIDs.openModels, {
    label: 'Open Models',
    caption: 'Show the Models sidebar: the model registry',
    icon: args => (args.isPalette ? undefined : modelIcon),
    execute: () => shell.activateById(MODELS_SIDEBAR_ID)
  });

  commands.addCommand(CommandIDs.refreshModels, {
    label: 'Refresh Models',
    caption: 'Reload the models from the server',
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.createModel, {
    label: 'New Model…',
    caption: 'Create an empty model in the registry',
    icon: args => (args.isPalette ? undefined : addIcon),
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

  commands.addCommand(CommandIDs.openModel, {
    label: 'Open Model',
    caption: "Show a model's versions",
    icon: modelIcon,
    isEnabled: args => text(args.name) !== '',
    execute: args => {
      const name = text(args.name);
      return name ? views.openModel(name) : null;
    }
  });

  commands.addCommand(CommandIDs.openModelVersion, {
    label: 'Open Model Version',
    caption: 'Show a model version: approval, aliases, card and lineage',
    icon: modelIcon,
    isEnabled: args => text(args.name) !== '' && number(args.version) !== null,
    execute: args => {
      const name = text(args.name);
      const version = number(args.version);
      return name && version !== null ? views.openVersion(name, version) : null;
    }
  });

  commands.addCommand(CommandIDs.compareModelVersions, {
    label: args => `Compare Versions (${numbers(args.versions).length})`,
    caption: 'Compare the metrics, params and signatures of model versions',
    icon: compareIcon,
    isEnabled: args =>
      text(args.name) !== '' && new Set(numbers(args.versions)).size >= 2,
    execute: args => {
      const name = text(args.name);
      const versions = numbers(args.versions);
      return name && versions.length >= 2
        ? views.compare(name, versions)
        : null;
    }
  });

  commands.addCommand(CommandIDs.registerModel, {
    label: args =>
      args.isPalette ? 'Register Model from Run…' : 'Register Model…',
    caption: "Register a run's logged model as a new model version",
    icon: args => (args.isPalette ? undefined : modelIcon),
    execute: async args => {
      // Without a run id, the run of the run view in focus, else ask.
      const current = shell.currentWidget;
      const runView = current instanceof RunView ? current : null;
      const runId = text(args.runId) || runView?.model.runId || null;
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
