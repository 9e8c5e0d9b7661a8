/**
 * The JumpStart plugin: the JumpStart left panel (the catalog's cards,
 * filters and recent launches), entry pages and launch views in the main
 * area, their commands (palette, ML Studio menu) and a launcher item that
 * shows the panel. `activate` never awaits the network: the catalog loads
 * when the panel is first shown.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ILauncher } from '@jupyterlab/launcher';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { CommandIDs, JUMPSTART_SIDEBAR_ID } from '../command-ids';
import { jumpstartIcon } from '../icons';
import { addOpenCommand, iconOutsidePalette } from '../ui/commands';
import {
  addSidebar,
  addToLauncher,
  addToPalette,
  restoreViews
} from '../ui/plugin';
import { showView } from '../ui/view';
import { EntryView } from './entry';
import { LaunchView } from './launch';
import { CatalogModel } from './model';
import { JumpStartSidebar } from './sidebar';

export const jumpstartPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:jumpstart',
  description:
    'ML Studio JumpStart: a catalog of solutions and pre-built models that launch in one click.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ILauncher,
    IRenderMimeRegistry,
    IDocumentManager
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    rendermime: IRenderMimeRegistry | null,
    docManager: IDocumentManager | null
  ): void => {
    const { commands, serviceManager } = app;
    const settings = serviceManager.serverSettings;
    const events = serviceManager.events;
    const model = new CatalogModel(settings, events);
    const entries = new WidgetTracker<EntryView>({
      namespace: 'mlstudio-jumpstart-entries'
    });
    const launches = new WidgetTracker<LaunchView>({
      namespace: 'mlstudio-jumpstart-launches'
    });

    const openLaunch = (id: string, openNotebook: boolean) =>
      showView(
        app,
        launches,
        launches.find(v => v.model.id === id),
        () => new LaunchView({ id, settings, events, commands, openNotebook })
      );

    app.commands.addCommand(CommandIDs.openJumpStart, {
      label: args => (args.isLauncher ? 'JumpStart' : 'Open JumpStart'),
      caption:
        'Ready solutions and pre-built models that train, deploy and open their notebook in one click',
      icon: iconOutsidePalette(jumpstartIcon),
      execute: () => {
        app.shell.activateById(JUMPSTART_SIDEBAR_ID);
      }
    });
    addOpenCommand(app, CommandIDs.openCatalogEntry, {
      label: 'Open Catalog Entry',
      caption: 'Show a JumpStart entry: what it is, Launch or Deploy',
      icon: jumpstartIcon,
      arg: 'name',
      open: name =>
        showView(
          app,
          entries,
          entries.find(v => v.model.name === name),
          () =>
            new EntryView({
              name,
              settings,
              commands,
              rendermime,
              docManager,
              onLaunched: launch => {
                void model.refreshLaunches();
                void openLaunch(launch.id, true);
              }
            })
        )
    });
    addOpenCommand(app, CommandIDs.openCatalogLaunch, {
      label: 'Open Launch',
      caption: "Show a JumpStart launch's progress and what it made",
      icon: jumpstartIcon,
      arg: 'id',
      open: id => openLaunch(id, false)
    });

    addSidebar(app, new JumpStartSidebar(model, commands), 851.9, restorer);
    restoreViews(
      restorer,
      entries,
      CommandIDs.openCatalogEntry,
      'name',
      view => view.model.name
    );
    restoreViews(
      restorer,
      launches,
      CommandIDs.openCatalogLaunch,
      'id',
      view => view.model.id
    );
    addToPalette(palette, [CommandIDs.openJumpStart]);
    addToLauncher(launcher, CommandIDs.openJumpStart, 8);
  }
};
