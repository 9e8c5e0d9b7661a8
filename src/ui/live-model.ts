/**
 * LiveModel: what every model of server state shares: the `changed`
 * signal, the error to show, the subscription to the server's events, and
 * disposal. `ResourceListModel` (a sidebar list) and `ResourceModel` (one
 * resource's view) build on it.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

import { errorOf } from './errors';
import type { IModelError } from '../tokens';

export namespace LiveModel {
  export interface IOptions {
    /** Server settings (defaults to the page's). */
    serverSettings?: ServerConnection.ISettings;
    /** The jupyter-server event manager, to follow server events. */
    events?: Event.IManager | null;
  }
}

export abstract class LiveModel implements IDisposable {
  constructor(options: LiveModel.IOptions) {
    this.serverSettings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  /** The last error to show, until dismissed or superseded. */
  get error(): IModelError | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Hide the current error. */
  dismissError(): void {
    if (this._error) {
      this._error = null;
      this.emit();
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._events?.stream.disconnect(this._onEvent, this);
    Signal.clearData(this);
  }

  /** React to a server event (only called while not disposed). */
  protected abstract onEvent(emission: Event.Emission): void;

  /** Show why something failed (`null`: clear the error), not emitting. */
  protected setError(reason: unknown): void {
    this._error = reason === null ? null : errorOf(reason);
  }

  protected emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  protected readonly serverSettings: ServerConnection.ISettings | undefined;

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    if (!this._isDisposed) {
      this.onEvent(emission);
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _isDisposed = false;
}
