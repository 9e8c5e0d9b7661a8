/**
 * EndpointsModel: the endpoints list of the Endpoints sidebar.
 *
 * Server events announce deploys, updates and deletes; a poll runs every two
 * seconds while some endpoint is Creating, Updating or Deleting, because the
 * end of a transition is not announced.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Poll, Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { isTransitional, listEndpoints } from '../api/endpoints';
import { ServerExtensionMissingError } from '../api/request';
import type { Endpoint, EndpointStatus } from '../api/types';
import { errorOf } from '../jobs/errors';
import type { IModelError } from '../tokens';
import {
  ENDPOINT_TRANSITION_POLL,
  ENDPOINT_UPDATE_INTERVAL,
  endpointChange,
  setPolling
} from './events';

/** How many endpoints the sidebar lists. */
export const ENDPOINTS_SHOWN = 200;

export namespace EndpointsModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class EndpointsModel implements IDisposable {
  constructor(options: EndpointsModel.IOptions = {}) {
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._throttler = new Throttler(() => this.refresh(), {
      limit: ENDPOINT_UPDATE_INTERVAL,
      edge: 'trailing'
    });
    this._poll = new Poll({
      auto: false,
      factory: () => this._load(),
      frequency: { interval: ENDPOINT_TRANSITION_POLL, backoff: true },
      name: 'jupyter-mlstudio:endpoints',
      standby: 'when-hidden'
    });
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  /** The endpoints matching the filter, most recently changed first. */
  get endpoints(): ReadonlyArray<Endpoint> {
    return this._endpoints;
  }

  get hasMore(): boolean {
    return this._hasMore;
  }

  get status(): EndpointStatus | null {
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

  /** Show only endpoints with a status (`null`: any). */
  setStatus(status: EndpointStatus | null): void {
    this._status = status;
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

  /** Load; a call during a load queues exactly one more. */
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
      const page = await listEndpoints(
        { status: this._status, maxItems: ENDPOINTS_SHOWN },
        this._settings
      );
      this._endpoints = page.items;
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
        setPolling(this._poll, this._endpoints.some(isTransitional));
        this._changed.emit();
      }
    }
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    if (endpointChange(emission) && !this._isDisposed) {
      void this._throttler.invoke().catch(() => undefined);
    }
  }

  private _changed = new Signal<this, void>(this);
  private _endpoints: Endpoint[] = [];
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _hasMore = false;
  private _inflight: Promise<void> | null = null;
  private _isDisposed = false;
  private _isLoading = false;
  private _loaded = false;
  private _poll: Poll;
  private _queued: Promise<void> | null = null;
  private _serverMissing = false;
  private _settings: ServerConnection.ISettings | undefined;
  private _status: EndpointStatus | null = null;
  private _throttler: Throttler<void>;
}
