/**
 * RunModel: one run with its parent and children, its metric histories,
 * its artifact tree and the artifact being previewed. While the run logs,
 * server events refresh it (throttled), so its charts grow live.
 */
import type { Event } from '@jupyterlab/services';

import { getExperiment } from '../../api/experiments';
import {
  deleteRun,
  fetchArtifact,
  getMetricHistories,
  getRun,
  listArtifacts,
  restoreRun,
  searchRuns,
  updateRun
} from '../../api/runs';
import type { ArtifactEntry, MetricHistory, Run } from '../../api/types';
import { LIVE_UPDATE_INTERVAL, runChange } from '../runs/events';
import { errorOf } from '../../ui/errors';
import { isNotFound, ResourceModel } from '../../ui/resource-model';
import { IArtifactPreview, previewOf } from './preview';

/** Points per metric chart. */
const MAX_POINTS = 1000;

export namespace RunModel {
  export interface IOptions extends ResourceModel.IOptions {
    runId: string;
  }
}

export class RunModel extends ResourceModel<Run> {
  constructor(options: RunModel.IOptions) {
    super(options, LIVE_UPDATE_INTERVAL);
    this.runId = options.runId;
  }

  readonly runId: string;

  /** Increases whenever the histories change (for memoizing charts). */
  get version(): number {
    return this._version;
  }

  get run(): Run | null {
    return this.data;
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

  async start(): Promise<void> {
    await this.loadShown();
    if (!this.run) {
      return;
    }
    await Promise.all([
      this._loadRelatives(),
      this._loadHistories(),
      this._loadFolder(''),
      this._loadExperimentName()
    ]);
    this.emit();
  }

  async refresh(): Promise<void> {
    await this.load();
    await Promise.all([
      this._loadRelatives(),
      this._loadHistories(),
      ...[...this._folders.keys()].map(folder => this._loadFolder(folder))
    ]);
    this.emit();
  }

  /** Open or close an artifact folder. */
  async toggleFolder(path: string): Promise<void> {
    if (this._expanded.delete(path)) {
      this.emit();
      return;
    }
    this._expanded.add(path);
    this.emit();
    if (!this._folders.has(path)) {
      await this._loadFolder(path);
      this.emit();
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
        this.serverSettings,
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
    return this.act(async () =>
      this.setData(await updateRun(this.runId, { name }, this.serverSettings))
    );
  }

  async moveToTrash(): Promise<boolean> {
    return this.act(async () => {
      await deleteRun(this.runId, this.serverSettings);
      await this.load();
    });
  }

  async restore(): Promise<boolean> {
    return this.act(async () =>
      this.setData(await restoreRun(this.runId, this.serverSettings))
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    super.dispose();
    this._abort?.abort();
    this._setPreview(null);
  }

  protected fetch(): Promise<Run> {
    return getRun(this.runId, this.serverSettings);
  }

  protected update(): Promise<void> {
    return this._refreshLive();
  }

  protected onEvent(emission: Event.Emission): void {
    const change = runChange(emission);
    if (!change || this._unrelated.has(change.id)) {
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
    this.scheduleUpdate();
  }

  private async _loadExperimentName(): Promise<void> {
    const id = this.run?.experiment_id;
    if (id) {
      this._experimentName = await getExperiment(id, this.serverSettings)
        .then(experiment => experiment.name)
        .catch(() => null);
    }
  }

  private async _loadRelatives(): Promise<void> {
    const run = this.run;
    if (!run) {
      return;
    }
    try {
      const [parent, children] = await Promise.all([
        run.parent_run_id
          ? getRun(run.parent_run_id, this.serverSettings).catch(() => null)
          : Promise.resolve(null),
        searchRuns(
          run.experiment_id,
          {
            filter: `parent_run_id = '${run.id.replace(/'/g, "''")}'`,
            orderBy: ['start_time ASC'],
            maxItems: 200,
            lifecycle: 'all'
          },
          this.serverSettings
        )
      ]);
      this._parent = parent;
      this._children = children.items;
      this._childCount = children.total;
    } catch (reason) {
      this.setError(reason);
    }
  }

  private async _loadHistories(): Promise<void> {
    const keys = Object.keys(this.run?.metrics ?? {});
    if (keys.length === 0) {
      return;
    }
    try {
      const list = await getMetricHistories(
        [this.runId],
        keys,
        MAX_POINTS,
        this.serverSettings
      );
      for (const item of list.items) {
        this._histories.set(item.key, item);
      }
      this._version++;
    } catch (reason) {
      this.setError(reason);
    }
  }

  private async _loadFolder(path: string): Promise<void> {
    try {
      const list = await listArtifacts(this.runId, path, this.serverSettings);
      const items = [...list.items].sort((a, b) =>
        a.is_dir === b.is_dir ? a.name.localeCompare(b.name) : a.is_dir ? -1 : 1
      );
      this._folders.set(path, items);
    } catch (reason) {
      // A run that never logged an artifact may have no folder yet.
      if (isNotFound(reason)) {
        this._folders.set(path, []);
      } else {
        this.setError(reason);
      }
    }
  }

  private _setPreview(preview: IArtifactPreview | null): void {
    if (this._preview?.url) {
      URL.revokeObjectURL(this._preview.url);
    }
    this._preview = preview;
    this.emit();
  }

  private async _refreshLive(): Promise<void> {
    const unknown = [...this._unknown].slice(0, 50);
    this._unknown.clear();
    const candidates = await Promise.all(
      unknown.map(id => getRun(id, this.serverSettings).catch(() => null))
    );
    for (const run of candidates) {
      if (run?.parent_run_id === this.runId) {
        this._childrenStale = true;
      } else if (run) {
        this._unrelated.add(run.id);
      }
    }
    const before = this.run;
    if (this._runStale) {
      this._runStale = false;
      await this.load();
    }
    const tasks: Promise<void>[] = [];
    if (this.run && JSON.stringify(this.run) !== JSON.stringify(before)) {
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
    this.emit();
  }

  private _abort: AbortController | null = null;
  private _childCount = 0;
  private _children: Run[] = [];
  private _childrenStale = false;
  private _runStale = false;
  private _unknown = new Set<string>();
  /** Runs that are neither this run nor its children. */
  private _unrelated = new Set<string>();
  private _expanded = new Set<string>();
  private _experimentName: string | null = null;
  private _folders = new Map<string, ArtifactEntry[]>();
  private _histories = new Map<string, MetricHistory>();
  private _parent: Run | null = null;
  private _preview: IArtifactPreview | null = null;
  private _version = 0;
}
