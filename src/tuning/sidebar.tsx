/**
 * The Tuning left sidebar: the newest tuning jobs with live status, trials
 * progress and the best value so far; a click opens the tuning-job view.
 */
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { isTuningActive, TUNING_STATUSES, TuningJob } from './api';
import {
  bestText,
  objectiveLabel,
  progressText,
  TuningProgress,
  TuningStatusBadge
} from './components';
import type { TuningJobsModel } from './model';
import { tuningIcon } from '../icons';
import { RelativeTime } from '../ui/components';
import { StatusFilter } from '../ui/fields';
import {
  EmptyList,
  ItemLine,
  ListItem,
  ListSidebar,
  NewestNote,
  SidebarShell
} from '../ui/sidebar-shell';
import { CommandIDs, TUNING_SIDEBAR_ID } from '../command-ids';

export class TuningSidebar extends ListSidebar<TuningJobsModel> {
  constructor(model: TuningJobsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: TUNING_SIDEBAR_ID,
      className: 'jp-MLStudio-tuningSidebar',
      icon: tuningIcon,
      caption: 'Tuning'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const jobs = model.items;
    return (
      <SidebarShell
        {...this.head}
        create={{
          testId: 'mls-new-tuning-job',
          label: 'New tuning job',
          title: 'Tune the hyperparameters of a training job',
          onClick: () => void commands.execute(CommandIDs.newTuningJob)
        }}
        refreshTestId="mls-refresh-tuning"
        filters={
          <div className="jp-MLStudio-jobFilters">
            <StatusFilter
              testId="mls-tuning-status-filter"
              value={model.status}
              statuses={TUNING_STATUSES}
              onChange={status => model.setStatus(status)}
            />
          </div>
        }
        loading={{ what: 'tuning jobs', testId: 'mls-tuning-loading' }}
        serverMissing={{
          feature: 'Tuning',
          testId: 'mls-tuning-server-missing'
        }}
        empty={
          jobs.length === 0 ? (
            <EmptyList
              testId="mls-tuning-empty"
              filtered={model.status !== null}
              filteredMessage="No tuning jobs match this filter."
            >
              No tuning jobs yet. Start one with <strong>New tuning job</strong>
              , or choose <strong>Tune…</strong> on a completed training job.
            </EmptyList>
          ) : null
        }
        footer={
          model.hasMore && <NewestNote count={jobs.length} what="tuning jobs" />
        }
      >
        <ul className="jp-MLStudio-list" aria-label="Tuning jobs">
          {jobs.map(job => (
            <li key={job.id}>
              <TuningItem
                job={job}
                onOpen={() =>
                  void commands.execute(CommandIDs.openTuningJob, {
                    id: job.id
                  })
                }
              />
            </li>
          ))}
        </ul>
      </SidebarShell>
    );
  }
}

function TuningItem(props: { job: TuningJob; onOpen: () => void }) {
  const { job } = props;
  return (
    <ListItem
      testId="mls-tuning-item"
      data={{ 'data-tuning-id': job.id, 'data-status': job.status }}
      title={`${job.name} (${job.strategy}, ${job.status}): ${progressText(job)}`}
      onOpen={props.onOpen}
    >
      <ItemLine>
        <span className="jp-MLStudio-itemName">{job.name}</span>
        <TuningStatusBadge
          status={job.status}
          testId="mls-tuning-item-status"
        />
      </ItemLine>
      <ItemLine meta className="jp-MLStudio-tuningItemMeta">
        <span data-testid="mls-tuning-item-progress">
          {job.progress.done}/{job.progress.max_trials} trials
        </span>
        <span
          data-testid="mls-tuning-item-best"
          title={`Best ${objectiveLabel(job)} so far`}
        >
          best {bestText(job)}
        </span>
        <RelativeTime iso={job.created_at} />
      </ItemLine>
      {isTuningActive(job) && <TuningProgress job={job} compact />}
    </ListItem>
  );
}
