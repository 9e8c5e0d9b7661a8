/**
 * ExperimentsModel: the experiments state and the only code that changes it.
 *
 * It learns about changes three ways: its own actions (refresh after each),
 * jupyter-server events (emitted by the server on REST writes), and a slow
 * poll, because SDK writes from kernels go straight to the store and emit no
 * event.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import {
  createExperiment,
  deleteExperiment,
  listExperiments,
  updateExperiment
} from '../api/experiments';
import { MLStudioAPIError, ServerExtensionMissingError } from '../api/request';
import { getStatus } from '../api/status';
import type { Experiment, ServerStatus } from '../api/types';
import {
  IExperimentsModel,
  IModelError,
  RESOURCE_CHANGED_SCHEMA
} from '../tokens';

/** Default and minimum seconds between background refreshes. */
export const DEFAULT_REFRESH_INTERVAL = 30;
export const MIN_REFRESH_INTERVAL = 5;

export namespace ExperimentsModel {
  export interface IOptions {
    /** Server settings (defaults to the page's). */
    serverSettings?: ServerConnection.ISettings;
    /** The jupyter-server event manager, to refresh on server events. */
    events?: Event.IManager;
    /** Seconds between background refreshes. */
    refreshInterval?: number;
  }
}

export class ExperimentsModel implements IExperimentsModel {
  constructor(options: ExperimentsModel.IOptions = {}) {
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    // `auto` starts the poll on the next turn: that tick is the first load,
    // so constructing the model never waits on the network.
    this._poll = new Poll({
      auto: true,
      factory: () => this._load(),
      frequency: frequencyFor(
        options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL
      ),
      name: 'jupyter-mlstudio:experiments',
      standby: 'when-hidden'
    });
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  get experiments(): ReadonlyArray<Experiment> {
    return this._experiments;
  }

  get selected(): Experiment | null {
    return this._experiments.find(e => e.id === this._selectedId) ?? null;
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

  get status(): ServerStatus | null {
    return this._status;
  }

  get refreshInterval(): number {
    return this._poll.frequency.interval / 1000;
  }

  set refreshInterval(seconds: number) {
    this._poll.frequency = frequencyFor(seconds);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async refresh(): Promise<void> {
    try {
      await this._load();
    } catch {
      // `_load` already recorded the error in the state.
    }
  }

  select(id: string | null): void {
    if (id !== this._selectedId) {
      this._selectedId = id;
      this._changed.emit();
    }
  }

  async create(name: string, description = ''): Promise<Experiment | null> {
    return this._act(async () => {
      const experiment = await createExperiment(
        { name, description },
        this._settings
      );
      this._selectedId = experiment.id;
      return experiment;
    });
  }

  async rename(id: string, name: string): Promise<Experiment | null> {
    return this._act(() => updateExperiment(id, { name }, this._settings));
  }

  async remove(id: string): Promise<boolean> {
    const done = await this._act(async () => {
      await deleteExperiment(id, this._settings);
      if (this._selectedId === id) {
        this._selectedId = null;
      }
      return true;
    });
    return done ?? false;
  }

  dismissError(): void {
    if (this._error) {
      this._error = null;
      this._changed.emit();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.stream.disconnect(this._onEvent, this);
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Run a user action, record its error, and refresh afterwards. */
  private async _act<T>(action: () => Promise<T>): Promise<T | null> {
    let result: T | null = null;
    try {
      result = await action();
      this._error = null;
    } catch (reason) {
      this._recordError(reason, 'action');
    }
    this._changed.emit();
    await this.refresh();
    return result;
  }

  /**
   * Load from the server, coalescing concurrent calls: a call made while a
   * load is in flight queues exactly one more load after it, so a change
   * announced mid-request is never missed. Rejects on failure (the poll
   * backs off on rejection).
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
      // Ask for the status first until the server has answered once: its
      // 404 is how a missing server extension is recognised.
      if (this._status === null || this._serverMissing) {
        this._status = await getStatus(this._settings);
      }
      const items = await listExperiments({}, this._settings);
      items.sort((a, b) => b.created_at.localeCompare(a.created_at));
      this._experiments = items;
      this._loaded = true;
      this._serverMissing = false;
      if (this._errorSource === 'load') {
        this._error = null;
      }
    } catch (reason) {
      this._recordError(reason, 'load');
      throw reason;
    } finally {
      this._isLoading = false;
      if (!this._isDisposed) {
        this._changed.emit();
      }
    }
  }

  private _recordError(reason: unknown, source: 'load' | 'action'): void {
    if (reason instanceof ServerExtensionMissingError) {
      this._serverMissing = true;
      this._status = null;
      return;
    }
    if (reason instanceof MLStudioAPIError) {
      this._error = { code: reason.code, message: reason.message };
    } else {
      const message = reason instanceof Error ? reason.message : String(reason);
      this._error = { code: 'UNKNOWN', message };
    }
    this._errorSource = source;
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    if (
      emission.schema_id === RESOURCE_CHANGED_SCHEMA &&
      emission.resource === 'experiments'
    ) {
      void this.refresh();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _errorSource: 'load' | 'action' = 'load';
  private _events: Event.IManager | null;
  private _experiments: Experiment[] = [];
  private _inflight: Promise<void> | null = null;
  private _isDisposed = false;
  private _isLoading = false;
  private _loaded = false;
  private _poll: Poll;
  private _queued: Promise<void> | null = null;
  private _selectedId: string | null = null;
  private _serverMissing = false;
  private _settings: ServerConnection.ISettings | undefined;
  private _status: ServerStatus | null = null;
}

/** Poll frequency for a refresh interval in seconds, with backoff on errors. */
function frequencyFor(seconds: number) {
  const valid = Number.isFinite(seconds) ? seconds : DEFAULT_REFRESH_INTERVAL;
  const interval = Math.max(valid, MIN_REFRESH_INTERVAL) * 1000;
  return { backoff: true, interval, max: Math.max(interval * 10, 300_000) };
}
