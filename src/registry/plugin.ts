/**
 * The models plugin: the Models sidebar, the model, version and comparison
 * views, and their commands ("Register model" in the run view uses one).
 * `activate` never awaits the network.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { addModelCommands } from './commands';
import { ModelsModel } from './model';
import { ModelsSidebar } from './sidebar';
import { ModelViews } from './views';
import { CommandIDs } from '../command-ids';
import { addSidebar, addToPalette, restoreViews } from '../ui/plugin';

export const modelsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:models',
  description: 'ML Studio model registry: sidebar, model and version views.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    rendermime: IRenderMimeRegistry | null
  ): void => {
    const { serverSettings, events } = app.serviceManager;
    const model = new ModelsModel({ serverSettings, events });
    const views = new ModelViews({ app, serverSettings, events, rendermime });
    addModelCommands({ app, model, views, serverSettings });

    addSidebar(app, new ModelsSidebar(model, app.commands), 852, restorer);
    void model.refresh();

    restoreViews(
      restorer,
      views.groups,
      CommandIDs.openModel,
      'name',
      view => view.model.name
    );
    if (restorer) {
      void restorer.restore(views.versions, {
        command: CommandIDs.openModelVersion,
        args: view => ({ name: view.model.name, version: view.model.version }),
        name: view => `${view.model.name}:${view.model.version}`
      });
      void restorer.restore(views.comparisons, {
        command: CommandIDs.compareModelVersions,
        args: view => ({
          name: view.model.name,
          versions: [...view.model.numbers]
        }),
        name: view => `${view.model.name}:${view.model.numbers.join(',')}`
      });
    }

    addToPalette(palette, [
      CommandIDs.openModels,
      CommandIDs.createModel,
      CommandIDs.registerModel,
      CommandIDs.refreshModels
    ]);
  }
};
