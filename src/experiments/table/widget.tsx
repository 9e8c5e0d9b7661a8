/**
 * The experiment view: a toolbar (filter, column picker, actions) above the
 * virtualized runs grid. One per experiment, in the main area.
 */
import { Clipboard } from '@jupyterlab/apputils';
import {
  copyIcon,
  deleteIcon,
  ReactWidget,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { DataGrid } from '@lumino/datagrid';
import { Message, MessageLoop } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import type { ThemeWatcher } from '../../charts/theme';
import { compareIcon, experimentIcon, runIcon, trainIcon } from '../../icons';
import { tabLabel } from '../../titles';
import { RunsTableModel } from '../runs/model';
import { ColumnPicker } from './columnpicker';
import {
  applyColumnWidths,
  applyGridTheme,
  createRunsGrid,
  RunsDataModel
} from './grid';
import {
  ActionButton,
  LinkButton,
  ModelError,
  RefreshButton
} from '../../ui/components';
import { ResourceView } from '../../ui/view';
import { CommandIDs } from '../../command-ids';

/** The main-area widget of an experiment. */
export class ExperimentView extends ResourceView<
  RunsTableModel,
  ExperimentPanel
> {
  constructor(options: ExperimentPanel.IOptions) {
    super({
      content: new ExperimentPanel(options),
      id: experimentViewId(options.model.experimentId),
      className: 'jp-MLStudio-experimentView',
      icon: experimentIcon,
      label: 'Experiment'
    });
    this.followTitle(model => {
      const name = model.experimentName;
      return name
        ? {
            label: tabLabel('Experiment', name),
            caption: `Experiment ${name} — ${model.total} runs`
          }
        : null;
    });
  }
}

/** The id of an experiment's view, so an open one is found again. */
export function experimentViewId(experimentId: string): string {
  return `mlstudio-experiment-${experimentId}`;
}

export namespace ExperimentPanel {
  export interface IOptions {
    model: RunsTableModel;
    commands: CommandRegistry;
    theme: ThemeWatcher;
  }
}

/**
 * The toolbar and the grid, top to bottom (a CSS flex column: the toolbar
 * takes the height its content needs, the grid the rest).
 */
export class ExperimentPanel extends Panel {
  constructor(options: ExperimentPanel.IOptions) {
    super();
    this.addClass('jp-MLStudio-experimentPanel');
    this.model = options.model;
    this._commands = options.commands;
    this._theme = options.theme;

    this._dataModel = new RunsDataModel(this.model);
    this._grid = createRunsGrid(this._dataModel, this.model, {
      rowClicked: (row, mode) => this.model.select(row, mode),
      rowDoubleClicked: row => {
        const run = this.model.runAt(row);
        if (run) {
          void this._commands.execute(CommandIDs.openRun, { id: run.id });
        }
      },
      headerClicked: column => {
        const spec = this._dataModel.columnAt(column);
        if (spec) {
          this.model.sortBy(spec.id);
        }
      }
    });
    this._grid.node.dataset.testid = 'mls-runs-grid';
    const toolbar = ReactWidget.create(
      <UseSignal signal={this.model.changed}>
        {() => <RunsToolbar model={this.model} commands={this._commands} />}
      </UseSignal>
    );
    toolbar.addClass('jp-MLStudio-runsToolbar');
    this.addWidget(toolbar);
    this.addWidget(this._grid);
    // The grid lays itself out on resize messages; its size changes with
    // the panel's and with the toolbar's height (e.g. a filter error).
    this._resizeObserver = new ResizeObserver(() => {
      if (this._grid.isVisible) {
        MessageLoop.sendMessage(this._grid, Widget.ResizeMessage.UnknownSize);
      }
    });
    this._resizeObserver.observe(this._grid.node);

    this.model.columnsChanged.connect(this._onColumnsChanged, this);
    this.model.rowsChanged.connect(this._onRowsChanged, this);
    this.model.changed.connect(this._onChanged, this);
    this._theme.changed.connect(this._onThemeChanged, this);
  }

  readonly model: RunsTableModel;

  get grid(): DataGrid {
    return this._grid;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._theme.changed.disconnect(this._onThemeChanged, this);
    this._resizeObserver.disconnect();
    this._dataModel.dispose();
    this.model.dispose();
    super.dispose();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    const input = this.node.querySelector<HTMLInputElement>(
      '[data-testid="mls-run-filter"]'
    );
    input?.focus();
  }

  private _onColumnsChanged(): void {
    applyColumnWidths(this._grid, this._dataModel);
    // The chosen key columns, for tests and styling (the grid is a canvas).
    this.node.dataset.mlsColumns = this.model.keyColumns
      .map(c => c.id)
      .join(' ');
  }

  /**
   * Mark the moment the first page is on screen: the browser test measures
   * time-to-interactive from it.
   */
  private _onRowsChanged(
    _: RunsTableModel,
    change: RunsTableModel.RowsChange | null
  ): void {
    // A new filter or sort starts at the top.
    const query = `${this.model.filter}\n${JSON.stringify(this.model.sort)}`;
    if (change === null && query !== this._query) {
      this._query = query;
      this._grid.scrollTo(0, 0);
    }
    if (this.model.loaded && !this.node.dataset.mlsReadyAt) {
      requestAnimationFrame(() => {
        this.node.dataset.mlsReadyAt = String(performance.now());
      });
    }
  }

  private _onChanged(): void {
    this.node.dataset.mlsTotal = String(this.model.total);
    this.node.dataset.mlsLoaded = String(this.model.loadedCount);
    this.node.dataset.mlsLoading = String(this.model.isLoading);
    // An experiment without runs shows how to log one instead of a bare grid.
    this._grid.setHidden(isEmptyExperiment(this.model));
  }

  private _onThemeChanged(): void {
    applyGridTheme(this._grid, this.model);
  }

  private _commands: CommandRegistry;
  private _dataModel: RunsDataModel;
  private _grid: DataGrid;
  private _query = '';
  private _resizeObserver: ResizeObserver;
  private _theme: ThemeWatcher;
}

/** Whether the experiment has no runs at all (not just none matching). */
function isEmptyExperiment(model: RunsTableModel): boolean {
  return model.loaded && model.total === 0 && model.filter === '';
}

/** The SDK lines that log a run to this experiment. */
export function loggingSnippet(experiment: string): string {
  // JSON string syntax is valid Python for a string literal.
  return [
    'import jupyter_mlstudio as mls',
    '',
    `with mls.start_run(experiment=${JSON.stringify(experiment)}) as run:`,
    '    run.log_params({"learning_rate": 0.1})',
    '    for step in range(10):',
    '        run.log_metric("loss", 1 / (step + 1), step=step)',
    '    run.log_metric("accuracy", 0.9)',
    ''
  ].join('\n');
}

/** What an experiment without runs shows: the SDK snippet, copy, train. */
function EmptyRuns(props: {
  model: RunsTableModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const [copied, setCopied] = React.useState(false);
  const snippet = loggingSnippet(model.experimentName ?? 'Default');
  const canTrain = commands.hasCommand(CommandIDs.newTrainingJob);
  return (
    <div className="jp-MLStudio-runsEmpty" data-testid="mls-runs-empty">
      <p>
        <strong>No runs yet.</strong> Log one from a notebook or a script with
        the Python SDK; it appears here as it logs.
      </p>
      <pre
        className="jp-MLStudio-snippet"
        data-testid="mls-runs-snippet"
        aria-label="Python code that logs a run"
      >
        {snippet}
      </pre>
      <div className="jp-MLStudio-toolbar">
        <ActionButton
          testId="mls-copy-snippet"
          icon={copyIcon}
          label={copied ? 'Copied' : 'Copy code'}
          title="Copy the code to the clipboard"
          onClick={() => {
            Clipboard.copyToSystem(snippet);
            setCopied(true);
          }}
        />
        {canTrain && (
          <ActionButton
            testId="mls-runs-train"
            icon={trainIcon}
            label="New training job"
            title="Train a built-in algorithm on a data file; its run is logged to an experiment"
            onClick={() =>
              void commands.execute(CommandIDs.newTrainingJob, {
                experiment: model.experimentName ?? ''
              })
            }
          />
        )}
      </div>
    </div>
  );
}

/** Filter box, column picker, actions and a one-line summary. */
function RunsToolbar(props: {
  model: RunsTableModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const [text, setText] = React.useState(model.filter);
  const selected = model.selectedRuns();
  const count = model.selectedIds.size;
  const run =
    (command: string, args: ReadonlyPartialJSONObject = {}) =>
    () =>
      void commands.execute(command, args);

  return (
    <div className="jp-MLStudio-runsBar">
      <div className="jp-MLStudio-runsBarRow">
        <div className="jp-MLStudio-filter">
          <input
            type="search"
            className="jp-mod-styled jp-MLStudio-filterInput"
            data-testid="mls-run-filter"
            aria-label="Filter runs"
            aria-invalid={model.filterError !== null}
            placeholder="Filter, e.g. metrics.auc > 0.9 AND params.model = 'rf'"
            title="Filter runs with the search grammar; Enter applies, Escape clears"
            spellCheck={false}
            value={text}
            onChange={event => setText(event.target.value)}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                event.preventDefault();
                void model.applyFilter(text);
              } else if (event.key === 'Escape' && text !== '') {
                event.preventDefault();
                setText('');
                void model.applyFilter('');
              }
            }}
          />
          {model.filterError !== null && (
            <div
              className="jp-MLStudio-filterError"
              data-testid="mls-filter-error"
              role="alert"
            >
              {model.filterError}
            </div>
          )}
        </div>
        <div className="jp-MLStudio-toolbar">
          <ColumnPicker model={model} />
          <RefreshButton
            testId="mls-refresh-runs"
            title="Reload the runs"
            onClick={() => void model.refresh()}
          />
          <ActionButton
            testId="mls-open-run"
            icon={runIcon}
            label="Open run"
            title="Open the selected run"
            disabled={count !== 1}
            onClick={run(CommandIDs.openRun, { id: selected[0]?.id })}
          />
          <ActionButton
            testId="mls-compare-runs"
            icon={compareIcon}
            label={`Compare (${count})`}
            title="Compare the selected runs"
            disabled={count < 2}
            onClick={run(CommandIDs.compareRuns, {
              experimentId: model.experimentId,
              ids: [...model.selectedIds]
            })}
          />
          <ActionButton
            testId="mls-delete-runs"
            icon={deleteIcon}
            label="Delete"
            title="Move the selected runs to the trash"
            disabled={count === 0}
            warn
            onClick={run(CommandIDs.deleteRuns, {
              ids: [...model.selectedIds]
            })}
          />
        </div>
      </div>
      <ModelError model={model} />
      <div className="jp-MLStudio-runsSummary" data-testid="mls-runs-summary">
        <span>
          {model.loaded
            ? `${model.total.toLocaleString()} run${model.total === 1 ? '' : 's'}`
            : 'Loading runs…'}
          {model.filter && ' matching the filter'}
        </span>
        {model.loaded && model.loadedCount < model.total && (
          <span className="jp-MLStudio-muted">
            {' '}
            · fetched {model.loadedCount.toLocaleString()}
          </span>
        )}
        {count > 0 && (
          <span data-testid="mls-selection-summary">
            {' '}
            · {count} selected:{' '}
            {selected
              .slice(0, 5)
              .map(r => r.name)
              .join(', ')}
            {count > 5 ? ', …' : ''}
          </span>
        )}
        {count > 0 && (
          <LinkButton onClick={() => model.clearSelection()}>
            Clear selection
          </LinkButton>
        )}
        {model.isLoading && model.loaded && (
          <span className="jp-MLStudio-muted"> · updating…</span>
        )}
      </div>
      {isEmptyExperiment(model) && (
        <EmptyRuns model={model} commands={commands} />
      )}
    </div>
  );
}
