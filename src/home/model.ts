/**
 * HomeModel: the state of the ML Studio home — what runs now, recent
 * activity and the configuration — and its Stop actions.
 *
 * The server's `resource_changed` events (jobs, endpoints, runs, models)
 * reload it, throttled; CPU and memory change without events, so a poll
 * refreshes them only while something is running and the view is shown.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { deleteEndpoint } from '../api/endpoints';
import { getHome, Home, RunningItem } from '../api/home';
import { stopJob } from '../api/jobs';
import { stopTuningJob } from '../api/tuning';
import { SERVER_EXTENSION_MISSING } from '../api/request';
import { resourceChange, setPolling } from '../events';
import { ResourceModel } from '../ui/resource-model';

/** The resources whose changes show on the home. */
const FOLLOWED = ['jobs', 'endpoints', 'runs', 'models', 'tuning-jobs'];

/** Milliseconds between reloads caused by events. */
export const HOME_UPDATE_INTERVAL = 1000;

/** Milliseconds between CPU and memory refreshes while something runs. */
export const HOME_USAGE_POLL = 3000;

export namespace HomeModel {
  export type IOptions = ResourceModel.IOptions;
}

export class HomeModel extends ResourceModel<Home> {
  constructor(options: HomeModel.IOptions = {}) {
    super(options, HOME_UPDATE_INTERVAL);
    this._poll = this.addPoll('jupyter-mlstudio:home', () => this.update(), {
      interval: HOME_USAGE_POLL,
      backoff: true
    });
  }

  get home(): Home | null {
    return this.data;
  }

  /** Whether the server extension is not running. */
  get serverMissing(): boolean {
    return this.error?.code === SERVER_EXTENSION_MISSING;
  }

  /** Ids of the items whose Stop is in flight. */
  get stopping(): ReadonlySet<string> {
    return this._stopping;
  }

  /** The first load. */
  async start(): Promise<void> {
    await this.loadShown();
    this._followUsage();
  }

  /**
   * Whether the view is shown: CPU and memory are only polled for a
   * visible home; showing it again reloads at once.
   */
  setVisible(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible && this.data) {
      void this.refresh();
    } else {
      this._followUsage();
    }
  }

  /** Reload now. */
  async refresh(): Promise<void> {
    await this.update();
  }

  /**
   * Stop a job (its processes are terminated), a tuning job (its running
   * trials are stopped) or delete an endpoint (its processes stop, and it is
   * removed). Resolves whether it worked.
   */
  async stop(item: RunningItem): Promise<boolean> {
    const key = `${item.kind}:${item.id}`;
    this._stopping.add(key);
    return this.act(
      async () => {
        if (item.kind === 'job') {
          await stopJob(item.id, this.serverSettings);
        } else if (item.kind === 'tuning-job') {
          await stopTuningJob(item.id, this.serverSettings);
        } else {
          await deleteEndpoint(item.id, this.serverSettings);
        }
        await this.load();
      },
      { settle: () => this._stopping.delete(key) }
    );
  }

  protected fetch(): Promise<Home> {
    return getHome(this.serverSettings);
  }

  protected async update(): Promise<void> {
    await this.load();
    this._followUsage();
    this.emit();
  }

  protected onEvent(emission: Event.Emission): void {
    if (FOLLOWED.some(resource => resourceChange(emission, resource))) {
      this.scheduleUpdate();
    }
  }

  /** Poll for CPU and memory only while something runs. */
  private _followUsage(): void {
    setPolling(
      this._poll,
      this._visible && (this.data?.running.length ?? 0) > 0,
      HOME_USAGE_POLL
    );
  }

  private _poll: Poll;
  private _visible = true;
  private _stopping = new Set<string>();
}
