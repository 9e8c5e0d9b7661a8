/**
 * RunsTableModel: the state of one experiment's runs table and the only code
 * that changes it.
 *
 * Runs are filtered and sorted by the server. The first small page is shown
 * at once (that is when the table becomes interactive); the remaining pages
 * load in the background in 1,000-run pages, so scrolling, selecting and
 * comparing work over every run. Run events from the server keep the rows
 * live: updated runs are re-fetched, created or deleted runs reload the
 * table, both throttled.
 */
import type { Event } from '@jupyterlab/services';
import { Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { getExperiment } from '../../api/experiments';
import { MLStudioAPIError } from '../../api/request';
import { getExperimentKeys, getRun, searchRuns } from '../../api/runs';
import type { ExperimentKeys, Run, RunList } from '../../api/types';
import { LiveModel } from '../../ui/live-model';
import {
  ATTRIBUTE_COLUMNS,
  availableKeyColumns,
  defaultKeyColumns,
  IRunColumn
} from './columns';
import { LIVE_UPDATE_INTERVAL, runChange } from './events';
import { hasNewKeys, MAX_SINGLE_UPDATES, RunChangeQueue } from './live';

/** Runs in the first page: small, so the table shows up fast. */
export const FIRST_PAGE_SIZE = 200;
/** Runs in each background page (the server's maximum). */
export const PAGE_SIZE = 1000;

/** How a click changes the selection. */
export type SelectMode = 'replace' | 'toggle' | 'range';

/** The current sort: a column and a direction. */
export interface IRunSort {
  readonly columnId: string;
  readonly descending: boolean;
}

export namespace RunsTableModel {
  export interface IOptions extends LiveModel.IOptions {
    experimentId: string;
  }

  /** Rows that changed: a range, or `null` when the row count may differ. */
  export type RowsChange = { readonly first: number; readonly last: number };
}

export class RunsTableModel extends LiveModel {
  constructor(options: RunsTableModel.IOptions) {
    super(options);
    this.experimentId = options.experimentId;
    this._updater = new Throttler(() => this._applyUpdates(), {
      limit: LIVE_UPDATE_INTERVAL,
      edge: 'trailing'
    });
  }

  readonly experimentId: string;

  /** Row contents changed; `null` means the row count may have changed too. */
  get rowsChanged(): Signal<this, RunsTableModel.RowsChange | null> {
    return this._rowsChanged;
  }

  /** The set of columns changed. */
  get columnsChanged(): Signal<this, void> {
    return this._columnsChanged;
  }

  get experimentName(): string | null {
    return this._experimentName;
  }

  /** Follow a rename made elsewhere (the sidebar). */
  set experimentName(name: string | null) {
    if (name !== this._experimentName) {
      this._experimentName = name;
      this.emit();
    }
  }

  get isLoading(): boolean {
    return this._isLoading;
  }

  /** Whether the first page has been shown. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** The applied filter. */
  get filter(): string {
    return this._filter;
  }

  /** Why the last filter was refused, in the server's words. */
  get filterError(): string | null {
    return this._filterError;
  }

  get sort(): IRunSort | null {
    return this._sort;
  }

  /** All columns in display order: the attributes, then the chosen keys. */
  get columns(): ReadonlyArray<IRunColumn> {
    return this._columns;
  }

  /** The metric, param and tag names the experiment's runs use. */
  get keys(): ExperimentKeys | null {
    return this._keys;
  }

  /** Every key column the column picker offers. */
  get availableColumns(): ReadonlyArray<IRunColumn> {
    return this._keys ? availableKeyColumns(this._keys) : [];
  }

  /** How many runs match (over all pages). */
  get total(): number {
    return this._rows.length;
  }

  /** How many of them have been fetched. */
  get loadedCount(): number {
    return this._loadedCount;
  }

  /** The run in a row, or `undefined` while its page is loading. */
  runAt(index: number): Run | undefined {
    return this._rows[index];
  }

  /** The row of a run among the fetched ones, or -1. */
  indexOf(id: string): number {
    return this._index.get(id) ?? -1;
  }

  get selectedIds(): ReadonlySet<string> {
    return this._selected;
  }

  isSelected(id: string): boolean {
    return this._selected.has(id);
  }

  /** The selected runs, in table order. */
  selectedRuns(): Run[] {
    return this._rows.filter(
      (run): run is Run => run !== undefined && this._selected.has(run.id)
    );
  }

  /** Load the experiment, its keys and the first page of runs. */
  async start(): Promise<void> {
    const experiment = getExperiment(this.experimentId, this.serverSettings)
      .then(value => {
        this._experimentName = value.name;
        this.emit();
      })
      .catch(reason => this._recordError(reason));
    await Promise.all([this._loadKeys(), this._reload(false), experiment]);
  }

  /** Reload the runs and keys, keeping the rows on screen meanwhile. */
  async refresh(): Promise<void> {
    await Promise.all([this._loadKeys(), this._reload(true)]);
  }

  /**
   * Apply a filter. Resolves `false` and sets `filterError` when the server
   * refuses it; the previous rows stay.
   */
  async applyFilter(text: string): Promise<boolean> {
    return this._reload(false, text.trim());
  }

  /** Sort by a column; clicking the sorted column again reverses it. */
  sortBy(columnId: string): void {
    const column = this._columns.find(c => c.id === columnId);
    if (!column || column.sortKey === null) {
      return;
    }
    const descending =
      this._sort?.columnId === columnId ? !this._sort.descending : false;
    this._sort = { columnId, descending };
    this.emit();
    this._columnsChanged.emit();
    void this._reload(true);
  }

  /** Show these key columns (ids such as `metrics.auc`), in this order. */
  setKeyColumns(ids: ReadonlyArray<string>): void {
    const available = new Map(this.availableColumns.map(c => [c.id, c]));
    const known = new Map(this._keyColumns.map(c => [c.id, c]));
    this._chosen = ids
      .map(id => available.get(id) ?? known.get(id))
      .filter((c): c is IRunColumn => c !== undefined);
    this._updateColumns();
  }

  /** The chosen key columns, in display order. */
  get keyColumns(): ReadonlyArray<IRunColumn> {
    return this._keyColumns;
  }

  /** Whether the user chose the columns (else they follow the keys). */
  get columnsChosen(): boolean {
    return this._chosen !== null;
  }

  /** Go back to the default columns. */
  resetKeyColumns(): void {
    this._chosen = null;
    this._updateColumns();
  }

  /** Change the selection for a click on a row. */
  select(index: number, mode: SelectMode): void {
    const run = this._rows[index];
    if (!run) {
      return;
    }
    if (mode === 'range' && this._anchor >= 0) {
      const [from, to] =
        this._anchor <= index ? [this._anchor, index] : [index, this._anchor];
      this._selected = new Set();
      for (let i = from; i <= to; i++) {
        const id = this._rows[i]?.id;
        if (id) {
          this._selected.add(id);
        }
      }
    } else if (mode === 'toggle') {
      this._selected = new Set(this._selected);
      if (!this._selected.delete(run.id)) {
        this._selected.add(run.id);
      }
      this._anchor = index;
    } else {
      this._selected = new Set([run.id]);
      this._anchor = index;
    }
    this._selectionChanged();
  }

  /** Select every fetched run. */
  selectAll(): void {
    this._selected = new Set(
      this._rows.filter((r): r is Run => r !== undefined).map(r => r.id)
    );
    this._selectionChanged();
  }

  clearSelection(): void {
    if (this._selected.size > 0) {
      this._selected = new Set();
      this._anchor = -1;
      this._selectionChanged();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._generation++;
    this._abort?.abort();
    this._updater.dispose();
    super.dispose();
  }

  // -- loading -------------------------------------------------------------------
  /**
   * Fetch the first page with the current sort and `filter`, then the rest
   * in the background. A soft reload keeps the old rows beyond the first
   * page on screen until their pages arrive. Resolves whether the first
   * page loaded; a newer reload supersedes an older one.
   */
  private async _reload(
    soft: boolean,
    filter = this._filter
  ): Promise<boolean> {
    if (this.isDisposed) {
      return false;
    }
    const generation = ++this._generation;
    this._abort?.abort();
    const abort = new AbortController();
    this._abort = abort;
    this._isLoading = true;
    this.emit();

    let first: RunList;
    try {
      first = await searchRuns(
        this.experimentId,
        {
          filter,
          orderBy: this._orderBy(),
          maxItems: FIRST_PAGE_SIZE,
          signal: abort.signal
        },
        this.serverSettings
      );
    } catch (reason) {
      if (generation === this._generation) {
        this._isLoading = false;
        if (
          reason instanceof MLStudioAPIError &&
          reason.status === 400 &&
          filter !== ''
        ) {
          this._filterError = reason.message;
        } else {
          this._recordError(reason);
        }
        this.emit();
      }
      return false;
    }
    if (generation !== this._generation) {
      return false;
    }

    if (filter !== this._filter) {
      this._queue.filterChanged();
    }
    this._filter = filter;
    this._filterError = null;
    this.setError(null);
    const old = this._rows;
    const rows: Array<Run | undefined> = new Array(first.total);
    const keep = soft ? Math.min(old.length, rows.length) : 0;
    for (let i = first.items.length; i < keep; i++) {
      rows[i] = old[i];
    }
    first.items.forEach((run, i) => (rows[i] = run));
    this._rows = rows;
    this._loadedCount = first.items.length;
    this._reindex();
    this._dropMissingFromSelection();
    this._loaded = true;
    this._rowsChanged.emit(null);
    this.emit();

    this._rest = this._loadRest(
      generation,
      first.next_token ?? null,
      first.items.length,
      abort.signal
    );
    return true;
  }

  /** Fetch the pages after the first, one after the other. */
  private async _loadRest(
    generation: number,
    token: string | null,
    offset: number,
    signal: AbortSignal
  ): Promise<void> {
    try {
      while (token && generation === this._generation) {
        const page = await searchRuns(
          this.experimentId,
          {
            filter: this._filter,
            orderBy: this._orderBy(),
            maxItems: PAGE_SIZE,
            nextToken: token,
            signal
          },
          this.serverSettings
        );
        if (generation !== this._generation) {
          return;
        }
        const count = this._rows.length;
        page.items.forEach((run, i) => {
          this._rows[offset + i] = run;
        });
        const end = offset + page.items.length;
        this._loadedCount = end;
        token = page.next_token ?? null;
        this._reindex();
        this._rowsChanged.emit(
          this._rows.length === count ? { first: offset, last: end - 1 } : null
        );
        offset = end;
      }
      if (generation === this._generation && offset < this._rows.length) {
        // Fewer runs than the first page announced (some were deleted).
        this._rows.length = offset;
        this._reindex();
        this._rowsChanged.emit(null);
      }
    } catch (reason) {
      if (generation === this._generation) {
        this._recordError(reason);
      }
    }
    if (generation === this._generation) {
      this._isLoading = false;
      this._dropMissingFromSelection();
      if (this._loadedCount >= this._rows.length) {
        this._queue.settle(id => this._index.has(id));
      }
      this.emit();
    }
  }

  private async _loadKeys(): Promise<void> {
    try {
      this._keys = await getExperimentKeys(
        this.experimentId,
        this.serverSettings
      );
    } catch (reason) {
      this._recordError(reason);
      return;
    }
    this._updateColumns();
  }

  private _orderBy(): string[] {
    const column = this._sort
      ? this._columns.find(c => c.id === this._sort?.columnId)
      : undefined;
    if (!this._sort || !column?.sortKey) {
      return [];
    }
    return [`${column.sortKey} ${this._sort.descending ? 'DESC' : 'ASC'}`];
  }

  private _updateColumns(): void {
    const keyColumns =
      this._chosen ?? (this._keys ? defaultKeyColumns(this._keys) : []);
    const ids = (columns: ReadonlyArray<IRunColumn>) =>
      columns.map(c => c.id).join('\n');
    if (ids(keyColumns) === ids(this._keyColumns)) {
      this.emit();
      return;
    }
    this._keyColumns = keyColumns;
    this._columns = [...ATTRIBUTE_COLUMNS, ...keyColumns];
    this._columnsChanged.emit();
    this.emit();
  }

  private _reindex(): void {
    const index = new Map<string, number>();
    this._rows.forEach((run, i) => {
      if (run) {
        index.set(run.id, i);
      }
    });
    this._index = index;
  }

  private _dropMissingFromSelection(): void {
    if (this._isLoading || this._selected.size === 0) {
      return;
    }
    const kept = [...this._selected].filter(id => this._index.has(id));
    if (kept.length !== this._selected.size) {
      this._selected = new Set(kept);
      this._anchor = -1;
    }
  }

  private _selectionChanged(): void {
    this._rowsChanged.emit({ first: 0, last: this._rows.length - 1 });
    this.emit();
  }

  private _recordError(reason: unknown): void {
    if (reason instanceof DOMException && reason.name === 'AbortError') {
      return;
    }
    this.setError(reason);
    this.emit();
  }

  // -- live updates --------------------------------------------------------------
  protected onEvent(emission: Event.Emission): void {
    const change = runChange(emission);
    if (!change || !this._loaded || this.isDisposed) {
      return;
    }
    if (this._queue.add(change, this._index.has(change.id))) {
      void this._updater.invoke().catch(() => undefined);
    }
  }

  /**
   * Apply the run events of the last interval: re-fetch updated runs, and
   * reload when runs of this experiment appeared or went. Many events at
   * once (a tuning job, a bulk import) become one reload.
   */
  private async _applyUpdates(): Promise<void> {
    const {
      updated: ids,
      unknown,
      reload: mustReload,
      more
    } = this._queue.take();
    if (more) {
      void this._updater.invoke().catch(() => undefined);
    }
    let reload = mustReload;
    if (this.isDisposed) {
      return;
    }
    // New runs may bring params and metrics no run had: their columns must
    // appear without a manual Refresh.
    let newKeys = false;
    if (unknown.length > 0) {
      const runs = await Promise.all(
        unknown.map(id => getRun(id, this.serverSettings).catch(() => null))
      );
      for (const run of runs) {
        if (run && this._queue.classify(run, this.experimentId)) {
          reload = true;
          newKeys = newKeys || hasNewKeys(this._keys, run);
        }
      }
    }
    if (reload) {
      await Promise.all([
        this._liveReload(),
        newKeys || ids.length > MAX_SINGLE_UPDATES
          ? this._loadKeys()
          : Promise.resolve()
      ]);
      return;
    }
    if (ids.length === 0) {
      return;
    }
    const generation = this._generation;
    const runs = await Promise.all(
      ids.map(id => getRun(id, this.serverSettings).catch(() => null))
    );
    if (generation !== this._generation || this.isDisposed) {
      return;
    }
    for (const run of runs) {
      const index = run ? this._index.get(run.id) : undefined;
      if (!run || index === undefined) {
        continue;
      }
      if (
        run.experiment_id !== this.experimentId ||
        run.lifecycle !== 'active'
      ) {
        // Moved to another experiment or to the trash.
        await this._liveReload();
        return;
      }
      this._rows[index] = run;
      this._rowsChanged.emit({ first: index, last: index });
      newKeys = newKeys || hasNewKeys(this._keys, run);
    }
    if (newKeys) {
      await this._loadKeys();
    }
  }

  /**
   * Reload for live changes, at most once per two reload durations (at
   * least LIVE_UPDATE_INTERVAL apart), so a job creating runs all the time
   * does not keep a 10,000-run table reloading.
   */
  private async _liveReload(): Promise<void> {
    const wait = Math.max(LIVE_UPDATE_INTERVAL, 2 * this._reloadCost);
    if (this._isLoading || performance.now() - this._reloadedAt < wait) {
      this._queue.requestReload();
      void this._updater.invoke().catch(() => undefined);
      return;
    }
    const started = performance.now();
    this._reloadedAt = started;
    if (await this._reload(true)) {
      await this._rest;
    }
    this._reloadCost = performance.now() - started;
  }

  private _abort: AbortController | null = null;
  private _anchor = -1;
  private _chosen: IRunColumn[] | null = null;
  private _columns: IRunColumn[] = [...ATTRIBUTE_COLUMNS];
  private _columnsChanged = new Signal<this, void>(this);
  private _experimentName: string | null = null;
  private _filter = '';
  private _filterError: string | null = null;
  private _generation = 0;
  private _index = new Map<string, number>();
  private _isLoading = false;
  private _keyColumns: IRunColumn[] = [];
  private _keys: ExperimentKeys | null = null;
  private _loaded = false;
  private _loadedCount = 0;
  private _queue = new RunChangeQueue();
  private _reloadCost = 0;
  /** The background loading of the pages after the first. */
  private _rest: Promise<void> = Promise.resolve();
  private _reloadedAt = -Infinity;
  private _rows: Array<Run | undefined> = [];
  private _rowsChanged = new Signal<this, RunsTableModel.RowsChange | null>(
    this
  );
  private _selected: Set<string> = new Set();
  private _sort: IRunSort | null = null;
  private _updater: Throttler<void>;
}
