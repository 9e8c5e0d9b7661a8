/**
 * The Data Wrangler plugin: the `.flow` file type ("Data Flow") and its
 * "Data Wrangler" widget factory, the "New Data Flow" command (the same
 * label in the launcher, File → New, the ML Studio menu and the palette), "Open in
 * Data Wrangler" on data files in the file browser, and the output renderer
 * of `%mls wrangle`. `activate` never awaits the network.
 */
import { CommandIDs } from '../command-ids';
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import {
  FileBrowser,
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Contents } from '@jupyterlab/services';

import { ThemeWatcher } from '../charts/theme';
import { wranglerIcon } from '../icons';
import {
  emptyFlow,
  IFlowDocument,
  isWranglerDataFile,
  serializeFlow,
  sourceForFile
} from './document';
import { OPEN_FLOW_MIME, OpenFlowRenderer } from './mime';
import { errorMessage } from '../ui/errors';
import { FACTORY, FlowEditor, FlowEditorFactory } from './widget';

const CATEGORY = 'ML Studio';
export const FLOW_FILE_TYPE = 'mlstudio-flow';

export const wranglerPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:wrangler',
  description: 'ML Studio Data Wrangler: the .flow editor.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    IDefaultFileBrowser,
    IFileBrowserFactory,
    ICommandPalette,
    ILauncher,
    IRenderMimeRegistry,
    IThemeManager
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    defaultBrowser: FileBrowser | null,
    browserFactory: IFileBrowserFactory | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    rendermime: IRenderMimeRegistry | null,
    themeManager: IThemeManager | null
  ): void => {
    const { commands, docRegistry, serviceManager } = app;
    const contents = serviceManager.contents;
    const browser = () =>
      browserFactory?.tracker.currentWidget ?? defaultBrowser ?? null;
    const selectedFiles = () => {
      const current = browser();
      return current
        ? [...current.selectedItems()]
            .filter(item => item.type !== 'directory')
            .map(item => item.path)
        : [];
    };

    docRegistry.addFileType({
      name: FLOW_FILE_TYPE,
      displayName: 'Data Flow',
      extensions: ['.flow'],
      mimeTypes: ['application/json'],
      contentType: 'file',
      fileFormat: 'text',
      icon: wranglerIcon
    });

    const factory = new FlowEditorFactory(
      {
        name: FACTORY,
        label: 'Data Wrangler',
        fileTypes: [FLOW_FILE_TYPE],
        defaultFor: [FLOW_FILE_TYPE],
        modelName: 'text'
      },
      {
        commands,
        theme: new ThemeWatcher(themeManager),
        serverSettings: serviceManager.serverSettings,
        addToShell: widget =>
          app.shell.add(widget, 'main', { mode: 'split-bottom' }),
        selectedFile: () =>
          selectedFiles().find(path => isWranglerDataFile(path)) ?? null
      }
    );
    docRegistry.addWidgetFactory(factory);
    const tracker = new WidgetTracker<FlowEditor>({
      namespace: 'mlstudio-wrangler'
    });
    factory.widgetCreated.connect((_, widget) => {
      widget.context.pathChanged.connect(() => void tracker.save(widget));
      void tracker.add(widget);
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: 'docmanager:open',
        args: widget => ({ path: widget.context.path, factory: FACTORY }),
        name: widget => widget.context.path
      });
    }

    /** Write a flow document to a new file with a free name; return its path. */
    const createFlow = async (
      folder: string,
      stem: string,
      document: IFlowDocument
    ): Promise<string> => {
      const path = await freePath(contents, folder, stem, '.flow');
      await contents.save(path, {
        type: 'file',
        format: 'text',
        content: serializeFlow(document)
      });
      return path;
    };
    const open = (path: string) =>
      commands.execute('docmanager:open', { path, factory: FACTORY });

    commands.addCommand(CommandIDs.newFlow, {
      // One label everywhere the command shows; "Data Flow" names the file type.
      label: 'New Data Flow',
      caption: 'Create a Data Wrangler flow (.flow) in the current folder',
      icon: args => (args.isPalette ? undefined : wranglerIcon),
      execute: async args => {
        const folder =
          typeof args.cwd === 'string'
            ? args.cwd
            : (browser()?.model.path ?? '');
        try {
          const path = await createFlow(
            localPath(folder),
            'untitled',
            emptyFlow()
          );
          return await open(path);
        } catch (reason) {
          await showErrorMessage('New Data Flow', errorMessage(reason));
        }
      }
    });

    commands.addCommand(CommandIDs.openInWrangler, {
      label: 'Open in Data Wrangler',
      caption: 'Create a data flow reading this file and open it',
      icon: wranglerIcon,
      isVisible: () => {
        const files = selectedFiles();
        return files.length === 1 && isWranglerDataFile(files[0]);
      },
      execute: async () => {
        const [file] = selectedFiles();
        if (!file) {
          return;
        }
        const local = localPath(file);
        const folder = PathExt.dirname(local);
        const ext = PathExt.extname(local);
        const stem = PathExt.basename(local, ext);
        const document = emptyFlow();
        document.sources.push({
          ...sourceForFile(PathExt.basename(local)),
          position: { x: 0, y: 0 }
        });
        try {
          const path = await createFlow(folder, stem, document);
          return await open(path);
        } catch (reason) {
          await showErrorMessage('Open in Data Wrangler', errorMessage(reason));
        }
      }
    });

    commands.addCommand(CommandIDs.openFlow, {
      label: 'Open Flow in Data Wrangler',
      caption: 'Open a .flow file in the Data Wrangler',
      icon: wranglerIcon,
      execute: args => {
        const path = typeof args.path === 'string' ? args.path : '';
        return path ? open(path) : undefined;
      }
    });

    app.contextMenu.addItem({
      command: CommandIDs.openInWrangler,
      selector: '.jp-DirListing-item[data-isdir="false"]',
      rank: 59
    });

    rendermime?.addFactory(
      {
        safe: true,
        mimeTypes: [OPEN_FLOW_MIME],
        defaultRank: 40,
        createRenderer: () =>
          new OpenFlowRenderer(commands, CommandIDs.openFlow)
      },
      40
    );

    palette?.addItem({
      command: CommandIDs.newFlow,
      category: CATEGORY,
      args: { isPalette: true }
    });
    launcher?.add({
      command: CommandIDs.newFlow,
      category: CATEGORY,
      rank: 3,
      args: { isLauncher: true }
    });
  }
};

/** A path without the drive prefix (`Drive:path` → `path`). */
function localPath(path: string): string {
  const at = path.indexOf(':');
  return at >= 0 && !path.slice(0, at).includes('/')
    ? path.slice(at + 1)
    : path;
}

/**
 * `folder/stem.ext`, or `folder/stem-1.ext`… when taken (the naming of the
 * server's exports). The folder is listed once: probing each candidate with
 * a GET would answer 404 for the free one, an error in the browser console
 * and the server log for what is not an error.
 */
async function freePath(
  contents: Contents.IManager,
  folder: string,
  stem: string,
  ext: string
): Promise<string> {
  const listing = await contents.get(folder, {
    content: true,
    type: 'directory'
  });
  const taken = new Set<string>(
    Array.isArray(listing.content)
      ? (listing.content as Contents.IModel[]).map(item => item.name)
      : []
  );
  for (let n = 0; n < 10000; n++) {
    const name = n === 0 ? `${stem}${ext}` : `${stem}-${n}${ext}`;
    if (!taken.has(name)) {
      return folder ? `${folder}/${name}` : name;
    }
  }
  throw new Error(`No free file name for ${stem}${ext} in ${folder || '/'}.`);
}
