/**
 * RunModel: one run with its parent and children, its metric histories,
 * its artifact tree and the artifact being previewed. While the run logs,
 * server events refresh it (throttled), so its charts grow live.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { getExperiment } from '../api/experiments';
import { MLStudioAPIError } from '../api/request';
import {
  deleteRun,
  fetchArtifact,
  getMetricHistories,
  getRun,
  listArtifacts,
  restoreRun,
  searchRuns,
  updateRun
} from '../api/runs';
import type { ArtifactEntry, MetricHistory, Run } from '../api/types';
import { LIVE_UPDATE_INTERVAL, runChange } from '../runs/events';
import type { IModelError } from '../tokens';
import { IArtifactPreview, previewOf } from './preview';

/** Points per metric chart. */
const MAX_POINTS = 1000;

export namespace RunModel {
  export interface IOptions {
    runId: string;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class RunModel implements IDisposable {
  constructor(options: RunModel.IOptions) {
    this.runId = options.runId;
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._updater = new Throttler(() => this._refreshLive(), {
      limit: LIVE_UPDATE_INTERVAL,
      edge: 'trailing'
    });
  }

  readonly runId: string;

  get changed(): Signal<this, void> {
    return this._changed;
  }

  /** Increases whenever the histories change (for memoizing charts). */
  get version(): number {
    return this._version;
  }

  get run(): Run | null {
    return this._run;
  }

  /** The name of the run's experiment, once known. */
  get experimentName(): string | null {
    return this._experimentName;
  }

  get parent(): Run | null {
    return this._parent;
  }

  get children(): ReadonlyArray<Run> {
    return this._children;
  }

  /** How many children there are (more than `children` holds if many). */
  get childCount(): number {
    return this._childCount;
  }

  get error(): IModelError | null {
    return this._error;
  }

  get isLoading(): boolean {
    return this._isLoading;
  }

  history(key: string): MetricHistory | undefined {
    return this._histories.get(key);
  }

  /** The entries of a loaded artifact folder (`''` is the root). */
  artifacts(folder: string): ReadonlyArray<ArtifactEntry> | undefined {
    return this._folders.get(folder);
  }

  isExpanded(folder: string): boolean {
    return this._expanded.has(folder);
  }

  /** The artifact being previewed, and its content once loaded. */
  get preview(): IArtifactPreview | null {
    return this._preview;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async start(): Promise<void> {
    this._isLoading = true;
    this._changed.emit();
    await this._loadRun();
    this._isLoading = false;
    this._changed.emit();
    if (!this._run) {
      return;
    }
    await Promise.all([
      this._loadRelatives(),
      this._loadHistories(),
      this._loadFolder(''),
      this._loadExperimentName()
    ]);
    this._changed.emit();
  }

  async refresh(): Promise<void> {
    await this._loadRun();
    await Promise.all([
      this._loadRelatives(),
      this._loadHistories(),
      ...[...this._folders.keys()].map(folder => this._loadFolder(folder))
    ]);
    this._changed.emit();
  }

  /** Open or close an artifact folder. */
  async toggleFolder(path: string): Promise<void> {
    if (this._expanded.delete(path)) {
      this._changed.emit();
      return;
    }
    this._expanded.add(path);
    this._changed.emit();
    if (!this._folders.has(path)) {
      await this._loadFolder(path);
      this._changed.emit();
    }
  }

  /** Download an artifact and make its preview. */
  async showArtifact(entry: ArtifactEntry): Promise<void> {
    this._abort?.abort();
    const abort = new AbortController();
    this._abort = abort;
    this._setPreview({ entry, state: 'loading' });
    try {
      const blob = await fetchArtifact(
        this.runId,
        entry.path,
        this._settings,
        abort.signal
      );
      const preview = await previewOf(entry, blob);
      if (!abort.signal.aborted) {
        this._setPreview(preview);
      } else if (preview.url) {
        URL.revokeObjectURL(preview.url);
      }
    } catch (reason) {
      if (!abort.signal.aborted) {
        this._setPreview({
          entry,
          state: 'error',
          message: errorOf(reason).message
        });
      }
    }
  }

  closePreview(): void {
    this._abort?.abort();
    this._setPreview(null);
  }

  async rename(name: string): Promise<boolean> {
    return this._act(async () => {
      this._run = await updateRun(this.runId, { name }, this._settings);
    });
  }

  async moveToTrash(): Promise<boolean> {
    return this._act(async () => {
      await deleteRun(this.runId, this._settings);
      await this._loadRun();
    });
  }

  async restore(): Promise<boolean> {
    return this._act(async () => {
      this._run = await restoreRun(this.runId, this._settings);
    });
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
    this._abort?.abort();
    this._setPreview(null);
    this._events?.stream.disconnect(this._onEvent, this);
    this._updater.dispose();
    Signal.clearData(this);
  }

  private async _act(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      this._error = null;
      return true;
    } catch (reason) {
      this._error = errorOf(reason);
      return false;
    } finally {
      this._changed.emit();
    }
  }

  private async _loadRun(): Promise<void> {
    try {
      this._run = await getRun(this.runId, this._settings);
      this._error = null;
    } catch (reason) {
      this._error = errorOf(reason);
    }
  }

  private async _loadExperimentName(): Promise<void> {
    const id = this._run?.experiment_id;
    if (id) {
      this._experimentName = await getExperiment(id, this._settings)
        .then(experiment => experiment.name)
        .catch(() => null);
    }
  }

  private async _loadRelatives(): Promise<void> {
    const run = this._run;
    if (!run) {
      return;
    }
    try {
      const [parent, children] = await Promise.all([
        run.parent_run_id
          ? getRun(run.parent_run_id, this._settings).catch(() => null)
          : Promise.resolve(null),
        searchRuns(
          run.experiment_id,
          {
            filter: `parent_run_id = '${run.id.replace(/'/g, "''")}'`,
            orderBy: ['start_time ASC'],
            maxItems: 200,
            lifecycle: 'all'
          },
          this._settings
        )
      ]);
      this._parent = parent;
      this._children = children.items;
      this._childCount = children.total;
    } catch (reason) {
      this._error = errorOf(reason);
    }
  }

  private async _loadHistories(): Promise<void> {
    const keys = Object.keys(this._run?.metrics ?? {});
    if (keys.length === 0) {
      return;
    }
    try {
      const list = await getMetricHistories(
        [this.runId],
        keys,
        MAX_POINTS,
        this._settings
      );
      for (const item of list.items) {
        this._histories.set(item.key, item);
      }
      this._version++;
    } catch (reason) {
      this._error = errorOf(reason);
    }
  }

  private async _loadFolder(path: string): Promise<void> {
    try {
      const list = await listArtifacts(this.runId, path, this._settings);
      const items = [...list.items].sort((a, b) =>
        a.is_dir === b.is_dir ? a.name.localeCompare(b.name) : a.is_dir ? -1 : 1
      );
      this._folders.set(path, items);
    } catch (reason) {
      // A run that never logged an artifact may have no folder yet.
      if (reason instanceof MLStudioAPIError && reason.status === 404) {
        this._folders.set(path, []);
      } else {
        this._error = errorOf(reason);
      }
    }
  }

  private _setPreview(preview: IArtifactPreview | null): void {
    if (this._preview?.url) {
      URL.revokeObjectURL(this._preview.url);
    }
    this._preview = preview;
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = runChange(emission);
    if (!change || this._isDisposed || this._unrelated.has(change.id)) {
      return;
    }
    if (change.id === this.runId) {
      this._runStale = true;
    } else if (this._children.some(child => child.id === change.id)) {
      this._childrenStale = true;
    } else if (change.action !== 'deleted') {
      // Maybe a new child (SDK writes announce new runs as "updated").
      this._unknown.add(change.id);
    } else {
      return;
    }
    void this._updater.invoke().catch(() => undefined);
  }

  private async _refreshLive(): Promise<void> {
    const unknown = [...this._unknown].slice(0, 50);
    this._unknown.clear();
    const candidates = await Promise.all(
      unknown.map(id => getRun(id, this._settings).catch(() => null))
    );
    for (const run of candidates) {
      if (run?.parent_run_id === this.runId) {
        this._childrenStale = true;
      } else if (run) {
        this._unrelated.add(run.id);
      }
    }
    const before = this._run;
    if (this._runStale) {
      this._runStale = false;
      await this._loadRun();
    }
    const tasks: Promise<void>[] = [];
    if (this._run && JSON.stringify(this._run) !== JSON.stringify(before)) {
      tasks.push(this._loadHistories());
      for (const folder of this._folders.keys()) {
        tasks.push(this._loadFolder(folder));
      }
    }
    if (this._childrenStale) {
      this._childrenStale = false;
      tasks.push(this._loadRelatives());
    }
    await Promise.all(tasks);
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _abort: AbortController | null = null;
  private _changed = new Signal<this, void>(this);
  private _childCount = 0;
  private _children: Run[] = [];
  private _childrenStale = false;
  private _runStale = false;
  private _unknown = new Set<string>();
  /** Runs that are neither this run nor its children. */
  private _unrelated = new Set<string>();
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _expanded = new Set<string>();
  private _experimentName: string | null = null;
  private _folders = new Map<string, ArtifactEntry[]>();
  private _histories = new Map<string, MetricHistory>();
  private _isDisposed = false;
  private _isLoading = false;
  private _parent: Run | null = null;
  private _preview: IArtifactPreview | null = null;
  private _run: Run | null = null;
  private _settings: ServerConnection.ISettings | undefined;
  private _updater: Throttler<void>;
  private _version = 0;
}

function errorOf(reason: unknown): IModelError {
  if (reason instanceof MLStudioAPIError) {
    return { code: reason.code, message: reason.message };
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return { code: 'UNKNOWN', message };
}
