/**
 * The Jobs left sidebar: the newest jobs with live status, filtered by kind
 * and status; a click opens the job view.
 */
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { isActive, JOB_STATUSES } from '../api/jobs';
import type { Job, JobKind } from '../api/types';
import { jobIcon } from '../icons';
import {
  EmptyList,
  ItemLine,
  ListItem,
  ListSidebar,
  NewestNote,
  SidebarShell
} from '../ui/sidebar-shell';
import { JobProgress, JobStatusBadge, kindLabel } from './components';
import { formatJobDuration } from './duration';
import type { JobsModel } from './model';
import { RelativeTime, useNow } from '../ui/components';
import { choicesOf, LabeledSelect, StatusFilter } from '../ui/fields';
import { CommandIDs, JOBS_SIDEBAR_ID } from '../command-ids';

export class JobsSidebar extends ListSidebar<JobsModel> {
  constructor(model: JobsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: JOBS_SIDEBAR_ID,
      className: 'jp-MLStudio-jobsSidebar',
      icon: jobIcon,
      caption: 'Jobs'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const filtered = model.kind !== null || model.status !== null;
    return (
      <SidebarShell
        {...this.head}
        create={{
          testId: 'mls-new-training-job',
          label: 'New training job',
          title: 'Train a built-in algorithm on a data file',
          onClick: () => void commands.execute(CommandIDs.newTrainingJob)
        }}
        refreshTestId="mls-refresh-jobs"
        filters={<JobFilters model={model} />}
        loading={{ what: 'jobs', testId: 'mls-jobs-loading' }}
        serverMissing={{ feature: 'Jobs', testId: 'mls-jobs-server-missing' }}
        empty={
          model.jobs.length === 0 ? (
            <EmptyList
              testId="mls-jobs-empty"
              filtered={filtered}
              filteredMessage="No jobs match these filters."
            >
              No jobs yet. Start one with <strong>New training job</strong>, or
              right-click a Python script or notebook in the file browser and
              choose <strong>Run as Job</strong>.
            </EmptyList>
          ) : null
        }
        footer={
          model.hasMore && <NewestNote count={model.jobs.length} what="jobs" />
        }
      >
        <JobList
          jobs={model.jobs}
          onOpen={id => void commands.execute(CommandIDs.openJob, { id })}
        />
      </SidebarShell>
    );
  }
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
      <LabeledSelect
        label="Kind"
        testId="mls-jobs-kind"
        value={model.kind ?? ''}
        all="All"
        choices={choicesOf(KINDS, kindLabel)}
        onChange={value =>
          model.setFilters({ kind: (value || null) as JobKind | null })
        }
      />
      <StatusFilter
        testId="mls-jobs-status"
        value={model.status}
        statuses={JOB_STATUSES}
        onChange={status => model.setFilters({ status })}
      />
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
          <ListItem
            testId="mls-job-item"
            data={{ 'data-job-id': job.id, 'data-status': job.status }}
            title={`${job.name} (${job.kind}, ${job.status})`}
            onOpen={() => props.onOpen(job.id)}
          >
            <ItemLine>
              <span className="jp-MLStudio-itemName">{job.name}</span>
              <JobStatusBadge
                status={job.status}
                testId="mls-job-item-status"
              />
            </ItemLine>
            <ItemLine meta className="jp-MLStudio-jobItemMeta">
              <span>{job.kind}</span>
              <RelativeTime iso={job.created_at} />
              <span>{formatJobDuration(job, now)}</span>
            </ItemLine>
            {job.progress !== null && isActive(job) && (
              <JobProgress progress={job.progress} compact />
            )}
          </ListItem>
        </li>
      ))}
    </ul>
  );
}
