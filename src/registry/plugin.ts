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

const CATEGORY = 'ML Studio';

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

    const sidebar = new ModelsSidebar(model, app.commands);
    app.shell.add(sidebar, 'left', { rank: 852 });
    void model.refresh();

    if (restorer) {
      restorer.add(sidebar, sidebar.id);
      void restorer.restore(views.groups, {
        command: CommandIDs.openModel,
        args: view => ({ name: view.model.name }),
        name: view => view.model.name
      });
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

    for (const command of [
      CommandIDs.openModels,
      CommandIDs.createModel,
      CommandIDs.registerModel,
      CommandIDs.refreshModels
    ]) {
      palette?.addItem({
        command,
        category: CATEGORY,
        args: { isPalette: true }
      });
    }
  }
};
