/**
 * Typed client for what the monitor charts and the constraint editor read
 * and write: a monitor's history (drift per feature or model quality across
 * its executions), one execution's report (the histograms) and the
 * baseline's constraints. A monitor is addressed by its id or its name.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI, withQuery } from './request';
import type { components } from './schema';

type Schemas = components['schemas'];

export type MonitorHistory = Schemas['MonitorHistory'];
export type FeatureDriftHistory = Schemas['FeatureHistory'];
export type DriftPoint = Schemas['DriftPoint'];
export type QualityPoint = Schemas['QualityPoint'];
export type HistoryExecution = Schemas['HistoryExecution'];
export type MonitorExecutionReport = Schemas['ExecutionReport'];
export type MonitorConstraints = Schemas['MonitorConstraints'];
export type FeatureConstraint = Schemas['FeatureConstraint'];
export type InferredType = FeatureConstraint['inferred_type'];
export type DriftMethod = NonNullable<FeatureConstraint['comparison_method']>;

/** The drift tests a feature can be given, p-value tests first. */
export const DRIFT_METHODS: ReadonlyArray<DriftMethod> = [
  'ks',
  'chisquare',
  'wasserstein',
  'jensenshannon',
  'psi'
];

/** Whether a method's threshold is a p-value (drift when below it). */
export function isPValueMethod(method: string): boolean {
  return method === 'ks' || method === 'chisquare';
}

const monitorPath = (monitor: string, ...rest: string[]): string =>
  ['monitors', encodeURIComponent(monitor), ...rest].join('/');

/** Drift or quality across the monitor's newest `maxItems` executions. */
export function getMonitorHistory(
  monitor: string,
  options: { maxItems?: number; signal?: AbortSignal } = {},
  settings?: ServerConnection.ISettings
): Promise<MonitorHistory> {
  return requestAPI<MonitorHistory>(
    withQuery(monitorPath(monitor, 'history'), {
      max_items: options.maxItems
    }),
    { signal: options.signal },
    settings
  );
}

/** One execution's report.json (histograms, quality), null until written. */
export function getExecutionReport(
  executionId: string,
  options: { signal?: AbortSignal } = {},
  settings?: ServerConnection.ISettings
): Promise<MonitorExecutionReport> {
  return requestAPI<MonitorExecutionReport>(
    `monitor-executions/${encodeURIComponent(executionId)}/report`,
    { signal: options.signal },
    settings
  );
}

/** The baseline constraints of a data-quality monitor. */
export function getMonitorConstraints(
  monitor: string,
  options: { signal?: AbortSignal } = {},
  settings?: ServerConnection.ISettings
): Promise<MonitorConstraints> {
  return requestAPI<MonitorConstraints>(
    monitorPath(monitor, 'constraints'),
    { signal: options.signal },
    settings
  );
}

/**
 * Save edits of some features, made on `version`: a new version the next
 * execution uses (400 with every bad value named, 409 when stale).
 */
export function editMonitorConstraints(
  monitor: string,
  version: number,
  features: ReadonlyArray<FeatureConstraint>,
  settings?: ServerConnection.ISettings
): Promise<MonitorConstraints> {
  return requestAPI<MonitorConstraints>(
    monitorPath(monitor, 'constraints'),
    { method: 'PUT', body: JSON.stringify({ version, features }) },
    settings
  );
}

/** Save the suggested constraints as a new version. */
export function resetMonitorConstraints(
  monitor: string,
  version: number,
  settings?: ServerConnection.ISettings
): Promise<MonitorConstraints> {
  return requestAPI<MonitorConstraints>(
    monitorPath(monitor, 'constraints', 'reset'),
    { method: 'POST', body: JSON.stringify({ version }) },
    settings
  );
}
