/**
 * ResourceModel: the state of a view of one resource (a job, a run, a
 * model, a model version, an endpoint) and what every such view shares:
 * loading the resource, the error to show, actions that record their error,
 * reloads on the server's events (throttled), the "deleted" state, polls
 * disposed with the model.
 *
 * A concrete model says how to fetch the resource (`fetch`), which events
 * concern it (`onEvent`) and what an event reloads (`update`).
 */
import { DisposableSet } from '@lumino/disposable';
import { IPoll, Poll, Throttler } from '@lumino/polling';

import { MLStudioAPIError } from '../api/request';
import type { IResourceChange } from '../events';
import { LiveModel } from './live-model';

export namespace ResourceModel {
  export type IOptions = LiveModel.IOptions;

  export interface IActOptions {
    /** Set `busy` while the action runs. */
    busy?: boolean;
    /** Run after the action, whatever its outcome, before `changed`. */
    settle?: () => void;
  }
}

/** Whether a rejection is the server's 404 (the resource does not exist). */
export function isNotFound(reason: unknown): boolean {
  return reason instanceof MLStudioAPIError && reason.status === 404;
}

/**
 * The last `max` characters of a log, cut at a line start so the first
 * line shown is whole; `truncated` says whether anything was cut.
 */
export function tailOf(
  log: string,
  max: number
): { text: string; truncated: boolean } {
  if (log.length <= max) {
    return { text: log, truncated: false };
  }
  const from = log.length - max;
  const newline = log.indexOf('\n', from);
  return {
    text: log.slice(newline >= 0 ? newline + 1 : from),
    truncated: true
  };
}

export abstract class ResourceModel<T> extends LiveModel {
  /**
   * @param updateInterval - milliseconds between reloads caused by events.
   */
  constructor(options: ResourceModel.IOptions, updateInterval: number) {
    super(options);
    this._updater = new Throttler(() => this.update(), {
      limit: updateInterval,
      edge: 'trailing'
    });
  }

  /** The resource, once loaded. */
  get data(): T | null {
    return this._data;
  }

  /** Whether the resource no longer exists on the server. */
  get deleted(): boolean {
    return this._deleted;
  }

  /** Whether the first load (see `loadShown`) is in progress. */
  get isLoading(): boolean {
    return this._isLoading;
  }

  /** Whether an action started by the user is in flight. */
  get busy(): boolean {
    return this._busy;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._updater.dispose();
    this._owned.dispose();
    super.dispose();
  }

  /** Read the resource from the server. */
  protected abstract fetch(): Promise<T>;

  /** What reloads after events (see `scheduleUpdate`). */
  protected abstract update(): Promise<void>;

  /**
   * Load the resource; on failure keep the last one and record why (see
   * `loadFailed`). Resolves whether it loaded, never rejects.
   */
  protected async load(): Promise<boolean> {
    try {
      this._data = await this.fetch();
      this.setError(null);
      return true;
    } catch (reason) {
      this.loadFailed(reason);
      return false;
    }
  }

  /** A load failed: show why. */
  protected loadFailed(reason: unknown): void {
    this.setError(reason);
  }

  /** The first load, shown as `isLoading`. */
  protected async loadShown(): Promise<boolean> {
    this._isLoading = true;
    this.emit();
    const loaded = await this.load();
    this._isLoading = false;
    this.emit();
    return loaded;
  }

  /** Replace the resource (with what an action returned). */
  protected setData(data: T | null): void {
    this._data = data;
  }

  protected setDeleted(deleted: boolean): void {
    this._deleted = deleted;
  }

  /**
   * Run a user action: clear the error if it succeeds, record it if not.
   * Resolves whether it succeeded, never rejects.
   */
  protected async act(
    action: () => Promise<void>,
    options: ResourceModel.IActOptions = {}
  ): Promise<boolean> {
    if (options.busy) {
      this._busy = true;
      this.emit();
    }
    try {
      await action();
      this.setError(null);
      return true;
    } catch (reason) {
      this.setError(reason);
      return false;
    } finally {
      if (options.busy) {
        this._busy = false;
      }
      options.settle?.();
      this.emit();
    }
  }

  /** Run `update` soon; events that arrive meanwhile join that run. */
  protected scheduleUpdate(): void {
    void this._updater.invoke().catch(() => undefined);
  }

  /** Follow a change the server announced: gone, or reload soon. */
  protected followChange(action: IResourceChange['action']): void {
    if (action === 'deleted') {
      this._deleted = true;
      this.emit();
    } else {
      this.scheduleUpdate();
    }
  }

  /** A poll that starts when asked to, rests while hidden, and is disposed with the model. */
  protected addPoll(
    name: string,
    factory: () => Promise<void>,
    frequency: Partial<IPoll.Frequency>
  ): Poll {
    const poll = new Poll({
      auto: false,
      factory,
      frequency,
      name,
      standby: 'when-hidden'
    });
    this._owned.add(poll);
    return poll;
  }

  private _busy = false;
  private _data: T | null = null;
  private _deleted = false;
  private _isLoading = false;
  private _owned = new DisposableSet();
  private _updater: Throttler<void>;
}
