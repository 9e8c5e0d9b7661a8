/**
 * A launch's view (main area): its status and stage message, the launched
 * pipeline's execution as the pipeline graph with each step's live status
 * (the Pipelines execution model, reused), which step failed and why, then
 * links to what it made: the notebook (opened by itself once the launch
 * completes, when the view was opened by Launch), the folder, the training
 * run, the model version, the endpoint (with its status) and the monitor.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { getEndpoint } from '../api/endpoints';
import { getJob } from '../api/jobs';
import { resourceChange } from '../events';
import { getModelLineage } from '../api/registry';
import type { Endpoint } from '../api/types';
import { readThemeColors } from '../charts/theme';
import { CommandIDs } from '../command-ids';
import { jumpstartIcon } from '../icons';
import { ExecutionModel } from '../pipelines/execution';
import { PipelineGraph } from '../pipelines/graph';
import {
  LinkButton,
  ModelError,
  PageHeader,
  PagePlaceholder,
  PageSection,
  RelativeTime,
  StatusBadge
} from '../ui/components';
import { errorOf } from '../ui/errors';
import { ResourcePanel, ResourceView } from '../ui/view';
import type { IModelError } from '../tokens';
import { getLaunch, ICatalogLaunch, isLaunchActive } from './api';
import { launchMod } from './logic';
import { LAUNCHES_RESOURCE } from './model';

/** A fallback: the server's launch events usually come first. */
const POLL_MS = 3000;
/** The endpoint's status after the launch, until it serves or fails. */
const ENDPOINT_POLL_MS = 1000;
const ENDPOINT_SETTLED = new Set(['InService', 'Failed', 'OutOfService']);

export class LaunchModel {
  constructor(
    readonly id: string,
    private readonly _settings?: ServerConnection.ISettings,
    /** Called once when the launch completes, if it was running when the view opened. */
    private readonly _onCompleted?: (launch: ICatalogLaunch) => void,
    private readonly _events: Event.IManager | null = null
  ) {
    this._events?.stream.connect(this._onEvent, this);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  get launch(): ICatalogLaunch | null {
    return this._launch;
  }
  get error(): IModelError | null {
    return this._error;
  }
  /** The launched pipeline's execution (its graph and step statuses). */
  get execution(): ExecutionModel | null {
    return this._execution;
  }
  get endpoint(): Endpoint | null {
    return this._endpoint;
  }
  /** The training run behind the registered model version, once known. */
  get runId(): string | null {
    return this._runId;
  }
  /**
   * The training job behind the model: the version's lineage, else the
   * execution's finished Training step.
   */
  get jobId(): string | null {
    if (this._jobId) {
      return this._jobId;
    }
    const step = this._execution?.execution?.steps?.find(
      s =>
        s.type === 'Training' &&
        !!s.job_id &&
        (s.status === 'Succeeded' || s.status === 'Cached')
    );
    return step?.job_id ?? null;
  }

  async start(): Promise<void> {
    await this._poll();
  }

  dismissError(): void {
    this._error = null;
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._timer);
    this._events?.stream.disconnect(this._onEvent, this);
    this._execution?.dispose();
    Signal.clearData(this);
  }

  private _onEvent(_: unknown, emission: Event.Emission): void {
    const change = resourceChange(emission, LAUNCHES_RESOURCE);
    if (
      change?.id === this.id &&
      this._launch &&
      isLaunchActive(this._launch)
    ) {
      void this._poll();
    }
  }

  private async _poll(): Promise<void> {
    window.clearTimeout(this._timer);
    if (this._disposed) {
      return;
    }
    try {
      const launch = await getLaunch(this.id, this._settings);
      if (this._disposed) {
        return;
      }
      const first = this._launch === null;
      const wasActive = this._launch ? isLaunchActive(this._launch) : false;
      this._launch = launch;
      this._error = null;
      if (launch.execution_id && this._execution?.id !== launch.execution_id) {
        this._execution?.dispose();
        this._execution = new ExecutionModel(
          launch.execution_id,
          this._settings
        );
        this._execution.changed.connect(() => {
          this._changed.emit();
          void this._resolveRun();
        });
      }
      if (
        launch.status === 'Completed' &&
        (wasActive || (first && this._completeOnFirst))
      ) {
        this._onCompleted?.(launch);
      }
      await this._readOutcome(launch);
      await this._resolveRun();
    } catch (reason) {
      this._error = errorOf(reason);
    }
    this._completeOnFirst = false;
    this._changed.emit();
    const launch = this._launch;
    if (!launch || isLaunchActive(launch)) {
      this._timer = window.setTimeout(() => void this._poll(), POLL_MS);
    } else if (
      launch.endpoint_name &&
      launch.status === 'Completed' &&
      !ENDPOINT_SETTLED.has(this._endpoint?.status ?? '')
    ) {
      this._timer = window.setTimeout(
        () => void this._poll(),
        ENDPOINT_POLL_MS
      );
    }
  }

  /** The endpoint's status and the model version's run, once they exist. */
  private async _readOutcome(launch: ICatalogLaunch): Promise<void> {
    if (launch.endpoint_name && !isLaunchActive(launch)) {
      try {
        this._endpoint = await getEndpoint(
          launch.endpoint_name,
          this._settings
        );
      } catch {
        this._endpoint = null;
      }
    }
    if (
      this._runId === null &&
      !this._lineageRead &&
      launch.model_name &&
      launch.model_version !== null &&
      launch.model_version !== undefined
    ) {
      try {
        this._lineageRead = true;
        const lineage = await getModelLineage(
          launch.model_name,
          launch.model_version,
          this._settings
        );
        const run = lineage.run?.id;
        const job = lineage.job?.id;
        this._jobId = typeof job === 'string' ? job : null;
        this._runId = typeof run === 'string' ? run : null;
      } catch {
        // the version's run is a nicety: the model link stays
      }
    }
  }

  /** The training job's run (once per job). */
  private async _resolveRun(): Promise<void> {
    const job = this.jobId;
    if (this._runId || !job || job === this._runOfJob) {
      return;
    }
    this._runOfJob = job;
    try {
      this._runId = (await getJob(job, this._settings)).run_id ?? null;
      if (!this._disposed) {
        this._changed.emit();
      }
    } catch {
      // the run is a nicety: the job link stays
    }
  }

  /**
   * Whether a launch already Completed when the view first reads it counts
   * as "just completed" (the view was opened by Launch and the launch was
   * quicker than the first read).
   */
  set completeOnFirst(value: boolean) {
    this._completeOnFirst = value;
  }

  private _changed = new Signal<this, void>(this);
  private _completeOnFirst = false;
  private _disposed = false;
  private _endpoint: Endpoint | null = null;
  private _error: IModelError | null = null;
  private _execution: ExecutionModel | null = null;
  private _launch: ICatalogLaunch | null = null;
  private _jobId: string | null = null;
  private _lineageRead = false;
  private _runId: string | null = null;
  private _runOfJob: string | null = null;
  private _timer = 0;
}

export interface ILaunchViewOptions {
  id: string;
  settings?: ServerConnection.ISettings;
  events?: Event.IManager | null;
  commands: CommandRegistry;
  /** Open the notebook when the launch completes (the view was opened by Launch). */
  openNotebook: boolean;
}

export class LaunchView extends ResourceView<LaunchModel> {
  constructor(options: ILaunchViewOptions) {
    const { commands } = options;
    const model = new LaunchModel(
      options.id,
      options.settings,
      launch => {
        if (launch.notebook) {
          void commands.execute('docmanager:open', { path: launch.notebook });
        }
      },
      options.events ?? null
    );
    model.completeOnFirst = options.openNotebook;
    super({
      content: new ResourcePanel(model, 'mls-jumpstart-launch-view', m => (
        <LaunchPage model={m} commands={commands} />
      )),
      id: `mlstudio-jumpstart-launch-${options.id}`,
      className: 'jp-MLStudio-jumpstartLaunchView',
      icon: jumpstartIcon,
      label: 'Launch',
      caption: `JumpStart launch ${options.id}`
    });
    this.followTitle(m =>
      m.launch
        ? {
            label: `Launch: ${m.launch.folder}`,
            caption: `${m.launch.entry} launched into ${m.launch.folder} (${m.launch.status})`
          }
        : null
    );
  }
}

function LaunchPage(props: {
  model: LaunchModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const launch = model.launch;
  if (!launch) {
    return <PagePlaceholder what="the launch" model={model} />;
  }
  const execution = model.execution;
  return (
    <div
      className="jp-MLStudio-page jp-MLStudio-jumpstartLaunch"
      data-status={launch.status}
    >
      <PageHeader
        icon={jumpstartIcon}
        heading={
          <>
            <span data-testid="mls-jumpstart-launch-folder">
              {launch.folder}
            </span>
            <StatusBadge
              className="jp-MLStudio-jobStatus"
              status={launch.status}
              testId="mls-jumpstart-launch-status"
              mod={launchMod(launch)}
            />
          </>
        }
      >
        <LinkButton
          data-testid="mls-jumpstart-launch-entry"
          title="Open the catalog entry"
          onClick={() =>
            void commands.execute(CommandIDs.openCatalogEntry, {
              name: launch.entry
            })
          }
        >
          {launch.entry}
        </LinkButton>
      </PageHeader>
      <div className="jp-MLStudio-jumpstartStage">
        {launch.status !== 'Failed' && (
          <span data-testid="mls-jumpstart-launch-message">
            {launch.message ?? ''}
          </span>
        )}
        <span className="jp-MLStudio-muted">
          started <RelativeTime iso={launch.created} />
        </span>
      </div>
      <ModelError model={model} />
      {(launch.warnings ?? []).map(warning => (
        <div
          key={warning}
          className="jp-MLStudio-jumpstartCheck jp-mod-warn"
          data-testid="mls-jumpstart-launch-warning"
          role="status"
        >
          {warning}
        </div>
      ))}
      {launch.status === 'Failed' && (
        <div
          className="jp-MLStudio-jumpstartFailure"
          data-testid="mls-jumpstart-launch-failure"
          role="alert"
        >
          <strong>
            {launch.failed_step
              ? `Step ${launch.failed_step} failed`
              : 'The launch failed'}
          </strong>
          {launch.error && <pre>{launch.error}</pre>}
          <div className="jp-MLStudio-muted">
            What it made so far stays in {launch.folder}.
          </div>
        </div>
      )}
      <PageSection
        title="Pipeline"
        testId="mls-jumpstart-launch-pipeline"
        aside={
          launch.execution_id ? (
            <LinkButton
              data-testid="mls-jumpstart-open-execution"
              onClick={() =>
                void commands.execute(CommandIDs.openPipelineExecution, {
                  id: launch.execution_id
                })
              }
            >
              Open execution
            </LinkButton>
          ) : undefined
        }
      >
        {execution?.document ? (
          <div
            className="jp-MLStudio-pipeline jp-MLStudio-jumpstartGraph"
            data-testid="mls-jumpstart-launch-graph"
            data-execution-status={execution.execution?.status}
          >
            <div className="jp-MLStudio-pipelineGraph">
              <PipelineGraph
                model={execution}
                dark={!readThemeColors().isLight}
                statuses={execution.statuses}
                readOnly
              />
            </div>
          </div>
        ) : (
          <div className="jp-MLStudio-muted">
            {launch.status === 'Preparing'
              ? 'Copying the solution and generating its data…'
              : launch.execution_id
                ? (execution?.error ?? 'Loading the execution…')
                : 'No pipeline ran.'}
          </div>
        )}
      </PageSection>
      <PageSection title="What it made" testId="mls-jumpstart-launch-outputs">
        <Outputs model={model} commands={commands} />
      </PageSection>
    </div>
  );
}

function Outputs(props: {
  model: LaunchModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const launch = model.launch!;
  const open = (command: string, args: Record<string, unknown>) =>
    void commands.execute(command, args as never);
  const rows: Array<[string, React.ReactNode]> = [
    [
      'Folder',
      <LinkButton
        data-testid="mls-jumpstart-open-folder"
        onClick={() =>
          open('filebrowser:go-to-path', { path: `/${launch.folder}` })
        }
      >
        {launch.folder}
      </LinkButton>
    ]
  ];
  if (launch.notebook) {
    rows.push([
      'Notebook',
      <LinkButton
        data-testid="mls-jumpstart-open-notebook"
        onClick={() => open('docmanager:open', { path: launch.notebook })}
      >
        {launch.notebook}
      </LinkButton>
    ]);
  }
  if (model.runId) {
    rows.push([
      'Training run',
      <LinkButton
        data-testid="mls-jumpstart-open-run"
        onClick={() => open(CommandIDs.openRun, { id: model.runId })}
      >
        {model.runId}
      </LinkButton>
    ]);
  }
  if (model.jobId) {
    rows.push([
      'Training job',
      <LinkButton
        data-testid="mls-jumpstart-open-job"
        onClick={() => open(CommandIDs.openJob, { id: model.jobId })}
      >
        {model.jobId}
      </LinkButton>
    ]);
  }
  if (launch.model_name) {
    rows.push([
      'Model',
      <LinkButton
        data-testid="mls-jumpstart-open-model"
        onClick={() =>
          launch.model_version !== null && launch.model_version !== undefined
            ? open(CommandIDs.openModelVersion, {
                name: launch.model_name,
                version: launch.model_version
              })
            : open(CommandIDs.openModel, { name: launch.model_name })
        }
      >
        {launch.model_name}
        {launch.model_version ? ` v${launch.model_version}` : ''}
      </LinkButton>
    ]);
  }
  if (launch.endpoint_name) {
    rows.push([
      'Endpoint',
      <span className="jp-MLStudio-jumpstartInline">
        <LinkButton
          data-testid="mls-jumpstart-open-endpoint"
          onClick={() =>
            open(CommandIDs.openEndpoint, { name: launch.endpoint_name })
          }
        >
          {launch.endpoint_name}
        </LinkButton>
        {model.endpoint && (
          <StatusBadge
            className="jp-MLStudio-endpointStatus"
            status={model.endpoint.status}
            testId="mls-jumpstart-launch-endpoint-status"
          />
        )}
      </span>
    ]);
  }
  if (launch.monitor_name) {
    rows.push([
      'Monitor',
      <span data-testid="mls-jumpstart-monitor">{launch.monitor_name}</span>
    ]);
  }
  return (
    <table className="jp-MLStudio-table jp-MLStudio-jumpstartOutputs">
      <tbody>
        {rows.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
