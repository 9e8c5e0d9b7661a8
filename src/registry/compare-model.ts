/**
 * CompareVersionsModel: some versions of one model, oldest first, kept
 * current by the model's change events.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { listModelVersions } from '../api/registry';
import type { ModelVersion } from '../api/types';
import { errorOf } from '../ui/errors';
import type { IModelError } from '../tokens';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

export namespace CompareVersionsModel {
  export interface IOptions {
    name: string;
    versions: ReadonlyArray<number>;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class CompareVersionsModel implements IDisposable {
  constructor(options: CompareVersionsModel.IOptions) {
    this.name = options.name;
    this.numbers = [...new Set(options.versions)].sort((a, b) => a - b);
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._updater = new Throttler(() => this.refresh(), {
      limit: MODEL_UPDATE_INTERVAL,
      edge: 'trailing'
    });
  }

  readonly name: string;
  /** The version numbers compared, ascending. */
  readonly numbers: ReadonlyArray<number>;

  get changed(): Signal<this, void> {
    return this._changed;
  }

  /** The compared versions that exist, oldest first. */
  get versions(): ReadonlyArray<ModelVersion> {
    return this._versions;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get error(): IModelError | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async start(): Promise<void> {
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    try {
      const list = await listModelVersions(this.name, this._settings);
      const wanted = new Set(this.numbers);
      this._versions = list.items
        .filter(v => wanted.has(v.version))
        .sort((a, b) => a.version - b.version);
      this._error = null;
    } catch (reason) {
      this._error = errorOf(reason);
    } finally {
      this._loaded = true;
      if (!this._isDisposed) {
        this._changed.emit();
      }
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
    this._updater.dispose();
    Signal.clearData(this);
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = modelChange(emission);
    if (change?.name === this.name && !this._isDisposed) {
      void this._updater.invoke().catch(() => undefined);
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _isDisposed = false;
  private _loaded = false;
  private _settings: ServerConnection.ISettings | undefined;
  private _updater: Throttler<void>;
  private _versions: ModelVersion[] = [];
}
