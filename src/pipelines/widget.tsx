/**
 * The `.pipeline` editor document widget: a toolbar (save, undo, redo,
 * validate), the step palette, the graph and the properties pane. A file
 * that is not a readable pipeline shows its error and raw text and is never
 * rewritten.
 *
 * Execution seam: `PipelineGraph` takes per-step `statuses` and `readOnly`,
 * so an execution view shows the same graph with live statuses.
 */
import {
  ABCWidgetFactory,
  DocumentRegistry,
  DocumentWidget
} from '@jupyterlab/docregistry';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { ServerConnection } from '@jupyterlab/services';
import {
  checkIcon,
  runIcon,
  redoIcon,
  ReactWidget,
  saveIcon,
  undoIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { readThemeColors, ThemeWatcher } from '../charts/theme';
import { pipelineIcon } from './icon';
import { PipelineGraph } from './graph';
import { PipelineEditorModel } from './model';
import { Palette, PipelineSettings, StepProperties } from './properties';
import { runPipeline } from './run';

export const FACTORY = 'Pipeline Editor';

export interface IPipelineEditorContext {
  commands: CommandRegistry;
  theme: ThemeWatcher;
  docManager: IDocumentManager | null;
  serverSettings?: ServerConnection.ISettings;
  /** Show an execution (the Run button's). */
  openExecution(id: string): void;
}

export class PipelineEditor extends DocumentWidget<PipelineEditorPanel> {
  constructor(
    options: DocumentWidget.IOptions<
      PipelineEditorPanel,
      DocumentRegistry.IModel
    >
  ) {
    super(options);
    this.addClass('jp-MLStudio-pipelineEditor');
    this.title.icon = pipelineIcon;
    this.toolbar.hide();
  }
}

export class PipelineEditorFactory extends ABCWidgetFactory<
  PipelineEditor,
  DocumentRegistry.IModel
> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<PipelineEditor>,
    private readonly _env: IPipelineEditorContext
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): PipelineEditor {
    const model = new PipelineEditorModel(context, this._env.serverSettings);
    const content = new PipelineEditorPanel(model, this._env);
    return new PipelineEditor({ context, content });
  }
}

export class PipelineEditorPanel extends ReactWidget {
  constructor(
    model: PipelineEditorModel,
    private readonly _env: IPipelineEditorContext
  ) {
    super();
    this.model = model;
    this.addClass('jp-MLStudio-pipeline');
    this.node.dataset.testid = 'mls-pipeline-editor';
    this.node.tabIndex = -1;
    _env.theme.changed.connect(this._onThemeChanged, this);
    this.node.addEventListener('keydown', this._onKeyDown);
  }

  readonly model: PipelineEditorModel;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.node.removeEventListener('keydown', this._onKeyDown);
    this._env.theme.changed.disconnect(this._onThemeChanged, this);
    this.model.dispose();
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
      return (
        <div className="jp-MLStudio-pipelineHint">Loading the pipeline…</div>
      );
    }
    if (model.parseError !== null) {
      return this._renderBroken(model.parseError);
    }
    const doc = model.document;
    if (!doc) {
      return <div />;
    }
    const step = model.selectedStep;
    return (
      <div className="jp-MLStudio-pipelineRoot">
        {this._renderToolbar()}
        <div className="jp-MLStudio-pipelineBody">
          <Palette model={model} />
          <div
            className="jp-MLStudio-pipelineGraph"
            data-testid="mls-pipeline-graph"
          >
            {doc.steps.length === 0 && (
              <div className="jp-MLStudio-pipelineEmpty">
                Click a step type in the palette, or drag it here, to add the
                first step.
              </div>
            )}
            <PipelineGraph model={model} dark={!readThemeColors().isLight} />
          </div>
          <div className="jp-MLStudio-pipelineSide">
            {step ? (
              <StepProperties
                key={step.name}
                model={model}
                step={step}
                docManager={this._env.docManager}
              />
            ) : (
              <PipelineSettings model={model} />
            )}
          </div>
        </div>
      </div>
    );
  }

  private _renderBroken(error: string): JSX.Element {
    const path = this.model.context.path;
    return (
      <div
        className="jp-MLStudio-pipelineBroken"
        data-testid="mls-pipeline-broken"
      >
        <div className="jp-MLStudio-pipelineBanner" role="alert">
          <strong>This file cannot be opened as a pipeline.</strong> {error}
          <div>
            The file was not changed. Fix it in the text editor; this view
            follows the edits.
          </div>
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept"
            data-testid="mls-pipeline-open-editor"
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
        <pre className="jp-MLStudio-pipelineRaw" data-testid="mls-pipeline-raw">
          {this.model.rawText}
        </pre>
      </div>
    );
  }

  private _renderToolbar(): JSX.Element {
    const model = this.model;
    const issues = model.issues;
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
        className="jp-MLStudio-pipelineTool"
        data-testid={testId}
        title={title}
        disabled={disabled}
        onClick={onClick}
      >
        <icon.react tag="span" className="jp-MLStudio-buttonIcon" />
        <span>{label}</span>
      </button>
    );
    let summary: JSX.Element | null = null;
    if (model.validating) {
      summary = <span className="jp-MLStudio-pipelineHint">Validating…</span>;
    } else if (model.validationError) {
      summary = (
        <span className="jp-MLStudio-pipelineStatus jp-mod-error" role="alert">
          Could not validate: {model.validationError}
        </span>
      );
    } else if (issues) {
      summary = (
        <span
          className={`jp-MLStudio-pipelineStatus ${issues.length ? 'jp-mod-error' : 'jp-mod-ok'}`}
          data-testid="mls-pipeline-validation"
          data-valid={issues.length ? 'false' : 'true'}
        >
          {issues.length === 0
            ? 'Valid'
            : `${issues.length} issue${issues.length === 1 ? '' : 's'}`}
        </span>
      );
    }
    return (
      <div className="jp-MLStudio-pipelineToolbar" role="toolbar">
        {button(
          'mls-pipeline-save',
          'Save',
          'Save the pipeline (Ctrl+S)',
          saveIcon,
          () => void model.context.save()
        )}
        {button(
          'mls-pipeline-undo',
          'Undo',
          'Undo (Ctrl+Z)',
          undoIcon,
          () => model.undo(),
          !model.canUndo
        )}
        {button(
          'mls-pipeline-redo',
          'Redo',
          'Redo (Ctrl+Shift+Z)',
          redoIcon,
          () => model.redo(),
          !model.canRedo
        )}
        <span className="jp-MLStudio-pipelineSep" />
        {button(
          'mls-pipeline-validate',
          'Validate',
          'Check the pipeline on the server: errors show on the steps',
          checkIcon,
          () => void model.validate(),
          model.validating
        )}
        {summary}
        <span className="jp-MLStudio-pipelineSep" />
        {button(
          'mls-pipeline-run',
          'Run',
          'Validate, store this version of the pipeline and start an execution',
          runIcon,
          () => void this._run(),
          this._running
        )}
        <span className="jp-MLStudio-spacer" />
        <span className="jp-MLStudio-pipelineHint">
          {model.document!.steps.length} step
          {model.document!.steps.length === 1 ? '' : 's'}
        </span>
      </div>
    );
  }

  private async _run(): Promise<void> {
    this._running = true;
    this.update();
    try {
      const id = await runPipeline(this.model, this._env.serverSettings);
      if (id) {
        this._env.openExecution(id);
      }
    } finally {
      this._running = false;
      this.update();
    }
  }

  private _running = false;

  private _onThemeChanged(): void {
    this.update();
  }

  private _onKeyDown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
      return; // the field's own undo
    }
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === 'z') {
      event.preventDefault();
      if (event.shiftKey) {
        this.model.redo();
      } else {
        this.model.undo();
      }
    }
  };
}
