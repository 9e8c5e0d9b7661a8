/**
 * The execution view: the pipeline's graph (read-only) with each step's live
 * status (queued, running, cached, succeeded, failed, skipped, stopped), the
 * selected step's outputs, metrics, error and job log, Stop, and Retry
 * (the failed steps, or from the selected step). The execution is read
 * every second while it is unfinished.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { errorMessage } from '../api/request';
import { readThemeColors, ThemeWatcher } from '../charts/theme';
import {
  executionDocument,
  getExecution,
  IPipelineExecution,
  IPipelineIssue,
  IStepExecution,
  IStepType,
  loadStepTypes,
  retryExecution,
  stepLog,
  stopExecution
} from './api';
import { IPipelineDocument, parsePipeline } from './document';
import { IGraphModel, PipelineGraph } from './graph';
import { pipelineIcon } from './icon';

const POLL_MS = 1000;
const FINISHED = new Set(['Stopped', 'Failed', 'Succeeded']);

export class ExecutionModel implements IGraphModel {
  constructor(
    id: string,
    private readonly _settings?: ServerConnection.ISettings
  ) {
    this._id = id;
    loadStepTypes(_settings)
      .then(items => {
        this.types = new Map(items.map(t => [t.type, t]));
        this._changed.emit();
      })
      .catch(() => undefined);
    void this.refresh();
  }

  types: ReadonlyMap<string, IStepType> = new Map();
  readonly issues: ReadonlyArray<IPipelineIssue> | null = null;

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get id(): string {
    return this._id;
  }
  get execution(): IPipelineExecution | null {
    return this._execution;
  }
  get document(): IPipelineDocument | null {
    return this._document;
  }
  get error(): string | null {
    return this._error;
  }
  get selected(): string | null {
    return this._selected;
  }
  get statuses(): ReadonlyMap<string, string> {
    return this._statuses;
  }
  get log(): string {
    return this._log;
  }
  get busy(): boolean {
    return this._busy;
  }

  step(name: string | null): IStepExecution | null {
    return this._execution?.steps?.find(s => s.name === name) ?? null;
  }

  issuesOf(): IPipelineIssue[] {
    return [];
  }
  select(name: string | null): void {
    this._selected = name;
    this._log = '';
    this._logOffset = 0;
    this._logStep = name;
    this._changed.emit();
    void this._readLog();
  }
  // The execution view does not edit the pipeline.
  addStep(): string | null {
    return null;
  }
  deleteStep(): void {
    return;
  }
  connect(): string | null {
    return null;
  }
  disconnect(): void {
    return;
  }
  moveSteps(): void {
    return;
  }

  /** Show another execution (a retry) in this view. */
  show(id: string): void {
    this._id = id;
    this._execution = null;
    this._document = null;
    this.select(this._selected);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    window.clearTimeout(this._timer);
    if (this._disposed) {
      return;
    }
    const id = this._id;
    try {
      const execution = await getExecution(id, this._settings);
      if (id !== this._id || this._disposed) {
        return;
      }
      if (!this._document || this._execution?.version !== execution.version) {
        const parsed = parsePipeline(
          JSON.stringify(await executionDocument(execution, this._settings))
        );
        this._document = parsed.document;
      }
      this._execution = execution;
      this._statuses = new Map(
        (execution.steps ?? []).map(s => [s.name, s.status])
      );
      this._error = null;
      await this._readLog();
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._changed.emit();
    if (!this._execution || !FINISHED.has(this._execution.status)) {
      this._timer = window.setTimeout(() => void this.refresh(), POLL_MS);
    }
  }

  async stop(): Promise<void> {
    await this._act(() => stopExecution(this._id, this._settings));
  }

  /** Rerun the failed steps (or `fromStep` and its downstream) as a new execution. */
  async retry(fromStep: string | null): Promise<void> {
    await this._act(async () => {
      const next = await retryExecution(this._id, fromStep, this._settings);
      this.show(next.id);
      return next;
    });
  }

  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._timer);
    Signal.clearData(this);
  }

  private async _act(action: () => Promise<IPipelineExecution>): Promise<void> {
    this._busy = true;
    this._changed.emit();
    try {
      await action();
      this._error = null;
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._busy = false;
    void this.refresh();
  }

  private async _readLog(): Promise<void> {
    const name = this._selected;
    const step = this.step(name);
    if (!name || !step?.job_id) {
      return;
    }
    try {
      const chunk = await stepLog(
        this._id,
        name,
        this._logOffset,
        this._settings
      );
      if (this._logStep === name && chunk.text) {
        this._log += chunk.text;
        this._logOffset = chunk.next_offset;
        this._changed.emit();
      }
    } catch {
      // no log yet: the next poll asks again
    }
  }

  private _busy = false;
  private _changed = new Signal<this, void>(this);
  private _disposed = false;
  private _document: IPipelineDocument | null = null;
  private _error: string | null = null;
  private _execution: IPipelineExecution | null = null;
  private _id: string;
  private _log = '';
  private _logOffset = 0;
  private _logStep: string | null = null;
  private _selected: string | null = null;
  private _statuses = new Map<string, string>();
  private _timer = 0;
}

export class ExecutionView extends ReactWidget {
  constructor(
    readonly model: ExecutionModel,
    private readonly _theme: ThemeWatcher
  ) {
    super();
    this.addClass('jp-MLStudio-pipeline');
    this.addClass('jp-MLStudio-pipelineExecution');
    this.node.dataset.testid = 'mls-pipeline-execution';
    _theme.changed.connect(this._onTheme, this);
  }

  dispose(): void {
    this._theme.changed.disconnect(this._onTheme, this);
    this.model.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>{() => this._content()}</UseSignal>
    );
  }

  private _content(): JSX.Element {
    const model = this.model;
    const execution = model.execution;
    if (!execution || !model.document) {
      return (
        <div className="jp-MLStudio-pipelineHint" style={{ padding: 8 }}>
          {model.error ?? 'Loading the execution…'}
        </div>
      );
    }
    const running = !FINISHED.has(execution.status);
    const step = model.step(model.selected);
    return (
      <div
        className="jp-MLStudio-pipelineRoot"
        data-status={execution.status}
        data-execution={execution.id}
      >
        <div className="jp-MLStudio-pipelineToolbar" role="toolbar">
          <strong>{execution.pipeline_name}</strong>
          <span className="jp-MLStudio-pipelineHint">
            &nbsp;v{execution.version} · {execution.id}
          </span>
          <span
            className={`jp-MLStudio-pipelineStatus jp-mod-exec-${execution.status.toLowerCase()}`}
            data-testid="mls-pipeline-execution-status"
          >
            {execution.status}
          </span>
          <span className="jp-MLStudio-spacer" />
          {running && (
            <button
              type="button"
              className="jp-MLStudio-button jp-mod-warn"
              data-testid="mls-pipeline-stop"
              disabled={model.busy}
              onClick={() => void model.stop()}
            >
              Stop
            </button>
          )}
          {execution.status === 'Failed' && (
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-pipeline-retry"
              disabled={model.busy}
              onClick={() => void model.retry(null)}
            >
              Retry failed steps
            </button>
          )}
        </div>
        {(execution.failure_reason || model.error) && (
          <div className="jp-MLStudio-pipelineIssues" role="alert">
            {model.error ?? execution.failure_reason}
          </div>
        )}
        <div className="jp-MLStudio-pipelineBody">
          <div
            className="jp-MLStudio-pipelineGraph"
            data-testid="mls-pipeline-graph"
          >
            <PipelineGraph
              model={model}
              dark={!readThemeColors().isLight}
              statuses={model.statuses}
              readOnly
            />
          </div>
          <div className="jp-MLStudio-pipelineSide">
            {step ? (
              this._step(step, running)
            ) : (
              <div className="jp-MLStudio-pipelineProperties">
                <div className="jp-MLStudio-pipelinePaneTitle">Parameters</div>
                <pre className="jp-MLStudio-pipelineValue">
                  {JSON.stringify(execution.parameters, null, 2)}
                </pre>
                <div className="jp-MLStudio-pipelineHint">
                  Select a step for its outputs, metrics and log.
                </div>
              </div>
            )}
          </div>
        </div>
      </div>
    );
  }

  private _step(step: IStepExecution, running: boolean): JSX.Element {
    const model = this.model;
    const json = (value: unknown) => (
      <pre className="jp-MLStudio-pipelineValue">
        {JSON.stringify(value, null, 2)}
      </pre>
    );
    return (
      <div
        className="jp-MLStudio-pipelineProperties"
        data-testid="mls-pipeline-step-execution"
        data-step={step.name}
      >
        <div className="jp-MLStudio-pipelinePaneTitle">
          {step.name} · {step.status}
        </div>
        <div className="jp-MLStudio-pipelineHint">
          {step.type}
          {step.attempts > 0 && `, attempts: ${step.attempts}`}
          {step.cache_source && ` · cached from execution ${step.cache_source}`}
        </div>
        {step.error && (
          <div className="jp-MLStudio-pipelineIssues" role="alert">
            {step.error}
          </div>
        )}
        {!running && (
          <button
            type="button"
            className="jp-MLStudio-button"
            data-testid="mls-pipeline-retry-from"
            disabled={model.busy}
            onClick={() => void model.retry(step.name)}
          >
            Retry from here
          </button>
        )}
        {Object.keys(step.outputs).length > 0 && (
          <>
            <div className="jp-MLStudio-pipelineSection">Outputs</div>
            {json(step.outputs)}
          </>
        )}
        {Object.keys(step.metrics).length > 0 && (
          <>
            <div className="jp-MLStudio-pipelineSection">Metrics</div>
            {json(step.metrics)}
          </>
        )}
        {Object.keys(step.properties).length > 0 && (
          <>
            <div className="jp-MLStudio-pipelineSection">Properties</div>
            {json(step.properties)}
          </>
        )}
        {step.job_id && (
          <>
            <div className="jp-MLStudio-pipelineSection">Log</div>
            <pre
              className="jp-MLStudio-pipelineValue jp-MLStudio-pipelineLog"
              data-testid="mls-pipeline-step-log"
            >
              {model.log || '(empty)'}
            </pre>
          </>
        )}
      </div>
    );
  }

  private _onTheme(): void {
    this.update();
  }
}

/** A main-area tab showing one execution. */
export function createExecutionWidget(
  id: string,
  theme: ThemeWatcher,
  settings?: ServerConnection.ISettings
): MainAreaWidget<ExecutionView> {
  const model = new ExecutionModel(id, settings);
  const content = new ExecutionView(model, theme);
  const widget = new MainAreaWidget({ content });
  widget.id = `mlstudio-pipeline-execution-${id}`;
  widget.title.icon = pipelineIcon;
  widget.title.closable = true;
  const setTitle = () => {
    const e = model.execution;
    widget.title.label = e ? `${e.pipeline_name} · ${e.status}` : 'Execution';
    widget.title.caption = `Pipeline execution ${model.id}`;
  };
  setTitle();
  model.changed.connect(setTitle);
  return widget;
}
