/**
 * CompareVersionsModel: some versions of one model, oldest first, kept
 * current by the model's change events.
 */
import type { Event } from '@jupyterlab/services';

import { listModelVersions } from '../api/registry';
import type { ModelVersion } from '../api/types';
import { ResourceModel } from '../ui/resource-model';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

export namespace CompareVersionsModel {
  export interface IOptions extends ResourceModel.IOptions {
    name: string;
    versions: ReadonlyArray<number>;
  }
}

export class CompareVersionsModel extends ResourceModel<ModelVersion[]> {
  constructor(options: CompareVersionsModel.IOptions) {
    super(options, MODEL_UPDATE_INTERVAL);
    this.name = options.name;
    this.numbers = [...new Set(options.versions)].sort((a, b) => a - b);
  }

  readonly name: string;
  /** The version numbers compared, ascending. */
  readonly numbers: ReadonlyArray<number>;

  /** The compared versions that exist, oldest first. */
  get versions(): ReadonlyArray<ModelVersion> {
    return this.data ?? [];
  }

  /** Whether a load has finished (whatever its outcome). */
  get loaded(): boolean {
    return this._loaded;
  }

  async start(): Promise<void> {
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    await this.load();
    this._loaded = true;
    this.emit();
  }

  protected async fetch(): Promise<ModelVersion[]> {
    const list = await listModelVersions(this.name, this.serverSettings);
    const wanted = new Set(this.numbers);
    return list.items
      .filter(v => wanted.has(v.version))
      .sort((a, b) => a.version - b.version);
  }

  protected update(): Promise<void> {
    return this.refresh();
  }

  protected onEvent(emission: Event.Emission): void {
    if (modelChange(emission)?.name === this.name) {
      this.scheduleUpdate();
    }
  }

  private _loaded = false;
}
