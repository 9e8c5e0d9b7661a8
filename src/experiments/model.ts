/**
 * ExperimentsModel: the experiments state and the only code that changes it.
 *
 * It learns about changes three ways: its own actions (refresh after each),
 * jupyter-server events (emitted by the server on REST writes), and a slow
 * poll, because SDK writes from kernels go straight to the store and emit no
 * event.
 */
import {
  createExperiment,
  deleteExperiment,
  listExperiments,
  updateExperiment
} from '../api/experiments';
import { ServerExtensionMissingError } from '../api/request';
import { getStatus } from '../api/status';
import type { Experiment, ServerStatus } from '../api/types';
import { ResourceListModel } from '../ui/list-model';
import { IExperimentsModel } from '../tokens';

/** Default and minimum seconds between background refreshes. */
export const DEFAULT_REFRESH_INTERVAL = 30;
export const MIN_REFRESH_INTERVAL = 5;

export namespace ExperimentsModel {
  export interface IOptions extends ResourceListModel.IOptions {
    /** Seconds between background refreshes. */
    refreshInterval?: number;
  }
}

export class ExperimentsModel
  extends ResourceListModel<Experiment>
  implements IExperimentsModel
{
  constructor(options: ExperimentsModel.IOptions = {}) {
    // `auto` starts the poll on the next turn: that tick is the first load,
    // so constructing the model never waits on the network.
    super(options, {
      resource: 'experiments',
      poll: {
        auto: true,
        frequency: frequencyFor(
          options.refreshInterval ?? DEFAULT_REFRESH_INTERVAL
        ),
        name: 'jupyter-mlstudio:experiments'
      }
    });
  }

  get experiments(): ReadonlyArray<Experiment> {
    return this.items;
  }

  get selected(): Experiment | null {
    return this.items.find(e => e.id === this._selectedId) ?? null;
  }

  get status(): ServerStatus | null {
    return this._status;
  }

  get refreshInterval(): number {
    return this.poll ? this.poll.frequency.interval / 1000 : 0;
  }

  set refreshInterval(seconds: number) {
    if (this.poll) {
      this.poll.frequency = frequencyFor(seconds);
    }
  }

  select(id: string | null): void {
    if (id !== this._selectedId) {
      this._selectedId = id;
      this.emit();
    }
  }

  async create(name: string, description = ''): Promise<Experiment | null> {
    return this._act(async () => {
      const experiment = await createExperiment(
        { name, description },
        this.serverSettings
      );
      this._selectedId = experiment.id;
      return experiment;
    });
  }

  async rename(id: string, name: string): Promise<Experiment | null> {
    return this._act(() => updateExperiment(id, { name }, this.serverSettings));
  }

  async remove(id: string): Promise<boolean> {
    const done = await this._act(async () => {
      await deleteExperiment(id, this.serverSettings);
      if (this._selectedId === id) {
        this._selectedId = null;
      }
      return true;
    });
    return done ?? false;
  }

  protected async fetchPage(): Promise<ResourceListModel.IPage<Experiment>> {
    // Ask for the status first until the server has answered once: its
    // 404 is how a missing server extension is recognised.
    if (this._status === null || this.serverMissing) {
      this._status = await getStatus(this.serverSettings);
    }
    const items = await listExperiments({}, this.serverSettings);
    items.sort((a, b) => b.created_at.localeCompare(a.created_at));
    return { items, hasMore: false };
  }

  protected recordError(reason: unknown, source: 'load' | 'action'): void {
    if (reason instanceof ServerExtensionMissingError) {
      this._status = null;
    }
    super.recordError(reason, source);
  }

  /** Run a user action, record its error, and refresh afterwards. */
  private async _act<T>(action: () => Promise<T>): Promise<T | null> {
    let result: T | null = null;
    try {
      result = await action();
      this.setError(null);
    } catch (reason) {
      this.recordError(reason, 'action');
    }
    this.emit();
    await this.refresh();
    return result;
  }

  private _selectedId: string | null = null;
  private _status: ServerStatus | null = null;
}

/** Poll frequency for a refresh interval in seconds, with backoff on errors. */
function frequencyFor(seconds: number) {
  const valid = Number.isFinite(seconds) ? seconds : DEFAULT_REFRESH_INTERVAL;
  const interval = Math.max(valid, MIN_REFRESH_INTERVAL) * 1000;
  return { backoff: true, interval, max: Math.max(interval * 10, 300_000) };
}
