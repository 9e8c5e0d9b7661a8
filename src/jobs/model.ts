/**
 * JobsModel: the jobs list of the Jobs sidebar, filtered by kind and status.
 *
 * Server events keep it live (throttled to one reload a second); a slow poll
 * runs only while some listed job is still active, in case the events do not
 * reach the page.
 */
import { isActive, listJobs } from '../api/jobs';
import type { Job, JobKind, JobStatus } from '../api/types';
import { ResourceListModel } from '../ui/list-model';
import { JOB_FALLBACK_POLL, JOB_UPDATE_INTERVAL } from './events';

/** How many of the newest jobs the sidebar lists. */
export const JOBS_SHOWN = 200;

export class JobsModel extends ResourceListModel<Job> {
  constructor(options: ResourceListModel.IOptions = {}) {
    super(options, {
      resource: 'jobs',
      updateInterval: JOB_UPDATE_INTERVAL,
      pollWhileChanging: JOB_FALLBACK_POLL
    });
  }

  /** The newest jobs matching the filters, newest first. */
  get jobs(): ReadonlyArray<Job> {
    return this.items;
  }

  get kind(): JobKind | null {
    return this._kind;
  }

  get status(): JobStatus | null {
    return this._status;
  }

  /** Show only jobs of a kind and/or status (`null`: any). */
  setFilters(filters: { kind?: JobKind | null; status?: JobStatus | null }) {
    if (filters.kind !== undefined) {
      this._kind = filters.kind;
    }
    if (filters.status !== undefined) {
      this._status = filters.status;
    }
    this.emit();
    void this.refresh();
  }

  protected async fetchPage(): Promise<ResourceListModel.IPage<Job>> {
    const page = await listJobs(
      { kind: this._kind, status: this._status, maxItems: JOBS_SHOWN },
      this.serverSettings
    );
    return { items: page.items, hasMore: page.next_token !== null };
  }

  protected afterLoad(): void {
    this.pollWhile(this.items.some(isActive));
  }

  private _kind: JobKind | null = null;
  private _status: JobStatus | null = null;
}
