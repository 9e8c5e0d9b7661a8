/**
 * The monitor view: the monitor's header (Stop/Start, Run now, Delete), its
 * executions timeline, the selected execution's violations and charts, the
 * constraint editor and, for model quality, the ground-truth upload.
 * Reports load only for the selected execution.
 */
import { InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { errorMessage } from '../api/request';
import { ActionButton, PageSection, ScrollTable } from '../ui/components';
import {
  refreshIcon,
  runIcon,
  stopIcon,
  deleteIcon
} from '@jupyterlab/ui-components';
import {
  addGroundTruth,
  getMonitor,
  isRunning,
  listExecutions,
  listViolations,
  Monitor,
  monitorAction,
  MonitorExecution,
  MonitorViolation
} from './api';
import { ConstraintEditor } from './constraint-editor';
import { ExecutionCharts } from './execution-charts';

const TIMELINE_SIZE = 50;

export interface IMonitorViewProps {
  monitorId: string;
  /** The execution to select first (a notification's Open). */
  executionId?: string | null;
  settings?: ServerConnection.ISettings;
  onDeleted?: () => void;
}

export function MonitorView(props: IMonitorViewProps): JSX.Element {
  const { monitorId, settings } = props;
  const [monitor, setMonitor] = React.useState<Monitor | null>(null);
  const [executions, setExecutions] = React.useState<MonitorExecution[]>([]);
  const [selected, setSelected] = React.useState<string | null>(
    props.executionId ?? null
  );
  const [error, setError] = React.useState<string | null>(null);
  const [tick, setTick] = React.useState(0);
  const reload = React.useCallback(() => setTick(t => t + 1), []);

  React.useEffect(() => {
    setSelected(props.executionId ?? null);
  }, [props.executionId]);

  React.useEffect(() => {
    let cancelled = false;
    Promise.all([
      getMonitor(monitorId, settings),
      listExecutions(monitorId, TIMELINE_SIZE, settings)
    ])
      .then(([m, items]) => {
        if (!cancelled) {
          setMonitor(m);
          setExecutions(items);
          setError(null);
        }
      })
      .catch(reason => !cancelled && setError(errorMessage(reason)));
    return () => {
      cancelled = true;
    };
  }, [monitorId, tick]);

  const running = executions.some(e => isRunning(e.status));
  React.useEffect(() => {
    const timer = window.setTimeout(reload, running ? 2000 : 15000);
    return () => window.clearTimeout(timer);
  }, [tick, running]);

  const current =
    executions.find(e => e.id === selected) ??
    executions.find(e => !isRunning(e.status)) ??
    executions[0];
  const [feature, setFeature] = React.useState<string | null>(null);

  const act = async (action: 'stop' | 'start' | 'run' | 'delete') => {
    try {
      await monitorAction(monitorId, action, settings);
      if (action === 'delete') {
        props.onDeleted?.();
        return;
      }
      if (action === 'run') {
        setSelected(null);
      }
      reload();
    } catch (reason) {
      void showErrorMessage('Monitor', errorMessage(reason));
    }
  };

  if (monitor === null) {
    return (
      <div className="jp-MLStudio-page" data-testid="mls-monitor-view">
        {error ? (
          <p role="alert" data-testid="mls-monitor-view-error">
            {error}
          </p>
        ) : (
          <p>Loading the monitor…</p>
        )}
      </div>
    );
  }
  return (
    <div
      className="jp-MLStudio-page jp-MLStudio-monitorView"
      data-testid="mls-monitor-view"
    >
      <header className="jp-MLStudio-pageHeader">
        <h2>
          <span data-testid="mls-monitor-name">{monitor.name}</span>
          <span
            className={`jp-MLStudio-badge jp-MLStudio-monitorStatus jp-mod-${monitor.status.toLowerCase()}`}
            data-testid="mls-monitor-status"
          >
            {monitor.status}
          </span>
        </h2>
        <div className="jp-MLStudio-toolbar">
          <ActionButton
            testId="mls-monitor-refresh"
            icon={refreshIcon}
            label="Refresh"
            title="Reload the monitor and its executions"
            onClick={reload}
          />
          <ActionButton
            testId="mls-monitor-run"
            icon={runIcon}
            label="Run now"
            title="Check the newest captured window now"
            onClick={() => void act('run')}
          />
          {monitor.schedule &&
            (monitor.status === 'Scheduled' ? (
              <ActionButton
                testId="mls-monitor-stop"
                icon={stopIcon}
                label="Stop"
                title="Stop the scheduled executions"
                onClick={() => void act('stop')}
              />
            ) : (
              <ActionButton
                testId="mls-monitor-start"
                icon={runIcon}
                label="Start"
                title="Resume the scheduled executions"
                onClick={() => void act('start')}
              />
            ))}
          <ActionButton
            testId="mls-monitor-delete"
            icon={deleteIcon}
            label="Delete"
            warn
            title="Delete this monitor (its reports stay on disk)"
            onClick={() => void act('delete')}
          />
        </div>
      </header>
      <dl className="jp-MLStudio-monitorFacts" data-testid="mls-monitor-facts">
        <dt>Checks</dt>
        <dd>
          {monitor.endpoint
            ? `endpoint ${monitor.endpoint}`
            : monitor.data_path}
        </dd>
        <dt>Kind</dt>
        <dd>{monitor.kind}</dd>
        <dt>Schedule</dt>
        <dd>{monitor.schedule ?? 'none (Run now only)'}</dd>
        <dt>Baseline</dt>
        <dd>{monitor.baseline || 'none'}</dd>
        {monitor.webhook_url && (
          <>
            <dt>Webhook</dt>
            <dd>
              {monitor.webhook_url}
              {monitor.webhook_secret_set ? ' (signed)' : ''}
            </dd>
          </>
        )}
      </dl>
      <PageSection title="Executions" testId="mls-monitor-timeline-section">
        <Timeline
          executions={executions}
          selected={current?.id ?? null}
          onSelect={id => {
            setSelected(id);
            setFeature(null);
          }}
        />
      </PageSection>
      {current && (
        <>
          <PageSection
            title={`Violations · ${new Date(current.window_end).toLocaleString()}`}
            testId="mls-monitor-violations-section"
          >
            <Violations
              execution={current}
              settings={settings}
              onFeature={name => setFeature(name)}
            />
          </PageSection>
          {!isRunning(current.status) && current.status !== 'Failed' && (
            <PageSection title="Charts" testId="mls-monitor-charts-section">
              <ExecutionCharts
                monitorId={monitor.id}
                executionId={current.id}
                feature={feature}
              />
            </PageSection>
          )}
        </>
      )}
      {monitor.kind === 'model-quality' && (
        <PageSection title="Ground truth" testId="mls-monitor-ground-truth">
          <GroundTruth monitor={monitor} settings={settings} onAdded={reload} />
        </PageSection>
      )}
      <PageSection title="Constraints" testId="mls-monitor-constraints-section">
        <ConstraintEditor monitorId={monitor.id} />
      </PageSection>
    </div>
  );
}

/** Oldest left, newest right; NoData hatched, violations amber, failures red. */
function Timeline(props: {
  executions: MonitorExecution[];
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  if (props.executions.length === 0) {
    return (
      <p data-testid="mls-monitor-timeline-empty">
        No executions yet: choose <strong>Run now</strong> or wait for the
        schedule.
      </p>
    );
  }
  return (
    <ol
      className="jp-MLStudio-monitorTimeline"
      data-testid="mls-monitor-timeline"
    >
      {[...props.executions].reverse().map(e => {
        const when = new Date(e.window_end).toLocaleString();
        return (
          <li key={e.id}>
            <button
              type="button"
              className={`jp-MLStudio-monitorExecution jp-mod-${e.status.toLowerCase()}${
                e.id === props.selected ? ' jp-mod-selected' : ''
              }`}
              data-testid="mls-monitor-execution"
              data-execution-id={e.id}
              data-status={e.status}
              aria-pressed={e.id === props.selected}
              title={`${when}: ${e.status}${e.violations ? `, ${e.violations} violations` : ''}${
                e.manual ? ' (run now)' : ''
              }${e.failure_reason ? ` — ${e.failure_reason}` : ''}`}
              onClick={() => props.onSelect(e.id)}
            >
              {e.violations > 0 ? e.violations : ''}
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function Violations(props: {
  execution: MonitorExecution;
  settings?: ServerConnection.ISettings;
  onFeature: (name: string) => void;
}): JSX.Element {
  const { execution } = props;
  const [items, setItems] = React.useState<MonitorViolation[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let cancelled = false;
    setItems(null);
    setError(null);
    if (execution.status !== 'CompletedWithViolations') {
      return;
    }
    listViolations(execution.id, props.settings)
      .then(v => !cancelled && setItems(v))
      .catch(reason => !cancelled && setError(errorMessage(reason)));
    return () => {
      cancelled = true;
    };
  }, [execution.id, execution.status]);

  if (execution.status !== 'CompletedWithViolations') {
    const text: Record<string, string> = {
      Pending: 'Waiting to run…',
      InProgress: 'Running…',
      Completed: 'No violations.',
      NoData: 'No captured rows in this window (NoData).',
      Failed: `Failed: ${execution.failure_reason ?? 'see the job log'}`
    };
    return (
      <p
        data-testid="mls-monitor-violations-none"
        data-status={execution.status}
      >
        {text[execution.status] ?? execution.status}
      </p>
    );
  }
  if (error) {
    return <p role="alert">{error}</p>;
  }
  if (items === null) {
    return <p>Loading the violations…</p>;
  }
  return (
    <ScrollTable
      testId="mls-monitor-violations"
      size="short"
      head={
        <>
          <th>Feature</th>
          <th>Check</th>
          <th>Description</th>
        </>
      }
    >
      {items.map((v, i) => {
        const name = v.feature_name ?? v.metric_name ?? '';
        return (
          <tr key={i} data-testid="mls-monitor-violation" data-feature={name}>
            <td>
              {v.feature_name ? (
                <button
                  type="button"
                  className="jp-MLStudio-link"
                  title="Show this feature's drift chart"
                  onClick={() => props.onFeature(v.feature_name ?? '')}
                >
                  {name}
                </button>
              ) : (
                name
              )}
            </td>
            <td>{v.constraint_check_type}</td>
            <td>{v.description}</td>
          </tr>
        );
      })}
    </ScrollTable>
  );
}

function GroundTruth(props: {
  monitor: Monitor;
  settings?: ServerConnection.ISettings;
  onAdded: () => void;
}): JSX.Element {
  const [message, setMessage] = React.useState<string | null>(null);
  const upload = async () => {
    const result = await InputDialog.getText({
      title: 'Add ground truth',
      label:
        'A CSV/Parquet file under the root with inference_id and the label',
      placeholder: 'labels/ground-truth.csv'
    });
    if (!result.button.accept || !result.value) {
      return;
    }
    try {
      const added = await addGroundTruth(
        props.monitor.id,
        result.value,
        props.settings
      );
      setMessage(`${added.rows} labels stored.`);
      props.onAdded();
    } catch (reason) {
      setMessage(errorMessage(reason));
    }
  };
  return (
    <div className="jp-MLStudio-monitorGroundTruth">
      <button
        type="button"
        className="jp-MLStudio-button"
        data-testid="mls-monitor-add-ground-truth"
        onClick={() => void upload()}
      >
        Add ground truth…
      </button>
      {message && (
        <span data-testid="mls-monitor-ground-truth-message">{message}</span>
      )}
    </div>
  );
}
