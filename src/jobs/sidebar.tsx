/**
 * The Jobs left sidebar: the newest jobs with live status, filtered by kind
 * and status; a click opens the job view.
 */
import {
  addIcon,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { isActive, JOB_STATUSES } from '../api/jobs';
import type { Job, JobKind, JobStatus } from '../api/types';
import { CommandIDs, JOBS_SIDEBAR_ID } from '../commands';
import { jobIcon } from '../icons';
import { ActionButton, ErrorBanner } from '../sidebar/components';
import {
  formatJobDuration,
  JobProgress,
  JobStatusBadge,
  kindLabel,
  RelativeTime,
  useNow
} from './components';
import type { JobsModel } from './model';

export class JobsSidebar extends ReactWidget {
  constructor(
    private readonly _model: JobsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.id = JOBS_SIDEBAR_ID;
    // Not `jp-MLStudio-sidebar`: that class names the ML Studio sidebar.
    this.addClass('jp-MLStudio-jobsSidebar');
    this.title.icon = jobIcon;
    this.title.caption = 'Jobs';
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <JobsPanel model={this._model} commands={this._commands} />}
      </UseSignal>
    );
  }
}

function JobsPanel(props: {
  model: JobsModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const filtered = model.kind !== null || model.status !== null;
  return (
    <div className="jp-MLStudio-content">
      <header className="jp-MLStudio-header">
        <jobIcon.react tag="span" className="jp-MLStudio-headerIcon" />
        <h2>Jobs</h2>
      </header>
      {model.error && !model.serverMissing && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <section className="jp-MLStudio-section" aria-label="Jobs">
        <div className="jp-MLStudio-sectionHeader">
          <div className="jp-MLStudio-toolbar">
            <ActionButton
              testId="mls-new-training-job"
              icon={addIcon}
              label="New training job"
              title="Train a built-in algorithm on a data file"
              disabled={model.serverMissing}
              onClick={() => void commands.execute(CommandIDs.newTrainingJob)}
            />
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-refresh-jobs"
              title="Refresh Jobs"
              aria-label="Refresh Jobs"
              onClick={() => void model.refresh()}
            >
              <refreshIcon.react
                tag="span"
                className="jp-MLStudio-buttonIcon"
              />
            </button>
          </div>
        </div>
        <JobFilters model={model} />
        {model.isLoading && <JobsLoading firstLoad={!model.loaded} />}
        {model.serverMissing ? (
          <div
            className="jp-MLStudio-serverMissing"
            data-testid="mls-jobs-server-missing"
            role="alert"
          >
            Jobs need the jupyter_mlstudio server extension, which is not
            running. Install the package with pip in the environment that runs
            JupyterLab and restart.
          </div>
        ) : model.loaded && model.jobs.length === 0 ? (
          <div className="jp-MLStudio-empty" data-testid="mls-jobs-empty">
            {filtered ? (
              'No jobs match these filters.'
            ) : (
              <>
                No jobs yet. Start one with <strong>New training job</strong>,
                or right-click a Python script or notebook in the file browser
                and choose <strong>Run as Job</strong>.
              </>
            )}
          </div>
        ) : (
          <JobList
            jobs={model.jobs}
            onOpen={id => void commands.execute(CommandIDs.openJob, { id })}
          />
        )}
        {model.hasMore && (
          <div className="jp-MLStudio-empty">
            Showing the newest {model.jobs.length} jobs.
          </div>
        )}
      </section>
    </div>
  );
}

/** A thin progress bar; the first load also says what it loads. */
function JobsLoading(props: { firstLoad: boolean }): JSX.Element {
  return (
    <div
      className={`jp-MLStudio-loading${props.firstLoad ? '' : ' jp-mod-background'}`}
      data-testid="mls-jobs-loading"
      role="status"
    >
      <div className="jp-MLStudio-progress" />
      {props.firstLoad && <span>Loading jobs…</span>}
    </div>
  );
}

const KINDS: ReadonlyArray<JobKind> = [
  'training',
  'processing',
  'batch-transform'
];

function JobFilters(props: { model: JobsModel }): JSX.Element {
  const { model } = props;
  return (
    <div className="jp-MLStudio-jobFilters">
      <label className="jp-MLStudio-jobFilter">
        <span>Kind</span>
        <select
          className="jp-MLStudio-select"
          data-testid="mls-jobs-kind"
          value={model.kind ?? ''}
          onChange={event =>
            model.setFilters({
              kind: (event.target.value || null) as JobKind | null
            })
          }
        >
          <option value="">All</option>
          {KINDS.map(kind => (
            <option key={kind} value={kind}>
              {kindLabel(kind)}
            </option>
          ))}
        </select>
      </label>
      <label className="jp-MLStudio-jobFilter">
        <span>Status</span>
        <select
          className="jp-MLStudio-select"
          data-testid="mls-jobs-status"
          value={model.status ?? ''}
          onChange={event =>
            model.setFilters({
              status: (event.target.value || null) as JobStatus | null
            })
          }
        >
          <option value="">All</option>
          {JOB_STATUSES.map(status => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function JobList(props: {
  jobs: ReadonlyArray<Job>;
  onOpen: (id: string) => void;
}): JSX.Element {
  // Keep "x minutes ago" and running durations current.
  const now = useNow(true, props.jobs.some(isActive) ? 1000 : 30_000);
  return (
    <ul className="jp-MLStudio-list" aria-label="Jobs">
      {props.jobs.map(job => (
        <li key={job.id}>
          <button
            type="button"
            className="jp-MLStudio-jobItem"
            data-testid="mls-job-item"
            data-job-id={job.id}
            data-status={job.status}
            title={`${job.name} (${job.kind}, ${job.status})`}
            onClick={() => props.onOpen(job.id)}
          >
            <span className="jp-MLStudio-jobItemRow">
              <span className="jp-MLStudio-itemName">{job.name}</span>
              <JobStatusBadge
                status={job.status}
                testId="mls-job-item-status"
              />
            </span>
            <span className="jp-MLStudio-jobItemRow jp-MLStudio-jobItemMeta">
              <span>{job.kind}</span>
              <RelativeTime iso={job.created_at} />
              <span>{formatJobDuration(job, now)}</span>
            </span>
            {job.progress !== null && isActive(job) && (
              <JobProgress progress={job.progress} compact />
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}
