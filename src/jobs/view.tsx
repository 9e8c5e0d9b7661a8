/**
 * The job view: status, times and progress, Stop / Clone / Open run, the
 * live log, the run's latest metrics, the outputs and the spec.
 */
import { Clipboard } from '@jupyterlab/apputils';
import { copyIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { isActive } from '../api/jobs';
import type { Job } from '../api/types';
import { jobIcon, runIcon, tuningIcon } from '../icons';
import { tabLabel } from '../titles';
import { formatNumber, formatTime } from '../experiments/runs/columns';
import {
  JobProgress,
  JobStatusBadge,
  jobSource,
  kindLabel
} from './components';
import { formatJobDuration } from './duration';
import type { JobModel } from './job-model';
import {
  ActionButton,
  LogPane,
  ModelError,
  NamedHeading,
  PageHeader,
  PagePlaceholder,
  PageSection,
  ScrollTable,
  StopButton,
  useNow
} from '../ui/components';
import { ResourcePanel, ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

/** The output a Spark processing job sets to its Spark UI's address. */
const SPARK_UI_OUTPUT = 'spark_ui';
/** A multi-host job's outputs `host:algo-2` → that host's state. */
const HOST_OUTPUT_PREFIX = 'host:';

export namespace JobView {
  export interface IOptions {
    model: JobModel;
    commands: CommandRegistry;
  }
}

/** The main-area widget of a job. */
export class JobView extends ResourceView<JobModel> {
  constructor(options: JobView.IOptions) {
    super({
      content: new ResourcePanel(options.model, 'mls-job-view', model => (
        <JobContent model={model} commands={options.commands} />
      )),
      id: jobViewId(options.model.jobId),
      className: 'jp-MLStudio-jobView',
      icon: jobIcon,
      label: 'Job'
    });
    this.followTitle(({ job }) =>
      job
        ? {
            label: tabLabel('Job', job.name),
            caption: `Job ${job.name} (${job.status})`
          }
        : null
    );
  }
}

/** The id of a job's view, so an open one is found again. */
export function jobViewId(jobId: string): string {
  return `mlstudio-job-${jobId}`;
}

function JobContent(props: {
  model: JobModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const job = model.job;
  if (!job) {
    return <PagePlaceholder what="job" model={model} />;
  }
  const clone = async () => {
    const copy = await model.clone();
    if (copy) {
      await commands.execute(CommandIDs.openJob, { id: copy.id });
    }
  };
  const runId = job.run_id;
  return (
    <div className="jp-MLStudio-page" data-job-status={job.status}>
      <PageHeader
        icon={jobIcon}
        heading={
          <NamedHeading
            name={job.name}
            testId="mls-job-name"
            badge={<JobStatusBadge status={job.status} />}
          />
        }
        refresh={{
          testId: 'mls-refresh-job',
          title: 'Reload the job',
          onClick: () => void model.refresh()
        }}
      >
        <StopButton
          testId="mls-stop-job"
          title="Stop the job and its processes"
          disabled={job.status !== 'Pending' && job.status !== 'Running'}
          onClick={() => void model.stop()}
        />
        <ActionButton
          testId="mls-clone-job"
          icon={copyIcon}
          label="Clone"
          title="Start a new job with the same spec"
          onClick={() => void clone()}
        />
        {job.kind === 'training' && (
          <ActionButton
            testId="mls-tune-job"
            icon={tuningIcon}
            label="Tune…"
            title={
              job.status === 'Completed' && job.spec.algorithm
                ? 'Tune the hyperparameters of this training job'
                : 'A completed training job of a built-in algorithm can be tuned'
            }
            disabled={job.status !== 'Completed' || !job.spec.algorithm}
            onClick={() =>
              void commands.execute(CommandIDs.tuneJob, { id: job.id })
            }
          />
        )}
        <ActionButton
          testId="mls-open-job-run"
          icon={runIcon}
          label="Open run"
          title={runId ? 'Show the run the job logs to' : 'This job has no run'}
          disabled={!runId}
          onClick={() =>
            void commands.execute(CommandIDs.openRun, { id: runId ?? '' })
          }
        />
      </PageHeader>
      <ModelError model={model} />
      {job.failure_reason && (
        <div
          className="jp-MLStudio-jobFailure"
          data-testid="mls-job-failure"
          role="alert"
        >
          <strong>{job.status === 'Failed' ? 'Failed: ' : 'Note: '}</strong>
          {job.failure_reason}
        </div>
      )}
      {job.registration_error && (
        <div
          className="jp-MLStudio-jobFailure jp-MLStudio-jobWarning"
          data-testid="mls-job-registration-error"
          role="status"
        >
          <strong>Model not registered: </strong>
          {job.registration_error}
        </div>
      )}
      {(isActive(job) || job.progress !== null) && (
        <JobProgress
          progress={job.progress}
          message={job.progress_message ?? (isActive(job) ? job.status : null)}
        />
      )}
      {isActive(job) && job.outputs[SPARK_UI_OUTPUT] && (
        <div className="jp-MLStudio-sparkUi" data-testid="mls-job-spark-ui">
          Spark is running:{' '}
          <a
            href={job.outputs[SPARK_UI_OUTPUT]}
            target="_blank"
            rel="noopener noreferrer"
          >
            open the Spark UI
          </a>{' '}
          <span className="jp-MLStudio-muted">
            ({job.outputs[SPARK_UI_OUTPUT]}, on the machine that runs the job)
          </span>
        </div>
      )}
      <div className="jp-MLStudio-columns">
        <JobDetails job={job} />
        <MetricsSection model={model} />
        <OutputsSection job={job} />
      </div>
      <LogSection model={model} />
      <SpecSection job={job} />
    </div>
  );
}

function JobDetails(props: { job: Job }): JSX.Element {
  const { job } = props;
  const now = useNow(isActive(job));
  return (
    <PageSection title="Details">
      <dl className="jp-MLStudio-fields" data-testid="mls-job-details">
        <dt>Kind</dt>
        <dd>{kindLabel(job.kind)}</dd>
        <dt>{job.kind === 'batch-transform' ? 'Model' : 'Runs'}</dt>
        <dd className="jp-MLStudio-mono">{jobSource(job) || '—'}</dd>
        {job.kind === 'batch-transform' && (
          <>
            <dt>Input</dt>
            <dd className="jp-MLStudio-mono">
              {String(job.spec.input ?? '—')}
            </dd>
            <dt>Output</dt>
            <dd className="jp-MLStudio-mono">
              {String(job.spec.output ?? '—')} (
              {String(job.spec.output_format ?? 'parquet')})
            </dd>
          </>
        )}
        <dt>Executor</dt>
        <dd>
          {job.executor}
          {job.host && (
            <span className="jp-MLStudio-muted">
              {' '}
              on {job.host}
              {job.pid !== null && ` (pid ${job.pid})`}
            </span>
          )}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(job.created_at)}</dd>
        <dt>Started</dt>
        <dd>{job.started_at ? formatTime(job.started_at) : '—'}</dd>
        <dt>Ended</dt>
        <dd>{job.ended_at ? formatTime(job.ended_at) : '—'}</dd>
        <dt>Duration</dt>
        <dd data-testid="mls-job-duration">{formatJobDuration(job, now)}</dd>
        <dt>ID</dt>
        <dd className="jp-MLStudio-mono">{job.id}</dd>
      </dl>
    </PageSection>
  );
}

function MetricsSection(props: { model: JobModel }): JSX.Element {
  const { model } = props;
  const job = model.job;
  const metrics = Object.entries(model.run?.metrics ?? {}).sort(([a], [b]) =>
    a.localeCompare(b)
  );
  let empty: string | null = null;
  if (!job?.run_id) {
    empty = 'This job logs no run.';
  } else if (metrics.length === 0) {
    empty = job && isActive(job) ? 'No metrics yet.' : 'No metrics logged.';
  }
  return (
    <PageSection title="Metrics">
      {empty ? (
        <div className="jp-MLStudio-muted">{empty}</div>
      ) : (
        <ScrollTable testId="mls-job-metrics" size="short">
          {metrics.map(([key, value]) => (
            <tr key={key} data-metric={key}>
              <th scope="row">{key}</th>
              <td className="jp-mod-numeric">{formatNumber(value)}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </PageSection>
  );
}

function OutputsSection(props: { job: Job }): JSX.Element {
  // registration_error is a message, shown as a notice above, not a URL to
  // copy; the Spark UI is a link above while the job runs, gone after it
  const outputs = Object.entries(props.job.outputs)
    .filter(
      ([name]) =>
        name !== 'registration_error' &&
        name !== SPARK_UI_OUTPUT &&
        !name.startsWith(HOST_OUTPUT_PREFIX)
    )
    .sort(([a], [b]) => a.localeCompare(b));
  return (
    <PageSection title="Outputs">
      {outputs.length === 0 ? (
        <div className="jp-MLStudio-muted">
          {isActive(props.job) ? 'No outputs yet.' : 'No outputs.'}
        </div>
      ) : (
        <ul className="jp-MLStudio-jobOutputs" data-testid="mls-job-outputs">
          {outputs.map(([name, url]) => (
            <li key={name}>
              <span className="jp-MLStudio-jobOutputName">{name}</span>
              <span
                className="jp-MLStudio-mono jp-MLStudio-jobOutputUrl"
                title={url}
              >
                {url}
              </span>
              <button
                type="button"
                className="jp-MLStudio-iconButton"
                title={`Copy the URL of ${name}`}
                aria-label={`Copy the URL of ${name}`}
                onClick={() => Clipboard.copyToSystem(url)}
              >
                <copyIcon.react tag="span" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </PageSection>
  );
}

/** The job's log, with whether more is coming. */
/** A multi-host job's hosts and how each is doing, from its `host:<name>` outputs. */
function hostsOf(job: Job | null): Array<[string, string]> {
  if (!job) {
    return [];
  }
  return Object.entries(job.outputs)
    .filter(([key]) => key.startsWith(HOST_OUTPUT_PREFIX))
    .map(([key, state]): [string, string] => [
      key.slice(HOST_OUTPUT_PREFIX.length),
      state
    ])
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
}

/** The lines of one host (`[algo-2] …`), without the prefix. */
function linesOf(log: string, host: string): string {
  const prefix = `[${host}] `;
  return log
    .split('\n')
    .filter(line => line.startsWith(prefix))
    .map(line => line.slice(prefix.length))
    .join('\n');
}

function HostChips(props: {
  hosts: Array<[string, string]>;
  selected: string | null;
  onSelect: (host: string | null) => void;
}): JSX.Element {
  const chip = (host: string | null, label: string, state?: string) => (
    <button
      key={host ?? ''}
      type="button"
      className={
        'jp-MLStudio-hostChip' +
        (props.selected === host ? ' jp-mod-selected' : '') +
        (state && state !== 'running' && state !== 'completed'
          ? ' jp-mod-failed'
          : '')
      }
      data-testid="mls-job-host"
      data-host={host ?? 'all'}
      aria-pressed={props.selected === host}
      title={host ? `Show only ${host}'s output` : "Show every host's output"}
      onClick={() => props.onSelect(host)}
    >
      {label}
      {state && <span className="jp-MLStudio-hostState">{state}</span>}
    </button>
  );
  return (
    <div className="jp-MLStudio-hostChips" data-testid="mls-job-hosts">
      <span className="jp-MLStudio-muted">Hosts:</span>
      {chip(null, 'All')}
      {props.hosts.map(([host, state]) => chip(host, host, state))}
    </div>
  );
}

function LogSection(props: { model: JobModel }): JSX.Element {
  const { model } = props;
  const job = model.job;
  const hosts = hostsOf(job);
  const [host, setHost] = React.useState<string | null>(null);
  const text = host ? linesOf(model.log, host) : model.log;
  return (
    <PageSection
      title="Log"
      aside={
        <span className="jp-MLStudio-muted" data-testid="mls-job-log-state">
          {model.logComplete
            ? 'Complete'
            : job && isActive(job)
              ? 'Following…'
              : 'Reading…'}
        </span>
      }
    >
      {model.logTruncated && (
        <div className="jp-MLStudio-muted">
          Earlier output was dropped to keep the page fast; the full log is in
          the job's artifacts.
        </div>
      )}
      {hosts.length > 0 && (
        <HostChips hosts={hosts} selected={host} onSelect={setHost} />
      )}
      <LogPane
        text={text}
        placeholder={
          model.logComplete ? 'The job wrote no output.' : 'Waiting for output…'
        }
        testId="mls-job-log"
        label="Job log"
      />
    </PageSection>
  );
}

function SpecSection(props: { job: Job }): JSX.Element {
  const text = React.useMemo(
    () => JSON.stringify(props.job.spec, null, 2),
    [props.job.spec]
  );
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Spec">
      <details className="jp-MLStudio-jobSpec" data-testid="mls-job-spec">
        <summary className="jp-MLStudio-sectionTitle">Spec</summary>
        <pre className="jp-MLStudio-previewText">{text}</pre>
      </details>
    </section>
  );
}
