/**
 * TuningJobModel: one tuning job, all of its trials and optuna's
 * hyperparameter importances, kept live by the server's `tuning-jobs`
 * events (throttled) with a slow fallback poll while the job is active.
 *
 * The trials are read whole (pages of 1,000) so the plots are computed in
 * the page from one list; the table only renders the rows in view.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import {
  getImportances,
  getTuningJob,
  isTuningActive,
  listTrials,
  stopTuningJob,
  TrialInfo,
  TuningJob
} from './api';
import { setPolling } from '../events';
import { ResourceModel } from '../ui/resource-model';
import {
  TUNING_FALLBACK_POLL,
  TUNING_UPDATE_INTERVAL,
  tuningChange
} from './events';

/** Trials asked per page (the server's largest page). */
const TRIALS_PAGE = 1000;

export namespace TuningJobModel {
  export interface IOptions extends ResourceModel.IOptions {
    tuningJobId: string;
  }
}

export class TuningJobModel extends ResourceModel<TuningJob> {
  constructor(options: TuningJobModel.IOptions) {
    super(options, TUNING_UPDATE_INTERVAL);
    this.tuningJobId = options.tuningJobId;
    this._poll = this.addPoll(
      `jupyter-mlstudio:tuning-${options.tuningJobId}`,
      () => this._reload(),
      { interval: TUNING_FALLBACK_POLL, backoff: true }
    );
  }

  readonly tuningJobId: string;

  get job(): TuningJob | null {
    return this.data;
  }

  /** Every trial, in trial-number order (a new array after each load). */
  get trials(): ReadonlyArray<TrialInfo> {
    return this._trials;
  }

  /** Whether the trials have been read at least once. */
  get trialsLoaded(): boolean {
    return this._trialsLoaded;
  }

  /** optuna's importances, most important first (empty until two trials completed). */
  get importances(): ReadonlyArray<{ param: string; importance: number }> {
    return this._importances;
  }

  /** The best trial so far (one objective), once the trials are read. */
  get bestTrial(): TrialInfo | null {
    const number = this.job?.best_trial;
    if (number === null || number === undefined) {
      return null;
    }
    return this._trials.find(t => t.number === number) ?? null;
  }

  async start(): Promise<void> {
    await this.loadShown();
    if (!this.job) {
      return;
    }
    await this._loadDetails(true);
    this._afterChange();
    this.emit();
  }

  refresh(): Promise<void> {
    return this._reload(true);
  }

  /** Ask the tuning job to stop; `false` (see `error`) if the server refused. */
  stop(): Promise<boolean> {
    return this.act(
      async () =>
        this.setData(
          await stopTuningJob(this.tuningJobId, this.serverSettings)
        ),
      { busy: true, settle: () => this._afterChange() }
    );
  }

  protected fetch(): Promise<TuningJob> {
    return getTuningJob(this.tuningJobId, this.serverSettings);
  }

  protected update(): Promise<void> {
    return this._reload();
  }

  protected onEvent(emission: Event.Emission): void {
    const change = tuningChange(emission);
    const job = this.job;
    if (
      change &&
      (change.id === this.tuningJobId || (job && change.id === job.name))
    ) {
      this.followChange(change.action);
    }
  }

  private async _reload(force = false): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    const before = this.job;
    await this.load();
    const job = this.job;
    if (
      job &&
      (force ||
        !before ||
        isTuningActive(before) ||
        before.updated_at !== job.updated_at)
    ) {
      await this._loadDetails(
        force || before?.progress.completed !== job.progress.completed
      );
    }
    this._afterChange();
    this.emit();
  }

  /** Read every trial, and the importances when `importances` (they change with completions). */
  private async _loadDetails(importances: boolean): Promise<void> {
    try {
      const trials: TrialInfo[] = [];
      let token: string | null | undefined = null;
      do {
        const page = await listTrials(
          this.tuningJobId,
          { maxItems: TRIALS_PAGE, nextToken: token },
          this.serverSettings
        );
        trials.push(...page.items);
        token = page.next_token;
      } while (token && !this.isDisposed);
      this._trials = trials;
      this._trialsLoaded = true;
    } catch (reason) {
      this.setError(reason);
    }
    if (importances) {
      // show the table and plots now: importances (fANOVA) take longer at thousands of trials
      this.emit();
      try {
        const result = await getImportances(
          this.tuningJobId,
          this.serverSettings
        );
        this._importances = result.items;
      } catch {
        // The importances are a bonus: the trials and plots stand without them.
      }
    }
  }

  private _afterChange(): void {
    if (!this.isDisposed) {
      const job = this.job;
      setPolling(
        this._poll,
        job !== null && isTuningActive(job),
        TUNING_FALLBACK_POLL
      );
    }
  }

  private _importances: Array<{ param: string; importance: number }> = [];
  private _poll: Poll;
  private _trials: TrialInfo[] = [];
  private _trialsLoaded = false;
}
