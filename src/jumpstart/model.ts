/**
 * The JumpStart panel's state: the catalog (entries, load errors, sources,
 * tasks), the filter, and the recent launches, read again when the server
 * announces a launch change (and, as a fallback, every few seconds while one
 * of them runs).
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { ServerExtensionMissingError } from '../api/request';
import { resourceChange } from '../events';
import { errorOf } from '../ui/errors';
import type { IModelError } from '../tokens';
import {
  ICatalogEntrySummary,
  ICatalogLaunch,
  ICatalogList,
  isLaunchActive,
  listCatalog,
  listLaunches
} from './api';
import { filterEntries, ICatalogFilter, tasksOf } from './logic';

const LAUNCH_POLL_MS = 5000;

/** The `resource` of the server's events about launch records. */
export const LAUNCHES_RESOURCE = 'catalog-launches';

export class CatalogModel {
  constructor(
    private readonly _settings?: ServerConnection.ISettings,
    private readonly _events: Event.IManager | null = null
  ) {
    this._events?.stream.connect(this._onEvent, this);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get error(): IModelError | null {
    return this._error;
  }
  get serverMissing(): boolean {
    return this._serverMissing;
  }
  get isLoading(): boolean {
    return this._loading;
  }
  get loaded(): boolean {
    return this._catalog !== null;
  }
  get catalog(): ICatalogList | null {
    return this._catalog;
  }
  get filter(): ICatalogFilter {
    return this._filter;
  }
  get tasks(): string[] {
    return tasksOf(this._catalog?.tasks, this._catalog?.entries ?? []);
  }
  /** The entries the filter keeps. */
  get entries(): ICatalogEntrySummary[] {
    return filterEntries(this._catalog?.entries ?? [], this._filter);
  }
  get launches(): ReadonlyArray<ICatalogLaunch> {
    return this._launches;
  }

  setFilter(change: Partial<ICatalogFilter>): void {
    this._filter = { ...this._filter, ...change };
    this._changed.emit();
  }

  dismissError(): void {
    this._error = null;
    this._changed.emit();
  }

  /** Load the catalog and the launches (the first call is the first load). */
  async refresh(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      const [catalog, launches] = await Promise.all([
        listCatalog(this._settings),
        listLaunches(this._settings)
      ]);
      this._catalog = catalog;
      this._setLaunches(launches);
      this._error = null;
      this._serverMissing = false;
    } catch (reason) {
      this._serverMissing = reason instanceof ServerExtensionMissingError;
      this._error = errorOf(reason);
    }
    this._loading = false;
    this._changed.emit();
  }

  /** Read the launches again (after a launch starts, or while one runs). */
  async refreshLaunches(): Promise<void> {
    try {
      this._setLaunches(await listLaunches(this._settings));
      this._changed.emit();
    } catch {
      this._schedule();
    }
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    this._events?.stream.disconnect(this._onEvent, this);
    Signal.clearData(this);
  }

  private _onEvent(_: unknown, emission: Event.Emission): void {
    if (this._catalog && resourceChange(emission, LAUNCHES_RESOURCE)) {
      void this.refreshLaunches();
    }
  }

  private _setLaunches(launches: ICatalogLaunch[]): void {
    this._launches = [...launches].sort((a, b) =>
      b.created.localeCompare(a.created)
    );
    this._schedule();
  }

  private _schedule(): void {
    window.clearTimeout(this._timer);
    if (this._launches.some(isLaunchActive)) {
      this._timer = window.setTimeout(
        () => void this.refreshLaunches(),
        LAUNCH_POLL_MS
      );
    }
  }

  private _catalog: ICatalogList | null = null;
  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _filter: ICatalogFilter = { task: '', kind: '', query: '' };
  private _launches: ICatalogLaunch[] = [];
  private _loading = false;
  private _serverMissing = false;
  private _timer = 0;
}
