/**
 * The Feature Store plugin: the sidebar catalog, group views, the create
 * and ingest dialogs, and "New Feature Group from File" in the file
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

import { addFeatureCommands } from './commands';
import { FeatureGroupsModel } from './model';
import { FeatureStoreSidebar } from './sidebar';
import { FeatureGroupViews } from './views';
import { CommandIDs } from '../command-ids';
import {
  addSidebar,
  addToLauncher,
  addToPalette,
  restoreViews
} from '../ui/plugin';

export const featuresPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:features',
  description: 'ML Studio Feature Store: catalog sidebar and group views.',
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
    const model = new FeatureGroupsModel({ serverSettings, events });
    const views = new FeatureGroupViews({ app, serverSettings, events });
    addFeatureCommands({
      app,
      model,
      views,
      serverSettings,
      selectedFiles: () => {
        const browser = browserFactory?.tracker.currentWidget ?? defaultBrowser;
        return browser
          ? [...browser.selectedItems()]
              .filter(item => item.type !== 'directory')
              .map(item => item.path)
          : [];
      }
    });

    addSidebar(
      app,
      new FeatureStoreSidebar(model, app.commands),
      854,
      restorer
    );
    void model.refresh();

    app.contextMenu.addItem({
      command: CommandIDs.createFeatureGroup,
      args: { fromFileBrowser: true },
      selector: '.jp-DirListing-item[data-isdir="false"]',
      rank: 63
    });

    restoreViews(
      restorer,
      views.groups,
      CommandIDs.openFeatureGroup,
      'name',
      view => view.model.name
    );

    addToPalette(palette, [
      CommandIDs.openFeatureStore,
      CommandIDs.createFeatureGroup,
      CommandIDs.newFeatureDataset,
      CommandIDs.refreshFeatureGroups
    ]);
    addToLauncher(launcher, CommandIDs.createFeatureGroup, 6);
    addToLauncher(launcher, CommandIDs.newFeatureDataset, 7);
  }
};
