/**
 * The jobs plugin: the Jobs sidebar, job views, the training form, their
 * commands, and "Run as Job" / "New Training Job with This Data" in the file
 * browser's context menu. `activate` never awaits the network.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import {
  FileBrowser,
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';

import { addJobCommands } from './commands';
import { JobsModel } from './model';
import { JobsSidebar } from './sidebar';
import { JobViews } from './views';
import { CommandIDs } from '../command-ids';
import {
  addSidebar,
  addToLauncher,
  addToPalette,
  restoreViews
} from '../ui/plugin';

/** The file browser items the context menu targets. */
const CODE_ITEMS = [
  '.jp-DirListing-item[data-file-type="python"]',
  '.jp-DirListing-item[data-file-type="notebook"]'
];
/** Data files have no file type of their own: the command checks the name. */
const FILE_ITEMS = '.jp-DirListing-item[data-isdir="false"]';

export const jobsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:jobs',
  description: 'ML Studio jobs: sidebar, job views and the training form.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    IDefaultFileBrowser,
    IFileBrowserFactory,
    ICommandPalette,
    ILauncher
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    defaultBrowser: FileBrowser | null,
    browserFactory: IFileBrowserFactory | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null
  ): void => {
    const { serverSettings, events } = app.serviceManager;
    const filesOf = (browser: FileBrowser | null | undefined) =>
      browser
        ? [...browser.selectedItems()]
            .filter(item => item.type !== 'directory')
            .map(item => item.path)
        : [];

    const model = new JobsModel({ serverSettings, events });
    const views = new JobViews({
      app,
      serverSettings,
      events,
      // The form's button reads the default file browser's selection.
      selectedFiles: defaultBrowser ? () => filesOf(defaultBrowser) : undefined
    });
    addJobCommands({
      app,
      model,
      views,
      serverSettings,
      // A context menu acts on the browser it was opened in.
      selectedFiles: () =>
        filesOf(browserFactory?.tracker.currentWidget ?? defaultBrowser)
    });

    addSidebar(app, new JobsSidebar(model, app.commands), 851, restorer);
    void model.refresh();

    for (const selector of CODE_ITEMS) {
      app.contextMenu.addItem({
        command: CommandIDs.runAsJob,
        selector,
        rank: 60
      });
    }
    app.contextMenu.addItem({
      command: CommandIDs.runAsSparkJob,
      selector: CODE_ITEMS[0],
      rank: 60.5
    });
    app.contextMenu.addItem({
      command: CommandIDs.trainWithData,
      selector: FILE_ITEMS,
      rank: 61
    });

    restoreViews(
      restorer,
      views.jobs,
      CommandIDs.openJob,
      'id',
      view => view.model.jobId
    );

    addToPalette(palette, [
      CommandIDs.openJobs,
      CommandIDs.newTrainingJob,
      CommandIDs.refreshJobs
    ]);
    addToLauncher(launcher, CommandIDs.newTrainingJob, 2);
  }
};
