/**
 * CompareModel: the runs being compared, their metric histories and the
 * chart choices (which metrics, which axes). Runs that log something while
 * the view is open are re-fetched (throttled), so curves grow live.
 */
import type { Event } from '@jupyterlab/services';
import { Throttler } from '@lumino/polling';

import { getMetricHistories, searchAllRuns } from '../../api/runs';
import type { MetricHistory, Run } from '../../api/types';
import { traceColor } from '../../charts/plotly';
import { LIVE_UPDATE_INTERVAL, runChange } from '../runs/events';
import { LiveModel } from '../../ui/live-model';

/** What the x axis of metric curves shows. */
export type CurveAxis = 'step' | 'relative' | 'time';

/** Metric charts shown by default. */
const DEFAULT_CHARTS = 6;
/** Ids per `run_id IN (…)` filter, well inside the filter length limit. */
const IDS_PER_QUERY = 150;
/** Total points the curves may hold; split between the runs. */
const POINT_BUDGET = 40_000;

export namespace CompareModel {
  export interface IOptions extends LiveModel.IOptions {
    experimentId: string;
    runIds: ReadonlyArray<string>;
  }
}

export class CompareModel extends LiveModel {
  constructor(options: CompareModel.IOptions) {
    super(options);
    this.experimentId = options.experimentId;
    this.runIds = [...new Set(options.runIds)];
    this._updater = new Throttler(() => this._applyUpdates(), {
      limit: LIVE_UPDATE_INTERVAL,
      edge: 'trailing'
    });
  }

  readonly experimentId: string;
  readonly runIds: ReadonlyArray<string>;

  /** Increases whenever runs or histories change (for memoizing figures). */
  get version(): number {
    return this._version;
  }

  /** The compared runs, in the order they were given. */
  get runs(): ReadonlyArray<Run> {
    return this._runs;
  }

  get isLoading(): boolean {
    return this._isLoading;
  }

  /** Every metric name any compared run has. */
  get metricKeys(): ReadonlyArray<string> {
    return unionKeys(this._runs, run => run.metrics);
  }

  /** Every param name any compared run has. */
  get paramKeys(): ReadonlyArray<string> {
    return unionKeys(this._runs, run => run.params);
  }

  get tagKeys(): ReadonlyArray<string> {
    return unionKeys(this._runs, run => run.tags).filter(
      key => !key.startsWith('mlstudio.')
    );
  }

  /** The metrics that get a curve chart. */
  get chartedMetrics(): ReadonlyArray<string> {
    return this._charted ?? this.metricKeys.slice(0, DEFAULT_CHARTS);
  }

  get curveAxis(): CurveAxis {
    return this._curveAxis;
  }

  set curveAxis(value: CurveAxis) {
    if (value !== this._curveAxis) {
      this._curveAxis = value;
      this._version++;
      this.emit();
    }
  }

  /** Whether the histories of a metric have been loaded. */
  hasHistories(key: string): boolean {
    return this._histories.has(key);
  }

  /** The history of one run's metric, if loaded. */
  history(runId: string, key: string): MetricHistory | undefined {
    return this._histories.get(key)?.get(runId);
  }

  /** The colour of a run in every chart. */
  colorOf(runId: string): string {
    const index = this.runIds.indexOf(runId);
    return traceColor(index < 0 ? 0 : index);
  }

  /** Load the runs, then the histories of the charted metrics. */
  async start(): Promise<void> {
    this._isLoading = true;
    this.emit();
    try {
      this._runs = await this._fetchRuns(this.runIds);
      this._version++;
      this.emit();
      await this._fetchHistories(
        this._runs.map(r => r.id),
        this.chartedMetrics
      );
      this.setError(null);
    } catch (reason) {
      this.setError(reason);
    }
    this._isLoading = false;
    this._version++;
    this.emit();
  }

  /** Show curves for these metrics; fetches histories not loaded yet. */
  async setChartedMetrics(keys: ReadonlyArray<string>): Promise<void> {
    this._charted = [...keys];
    this._version++;
    this.emit();
    const missing = keys.filter(key => !this._histories.has(key));
    if (missing.length === 0) {
      return;
    }
    this._isLoading = true;
    this.emit();
    try {
      await this._fetchHistories(
        this._runs.map(r => r.id),
        missing
      );
    } catch (reason) {
      this.setError(reason);
    }
    this._isLoading = false;
    this._version++;
    this.emit();
  }

  dispose(): void {
    this._updater.dispose();
    super.dispose();
  }

  private async _fetchRuns(ids: ReadonlyArray<string>): Promise<Run[]> {
    const found = new Map<string, Run>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + IDS_PER_QUERY);
      const quoted = chunk.map(id => `'${id.replace(/'/g, "''")}'`);
      const runs = await searchAllRuns(
        this.experimentId,
        { filter: `run_id IN (${quoted.join(', ')})`, lifecycle: 'all' },
        this.serverSettings
      );
      for (const run of runs) {
        found.set(run.id, run);
      }
    }
    return ids
      .map(id => found.get(id))
      .filter((run): run is Run => run !== undefined);
  }

  private async _fetchHistories(
    runIds: ReadonlyArray<string>,
    keys: ReadonlyArray<string>
  ): Promise<void> {
    if (runIds.length === 0 || keys.length === 0) {
      return;
    }
    const maxPoints = Math.max(
      50,
      Math.min(1000, Math.floor(POINT_BUDGET / this.runIds.length))
    );
    const list = await getMetricHistories(
      runIds,
      keys,
      maxPoints,
      this.serverSettings
    );
    for (const key of keys) {
      if (!this._histories.has(key)) {
        this._histories.set(key, new Map());
      }
    }
    for (const item of list.items) {
      let byRun = this._histories.get(item.key);
      if (!byRun) {
        byRun = new Map();
        this._histories.set(item.key, byRun);
      }
      byRun.set(item.run_id, item);
    }
  }

  protected onEvent(emission: Event.Emission): void {
    const change = runChange(emission);
    if (
      change &&
      change.action !== 'created' &&
      this.runIds.includes(change.id)
    ) {
      this._pending.add(change.id);
      void this._updater.invoke().catch(() => undefined);
    }
  }

  /** Re-fetch the runs that logged something, and their histories. */
  private async _applyUpdates(): Promise<void> {
    const ids = [...this._pending];
    this._pending.clear();
    if (ids.length === 0 || this.isDisposed) {
      return;
    }
    try {
      const updated = await this._fetchRuns(ids);
      const byId = new Map(updated.map(run => [run.id, run]));
      this._runs = this._runs.map(run => byId.get(run.id) ?? run);
      await this._fetchHistories(ids, [
        ...new Set([...this.chartedMetrics, ...this._histories.keys()])
      ]);
    } catch (reason) {
      this.setError(reason);
    }
    if (!this.isDisposed) {
      this._version++;
      this.emit();
    }
  }

  private _charted: string[] | null = null;
  private _curveAxis: CurveAxis = 'step';
  private _histories = new Map<string, Map<string, MetricHistory>>();
  private _isLoading = false;
  private _pending = new Set<string>();
  private _runs: Run[] = [];
  private _updater: Throttler<void>;
  private _version = 0;
}

function unionKeys(
  runs: ReadonlyArray<Run>,
  pick: (run: Run) => Record<string, unknown>
): string[] {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const key of Object.keys(pick(run))) {
      keys.add(key);
    }
  }
  return [...keys].sort((a, b) => a.localeCompare(b));
}
