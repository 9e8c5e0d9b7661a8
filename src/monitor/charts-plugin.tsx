/**
 * TEMPORARY: a command that opens a monitor's constraint editor and, given an
 * execution, its charts in a main-area tab — the way to reach these
 * components until the monitor view (issue 17's Monitors panel) mounts them.
 * Remove it, with its line in src/index.ts, once that view exists.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  ReactWidget
} from '@jupyterlab/apputils';
import * as React from 'react';

import { requestAPI } from '../api/request';
import type { components } from '../api/schema';

import { ConstraintEditor } from './constraint-editor';
import { ExecutionCharts } from './execution-charts';
import { PageSection } from '../ui/components';

type MonitorList = components['schemas']['MonitorList'];
type ExecutionList = components['schemas']['ExecutionList'];

/**
 * Without args, the user picks a monitor's execution (or its constraints)
 * from a list of every monitor's newest executions.
 */
interface IPicked {
  monitorId: string;
  executionId: string | null;
  /** The tab's label: the monitor's name. */
  label: string;
}

async function pick(): Promise<IPicked | null> {
  const monitors = await requestAPI<MonitorList>('monitors');
  const choices = new Map<string, IPicked>();
  for (const monitor of monitors.items) {
    const executions = await requestAPI<ExecutionList>(
      `monitors/${encodeURIComponent(monitor.id)}/executions?max_items=20`
    );
    for (const execution of executions.items) {
      const when = new Date(execution.window_end).toLocaleString();
      choices.set(
        `${monitor.name} · ${when} · ${execution.status} · ${execution.id}`,
        {
          monitorId: monitor.id,
          executionId: execution.id,
          label: monitor.name
        }
      );
    }
    choices.set(`${monitor.name} · constraints`, {
      monitorId: monitor.id,
      executionId: null,
      label: monitor.name
    });
  }
  if (choices.size === 0) {
    return null;
  }
  const result = await InputDialog.getItem({
    title: 'Open monitor charts',
    label: 'Execution',
    items: [...choices.keys()]
  });
  return result.button.accept && result.value
    ? (choices.get(result.value) ?? null)
    : null;
}

/** Args: `monitorId` (id or name), optional `executionId`; none: pick one. */
export const OPEN_MONITOR_CHARTS = 'mlstudio:open-monitor-charts';

function MonitorChartsPage(props: {
  monitorId: string;
  executionId: string | null;
}): JSX.Element {
  return (
    <div className="jp-MLStudio-page" data-testid="mls-monitor-charts-page">
      {props.executionId !== null && (
        <PageSection title={`Execution ${props.executionId}`}>
          <ExecutionCharts
            monitorId={props.monitorId}
            executionId={props.executionId}
          />
        </PageSection>
      )}
      <PageSection title="Constraints" testId="mls-monitor-constraints-section">
        <ConstraintEditor monitorId={props.monitorId} />
      </PageSection>
    </div>
  );
}

export const monitorChartsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:monitor-charts',
  description:
    'ML Studio Model Monitor: execution charts and constraint editor (temporary command).',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null): void => {
    const open = (
      monitorId: string,
      executionId: string | null,
      label: string
    ) => {
      const content = ReactWidget.create(
        React.createElement(MonitorChartsPage, { monitorId, executionId })
      );
      content.addClass('jp-MLStudio-monitorChartsPanel');
      const widget = new MainAreaWidget({ content });
      widget.id = `mlstudio-monitor-charts-${monitorId}-${executionId ?? 'constraints'}`;
      widget.title.label = `Monitor ${label}`;
      widget.title.closable = true;
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    app.commands.addCommand(OPEN_MONITOR_CHARTS, {
      label: 'Open Monitor Execution Charts…',
      execute: async args => {
        const monitorId =
          typeof args.monitorId === 'string' ? args.monitorId : '';
        if (monitorId) {
          const executionId =
            typeof args.executionId === 'string' && args.executionId
              ? args.executionId
              : null;
          open(monitorId, executionId, monitorId);
          return;
        }
        const picked = await pick();
        if (picked) {
          open(picked.monitorId, picked.executionId, picked.label);
        }
      }
    });
    palette?.addItem({ command: OPEN_MONITOR_CHARTS, category: 'ML Studio' });
  }
};
