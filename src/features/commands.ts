/**
 * The Feature Store commands, reused by the sidebar, the group views, the
 * palette, the launcher and the file browser's context menu.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import { fileUploadIcon } from '@jupyterlab/ui-components';

import { featureStoreIcon } from '../icons';
import {
  addListCommands,
  addOpenCommand,
  iconOutsidePalette,
  textArg
} from '../ui/commands';
import { createGroupDialog, ingestDialog, isFeatureDataFile } from './dialogs';
import type { FeatureGroupsModel } from './model';
import type { FeatureGroupViews } from './views';
import { CommandIDs, FEATURES_SIDEBAR_ID } from '../command-ids';

export interface IFeatureCommandOptions {
  app: JupyterFrontEnd;
  model: FeatureGroupsModel;
  views: FeatureGroupViews;
  serverSettings?: ServerConnection.ISettings;
  /** Paths of the file browser items selected (or right-clicked). */
  selectedFiles: () => ReadonlyArray<string>;
}

export function addFeatureCommands(options: IFeatureCommandOptions): void {
  const { app, model, views, serverSettings } = options;
  const { commands } = app;
  const contents = app.serviceManager.contents;
  const selectedDataFile = () => {
    const paths = options.selectedFiles();
    return paths.length === 1 && isFeatureDataFile(paths[0]) ? paths[0] : '';
  };

  addListCommands(app, {
    what: 'Feature Store',
    about: 'feature groups, their statistics and online records',
    icon: featureStoreIcon,
    sidebarId: FEATURES_SIDEBAR_ID,
    model,
    ids: {
      open: CommandIDs.openFeatureStore,
      refresh: CommandIDs.refreshFeatureGroups
    }
  });

  addOpenCommand(app, CommandIDs.openFeatureGroup, {
    label: 'Open Feature Group',
    caption: 'Show a feature group: features, statistics, records',
    icon: featureStoreIcon,
    arg: 'name',
    open: name => views.open(name)
  });

  commands.addCommand(CommandIDs.createFeatureGroup, {
    label: args =>
      args.isLauncher || args.isPalette
        ? 'New Feature Group from File'
        : 'New Feature Group from File…',
    caption:
      'Create a feature group from a data file: features from its columns, then ingest it',
    icon: iconOutsidePalette(featureStoreIcon),
    // In the file browser's context menu: only on one data file.
    isVisible: args =>
      !args.fromFileBrowser ||
      textArg(args.path) !== '' ||
      selectedDataFile() !== '',
    execute: async args => {
      const path = textArg(args.path) || selectedDataFile();
      const created = await createGroupDialog(path, contents, serverSettings);
      if (!created) {
        return null;
      }
      const { group, ingested } = created;
      Notification.success(
        ingested
          ? `Created ${group.ref} and ingested ${ingested.rows_written} rows.`
          : `Created ${group.ref}.`,
        { autoClose: 5000 }
      );
      void model.refresh();
      return views.open(group.name);
    }
  });

  commands.addCommand(CommandIDs.newFeatureDataset, {
    label: args =>
      args.isLauncher || args.isPalette
        ? 'New Training Set from Features'
        : 'New Training Set…',
    caption:
      'Build a point-in-time-correct training set from feature groups and an entity file',
    icon: iconOutsidePalette(featureStoreIcon),
    execute: args => views.openDatasetBuilder(textArg(args.path) || undefined)
  });

  commands.addCommand(CommandIDs.ingestFeatureGroup, {
    label: args => (args.isPalette ? 'Ingest File' : 'Ingest File…'),
    caption: 'Ingest a data file under the server root into a feature group',
    icon: iconOutsidePalette(fileUploadIcon),
    isEnabled: args => textArg(args.name) !== '',
    execute: async args => {
      const ref = textArg(args.name);
      const result = await ingestDialog(
        ref,
        textArg(args.path) || selectedDataFile(),
        serverSettings
      );
      if (result && 'kind' in result) {
        // a processing job ingests it: link to the job
        Notification.info(`Ingesting into ${ref} in job ${result.name}.`, {
          autoClose: 8000,
          actions: [
            {
              label: 'Open job',
              callback: () =>
                void commands.execute(CommandIDs.openJob, { id: result.id })
            }
          ]
        });
      } else if (result) {
        Notification.success(
          `Ingested ${result.rows_written} rows into ${result.group}` +
            (result.duplicates_dropped
              ? ` (${result.duplicates_dropped} duplicates dropped).`
              : '.'),
          { autoClose: 5000 }
        );
      }
      return result;
    }
  });
}
