/**
 * The tuning plugin: the Tuning sidebar, tuning-job views, the tuning form
 * and their commands (the job view's Tune… uses one). `activate` never
 * awaits the network.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IThemeManager } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import type { FileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';

import { ThemeWatcher } from '../charts/theme';
import { addTuningCommands } from './commands';
import { TuningJobsModel } from './model';
import { TuningSidebar } from './sidebar';
import { TuningViews } from './views';
import { CommandIDs } from '../command-ids';
import {
  addSidebar,
  addToLauncher,
  addToPalette,
  restoreViews
} from '../ui/plugin';

export const tuningPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:tuning',
  description:
    'ML Studio automatic model tuning: sidebar, tuning-job views and the tuning form.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    IThemeManager,
    ILauncher,
    IDefaultFileBrowser
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    themeManager: IThemeManager | null,
    launcher: ILauncher | null,
    browser: FileBrowser | null
  ): void => {
    const { serverSettings, events } = app.serviceManager;
    const model = new TuningJobsModel({ serverSettings, events });
    const views = new TuningViews({
      app,
      serverSettings,
      events,
      theme: new ThemeWatcher(themeManager),
      selectedFiles: browser
        ? () =>
            [...browser.selectedItems()]
              .filter(item => item.type !== 'directory')
              .map(item => item.path)
        : undefined,
      onCreated: () => void model.refresh()
    });
    addTuningCommands({ app, model, views, serverSettings });

    // between Jobs (851) and Models (852)
    addSidebar(app, new TuningSidebar(model, app.commands), 851.5, restorer);
    void model.refresh();

    restoreViews(
      restorer,
      views.jobs,
      CommandIDs.openTuningJob,
      'id',
      view => view.model.tuningJobId
    );

    addToPalette(palette, [
      CommandIDs.openTuningJobs,
      CommandIDs.newTuningJob,
      CommandIDs.refreshTuningJobs
    ]);
    addToLauncher(launcher, CommandIDs.newTuningJob, 3);
  }
};
