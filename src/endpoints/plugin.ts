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
import { notifyAsyncResults } from './async-notify';
import { addEndpointCommands, endpointActions } from './commands';
import { EndpointsModel } from './model';
import { EndpointsSidebar } from './sidebar';
import { EndpointViews } from './views';
import { CommandIDs } from '../command-ids';
import { addSidebar, addToPalette, restoreViews } from '../ui/plugin';

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
    notifyAsyncResults({
      events,
      settings: serverSettings,
      open: name => void app.commands.execute(CommandIDs.openEndpoint, { name })
    });

    addSidebar(app, new EndpointsSidebar(model, app.commands), 853, restorer);
    void model.refresh();

    restoreViews(
      restorer,
      views.endpoints,
      CommandIDs.openEndpoint,
      'name',
      view => view.model.name
    );

    addToPalette(palette, [
      CommandIDs.openEndpoints,
      CommandIDs.deployModel,
      CommandIDs.refreshEndpoints
    ]);
  }
};
