/**
 * JobsModel: the jobs list of the Jobs sidebar, filtered by kind and status.
 *
 * Server events keep it live (throttled to one reload a second); a slow poll
 * runs only while some listed job is still active, in case the events do not
 * reach the page.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Poll, Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { isActive, listJobs } from '../api/jobs';
import { ServerExtensionMissingError } from '../api/request';
import type { Job, JobKind, JobStatus } from '../api/types';
import type { IModelError } from '../tokens';
import { errorOf } from './errors';
import {
  JOB_FALLBACK_POLL,
  JOB_UPDATE_INTERVAL,
  jobChange,
  setPolling
} from './events';

/** How many of the newest jobs the sidebar lists. */
export const JOBS_SHOWN = 200;

export namespace JobsModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class JobsModel implements IDisposable {
  constructor(options: JobsModel.IOptions = {}) {
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._throttler = new Throttler(() => this.refresh(), {
      limit: JOB_UPDATE_INTERVAL,
      edge: 'trailing'
    });
    this._poll = new Poll({
      auto: false,
      factory: () => this._load(),
      frequency: { interval: JOB_FALLBACK_POLL, backoff: true },
      name: 'jupyter-mlstudio:jobs',
      standby: 'when-hidden'
    });
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  /** The newest jobs matching the filters, newest first. */
  get jobs(): ReadonlyArray<Job> {
    return this._jobs;
  }

  /** Whether more jobs match than are listed. */
  get hasMore(): boolean {
    return this._hasMore;
  }

  get kind(): JobKind | null {
    return this._kind;
  }

  get status(): JobStatus | null {
    return this._status;
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

  /** Show only jobs of a kind and/or status (`null`: any). */
  setFilters(filters: { kind?: JobKind | null; status?: JobStatus | null }) {
    if (filters.kind !== undefined) {
      this._kind = filters.kind;
    }
    if (filters.status !== undefined) {
      this._status = filters.status;
    }
    this._changed.emit();
    void this.refresh();
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
    this._poll.dispose();
    Signal.clearData(this);
  }

  /**
   * Load, coalescing concurrent calls: a call during a load queues exactly
   * one more, so a change announced mid-request is not missed.
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
    this._changed.emit();
    try {
      const page = await listJobs(
        { kind: this._kind, status: this._status, maxItems: JOBS_SHOWN },
        this._settings
      );
      this._jobs = page.items;
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
      if (!this._isDisposed) {
        setPolling(this._poll, this._jobs.some(isActive));
        this._changed.emit();
      }
    }
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    if (jobChange(emission) && !this._isDisposed) {
      void this._throttler.invoke().catch(() => undefined);
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _hasMore = false;
  private _inflight: Promise<void> | null = null;
  private _isDisposed = false;
  private _isLoading = false;
  private _jobs: Job[] = [];
  private _kind: JobKind | null = null;
  private _loaded = false;
  private _poll: Poll;
  private _queued: Promise<void> | null = null;
  private _serverMissing = false;
  private _settings: ServerConnection.ISettings | undefined;
  private _status: JobStatus | null = null;
  private _throttler: Throttler<void>;
}
