/**
 * The Data Wrangler document widget: toolbar, step list, graph, form and
 * preview grid of one `.flow` file.
 */
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import {
  ABCWidgetFactory,
  DocumentRegistry,
  DocumentWidget
} from '@jupyterlab/docregistry';
import type { ServerConnection } from '@jupyterlab/services';
import {
  addIcon,
  caretDownIcon,
  downloadIcon,
  redoIcon,
  ReactWidget,
  saveIcon,
  undoIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { DataGrid } from '@lumino/datagrid';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { exportFlow, ExportFormat, startFlowJob } from '../api/wrangler';
import { readThemeColors, ThemeWatcher } from '../charts/theme';
import { insightsIcon, wranglerIcon } from '../icons';
import { relativeTo, splitRef } from './document';
import { exportToFeatureStoreDialog } from './feature-store-dialog';
import { FlowGraph } from './graph';
import { applyPreviewTheme, createPreviewGrid, PreviewDataModel } from './grid';
import { InsightsModel, InsightsView } from './insights';
import { errorMessage } from '../ui/errors';
import { FlowEditorModel } from './model';
import { FormPane, StepList } from './panes';
import { AddStepMenu, Dropdown, SampleMenu } from './toolbar';

export const FACTORY = 'Data Wrangler';
/** The command that opens a job's view (src/jobs/commands.ts). */
const OPEN_JOB = 'mlstudio:open-job';
const OPEN_FEATURE_GROUP = 'mlstudio:open-feature-group';

export interface IWranglerContext {
  commands: CommandRegistry;
  theme: ThemeWatcher;
  serverSettings?: ServerConnection.ISettings;
  /** Open a main-area widget (the insights report). */
  addToShell(widget: Widget): void;
  /** The file browser's selected file, the empty flow's default source. */
  selectedFile(): string | null;
}

export class FlowEditor extends DocumentWidget<FlowEditorPanel> {
  constructor(
    options: DocumentWidget.IOptions<FlowEditorPanel, DocumentRegistry.IModel>
  ) {
    super(options);
    this.addClass('jp-MLStudio-wranglerEditor');
    this.title.icon = wranglerIcon;
    this.toolbar.hide();
  }
}

export class FlowEditorFactory extends ABCWidgetFactory<
  FlowEditor,
  DocumentRegistry.IModel
> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<FlowEditor>,
    private readonly _env: IWranglerContext
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): FlowEditor {
    const model = new FlowEditorModel(context, this._env.serverSettings);
    const content = new FlowEditorPanel(model, this._env);
    return new FlowEditor({ context, content });
  }
}

export class FlowEditorPanel extends ReactWidget {
  constructor(
    model: FlowEditorModel,
    private readonly _env: IWranglerContext
  ) {
    super();
    this.model = model;
    this.addClass('jp-MLStudio-wrangler');
    this.node.dataset.testid = 'mls-wrangler';
    this.node.tabIndex = -1;
    this._grid = createPreviewGrid(this._dataModel);
    this._grid.node.dataset.testid = 'mls-wrangler-grid';
    model.changed.connect(this._onModelChanged, this);
    _env.theme.changed.connect(this._onThemeChanged, this);
    this.node.addEventListener('keydown', this._onKeyDown);
  }

  readonly model: FlowEditorModel;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.node.removeEventListener('keydown', this._onKeyDown);
    this._env.theme.changed.disconnect(this._onThemeChanged, this);
    this.model.dispose();
    this._grid.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this._renderContent()}
      </UseSignal>
    );
  }

  private _renderContent(): JSX.Element {
    const model = this.model;
    if (!model.loaded) {
      return <div className="jp-MLStudio-wranglerHint">Loading the flow…</div>;
    }
    if (model.parseError !== null) {
      return this._renderBroken(model.parseError);
    }
    const doc = model.document;
    if (!doc) {
      return <div />;
    }
    return (
      <div className="jp-MLStudio-wranglerRoot">
        {this._renderToolbar()}
        {model.catalogError && (
          <div className="jp-MLStudio-wranglerBanner" role="alert">
            The transform catalog could not be loaded: {model.catalogError}
          </div>
        )}
        {doc.sources.length === 0 ? (
          <EmptyFlow model={model} defaultFile={this._defaultSourcePath()} />
        ) : (
          <div className="jp-MLStudio-wranglerBody">
            <StepList model={model} />
            <div className="jp-MLStudio-wranglerCenter">
              <div
                className="jp-MLStudio-wranglerGraph"
                data-testid="mls-wrangler-graph"
              >
                <FlowGraph model={model} dark={!readThemeColors().isLight} />
              </div>
              {this._renderPreviewHeader()}
              <GridHost grid={this._grid} hidden={!model.preview} />
            </div>
            <div className="jp-MLStudio-wranglerSide">
              <FormPane model={model} />
            </div>
          </div>
        )}
      </div>
    );
  }

  private _renderBroken(error: string): JSX.Element {
    const path = this.model.context.path;
    return (
      <div
        className="jp-MLStudio-wranglerBroken"
        data-testid="mls-wrangler-broken"
      >
        <div className="jp-MLStudio-wranglerBanner" role="alert">
          <strong>This file cannot be opened as a data flow.</strong> {error}
          <div>
            The file was not changed. Fix it in the text editor; this view
            follows the edits.
          </div>
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept"
            data-testid="mls-wrangler-open-editor"
            onClick={() =>
              void this._env.commands.execute('docmanager:open', {
                path,
                factory: 'Editor'
              })
            }
          >
            Open with Editor
          </button>
        </div>
        <pre className="jp-MLStudio-wranglerRaw" data-testid="mls-wrangler-raw">
          {this.model.rawText}
        </pre>
      </div>
    );
  }

  private _renderToolbar(): JSX.Element {
    const model = this.model;
    const doc = model.document!;
    const hasData = doc.sources.length > 0;
    const button = (
      testId: string,
      label: string,
      title: string,
      icon: typeof saveIcon,
      onClick: () => void,
      disabled = false
    ) => (
      <button
        type="button"
        className="jp-MLStudio-wranglerTool"
        data-testid={testId}
        title={title}
        disabled={disabled}
        onClick={onClick}
      >
        <icon.react tag="span" className="jp-MLStudio-buttonIcon" />
        <span>{label}</span>
      </button>
    );
    return (
      <div className="jp-MLStudio-wranglerToolbar" role="toolbar">
        {button(
          'mls-wrangler-save',
          'Save',
          'Save the flow (Ctrl+S)',
          saveIcon,
          () => void model.context.save()
        )}
        {button(
          'mls-wrangler-undo',
          'Undo',
          'Undo (Ctrl+Z)',
          undoIcon,
          () => model.undo(),
          !model.canUndo
        )}
        {button(
          'mls-wrangler-redo',
          'Redo',
          'Redo (Ctrl+Shift+Z)',
          redoIcon,
          () => model.redo(),
          !model.canRedo
        )}
        <span className="jp-MLStudio-wranglerSep" />
        <AddStepMenu model={model} disabled={!hasData} />
        {button(
          'mls-wrangler-insights',
          'Insights',
          'Data Quality and Insights report of the selected step',
          insightsIcon,
          () => void this._openInsights(),
          !hasData
        )}
        <Dropdown
          testId="mls-wrangler-export"
          label="Export"
          icon={downloadIcon}
          caret={caretDownIcon}
          disabled={!hasData}
          items={[
            { id: 'script', label: 'Python script' },
            { id: 'notebook', label: 'Notebook' },
            { id: 'job', label: 'Processing job…' },
            { id: 'sklearn', label: 'scikit-learn pipeline' },
            { id: 'pyspark', label: 'PySpark script' },
            { id: 'report-html', label: 'Insights report (HTML)…' },
            { id: 'feature-store', label: 'Feature Store…' }
          ]}
          onSelect={id => void this._export(id)}
        />
        <span className="jp-MLStudio-spacer" />
        <SampleMenu model={model} />
        {model.loading && (
          <span className="jp-MLStudio-wranglerHint" role="status">
            Computing…
          </span>
        )}
      </div>
    );
  }

  private _renderPreviewHeader(): JSX.Element {
    const model = this.model;
    const preview = model.preview;
    const target = model.selected ?? model.lastNode();
    return (
      <div
        className="jp-MLStudio-wranglerPreviewHeader"
        data-testid="mls-wrangler-preview"
      >
        <span className="jp-MLStudio-wranglerPaneTitle">
          Preview{target ? `: ${target}` : ''}
        </span>
        {preview && (
          <span data-testid="mls-wrangler-shape">
            {preview.total_rows.toLocaleString()} rows ×{' '}
            {preview.columns.length} columns
          </span>
        )}
        {preview && (
          <span
            className="jp-MLStudio-wranglerHint"
            data-testid="mls-wrangler-missing"
          >
            {preview.columns
              .reduce((sum, c) => sum + c.missing, 0)
              .toLocaleString()}{' '}
            missing values
          </span>
        )}
        {preview?.sample_note && (
          <span className="jp-MLStudio-wranglerHint">
            {preview.sample_note}
          </span>
        )}
        {model.previewError && (
          <div
            className="jp-MLStudio-wranglerPreviewError"
            role="alert"
            data-testid="mls-wrangler-preview-error"
          >
            {model.previewError}
          </div>
        )}
      </div>
    );
  }

  private _defaultSourcePath(): string {
    const file = this._env.selectedFile();
    return file ? relativeTo(this.model.folder, file) : '';
  }

  /** Columns of the selected node (the insights target choices). */
  private _selectedColumns(): string[] {
    const model = this.model;
    const ref = model.selected ?? model.lastNode() ?? undefined;
    return model.columnsOf(ref).map(c => c.name);
  }

  private async _askTarget(title: string): Promise<string | null | false> {
    const none = '(no target)';
    const columns = this._selectedColumns();
    const result = await InputDialog.getItem({
      title,
      label: 'Target column (optional)',
      items: [none, ...columns],
      current: none,
      okLabel: 'Build report'
    });
    if (!result.button.accept) {
      return false;
    }
    return result.value && result.value !== none ? result.value : null;
  }

  private async _openInsights(): Promise<void> {
    const target = await this._askTarget('Data Quality and Insights');
    if (target === false) {
      return;
    }
    const model = this.model;
    const ref = splitRef(model.selected ?? model.lastNode() ?? '');
    const insights = new InsightsModel(
      {
        path: model.localPath,
        flow: model.document!,
        node: ref.node || null,
        output: ref.output,
        target
      },
      this._env.serverSettings
    );
    this._env.addToShell(
      new InsightsView(insights, this._env.theme, this._env.commands)
    );
  }

  private async _export(id: string): Promise<void> {
    const model = this.model;
    const doc = model.document!;
    const ref = splitRef(model.selected ?? model.lastNode() ?? '');
    try {
      if (id === 'job') {
        const result = await InputDialog.getItem({
          title: 'Run the flow as a processing job',
          label: 'Write the outputs as',
          items: ['parquet', 'csv'],
          current: 'parquet',
          okLabel: 'Run'
        });
        if (!result.button.accept || !result.value) {
          return;
        }
        await model.context.save();
        const job = await startFlowJob(
          model.localPath,
          result.value === 'csv' ? 'csv' : 'parquet',
          this._env.serverSettings
        );
        await this._env.commands.execute(OPEN_JOB, { id: job.id });
        return;
      }
      if (id === 'feature-store') {
        await this._exportToFeatureStore();
        return;
      }
      let target: string | null = null;
      if (id === 'report-html') {
        const picked = await this._askTarget('Export the insights report');
        if (picked === false) {
          return;
        }
        target = picked;
      }
      const { path } = await exportFlow(
        {
          path: model.localPath,
          flow: doc,
          format: id as Exclude<ExportFormat, 'feature-store'>,
          node: id === 'report-html' ? ref.node || null : null,
          output: id === 'report-html' ? ref.output : null,
          target
        },
        this._env.serverSettings
      );
      if (id === 'sklearn') {
        await showDialog({
          title: 'scikit-learn pipeline exported',
          body: `The fitted pipeline was written to ${path}.`,
          buttons: [Dialog.okButton()]
        });
        return;
      }
      const opened: unknown = await this._env.commands.execute(
        'docmanager:open',
        { path }
      );
      if (id === 'notebook' && opened instanceof DocumentWidget) {
        await keepExportClean(opened);
      }
    } catch (reason) {
      await showErrorMessage('Export failed', errorMessage(reason));
    }
  }

  /** Export → Feature Store: the dialog, then the group it wrote to. */
  private async _exportToFeatureStore(): Promise<void> {
    const model = this.model;
    const last = model.lastNode() ?? '';
    const answer = await exportToFeatureStoreDialog({
      request: {
        path: model.localPath,
        flow: model.document!,
        output: last || null
      },
      columns: model.columnsOf(last),
      defaultName: nameOfFlow(model.localPath),
      settings: this._env.serverSettings
    });
    if (answer?.job_id) {
      const id = answer.job_id;
      Notification.info(
        `A processing job ingests the flow's result into ${answer.feature_group}.`,
        {
          autoClose: 8000,
          actions: [
            {
              label: 'Open job',
              callback: () => void this._env.commands.execute(OPEN_JOB, { id })
            }
          ]
        }
      );
    }
    if (answer) {
      await this._env.commands.execute(OPEN_FEATURE_GROUP, {
        name: answer.feature_group.split('@')[0]
      });
    }
  }

  private _onModelChanged(): void {
    if (this._dataModel.preview !== this.model.preview) {
      this._dataModel.preview = this.model.preview;
    }
  }

  private _onThemeChanged(): void {
    applyPreviewTheme(this._grid);
    this.update();
  }

  private _onKeyDown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (
      target &&
      (target.closest('input, textarea, select') || target.isContentEditable)
    ) {
      return;
    }
    if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== 'z') {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'y') {
        event.preventDefault();
        this.model.redo();
      }
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (event.shiftKey) {
      this.model.redo();
    } else {
      this.model.undo();
    }
  };

  private _dataModel = new PreviewDataModel();
  private _grid: DataGrid;
}

/** Notebook metadata JupyterLab fills in from the running kernel. */
const KERNEL_METADATA = new Set(['kernelspec', 'language_info']);
/** How long after the kernel's info arrives its metadata writes are absorbed. */
const KERNEL_SETTLE_MS = 3000;
const KERNEL_WAIT_MS = 120_000;

type NotebookJSON = { cells?: unknown; metadata?: Record<string, unknown> };

/**
 * A notebook the export just wrote is saved, not unsaved work. The file names
 * its kernel but not the kernel's full `language_info` and display name;
 * JupyterLab writes those into the model once the kernel is up, which marked
 * the untouched notebook dirty. While the kernel starts, a dirty flag that
 * comes only from those two metadata keys (cells and other metadata as
 * saved) is cleared; any real edit keeps it.
 */
async function keepExportClean(widget: DocumentWidget): Promise<void> {
  const { context } = widget;
  await context.ready;
  const model = context.model;
  const snapshot = (json: NotebookJSON) =>
    JSON.stringify([
      json.cells ?? null,
      Object.entries(json.metadata ?? {})
        .filter(([key]) => !KERNEL_METADATA.has(key))
        .sort(([a], [b]) => a.localeCompare(b))
    ]);
  const saved = snapshot(model.toJSON() as NotebookJSON);
  const onState = (_: unknown, change: { name: string; newValue: unknown }) => {
    if (
      change.name === 'dirty' &&
      change.newValue === true &&
      snapshot(model.toJSON() as NotebookJSON) === saved
    ) {
      model.dirty = false;
    }
  };
  model.stateChanged.connect(onState);
  const stop = () => {
    if (!model.isDisposed) {
      model.stateChanged.disconnect(onState);
    }
  };
  const deadline = window.setTimeout(stop, KERNEL_WAIT_MS);
  try {
    const sessionContext = context.sessionContext;
    await sessionContext.ready;
    const kernel = sessionContext.session?.kernel;
    if (kernel) {
      await kernel.info;
      await kernel.spec;
    }
  } catch {
    // no kernel: nothing will write the metadata; stop below
  }
  window.setTimeout(() => {
    window.clearTimeout(deadline);
    stop();
  }, KERNEL_SETTLE_MS);
}

/** Hosts the Lumino data grid inside the React tree. */
function GridHost(props: { grid: DataGrid; hidden: boolean }): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const { grid } = props;
  React.useEffect(() => {
    const host = ref.current;
    if (!host) {
      return;
    }
    Widget.attach(grid, host);
    const observer = new ResizeObserver(() => {
      if (grid.isAttached) {
        MessageLoop.sendMessage(grid, Widget.ResizeMessage.UnknownSize);
      }
    });
    observer.observe(host);
    return () => {
      observer.disconnect();
      if (grid.isAttached) {
        Widget.detach(grid);
      }
    };
  }, [grid]);
  return (
    <div
      ref={ref}
      className={
        'jp-MLStudio-wranglerGridHost' + (props.hidden ? ' jp-mod-hidden' : '')
      }
    />
  );
}

/** A new flow: pick the data file to start from. */
function EmptyFlow(props: {
  model: FlowEditorModel;
  defaultFile: string;
}): JSX.Element {
  const [path, setPath] = React.useState(props.defaultFile);
  return (
    <form
      className="jp-MLStudio-wranglerEmpty"
      data-testid="mls-wrangler-empty"
      onSubmit={e => {
        e.preventDefault();
        if (path.trim()) {
          props.model.addSource(path.trim());
        }
      }}
    >
      <wranglerIcon.react
        tag="span"
        className="jp-MLStudio-wranglerEmptyIcon"
      />
      <h2>Add a source</h2>
      <p>
        A flow starts from a data file: CSV, TSV, Parquet or JSON lines. Give
        its path relative to this .flow file (the file browser's selected file
        is filled in).
      </p>
      <div className="jp-MLStudio-wranglerEmptyRow">
        <input
          type="text"
          className="jp-mod-styled"
          data-testid="mls-wrangler-source-path"
          placeholder="data/train.csv"
          value={path}
          onChange={e => setPath(e.target.value)}
        />
        <button
          type="submit"
          className="jp-Button jp-mod-styled jp-mod-accept"
          data-testid="mls-wrangler-add-source"
          disabled={!path.trim()}
        >
          <addIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
          Add source
        </button>
      </div>
    </form>
  );
}

/** A feature group name from a flow's file name (`data/prep.flow` → `prep`). */
function nameOfFlow(path: string): string {
  const stem = (path.split('/').pop() ?? '').replace(/\.flow$/, '');
  return stem.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
}
