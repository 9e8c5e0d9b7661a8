/**
 * The Pipelines left panel: the stored pipelines (newest first) and, under
 * each, its recent executions with their status; a click opens the
 * execution view. Read when shown, and every few seconds while shown.
 */
import type { ServerConnection } from '@jupyterlab/services';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import { errorMessage } from '../api/request';
import {
  IPipelineExecution,
  IPipelineInfo,
  listExecutions,
  listPipelines
} from './api';
import { pipelineIcon } from './icon';
import { openSchedules } from './schedules';

const POLL_MS = 3000;

export class PipelinesSidebar extends ReactWidget {
  constructor(
    private readonly _env: {
      settings?: ServerConnection.ISettings;
      openExecution(id: string): void;
      newPipeline(): void;
    }
  ) {
    super();
    this.id = 'mlstudio-pipelines';
    this.addClass('jp-MLStudio-pipelinesSidebar');
    this.node.dataset.testid = 'mls-pipelines-sidebar';
    this.title.icon = pipelineIcon;
    this.title.caption = 'Pipelines';
  }

  async refresh(): Promise<void> {
    window.clearTimeout(this._timer);
    try {
      this._pipelines = await listPipelines(this._env.settings);
      const executions = new Map<string, IPipelineExecution[]>();
      await Promise.all(
        this._pipelines.map(async p =>
          executions.set(
            p.name,
            await listExecutions(p.name, this._env.settings)
          )
        )
      );
      this._executions = executions;
      this._error = null;
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._loaded = true;
    this.update();
    if (this.isVisible) {
      this._timer = window.setTimeout(() => void this.refresh(), POLL_MS);
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    window.clearTimeout(this._timer);
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <div className="jp-MLStudio-pipelinesPanel">
        <div className="jp-MLStudio-pipelinesHeader">
          <span className="jp-MLStudio-pipelinePaneTitle">Pipelines</span>
          <span className="jp-MLStudio-spacer" />
          <button
            type="button"
            className="jp-MLStudio-pipelineSmallButton"
            data-testid="mls-new-pipeline"
            onClick={() => this._env.newPipeline()}
          >
            New pipeline
          </button>
          <button
            type="button"
            className="jp-MLStudio-pipelineSmallButton"
            data-testid="mls-refresh-pipelines"
            onClick={() => void this.refresh()}
          >
            Refresh
          </button>
        </div>
        {this._error && (
          <div className="jp-MLStudio-pipelineIssues" role="alert">
            {this._error}
          </div>
        )}
        {!this._loaded ? (
          <div className="jp-MLStudio-pipelineHint">Loading pipelines…</div>
        ) : this._pipelines.length === 0 && !this._error ? (
          <div className="jp-MLStudio-pipelineHint">
            No pipelines yet. Build one with <strong>New pipeline</strong> and
            press <strong>Run</strong>, or run one from Python.
          </div>
        ) : (
          <ul className="jp-MLStudio-pipelinesList">
            {this._pipelines.map(p => (
              <li
                key={p.id}
                data-testid="mls-pipelines-item"
                data-pipeline={p.name}
              >
                <div className="jp-MLStudio-pipelinesName">
                  <strong>{p.name}</strong>
                  <span className="jp-MLStudio-pipelineHint">
                    v{p.latest_version}
                  </span>
                  <span className="jp-MLStudio-spacer" />
                  <button
                    type="button"
                    className="jp-MLStudio-pipelineSmallButton"
                    data-testid="mls-pipeline-schedules-open"
                    title={`Schedules and triggers of ${p.name}`}
                    onClick={() =>
                      void openSchedules(p.name, this._env.settings)
                    }
                  >
                    Schedules
                  </button>
                </div>
                <ul>
                  {(this._executions.get(p.name) ?? []).map(e => (
                    <li key={e.id}>
                      <button
                        type="button"
                        className="jp-MLStudio-pipelinesExecution"
                        data-testid="mls-pipelines-execution"
                        data-status={e.status}
                        title={`Open execution ${e.id}`}
                        onClick={() => this._env.openExecution(e.id)}
                      >
                        <span
                          className={`jp-MLStudio-pipelineStatus jp-mod-exec-${e.status.toLowerCase()}`}
                        >
                          {e.status}
                        </span>
                        <span className="jp-MLStudio-pipelineHint">
                          v{e.version} ·{' '}
                          {new Date(e.created_at).toLocaleString()}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }

  private _error: string | null = null;
  private _executions = new Map<string, IPipelineExecution[]>();
  private _loaded = false;
  private _pipelines: IPipelineInfo[] = [];
  private _timer = 0;
}
