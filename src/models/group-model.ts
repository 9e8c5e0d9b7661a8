/**
 * ModelGroupModel: one model group, its versions (newest first), the names
 * of the runs and jobs they came from, and the versions picked to compare.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { getJob } from '../api/jobs';
import {
  deleteModel,
  getModel,
  listModelVersions,
  updateModel
} from '../api/models';
import { MLStudioAPIError } from '../api/request';
import { getRun } from '../api/runs';
import type { ModelGroup, ModelVersion } from '../api/types';
import { errorOf } from '../jobs/errors';
import type { IModelError } from '../tokens';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

export namespace ModelGroupModel {
  export interface IOptions {
    name: string;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class ModelGroupModel implements IDisposable {
  constructor(options: ModelGroupModel.IOptions) {
    this.name = options.name;
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._updater = new Throttler(() => this.refresh(), {
      limit: MODEL_UPDATE_INTERVAL,
      edge: 'trailing'
    });
  }

  readonly name: string;

  get changed(): Signal<this, void> {
    return this._changed;
  }

  get group(): ModelGroup | null {
    return this._group;
  }

  /** Newest first. */
  get versions(): ReadonlyArray<ModelVersion> {
    return this._versions;
  }

  /** Whether the model no longer exists on the server. */
  get deleted(): boolean {
    return this._deleted;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get error(): IModelError | null {
    return this._error;
  }

  /** The version numbers picked for comparison, ascending. */
  get selected(): ReadonlyArray<number> {
    return [...this._selected].sort((a, b) => a - b);
  }

  isSelected(version: number): boolean {
    return this._selected.has(version);
  }

  /** The name of a source run or job, once looked up. */
  runName(id: string): string | undefined {
    return this._runNames.get(id);
  }

  jobName(id: string): string | undefined {
    return this._jobNames.get(id);
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
      const [group, versions] = await Promise.all([
        getModel(this.name, this._settings),
        listModelVersions(this.name, this._settings)
      ]);
      this._group = group;
      this._versions = versions.items;
      this._deleted = false;
      this._error = null;
      const numbers = new Set(versions.items.map(v => v.version));
      for (const version of [...this._selected]) {
        if (!numbers.has(version)) {
          this._selected.delete(version);
        }
      }
      await this._loadSourceNames();
    } catch (reason) {
      if (reason instanceof MLStudioAPIError && reason.status === 404) {
        this._deleted = this._loaded;
      }
      this._error = errorOf(reason);
    } finally {
      this._loaded = true;
      this._emit();
    }
  }

  toggle(version: number, selected: boolean): void {
    if (selected) {
      this._selected.add(version);
    } else {
      this._selected.delete(version);
    }
    this._emit();
  }

  /** Change the description; `false` on failure (see `error`). */
  async setDescription(description: string): Promise<boolean> {
    try {
      this._group = await updateModel(
        this.name,
        { description },
        this._settings
      );
      this._error = null;
      return true;
    } catch (reason) {
      this._error = errorOf(reason);
      return false;
    } finally {
      this._emit();
    }
  }

  /** Delete the model (and, with `force`, its versions). */
  async remove(force: boolean): Promise<boolean> {
    try {
      await deleteModel(this.name, force, this._settings);
      this._deleted = true;
      this._error = null;
      return true;
    } catch (reason) {
      this._error = errorOf(reason);
      return false;
    } finally {
      this._emit();
    }
  }

  dismissError(): void {
    this._error = null;
    this._emit();
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

  /** Names of the runs and jobs the versions came from; a lookup may fail. */
  private async _loadSourceNames(): Promise<void> {
    const runs = new Set<string>();
    const jobs = new Set<string>();
    for (const version of this._versions) {
      if (version.source_run_id && !this._runNames.has(version.source_run_id)) {
        runs.add(version.source_run_id);
      }
      if (version.source_job_id && !this._jobNames.has(version.source_job_id)) {
        jobs.add(version.source_job_id);
      }
    }
    await Promise.all([
      ...[...runs].map(id =>
        getRun(id, this._settings)
          .then(run => this._runNames.set(id, run.name))
          .catch(() => undefined)
      ),
      ...[...jobs].map(id =>
        getJob(id, this._settings)
          .then(job => this._jobNames.set(id, job.name))
          .catch(() => undefined)
      )
    ]);
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = modelChange(emission);
    if (!change || change.name !== this.name || this._isDisposed) {
      return;
    }
    if (change.action === 'deleted') {
      this._deleted = true;
      this._emit();
      return;
    }
    void this._updater.invoke().catch(() => undefined);
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _deleted = false;
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _group: ModelGroup | null = null;
  private _isDisposed = false;
  private _jobNames = new Map<string, string>();
  private _loaded = false;
  private _runNames = new Map<string, string>();
  private _selected = new Set<number>();
  private _settings: ServerConnection.ISettings | undefined;
  private _updater: Throttler<void>;
  private _versions: ModelVersion[] = [];
}
