/**
 * The experiments feature's plugins: the experiments model, the commands,
 * the sidebar and the user settings; the palette and launcher items.
 *
 * `activate` functions never await the network: the model loads in the
 * background and settings are applied when they arrive.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  IThemeManager
} from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import type { Run } from '../api/types';
import { ThemeWatcher } from '../charts/theme';
import { addCommands } from './commands';
import { DEFAULT_REFRESH_INTERVAL, ExperimentsModel } from './model';
import { MLStudioSidebar } from './sidebar';
import { IExperimentsModel } from '../tokens';
import { StudioViews } from './views';
import { CommandIDs } from '../command-ids';
import {
  addSidebar,
  addToLauncher,
  addToPalette,
  restoreViews
} from '../ui/plugin';

const PLUGIN_ID = 'jupyter-mlstudio:plugin';
/**
 * The core plugin: the experiments model, the commands, the sidebar and the
 * user settings.
 */
export const corePlugin: JupyterFrontEndPlugin<IExperimentsModel> = {
  id: PLUGIN_ID,
  description: 'ML Studio sidebar, experiments model and commands.',
  autoStart: true,
  provides: IExperimentsModel,
  optional: [ISettingRegistry, ILayoutRestorer, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    themeManager: IThemeManager | null
  ): IExperimentsModel => {
    const model = new ExperimentsModel({
      serverSettings: app.serviceManager.serverSettings,
      events: app.serviceManager.events,
      refreshInterval: DEFAULT_REFRESH_INTERVAL
    });
    let confirmDelete = true;
    const views = new StudioViews({
      app,
      serverSettings: app.serviceManager.serverSettings,
      events: app.serviceManager.events,
      theme: new ThemeWatcher(themeManager),
      askRunName
    });

    addCommands({
      app,
      model,
      views,
      serverSettings: app.serviceManager.serverSettings,
      confirmDelete: () => confirmDelete
    });
    // Rename/Delete/Open are enabled only with a selection: keep menus in sync.
    model.changed.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.renameExperiment);
      app.commands.notifyCommandChanged(CommandIDs.deleteExperiment);
      app.commands.notifyCommandChanged(CommandIDs.openExperiment);
      // Open experiment views follow renames.
      views.experiments.forEach(view => {
        const experiment = model.experiments.find(
          e => e.id === view.model.experimentId
        );
        if (experiment) {
          view.model.experimentName = experiment.name;
        }
      });
    });

    addSidebar(app, new MLStudioSidebar(model, app.commands), 850, restorer);
    restoreViews(
      restorer,
      views.experiments,
      CommandIDs.openExperiment,
      'id',
      view => view.model.experimentId
    );
    restoreViews(
      restorer,
      views.runs,
      CommandIDs.openRun,
      'id',
      view => view.model.runId
    );
    if (restorer) {
      void restorer.restore(views.comparisons, {
        command: CommandIDs.compareRuns,
        args: view => ({
          experimentId: view.model.experimentId,
          ids: [...view.model.runIds]
        }),
        name: view => [...view.model.runIds].sort().join(',')
      });
    }

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

/** Ask for a run's new name; `null` if cancelled or unchanged. */
async function askRunName(run: Run): Promise<string | null> {
  const result = await InputDialog.getText({
    title: 'Rename Run',
    label: 'Name',
    text: run.name,
    okLabel: 'Rename'
  });
  const name = result.value?.trim() ?? '';
  return result.button.accept && name && name !== run.name ? name : null;
}

/**
 * Palette entries and launcher cards, reusing the core plugin's commands.
 */
export const launcherPlugin: JupyterFrontEndPlugin<void> = {
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
    addToPalette(palette, [
      CommandIDs.open,
      CommandIDs.createExperiment,
      CommandIDs.refreshExperiments
    ]);
    addToLauncher(launcher, CommandIDs.open, 0);
    addToLauncher(launcher, CommandIDs.createExperiment, 1);
  }
};
