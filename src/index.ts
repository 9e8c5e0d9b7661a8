/**
 * jupyter-mlstudio frontend plugins.
 *
 * `activate` functions never await the network: the model loads in the
 * background and settings are applied when they arrive.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { addCommands, CommandIDs } from './commands';
import {
  DEFAULT_REFRESH_INTERVAL,
  ExperimentsModel
} from './experiments/model';
import { MLStudioSidebar } from './sidebar/widget';
import { IExperimentsModel } from './tokens';

const PLUGIN_ID = 'jupyter-mlstudio:plugin';
const CATEGORY = 'ML Studio';

/**
 * The core plugin: the experiments model, the commands, the sidebar and the
 * user settings.
 */
const corePlugin: JupyterFrontEndPlugin<IExperimentsModel> = {
  id: PLUGIN_ID,
  description: 'ML Studio sidebar, experiments model and commands.',
  autoStart: true,
  provides: IExperimentsModel,
  optional: [ISettingRegistry, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ): IExperimentsModel => {
    const model = new ExperimentsModel({
      serverSettings: app.serviceManager.serverSettings,
      events: app.serviceManager.events,
      refreshInterval: DEFAULT_REFRESH_INTERVAL
    });
    let confirmDelete = true;

    addCommands({ app, model, confirmDelete: () => confirmDelete });
    // Rename/Delete are enabled only with a selection: keep menus in sync.
    model.changed.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.renameExperiment);
      app.commands.notifyCommandChanged(CommandIDs.deleteExperiment);
    });

    const sidebar = new MLStudioSidebar(model, app.commands);
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, sidebar.id);

    if (settingRegistry) {
      const apply = (settings: ISettingRegistry.ISettings) => {
        model.refreshInterval = Number(
          settings.get('refreshInterval').composite ?? DEFAULT_REFRESH_INTERVAL
        );
        confirmDelete = settings.get('confirmDelete').composite !== false;
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error('jupyter-mlstudio: failed to load settings.', reason);
        });
    }

    return model;
  }
};

/**
 * Palette entries and launcher cards, reusing the core plugin's commands.
 */
const launcherPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:launcher',
  description: 'ML Studio launcher cards and command palette entries.',
  autoStart: true,
  requires: [IExperimentsModel],
  optional: [ICommandPalette, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    _model: IExperimentsModel,
    palette: ICommandPalette | null,
    launcher: ILauncher | null
  ): void => {
    for (const command of [
      CommandIDs.open,
      CommandIDs.createExperiment,
      CommandIDs.refreshExperiments
    ]) {
      palette?.addItem({
        command,
        category: CATEGORY,
        args: { isPalette: true }
      });
    }
    launcher?.add({
      command: CommandIDs.open,
      category: CATEGORY,
      rank: 0,
      args: { isLauncher: true }
    });
    launcher?.add({
      command: CommandIDs.createExperiment,
      category: CATEGORY,
      rank: 1,
      args: { isLauncher: true }
    });
  }
};

export * from './tokens';
export default [corePlugin, launcherPlugin];
