/**
 * The live-update bookkeeping of the runs table: which run events it still
 * has to act on between two throttled updates, and which runs it has learnt
 * to ignore (runs of other experiments, runs the filter hides). Pure state,
 * no requests: `RunsTableModel` fetches, this decides.
 */
import type { ExperimentKeys, Run } from '../../api/types';
import type { IRunChange } from './events';

/** Above this many updated runs at once, reload instead of fetching each. */
export const MAX_SINGLE_UPDATES = 20;
/** Unknown runs looked up per live update (the rest wait for the next). */
export const MAX_LOOKUPS = 50;

/** What one throttled update has to do. */
export interface IRunUpdates {
  /** Runs in the table that changed: re-fetch each. */
  readonly updated: ReadonlyArray<string>;
  /** Runs not in the table: look up whether they belong to it. */
  readonly unknown: ReadonlyArray<string>;
  /** Reload the whole table (runs went, or too many changed). */
  readonly reload: boolean;
  /** Unknown runs are left for the next update. */
  readonly more: boolean;
}

export class RunChangeQueue {
  /**
   * Note a run event. `inTable` says whether the run is among the table's
   * rows. Returns whether an update has to be scheduled.
   */
  add(change: IRunChange, inTable: boolean): boolean {
    const { id, action } = change;
    if (this._foreign.has(id) || this._filteredOut.has(id)) {
      return false;
    }
    if (inTable) {
      if (action === 'deleted') {
        this._reload = true;
      } else {
        this._updated.add(id);
      }
      return true;
    }
    if (action === 'deleted') {
      return false;
    }
    // A new run (SDK writes announce new runs as "updated" too), maybe of
    // another experiment: looked up when the update runs.
    this._unknown.add(id);
    return true;
  }

  /** Ask the next update to reload the table. */
  requestReload(): void {
    this._reload = true;
  }

  /** Take what the next update has to do (and forget it here). */
  take(): IRunUpdates {
    const updated = [...this._updated];
    const waiting = [...this._unknown];
    this._updated.clear();
    this._unknown = new Set(waiting.slice(MAX_LOOKUPS));
    const reload = this._reload || updated.length > MAX_SINGLE_UPDATES;
    this._reload = false;
    return {
      updated,
      unknown: waiting.slice(0, MAX_LOOKUPS),
      reload,
      more: this._unknown.size > 0
    };
  }

  /**
   * A looked-up unknown run: one of another experiment is ignored from now
   * on; an active one of this experiment is expected in the table. Returns
   * whether the table has to reload for it.
   */
  classify(run: Run, experimentId: string): boolean {
    if (run.experiment_id !== experimentId) {
      this._foreign.add(run.id);
      return false;
    }
    if (run.lifecycle !== 'active') {
      return false;
    }
    this._expected.add(run.id);
    return true;
  }

  /**
   * After a complete load: expected runs that are not in the table do not
   * match the filter; stop looking them up.
   */
  settle(inTable: (id: string) => boolean): void {
    for (const id of this._expected) {
      if (!inTable(id)) {
        this._filteredOut.add(id);
      }
    }
    this._expected.clear();
  }

  /** A new filter may show the runs the old one hid. */
  filterChanged(): void {
    this._filteredOut.clear();
  }

  private _updated = new Set<string>();
  private _unknown = new Set<string>();
  private _expected = new Set<string>();
  private _filteredOut = new Set<string>();
  private _foreign = new Set<string>();
  private _reload = false;
}

/**
 * Whether a run names a metric, param or tag the experiment's keys lack (its
 * columns must appear without a manual Refresh).
 */
export function hasNewKeys(keys: ExperimentKeys | null, run: Run): boolean {
  if (!keys) {
    return false;
  }
  const has = (list: string[], names: string[]) =>
    names.every(name => list.includes(name));
  return !(
    has(keys.metrics, Object.keys(run.metrics)) &&
    has(keys.params, Object.keys(run.params)) &&
    has(keys.tags, Object.keys(run.tags))
  );
}
