/**
 * The endpoints plugin: the Endpoints sidebar, endpoint views, the deploy
 * dialog and their commands (the model version view's Deploy button uses
 * one). `activate` never awaits the network.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IThemeManager } from '@jupyterlab/apputils';

import { ThemeWatcher } from '../charts/theme';
import { addEndpointCommands, endpointActions } from './commands';
import { EndpointsModel } from './model';
import { EndpointsSidebar } from './sidebar';
import { EndpointViews } from './views';
import { CommandIDs } from '../command-ids';

const CATEGORY = 'ML Studio';

export const endpointsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:endpoints',
  description: 'ML Studio endpoints: sidebar, deploy dialog, endpoint views.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    themeManager: IThemeManager | null
  ): void => {
    const { serverSettings, events } = app.serviceManager;
    const model = new EndpointsModel({ serverSettings, events });
    const views = new EndpointViews({
      app,
      serverSettings,
      events,
      theme: new ThemeWatcher(themeManager),
      actions: endpointActions(model, serverSettings)
    });
    addEndpointCommands({ app, model, views, serverSettings });

    const sidebar = new EndpointsSidebar(model, app.commands);
    app.shell.add(sidebar, 'left', { rank: 853 });
    void model.refresh();

    if (restorer) {
      restorer.add(sidebar, sidebar.id);
      void restorer.restore(views.endpoints, {
        command: CommandIDs.openEndpoint,
        args: view => ({ name: view.model.name }),
        name: view => view.model.name
      });
    }

    for (const command of [
      CommandIDs.openEndpoints,
      CommandIDs.deployModel,
      CommandIDs.refreshEndpoints
    ]) {
      palette?.addItem({
        command,
        category: CATEGORY,
        args: { isPalette: true }
      });
    }
  }
};
