/**
 * The ML Studio home: quick actions, what runs now (CPU, memory, Stop),
 * recent activity across components (each item opens its view) and the
 * configuration in use.
 */
import { addIcon, LabIcon, stopIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import * as React from 'react';

import type {
  ActivityItem,
  ActivityTarget,
  HomeConfiguration,
  RunningItem,
  TrialProgress
} from '../api/home';
import type { EndpointStatus, JobStatus } from '../api/types';
import type { TuningJobStatus } from '../tuning/api';
import { TuningStatusBadge } from '../tuning/components';
import { formatNumber } from '../experiments/runs/columns';
import { confirmDeleteEndpoint } from '../endpoints/dialogs';
import { EndpointStatusBadge } from '../endpoints/components';
import {
  endpointIcon,
  experimentIcon,
  jobIcon,
  modelIcon,
  runIcon,
  studioIcon,
  trainIcon,
  tuningIcon,
  wranglerIcon
} from '../icons';
import { JobStatusBadge, kindLabel } from '../jobs/components';
import type { HomeModel } from './model';
import {
  ActionButton,
  LinkButton,
  Loading,
  ModelError,
  PageHeader,
  PageSection,
  RelativeTime,
  ScrollTable,
  ServerMissing
} from '../ui/components';
import { formatBytes } from '../ui/format';
import { ResourcePanel, ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

/** The id of the (single) home view. */
export const HOME_VIEW_ID = 'mlstudio-home';

export namespace HomeView {
  export interface IOptions {
    model: HomeModel;
    commands: CommandRegistry;
  }
}

/** The main-area widget of the ML Studio home. */
export class HomeView extends ResourceView<HomeModel> {
  constructor(options: HomeView.IOptions) {
    super({
      content: new ResourcePanel(options.model, 'mls-home', model => (
        <HomeContent model={model} commands={options.commands} />
      )),
      id: HOME_VIEW_ID,
      className: 'jp-MLStudio-homeView',
      icon: studioIcon,
      label: 'ML Studio Home',
      caption: 'ML Studio home: what runs now, recent activity, configuration'
    });
  }
}

function HomeContent(props: {
  model: HomeModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const home = model.home;
  return (
    <div className="jp-MLStudio-page jp-MLStudio-home">
      <PageHeader
        icon={studioIcon}
        heading={<span>ML Studio Home</span>}
        refresh={{
          testId: 'mls-home-refresh',
          title: 'Reload what runs, the activity and the configuration',
          onClick: () => void model.refresh()
        }}
      />
      {model.serverMissing ? (
        <ServerMissing testId="mls-home-server-missing" />
      ) : (
        <ModelError model={model} />
      )}
      <QuickActions commands={commands} />
      {model.isLoading && !home && (
        <Loading firstLoad what="the studio" testId="mls-home-loading" />
      )}
      {home && (
        <>
          <RunningSection
            items={home.running}
            stopping={model.stopping}
            commands={commands}
            onStop={item => void stop(model, item)}
          />
          <div className="jp-MLStudio-homeColumns">
            <ActivitySection items={home.activity} commands={commands} />
            <ConfigurationSection configuration={home.configuration} />
          </div>
        </>
      )}
    </div>
  );
}

/** Stop a job at once; an endpoint is deleted, so ask first. */
async function stop(model: HomeModel, item: RunningItem): Promise<void> {
  if (item.kind === 'endpoint' && !(await confirmDeleteEndpoint(item.id))) {
    return;
  }
  await model.stop(item);
}

/** One click to the things people start most. */
function QuickActions(props: { commands: CommandRegistry }): JSX.Element {
  const { commands } = props;
  const actions: ReadonlyArray<{
    id: string;
    command: string;
    icon: LabIcon;
    label: string;
    title: string;
  }> = [
    {
      id: 'experiment',
      command: CommandIDs.createExperiment,
      icon: experimentIcon,
      label: 'New experiment',
      title: 'Create an experiment to log runs to'
    },
    {
      id: 'training-job',
      command: CommandIDs.newTrainingJob,
      icon: trainIcon,
      label: 'New training job',
      title: 'Train a built-in algorithm on a data file, as a background job'
    },
    {
      id: 'data-flow',
      command: CommandIDs.newFlow,
      icon: wranglerIcon,
      label: 'New data flow',
      title: 'Create a Data Wrangler flow in the file browser’s folder'
    },
    {
      id: 'deploy',
      command: CommandIDs.deployModel,
      icon: endpointIcon,
      label: 'Deploy a model',
      title: 'Deploy a registered model version as an endpoint'
    }
  ];
  return (
    <PageSection title="Quick actions" testId="mls-home-actions">
      <div className="jp-MLStudio-homeActions">
        {actions.map(action => (
          <button
            key={action.id}
            type="button"
            className="jp-MLStudio-homeAction"
            data-testid={`mls-home-action-${action.id}`}
            title={action.title}
            onClick={() => void commands.execute(action.command)}
          >
            <action.icon.react
              tag="span"
              className="jp-MLStudio-homeActionIcon"
            />
            <span>{action.label}</span>
            <addIcon.react tag="span" className="jp-MLStudio-homeActionPlus" />
          </button>
        ))}
      </div>
    </PageSection>
  );
}

function RunningSection(props: {
  items: ReadonlyArray<RunningItem>;
  stopping: ReadonlySet<string>;
  commands: CommandRegistry;
  onStop: (item: RunningItem) => void;
}): JSX.Element {
  const { items, commands } = props;
  return (
    <PageSection
      title={
        <>
          Running now
          <span className="jp-MLStudio-homeCount">{items.length}</span>
        </>
      }
      label="Running now"
      testId="mls-home-running"
    >
      {items.length === 0 ? (
        <div className="jp-MLStudio-muted" data-testid="mls-home-running-empty">
          Nothing is running. Jobs, endpoints and tuning jobs show here while
          they run, with their CPU and memory or their trials.
        </div>
      ) : (
        <ScrollTable
          className="jp-MLStudio-homeTable"
          size="tall"
          head={
            <>
              <th>Kind</th>
              <th>Name</th>
              <th>Status</th>
              <th className="jp-mod-numeric">CPU</th>
              <th className="jp-mod-numeric">Memory</th>
              <th>Started</th>
              <th aria-label="Actions" />
            </>
          }
        >
          {items.map(item => (
            <RunningRow
              key={`${item.kind}:${item.id}`}
              item={item}
              stopping={props.stopping.has(`${item.kind}:${item.id}`)}
              commands={commands}
              onStop={() => props.onStop(item)}
            />
          ))}
        </ScrollTable>
      )}
    </PageSection>
  );
}

function RunningRow(props: {
  item: RunningItem;
  stopping: boolean;
  commands: CommandRegistry;
  onStop: () => void;
}): JSX.Element {
  const { item, commands } = props;
  const kind = RUNNING_KINDS[item.kind];
  const isJob = item.kind === 'job';
  const usage = item.usage;
  const open = () => void commands.execute(kind.command, kind.args(item.id));
  const Icon = kind.icon;
  const ended = item.kind !== 'endpoint' && item.status === 'Stopping';
  return (
    <tr
      data-testid="mls-home-row"
      data-kind={item.kind}
      data-id={item.id}
      data-status={item.status}
    >
      <td>
        <span className="jp-MLStudio-homeKind">
          <Icon.react tag="span" className="jp-MLStudio-buttonIcon" />
          {isJob ? `${kindLabel(item.detail)} job` : kind.label}
        </span>
      </td>
      <td>
        <LinkButton
          data-testid="mls-home-open"
          title={kind.openTitle(item.detail)}
          onClick={open}
        >
          {item.name}
        </LinkButton>
        {item.trials ? (
          <TrialsText trials={item.trials} />
        ) : (
          !isJob &&
          item.detail && (
            <span className="jp-MLStudio-muted"> {item.detail}</span>
          )
        )}
      </td>
      <td>
        {isJob ? (
          <JobStatusBadge
            status={item.status as JobStatus}
            testId="mls-home-status"
          />
        ) : item.kind === 'tuning-job' ? (
          <TuningStatusBadge
            status={item.status as TuningJobStatus}
            testId="mls-home-status"
          />
        ) : (
          <EndpointStatusBadge
            status={item.status as EndpointStatus}
            testId="mls-home-status"
          />
        )}
      </td>
      <td className="jp-mod-numeric" data-testid="mls-home-cpu">
        {usage ? `${usage.cpu_percent.toFixed(0)}%` : '—'}
      </td>
      <td
        className="jp-mod-numeric"
        data-testid="mls-home-memory"
        title={usage ? `${usage.processes} process(es)` : undefined}
      >
        {usage ? formatBytes(usage.memory_bytes) : '—'}
      </td>
      <td>{item.started_at ? <RelativeTime iso={item.started_at} /> : '—'}</td>
      <td>
        <ActionButton
          testId="mls-home-stop"
          icon={stopIcon}
          label={kind.stopLabel}
          title={kind.stopTitle}
          warn
          disabled={props.stopping || ended}
          onClick={props.onStop}
        />
      </td>
    </tr>
  );
}

/** How each kind of running item is shown, opened and stopped. */
const RUNNING_KINDS: Record<
  RunningItem['kind'],
  {
    icon: LabIcon;
    label: string;
    command: string;
    args: (id: string) => ReadonlyPartialJSONObject;
    openTitle: (detail: string) => string;
    stopLabel: string;
    stopTitle: string;
  }
> = {
  job: {
    icon: jobIcon,
    label: 'Job',
    command: CommandIDs.openJob,
    args: id => ({ id }),
    openTitle: () => 'Open the job',
    stopLabel: 'Stop',
    stopTitle: 'Stop the job and its processes'
  },
  endpoint: {
    icon: endpointIcon,
    label: 'Endpoint',
    command: CommandIDs.openEndpoint,
    args: name => ({ name }),
    openTitle: detail => `Open the endpoint (${detail})`,
    stopLabel: 'Delete…',
    stopTitle: 'Stop the endpoint’s processes and delete it'
  },
  'tuning-job': {
    icon: tuningIcon,
    label: 'Tuning job',
    command: CommandIDs.openTuningJob,
    args: id => ({ id }),
    openTitle: strategy => `Open the tuning job (${strategy})`,
    stopLabel: 'Stop',
    stopTitle: 'Stop the tuning job and its running trials'
  }
};

/** A tuning job's trials so far: `3/12 trials, best 0.95`. */
function TrialsText(props: { trials: TrialProgress }): JSX.Element {
  const { trials } = props;
  const best =
    trials.best_value === null
      ? ''
      : `, best ${formatNumber(trials.best_value)}`;
  return (
    <span
      className="jp-MLStudio-muted"
      data-testid="mls-home-trials"
      title={`Best ${trials.objective} so far; ${trials.running} trial(s) running`}
    >
      {' '}
      {trials.done}/{trials.max_trials} trials{best}
    </span>
  );
}

/** The command and arguments that open what an activity item is about. */
function opener(target: ActivityTarget): [string, ReadonlyPartialJSONObject] {
  switch (target.resource) {
    case 'run':
      return [CommandIDs.openRun, { id: target.id }];
    case 'job':
      return [CommandIDs.openJob, { id: target.id }];
    case 'endpoint':
      return [CommandIDs.openEndpoint, { name: target.id }];
    case 'tuning-job':
      return [CommandIDs.openTuningJob, { id: target.id }];
    case 'model-version':
      return [
        CommandIDs.openModelVersion,
        { name: target.id, version: target.version }
      ];
  }
}

const ACTIVITY_ICONS: Record<ActivityTarget['resource'], LabIcon> = {
  run: runIcon,
  job: jobIcon,
  endpoint: endpointIcon,
  'model-version': modelIcon,
  'tuning-job': tuningIcon
};

function ActivitySection(props: {
  items: ReadonlyArray<ActivityItem>;
  commands: CommandRegistry;
}): JSX.Element {
  const { items, commands } = props;
  return (
    <PageSection title="Recent activity" testId="mls-home-activity">
      {items.length === 0 ? (
        <div className="jp-MLStudio-muted">
          No activity yet: runs, model versions, deployments, failed jobs and
          ended tuning jobs show here.
        </div>
      ) : (
        <ul className="jp-MLStudio-homeActivity">
          {items.map((item, index) => {
            const Icon = ACTIVITY_ICONS[item.target.resource];
            const [command, args] = opener(item.target);
            const bad = item.kind.endsWith('-failed');
            return (
              <li key={`${item.kind}:${item.target.id}:${index}`}>
                <button
                  type="button"
                  className={`jp-MLStudio-homeActivityItem${bad ? ' jp-mod-failed' : ''}`}
                  data-testid="mls-home-activity-item"
                  data-kind={item.kind}
                  data-target={item.target.id}
                  onClick={() => void commands.execute(command, args)}
                >
                  <Icon.react tag="span" className="jp-MLStudio-buttonIcon" />
                  <span className="jp-MLStudio-homeActivityText">
                    <span className="jp-MLStudio-homeActivityTitle">
                      {item.title}
                    </span>
                    {item.detail && (
                      <span className="jp-MLStudio-homeActivityDetail">
                        {item.detail}
                      </span>
                    )}
                  </span>
                  <span className="jp-MLStudio-homeActivityTime">
                    <RelativeTime iso={item.at} />
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </PageSection>
  );
}

function ConfigurationSection(props: {
  configuration: HomeConfiguration;
}): JSX.Element {
  const config = props.configuration;
  const versions = Object.entries(config.versions);
  return (
    <PageSection title="Configuration" testId="mls-home-config">
      <dl className="jp-MLStudio-fields">
        <dt>Store</dt>
        <dd className="jp-MLStudio-mono" data-testid="mls-home-store">
          {config.store_uri}{' '}
          <span className="jp-MLStudio-muted">({config.store_backend})</span>
        </dd>
        <dt>Artifacts</dt>
        <dd className="jp-MLStudio-mono">{config.artifact_uri}</dd>
        <dt>Executor</dt>
        <dd data-testid="mls-home-executor">
          {config.executor}
          {config.dask_address && (
            <span className="jp-MLStudio-mono"> {config.dask_address}</span>
          )}
          {config.executor === 'local' && (
            <span className="jp-MLStudio-muted">
              {' '}
              ({config.max_concurrent_jobs ?? 'one per core'} at once)
            </span>
          )}
        </dd>
        <dt>Home folder</dt>
        <dd className="jp-MLStudio-mono">{config.home}</dd>
        <dt>Versions</dt>
        <dd>
          <ul className="jp-MLStudio-inlineList">
            {versions.map(([name, version]) => (
              <li key={name} className="jp-MLStudio-badge">
                {name} {version}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
    </PageSection>
  );
}
