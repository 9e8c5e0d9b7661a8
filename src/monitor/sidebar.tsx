/**
 * The Monitors left sidebar: every monitor with its endpoint, kind,
 * schedule, status, last execution and its violations; a click opens the
 * monitor view. Alerts (server events) and a slow poll keep it live.
 */
import type { CommandRegistry } from '@lumino/commands';
import { LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IMonitorSummary, isRunning, listMonitors } from './api';
import { RelativeTime, StatusBadge } from '../ui/components';
import { ResourceListModel } from '../ui/list-model';
import {
  EmptyList,
  ItemLine,
  ListItem,
  ListSidebar,
  SidebarShell
} from '../ui/sidebar-shell';
import { CommandIDs, MONITORS_SIDEBAR_ID } from '../command-ids';

/** A pulse line: the Model Monitor. */
export const monitorIcon = new LabIcon({
  name: 'jupyter-mlstudio:monitor',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 4h18a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v12h16V6H4zm1 7h3l2-4 3 7 2-4h3v2h-2l-3 5-3-7-1 3H5v-2z"/>
</svg>`
});

/** The `resource` of the server's alert events. */
export const MONITOR_ALERTS_RESOURCE = 'monitor-alerts';

export class MonitorsModel extends ResourceListModel<IMonitorSummary> {
  constructor(options: ResourceListModel.IOptions = {}) {
    super(options, {
      resource: MONITOR_ALERTS_RESOURCE,
      updateInterval: 1000,
      poll: {
        name: 'jupyter-mlstudio:monitors',
        frequency: { interval: 10000, backoff: true },
        auto: true
      }
    });
  }

  protected async fetchPage(): Promise<
    ResourceListModel.IPage<IMonitorSummary>
  > {
    const items = await listMonitors(null, this.serverSettings);
    return { items, hasMore: false };
  }
}

export class MonitorsSidebar extends ListSidebar<MonitorsModel> {
  constructor(model: MonitorsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: MONITORS_SIDEBAR_ID,
      className: 'jp-MLStudio-monitorsSidebar',
      icon: monitorIcon,
      caption: 'Monitors'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const items = model.items;
    return (
      <SidebarShell
        {...this.head}
        create={{
          testId: 'mls-new-monitor',
          label: 'New monitor',
          title: "Check an endpoint's captured traffic on a schedule",
          onClick: () => void commands.execute(CommandIDs.newMonitor)
        }}
        refreshTestId="mls-refresh-monitors"
        loading={{ what: 'monitors', testId: 'mls-monitors-loading' }}
        serverMissing={{
          feature: 'Model Monitor',
          testId: 'mls-monitors-server-missing'
        }}
        empty={
          items.length === 0 ? (
            <EmptyList
              testId="mls-monitors-empty"
              filtered={false}
              filteredMessage=""
            >
              No monitors yet. Create one with <strong>New monitor</strong> or
              from an endpoint's Monitor section.
            </EmptyList>
          ) : null
        }
      >
        <ul className="jp-MLStudio-list" aria-label="Monitors">
          {items.map(item => (
            <li key={item.monitor.id}>
              <MonitorItem
                item={item}
                onOpen={() =>
                  void commands.execute(CommandIDs.openMonitor, {
                    id: item.monitor.id
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

/** The last execution's status badge (or "no runs"). */
export function LastExecution(props: { item: IMonitorSummary }): JSX.Element {
  const { last } = props.item;
  if (!last) {
    return (
      <span
        className="jp-MLStudio-monitorNoRuns"
        data-testid="mls-monitor-last"
      >
        no executions
      </span>
    );
  }
  return (
    <StatusBadge
      className="jp-MLStudio-monitorExecStatus"
      status={last.status}
      testId="mls-monitor-last"
      label={
        last.violations > 0 ? `${last.violations} violations` : last.status
      }
      title={`Last execution: ${last.status}`}
      mod={isRunning(last.status) ? 'inprogress' : undefined}
    />
  );
}

function MonitorItem(props: {
  item: IMonitorSummary;
  onOpen: () => void;
}): JSX.Element {
  const { monitor, last } = props.item;
  return (
    <ListItem
      testId="mls-monitor-item"
      data={{ 'data-monitor-id': monitor.id, 'data-status': monitor.status }}
      title={`${monitor.name} (${monitor.kind}, ${monitor.status})`}
      onOpen={props.onOpen}
    >
      <ItemLine>
        <span className="jp-MLStudio-itemName">{monitor.name}</span>
        <LastExecution item={props.item} />
      </ItemLine>
      <ItemLine meta>
        <span>{monitor.endpoint ?? monitor.data_path}</span>
        <span>{monitor.kind}</span>
        <span title="Schedule">
          {monitor.status === 'Stopped'
            ? 'stopped'
            : (monitor.schedule ?? 'run now only')}
        </span>
        {last && <RelativeTime iso={last.window_end} />}
      </ItemLine>
    </ListItem>
  );
}
