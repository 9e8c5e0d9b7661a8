/**
 * The tuning-job view: status and trials progress, Stop / Clone / Warm-start
 * from this, the best trial (open its run, register its model, deploy it),
 * live plots computed from the trials, the virtualized trials table and
 * the spec.
 */
import { addIcon, copyIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { isTuningActive, TrialInfo, TuningJob } from './api';
import { ThemedPanel } from '../charts/panel';
import { loadPlotly } from '../charts/plotly';
import type { IThemeColors, ThemeWatcher } from '../charts/theme';
import {
  bestText,
  objectiveLabel,
  TuningProgress,
  TuningStatusBadge
} from './components';
import type { TuningJobModel } from './job-model';
import { TuningPlots } from './plots';
import { TrialsTable } from './trials-table';
import { formatNumber, formatTime } from '../experiments/runs/columns';
import { endpointIcon, modelIcon, runIcon, tuningIcon } from '../icons';
import { tabLabel } from '../titles';
import {
  ActionButton,
  LinkButton,
  ModelError,
  NamedHeading,
  PageHeader,
  PagePlaceholder,
  PageSection,
  StopButton,
  useNow
} from '../ui/components';
import { formatDuration } from '../ui/format';
import { ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

export namespace TuningJobView {
  export interface IOptions {
    model: TuningJobModel;
    commands: CommandRegistry;
    theme: ThemeWatcher;
  }
}

/** The main-area widget of a tuning job. */
export class TuningJobView extends ResourceView<
  TuningJobModel,
  ThemedPanel<TuningJobModel>
> {
  constructor(options: TuningJobView.IOptions) {
    super({
      content: new ThemedPanel(
        options.model,
        options.theme,
        'mls-tuning-view',
        (model, colors) => (
          <TuningContent
            model={model}
            commands={options.commands}
            colors={colors}
          />
        )
      ),
      id: `mlstudio-tuning-${options.model.tuningJobId}`,
      className: 'jp-MLStudio-tuningView',
      icon: tuningIcon,
      label: 'Tuning'
    });
    // fetch plotly while the trials load, not after
    void loadPlotly().catch(() => undefined);
    this.followTitle(({ job }) =>
      job
        ? {
            label: tabLabel('Tuning', job.name),
            caption: `Tuning job ${job.name} (${job.status})`
          }
        : null
    );
  }
}

/** The searched hyperparameters, in the spec's order. */
export function searchedParams(job: TuningJob): string[] {
  return Object.keys(job.spec.search_space ?? {});
}

function TuningContent(props: {
  model: TuningJobModel;
  commands: CommandRegistry;
  colors: IThemeColors;
}): JSX.Element {
  const { model, commands, colors } = props;
  const job = model.job;
  const params = React.useMemo(
    () => (job ? searchedParams(job) : []),
    [job?.spec]
  );
  if (!job) {
    return <PagePlaceholder what="tuning job" model={model} />;
  }
  const active = isTuningActive(job);
  const openForm = (warmStart: boolean) =>
    void commands.execute(CommandIDs.newTuningJob, {
      from: job.id,
      warmStart
    });
  return (
    <div className="jp-MLStudio-page" data-tuning-status={job.status}>
      <PageHeader
        icon={tuningIcon}
        heading={
          <NamedHeading
            name={job.name}
            testId="mls-tuning-name"
            badge={<TuningStatusBadge status={job.status} />}
          />
        }
        refresh={{
          testId: 'mls-refresh-tuning-job',
          title: 'Reload the tuning job and its trials',
          onClick: () => void model.refresh()
        }}
      >
        <StopButton
          testId="mls-stop-tuning"
          title="Stop the tuning job and its running trials"
          disabled={!active || job.status === 'Stopping' || model.busy}
          onClick={() => void model.stop()}
        />
        <ActionButton
          testId="mls-clone-tuning"
          icon={copyIcon}
          label="Clone"
          title="Open the form with this tuning job's settings"
          disabled={!job.spec.training}
          onClick={() => openForm(false)}
        />
        <ActionButton
          testId="mls-warm-start-tuning"
          icon={addIcon}
          label="Warm-start from this"
          title="A new tuning job that starts from this one's trials"
          disabled={!job.spec.training}
          onClick={() => openForm(true)}
        />
        <ActionButton
          testId="mls-open-tuning-run"
          icon={runIcon}
          label="Open run"
          title="Show the tuning job's run (its trials are child runs)"
          disabled={!job.parent_run_id}
          onClick={() =>
            void commands.execute(CommandIDs.openRun, {
              id: job.parent_run_id ?? ''
            })
          }
        />
      </PageHeader>
      <ModelError model={model} />
      {job.failure_reason && (
        <div
          className="jp-MLStudio-jobFailure"
          data-testid="mls-tuning-failure"
          role="alert"
        >
          <strong>{job.status === 'Failed' ? 'Failed: ' : 'Note: '}</strong>
          {job.failure_reason}
        </div>
      )}
      {job.status_message && !job.failure_reason && (
        <div
          className="jp-MLStudio-muted jp-MLStudio-tuningMessage"
          data-testid="mls-tuning-message"
        >
          {job.status_message}
        </div>
      )}
      <div data-testid="mls-tuning-progress">
        <TuningProgress job={job} />
      </div>
      <div className="jp-MLStudio-columns">
        <Summary job={job} />
        <BestTrial
          job={job}
          trial={model.bestTrial}
          commands={commands}
          params={params}
        />
      </div>
      <TuningPlots
        job={job}
        trials={model.trials}
        importances={model.importances}
        params={params}
        colors={colors}
      />
      <PageSection title="Trials" testId="mls-tuning-trials">
        {model.trialsLoaded ? (
          <TrialsTable
            trials={model.trials}
            objectives={job.objectives.map(o => o.metric)}
            params={params}
            bestNumber={job.best_trial}
            onOpenRun={id => void commands.execute(CommandIDs.openRun, { id })}
            onOpenJob={id => void commands.execute(CommandIDs.openJob, { id })}
          />
        ) : (
          <div className="jp-MLStudio-muted">Loading trials…</div>
        )}
      </PageSection>
      <SpecSection job={job} />
    </div>
  );
}

function Summary(props: { job: TuningJob }): JSX.Element {
  const { job } = props;
  const now = useNow(isTuningActive(job));
  const training = job.spec.training;
  const limits = job.spec.limits ?? {};
  return (
    <PageSection title="Details">
      <dl className="jp-MLStudio-fields" data-testid="mls-tuning-details">
        <dt>Trains</dt>
        <dd className="jp-MLStudio-mono">
          {training?.algorithm ??
            training?.entry_point ??
            job.spec.function ??
            '—'}
        </dd>
        <dt>Objective</dt>
        <dd>
          {job.objectives.map(o => `${o.metric} (${o.direction})`).join(', ')}
        </dd>
        <dt>Best so far</dt>
        <dd data-testid="mls-tuning-best">
          {bestText(job)}
          {job.best_trial !== null && (
            <span className="jp-MLStudio-muted"> (trial {job.best_trial})</span>
          )}
        </dd>
        <dt>Strategy</dt>
        <dd>
          {job.strategy}
          {job.spec.early_stopping === 'Auto' && job.strategy !== 'Hyperband'
            ? ', early stopping'
            : ''}
        </dd>
        <dt>Limits</dt>
        <dd>
          {limits.max_trials ?? job.progress.max_trials} trials,{' '}
          {limits.max_parallel_trials ?? 1} in parallel
          {limits.max_runtime_seconds
            ? `, at most ${limits.max_runtime_seconds} s`
            : ''}
        </dd>
        {(job.spec.warm_start ?? []).length > 0 && (
          <>
            <dt>Warm start</dt>
            <dd>{(job.spec.warm_start ?? []).join(', ')}</dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{job.started_at ? formatTime(job.started_at) : '—'}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(durationOf(job, now)) || '—'}</dd>
      </dl>
    </PageSection>
  );
}

/** Milliseconds the tuning job ran (or has run so far). */
function durationOf(job: TuningJob, now: number): number | null {
  if (job.duration_seconds !== null) {
    return job.duration_seconds * 1000;
  }
  const start = job.started_at ? Date.parse(job.started_at) : NaN;
  return isNaN(start) ? null : Math.max(0, now - start);
}

function BestTrial(props: {
  job: TuningJob;
  trial: TrialInfo | null;
  commands: CommandRegistry;
  params: ReadonlyArray<string>;
}): JSX.Element {
  const { job, trial, commands } = props;
  const [registered, setRegistered] = React.useState<{
    name: string;
    version: number;
  } | null>(null);
  if (job.objectives.length > 1) {
    return (
      <PageSection title="Best trials">
        <div className="jp-MLStudio-muted">
          Two objectives: the best trials are the Pareto front (see the plot
          below).
        </div>
      </PageSection>
    );
  }
  const register = async () => {
    if (!trial?.run_id) {
      return;
    }
    const view: unknown = await commands.execute(CommandIDs.registerModel, {
      runId: trial.run_id
    });
    const version = versionOf(view);
    if (version) {
      setRegistered(version);
    }
  };
  return (
    <PageSection
      title={trial ? `Best trial: #${trial.number}` : 'Best trial'}
      testId="mls-tuning-best-trial"
    >
      {!trial ? (
        <div className="jp-MLStudio-muted">
          {isTuningActive(job)
            ? 'No trial has completed yet.'
            : 'No trial completed.'}
        </div>
      ) : (
        <>
          <dl className="jp-MLStudio-fields">
            <dt>{objectiveLabel(job)}</dt>
            <dd data-testid="mls-best-trial-value">
              {trial.value === null ? '—' : formatNumber(trial.value)}
            </dd>
            {props.params.map(name => (
              <React.Fragment key={name}>
                <dt className="jp-MLStudio-mono">{name}</dt>
                <dd className="jp-MLStudio-mono">
                  {formatParam(trial.params[name])}
                </dd>
              </React.Fragment>
            ))}
            <dt>Job</dt>
            <dd>
              {trial.job_id ? (
                <LinkButton
                  data-testid="mls-best-trial-job"
                  onClick={() =>
                    void commands.execute(CommandIDs.openJob, {
                      id: trial.job_id ?? ''
                    })
                  }
                >
                  {trial.job_name ?? trial.job_id}
                </LinkButton>
              ) : (
                '—'
              )}
            </dd>
          </dl>
          <div className="jp-MLStudio-toolbar jp-MLStudio-bestActions">
            <ActionButton
              testId="mls-best-open-run"
              icon={runIcon}
              label="Open run"
              title="Show the best trial's run"
              disabled={!trial.run_id}
              onClick={() =>
                void commands.execute(CommandIDs.openRun, {
                  id: trial.run_id ?? ''
                })
              }
            />
            <ActionButton
              testId="mls-best-register"
              icon={modelIcon}
              label="Register model"
              title="Register the best trial's model as a model version"
              disabled={!trial.run_id}
              onClick={() => void register()}
            />
            <ActionButton
              testId="mls-best-deploy"
              icon={endpointIcon}
              label="Deploy"
              title={
                registered
                  ? `Deploy ${registered.name} v${registered.version} as an endpoint`
                  : 'Deploy a registered model version (register the best trial first)'
              }
              onClick={() =>
                void commands.execute(
                  CommandIDs.deployModel,
                  registered
                    ? { name: registered.name, version: registered.version }
                    : {}
                )
              }
            />
          </div>
          {registered && (
            <div
              className="jp-MLStudio-muted"
              data-testid="mls-best-registered"
            >
              Registered as {registered.name} v{registered.version}.
            </div>
          )}
        </>
      )}
    </PageSection>
  );
}

/** The model name and version of the version view the register command opened. */
function versionOf(view: unknown): { name: string; version: number } | null {
  const model = (view as { model?: { name?: unknown; version?: unknown } })
    ?.model;
  return model &&
    typeof model.name === 'string' &&
    typeof model.version === 'number'
    ? { name: model.name, version: model.version }
    : null;
}

function formatParam(value: unknown): string {
  if (value === undefined || value === null) {
    return '—';
  }
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

function SpecSection(props: { job: TuningJob }): JSX.Element {
  const text = React.useMemo(
    () => JSON.stringify(props.job.spec, null, 2),
    [props.job.spec]
  );
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Spec">
      <details className="jp-MLStudio-jobSpec" data-testid="mls-tuning-spec">
        <summary className="jp-MLStudio-sectionTitle">Spec</summary>
        <pre className="jp-MLStudio-previewText">{text}</pre>
      </details>
    </section>
  );
}
