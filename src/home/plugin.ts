/**
 * The ML Studio home plugin: the home view, the "ML Studio: Open Home"
 * command, its launcher card and palette entry. `activate` never awaits
 * the network: the view loads when it opens.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';

import { studioIcon } from '../icons';
import { HomeModel } from './model';
import { HomeView } from './view';
import { addToLauncher, addToPalette } from '../ui/plugin';
import { showView } from '../ui/view';
import { CommandIDs } from '../command-ids';

export const homePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:home',
  description:
    'ML Studio home: what runs now, recent activity, quick actions, configuration.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null
  ): void => {
    const { serverSettings, events } = app.serviceManager;
    const tracker = new WidgetTracker<HomeView>({ namespace: 'mlstudio-home' });

    app.commands.addCommand(CommandIDs.openHome, {
      label: args =>
        args.isLauncher
          ? 'ML Studio Home'
          : args.isPalette
            ? 'Open Home'
            : 'Open ML Studio Home',
      caption:
        'What runs now (CPU, memory, Stop), recent activity, quick actions and the configuration',
      icon: args => (args.isPalette ? undefined : studioIcon),
      execute: () => {
        const open = tracker.currentWidget ?? tracker.find(() => true);
        if (open) {
          void open.model.refresh();
        }
        return showView(app, tracker, open, () => {
          const model = new HomeModel({ serverSettings, events });
          return new HomeView({ model, commands: app.commands });
        });
      }
    });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openHome,
        name: () => 'home'
      });
    }
    addToPalette(palette, [CommandIDs.openHome]);
    addToLauncher(launcher, CommandIDs.openHome, -1);
  }
};
