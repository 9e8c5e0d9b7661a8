/**
 * ResourceListModel: the state of a sidebar list (experiments, jobs, models,
 * endpoints) and the machinery every such list shares: coalesced loads,
 * the error and "server extension missing" states, reloads on the server's
 * `resource_changed` events, and an optional background poll.
 *
 * A concrete list says how to fetch a page (`fetchPage`) and adds its
 * filters and actions.
 */
import type { Event } from '@jupyterlab/services';
import { IPoll, Poll, Throttler } from '@lumino/polling';

import { ServerExtensionMissingError } from '../api/request';
import { resourceChange, setPolling } from '../events';
import { LiveModel } from './live-model';

export namespace ResourceListModel {
  export type IOptions = LiveModel.IOptions;

  /** How a concrete list follows its resource. */
  export interface IConfig {
    /** The `resource` of the server events that concern the list. */
    resource: string;
    /**
     * Milliseconds between reloads caused by events (a trailing throttle);
     * without it every event reloads at once.
     */
    updateInterval?: number;
    /**
     * A fallback poll every so many milliseconds (with backoff) that runs
     * only while `pollWhile(true)`: for lists whose items change without an
     * event (the end of a transition).
     */
    pollWhileChanging?: number;
    /** A background poll that loads the list, if the list has one. */
    poll?: {
      name: string;
      frequency: Partial<IPoll.Frequency>;
      /** Start on the next turn (that tick is the first load). */
      auto: boolean;
    };
  }

  /** One page of a list, as `fetchPage` returns it. */
  export interface IPage<T> {
    items: T[];
    /** Whether more items match than the page holds. */
    hasMore: boolean;
  }
}

export abstract class ResourceListModel<T> extends LiveModel {
  constructor(
    options: ResourceListModel.IOptions,
    config: ResourceListModel.IConfig
  ) {
    super(options);
    this._resource = config.resource;
    if (config.updateInterval !== undefined) {
      this._throttler = new Throttler(() => this.refresh(), {
        limit: config.updateInterval,
        edge: 'trailing'
      });
    }
    const poll =
      config.pollWhileChanging !== undefined
        ? {
            auto: false,
            frequency: { interval: config.pollWhileChanging, backoff: true },
            name: `jupyter-mlstudio:${config.resource}`
          }
        : config.poll;
    if (poll) {
      this.poll = new Poll({
        auto: poll.auto,
        factory: () => this._load(),
        frequency: poll.frequency,
        name: poll.name,
        standby: 'when-hidden'
      });
    }
  }

  /** The items of the last page loaded. */
  get items(): ReadonlyArray<T> {
    return this._items;
  }

  /** Whether more items match than are listed. */
  get hasMore(): boolean {
    return this._hasMore;
  }

  /** Whether a load from the server is in progress. */
  get isLoading(): boolean {
    return this._isLoading;
  }

  /** Whether the list has been loaded successfully at least once. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Whether the jupyter_mlstudio server extension is missing. */
  get serverMissing(): boolean {
    return this._serverMissing;
  }

  /** Reload from the server; failures land in `error`, never reject. */
  async refresh(): Promise<void> {
    try {
      await this._load();
    } catch {
      // `_fetch` recorded the error.
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._throttler?.dispose();
    this.poll?.dispose();
    super.dispose();
  }

  /** Fetch the list as the current filters ask. */
  protected abstract fetchPage(): Promise<ResourceListModel.IPage<T>>;

  /** Called after every load, before `changed` is emitted. */
  protected afterLoad(): void {
    // Nothing by default.
  }

  /**
   * Run the background poll only while `active` (for lists that poll only
   * while some item is still changing).
   */
  protected pollWhile(active: boolean): void {
    if (this.poll) {
      setPolling(this.poll, active, this.poll.frequency.interval);
    }
  }

  /**
   * Record why a load or a user action failed. A load that succeeds clears
   * the error of a load, not that of an action.
   */
  protected recordError(
    reason: unknown,
    source: 'load' | 'action' = 'load'
  ): void {
    if (reason instanceof ServerExtensionMissingError) {
      this._serverMissing = true;
      return;
    }
    this.setError(reason);
    this._errorSource = source;
  }

  protected onEvent(emission: Event.Emission): void {
    if (!resourceChange(emission, this._resource)) {
      return;
    }
    if (this._throttler) {
      void this._throttler.invoke().catch(() => undefined);
    } else {
      void this.refresh();
    }
  }

  protected readonly poll: Poll | null = null;

  /**
   * Load, coalescing concurrent calls: a call made while a load is in
   * flight queues exactly one more load after it, so a change (or a new
   * filter) announced mid-request is never missed. Rejects on failure (the
   * poll backs off on rejection).
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
    if (this.isDisposed) {
      return;
    }
    this._isLoading = true;
    this.emit();
    try {
      const page = await this.fetchPage();
      this._items = page.items;
      this._hasMore = page.hasMore;
      this._loaded = true;
      this._serverMissing = false;
      if (this._errorSource === 'load') {
        this.setError(null);
      }
    } catch (reason) {
      this.recordError(reason, 'load');
      throw reason;
    } finally {
      this._isLoading = false;
      if (!this.isDisposed) {
        this.afterLoad();
        this.emit();
      }
    }
  }

  private _errorSource: 'load' | 'action' = 'load';
  private _hasMore = false;
  private _inflight: Promise<void> | null = null;
  private _isLoading = false;
  private _items: T[] = [];
  private _loaded = false;
  private _queued: Promise<void> | null = null;
  private _resource: string;
  private _serverMissing = false;
  private _throttler: Throttler<void> | null = null;
}
