/**
 * The Pipelines plugin: the `.pipeline` file type ("Pipeline") and its
 * "Pipeline Editor" widget factory (double-click in the file browser opens
 * it), and the "New Pipeline" command (the launcher, File → New, the ML
 * Studio menu and the palette). `activate` never awaits the network.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import {
  FileBrowser,
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import type { Contents } from '@jupyterlab/services';

import { ThemeWatcher } from '../charts/theme';
import { errorMessage } from '../ui/errors';
import { emptyPipeline, serializePipeline } from './document';
import { createExecutionWidget, ExecutionView } from './execution';
import { pipelineIcon } from './icon';
import { PipelinesSidebar } from './sidebar';
import { addSidebar } from '../ui/plugin';
import { FACTORY, PipelineEditor, PipelineEditorFactory } from './widget';

const CATEGORY = 'ML Studio';
export const PIPELINE_FILE_TYPE = 'mlstudio-pipeline';

export namespace PipelineCommandIDs {
  export const newPipeline = 'mlstudio:new-pipeline';
  export const openPipeline = 'mlstudio:open-pipeline-file';
  export const openExecution = 'mlstudio:open-pipeline-execution';
}

export const pipelinesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:pipelines',
  description: 'ML Studio Pipelines: the .pipeline editor.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    IDefaultFileBrowser,
    IFileBrowserFactory,
    ICommandPalette,
    ILauncher,
    IThemeManager,
    IDocumentManager
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    defaultBrowser: FileBrowser | null,
    browserFactory: IFileBrowserFactory | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    themeManager: IThemeManager | null,
    docManager: IDocumentManager | null
  ): void => {
    const { commands, docRegistry, serviceManager } = app;
    const contents = serviceManager.contents;
    const browser = () =>
      browserFactory?.tracker.currentWidget ?? defaultBrowser ?? null;

    docRegistry.addFileType({
      name: PIPELINE_FILE_TYPE,
      displayName: 'Pipeline',
      extensions: ['.pipeline'],
      mimeTypes: ['application/json'],
      contentType: 'file',
      fileFormat: 'text',
      icon: pipelineIcon
    });

    const theme = new ThemeWatcher(themeManager);
    const executions = new WidgetTracker<MainAreaWidget<ExecutionView>>({
      namespace: 'mlstudio-pipeline-executions'
    });
    const openExecution = (id: string) => {
      const open = executions.find(w => w.content.model.id === id);
      if (open) {
        app.shell.activateById(open.id);
        return;
      }
      const widget = createExecutionWidget(
        id,
        theme,
        serviceManager.serverSettings
      );
      void executions.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    if (restorer) {
      void restorer.restore(executions, {
        command: PipelineCommandIDs.openExecution,
        args: widget => ({ id: widget.content.model.id }),
        name: widget => widget.content.model.id
      });
    }
    commands.addCommand(PipelineCommandIDs.openExecution, {
      label: 'Open Pipeline Execution',
      execute: args => {
        if (typeof args.id === 'string' && args.id) {
          openExecution(args.id);
        }
      }
    });

    const factory = new PipelineEditorFactory(
      {
        name: FACTORY,
        label: 'Pipeline Editor',
        fileTypes: [PIPELINE_FILE_TYPE],
        defaultFor: [PIPELINE_FILE_TYPE],
        modelName: 'text'
      },
      {
        commands,
        theme,
        docManager,
        serverSettings: serviceManager.serverSettings,
        openExecution
      }
    );
    docRegistry.addWidgetFactory(factory);
    const tracker = new WidgetTracker<PipelineEditor>({
      namespace: 'mlstudio-pipelines'
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

    const open = (path: string) =>
      commands.execute('docmanager:open', { path, factory: FACTORY });

    commands.addCommand(PipelineCommandIDs.newPipeline, {
      label: 'New Pipeline',
      caption: 'Create an ML pipeline (.pipeline) in the current folder',
      icon: args => (args.isPalette ? undefined : pipelineIcon),
      execute: async args => {
        const folder = localPath(
          typeof args.cwd === 'string'
            ? args.cwd
            : (browser()?.model.path ?? '')
        );
        try {
          const path = await freePath(
            contents,
            folder,
            'untitled',
            '.pipeline'
          );
          const stem = PathExt.basename(path, '.pipeline');
          await contents.save(path, {
            type: 'file',
            format: 'text',
            content: serializePipeline(emptyPipeline(stem))
          });
          return await open(path);
        } catch (reason) {
          await showErrorMessage('New Pipeline', errorMessage(reason));
        }
      }
    });

    commands.addCommand(PipelineCommandIDs.openPipeline, {
      label: 'Open in Pipeline Editor',
      caption: 'Open a .pipeline file in the Pipeline Editor',
      icon: pipelineIcon,
      execute: args => {
        const path = typeof args.path === 'string' ? args.path : '';
        return path ? open(path) : undefined;
      }
    });

    addSidebar(
      app,
      new PipelinesSidebar({
        settings: serviceManager.serverSettings,
        openExecution,
        newPipeline: () => void commands.execute(PipelineCommandIDs.newPipeline)
      }),
      851.8,
      restorer
    );

    palette?.addItem({
      command: PipelineCommandIDs.newPipeline,
      category: CATEGORY,
      args: { isPalette: true }
    });
    launcher?.add({
      command: PipelineCommandIDs.newPipeline,
      category: CATEGORY,
      rank: 4,
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

/** `folder/stem.ext`, or `folder/stem-1.ext`… when taken (one listing, no 404 probes). */
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
