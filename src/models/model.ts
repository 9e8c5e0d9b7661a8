/**
 * ModelsModel: the model groups of the Models sidebar, filtered by a search
 * the server runs. Server events keep it live (throttled).
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Debouncer, Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { createModel, listModels } from '../api/models';
import { ServerExtensionMissingError } from '../api/request';
import type { ModelGroup } from '../api/types';
import { errorOf } from '../jobs/errors';
import type { IModelError } from '../tokens';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

/** How many model groups the sidebar lists. */
export const MODELS_SHOWN = 200;
/** Milliseconds of typing pause before the search is sent. */
const SEARCH_DELAY = 250;

export namespace ModelsModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class ModelsModel implements IDisposable {
  constructor(options: ModelsModel.IOptions = {}) {
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._throttler = new Throttler(() => this.refresh(), {
      limit: MODEL_UPDATE_INTERVAL,
      edge: 'trailing'
    });
    this._searcher = new Debouncer(() => this.refresh(), SEARCH_DELAY);
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  /** The groups matching the search, most recently changed first. */
  get groups(): ReadonlyArray<ModelGroup> {
    return this._groups;
  }

  /** Whether more groups match than are listed. */
  get hasMore(): boolean {
    return this._hasMore;
  }

  get search(): string {
    return this._search;
  }

  get isLoading(): boolean {
    return this._isLoading;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get error(): IModelError | null {
    return this._error;
  }

  get serverMissing(): boolean {
    return this._serverMissing;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Filter by a substring of the name or description (sent after a pause). */
  setSearch(search: string): void {
    if (search === this._search) {
      return;
    }
    this._search = search;
    this._changed.emit();
    void this._searcher.invoke().catch(() => undefined);
  }

  /** Create an empty model group; `null` on failure (see `error`). */
  async create(name: string, description: string): Promise<ModelGroup | null> {
    try {
      const group = await createModel({ name, description }, this._settings);
      this._error = null;
      void this.refresh();
      return group;
    } catch (reason) {
      this._error = errorOf(reason);
      this._emit();
      return null;
    }
  }

  /** Reload from the server; failures land in `error`, never reject. */
  async refresh(): Promise<void> {
    try {
      await this._load();
    } catch {
      // `_fetch` recorded the error.
    }
  }

  dismissError(): void {
    this._error = null;
    this._changed.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.stream.disconnect(this._onEvent, this);
    this._throttler.dispose();
    this._searcher.dispose();
    Signal.clearData(this);
  }

  /**
   * Load, coalescing concurrent calls: a call during a load queues exactly
   * one more, so a change (or a new search) mid-request is not missed.
   */
  private _load(): Promise<void> {
    if (this._queued) {
      return this._queued;
    }
    if (this._inflight) {
      this._queued = this._inflight
        .catch(() => undefined)
        .then(() => {
          this._queued = null;
          return this._load();
        });
      return this._queued;
    }
    this._inflight = this._fetch().finally(() => {
      this._inflight = null;
    });
    return this._inflight;
  }

  private async _fetch(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    this._isLoading = true;
    this._emit();
    try {
      const page = await listModels(
        { search: this._search.trim(), maxItems: MODELS_SHOWN },
        this._settings
      );
      this._groups = page.items;
      this._hasMore = page.next_token !== null;
      this._loaded = true;
      this._serverMissing = false;
      this._error = null;
    } catch (reason) {
      if (reason instanceof ServerExtensionMissingError) {
        this._serverMissing = true;
      } else {
        this._error = errorOf(reason);
      }
      throw reason;
    } finally {
      this._isLoading = false;
      this._emit();
    }
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    if (modelChange(emission) && !this._isDisposed) {
      void this._throttler.invoke().catch(() => undefined);
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _groups: ModelGroup[] = [];
  private _hasMore = false;
  private _inflight: Promise<void> | null = null;
  private _isDisposed = false;
  private _isLoading = false;
  private _loaded = false;
  private _queued: Promise<void> | null = null;
  private _search = '';
  private _searcher: Debouncer<void>;
  private _serverMissing = false;
  private _settings: ServerConnection.ISettings | undefined;
  private _throttler: Throttler<void>;
}
