/**
 * TuningJobsModel: the tuning jobs of the Tuning sidebar, filtered by
 * status. Server events keep it live (throttled); a slow poll runs only
 * while some listed tuning job is still active.
 */
import {
  isTuningActive,
  listTuningJobs,
  TuningJob,
  TuningJobStatus
} from './api';
import { ResourceListModel } from '../ui/list-model';
import {
  TUNING_FALLBACK_POLL,
  TUNING_RESOURCE,
  TUNING_UPDATE_INTERVAL
} from './events';

/** How many of the newest tuning jobs the sidebar lists. */
export const TUNING_JOBS_SHOWN = 200;

export class TuningJobsModel extends ResourceListModel<TuningJob> {
  constructor(options: ResourceListModel.IOptions = {}) {
    super(options, {
      resource: TUNING_RESOURCE,
      updateInterval: TUNING_UPDATE_INTERVAL,
      pollWhileChanging: TUNING_FALLBACK_POLL
    });
  }

  get status(): TuningJobStatus | null {
    return this._status;
  }

  /** Show only tuning jobs of a status (`null`: any). */
  setStatus(status: TuningJobStatus | null): void {
    this._status = status;
    this.emit();
    void this.refresh();
  }

  protected async fetchPage(): Promise<ResourceListModel.IPage<TuningJob>> {
    const page = await listTuningJobs(
      { status: this._status, maxItems: TUNING_JOBS_SHOWN },
      this.serverSettings
    );
    return { items: page.items, hasMore: Boolean(page.next_token) };
  }

  protected afterLoad(): void {
    this.pollWhile(this.items.some(isTuningActive));
  }

  private _status: TuningJobStatus | null = null;
}
