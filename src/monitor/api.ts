/**
 * The monitors REST calls the Monitors panel, the monitor view, the
 * endpoint's Monitor section and the create form make.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api/request';
import type { components } from '../api/schema';

type Schemas = components['schemas'];
export type Monitor = Schemas['Monitor'];
export type MonitorCreate = Schemas['MonitorCreate'];
export type MonitorExecution = Schemas['Execution'];
export type MonitorViolation = Schemas['Violation'];
export type MonitorAlert = Schemas['MonitorAlert'];
export type ExecutionStatus = MonitorExecution['status'];

/** A monitor with its newest execution (the panel's and section's rows). */
export interface IMonitorSummary {
  monitor: Monitor;
  last: MonitorExecution | null;
}

const enc = encodeURIComponent;

export async function listMonitors(
  endpoint: string | null,
  settings?: ServerConnection.ISettings
): Promise<IMonitorSummary[]> {
  const query = endpoint ? `?endpoint=${enc(endpoint)}` : '';
  const list = await requestAPI<Schemas['MonitorList']>(
    `monitors${query}`,
    {},
    settings
  );
  return Promise.all(
    list.items.map(async monitor => {
      const page = await listExecutions(monitor.id, 1, settings);
      return { monitor, last: page[0] ?? null };
    })
  );
}

export async function getMonitor(
  id: string,
  settings?: ServerConnection.ISettings
): Promise<Monitor> {
  return requestAPI<Monitor>(`monitors/${enc(id)}`, {}, settings);
}

export async function listExecutions(
  id: string,
  maxItems: number,
  settings?: ServerConnection.ISettings
): Promise<MonitorExecution[]> {
  const page = await requestAPI<Schemas['ExecutionList']>(
    `monitors/${enc(id)}/executions?max_items=${maxItems}`,
    {},
    settings
  );
  return page.items;
}

export async function listViolations(
  executionId: string,
  settings?: ServerConnection.ISettings
): Promise<MonitorViolation[]> {
  const list = await requestAPI<Schemas['ViolationList']>(
    `monitor-executions/${enc(executionId)}/violations`,
    {},
    settings
  );
  return list.items;
}

/** Stop, start or run now; delete. */
export async function monitorAction(
  id: string,
  action: 'stop' | 'start' | 'run' | 'delete',
  settings?: ServerConnection.ISettings
): Promise<void> {
  if (action === 'delete') {
    await requestAPI<void>(
      `monitors/${enc(id)}`,
      { method: 'DELETE' },
      settings
    );
    return;
  }
  await requestAPI<unknown>(
    `monitors/${enc(id)}/${action}`,
    { method: 'POST', body: '{}' },
    settings
  );
}

export async function createMonitor(
  body: MonitorCreate,
  settings?: ServerConnection.ISettings
): Promise<Monitor> {
  return requestAPI<Monitor>(
    'monitors',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

export async function addGroundTruth(
  id: string,
  path: string,
  settings?: ServerConnection.ISettings
): Promise<Schemas['GroundTruthAdded']> {
  return requestAPI<Schemas['GroundTruthAdded']>(
    `monitors/${enc(id)}/ground-truth`,
    { method: 'POST', body: JSON.stringify({ path }) },
    settings
  );
}

/** Alerts after `afterId` (oldest first). */
export async function listAlerts(
  afterId: number,
  settings?: ServerConnection.ISettings
): Promise<MonitorAlert[]> {
  const list = await requestAPI<Schemas['MonitorAlertList']>(
    `monitor-alerts?after_id=${afterId}`,
    {},
    settings
  );
  return list.items;
}

/** Whether an execution may still change. */
export function isRunning(status: ExecutionStatus): boolean {
  return status === 'Pending' || status === 'InProgress';
}
