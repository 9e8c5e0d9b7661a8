/**
 * ModelGroupModel: one model group, its versions (newest first), the names
 * of the runs and jobs they came from, and the versions picked to compare.
 */
import type { Event } from '@jupyterlab/services';

import { getJob } from '../api/jobs';
import {
  deleteModel,
  getModel,
  listModelVersions,
  updateModel
} from '../api/registry';
import { getRun } from '../api/runs';
import type { ModelGroup, ModelVersion } from '../api/types';
import { isNotFound, ResourceModel } from '../ui/resource-model';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

export namespace ModelGroupModel {
  export interface IOptions extends ResourceModel.IOptions {
    name: string;
  }
}

export class ModelGroupModel extends ResourceModel<ModelGroup> {
  constructor(options: ModelGroupModel.IOptions) {
    super(options, MODEL_UPDATE_INTERVAL);
    this.name = options.name;
  }

  readonly name: string;

  get group(): ModelGroup | null {
    return this.data;
  }

  /** Newest first. */
  get versions(): ReadonlyArray<ModelVersion> {
    return this._versions;
  }

  get loaded(): boolean {
    return this._loaded;
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

  async start(): Promise<void> {
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (await this.load()) {
      this.setDeleted(false);
      const numbers = new Set(this._versions.map(v => v.version));
      for (const version of [...this._selected]) {
        if (!numbers.has(version)) {
          this._selected.delete(version);
        }
      }
      await this._loadSourceNames();
    }
    this._loaded = true;
    this.emit();
  }

  toggle(version: number, selected: boolean): void {
    if (selected) {
      this._selected.add(version);
    } else {
      this._selected.delete(version);
    }
    this.emit();
  }

  /** Change the description; `false` on failure (see `error`). */
  setDescription(description: string): Promise<boolean> {
    return this.act(async () =>
      this.setData(
        await updateModel(this.name, { description }, this.serverSettings)
      )
    );
  }

  /** Delete the model (and, with `force`, its versions). */
  remove(force: boolean): Promise<boolean> {
    return this.act(async () => {
      await deleteModel(this.name, force, this.serverSettings);
      this.setDeleted(true);
    });
  }

  /** The group, and its versions with it. */
  protected async fetch(): Promise<ModelGroup> {
    const [group, versions] = await Promise.all([
      getModel(this.name, this.serverSettings),
      listModelVersions(this.name, this.serverSettings)
    ]);
    this._versions = versions.items;
    return group;
  }

  protected loadFailed(reason: unknown): void {
    if (isNotFound(reason)) {
      this.setDeleted(this._loaded);
    }
    super.loadFailed(reason);
  }

  protected update(): Promise<void> {
    return this.refresh();
  }

  protected onEvent(emission: Event.Emission): void {
    const change = modelChange(emission);
    if (change?.name === this.name) {
      this.followChange(change.action);
    }
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
        getRun(id, this.serverSettings)
          .then(run => this._runNames.set(id, run.name))
          .catch(() => undefined)
      ),
      ...[...jobs].map(id =>
        getJob(id, this.serverSettings)
          .then(job => this._jobNames.set(id, job.name))
          .catch(() => undefined)
      )
    ]);
  }

  private _jobNames = new Map<string, string>();
  private _loaded = false;
  private _runNames = new Map<string, string>();
  private _selected = new Set<number>();
  private _versions: ModelVersion[] = [];
}
