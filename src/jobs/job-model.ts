/**
 * JobModel: one job, the latest metrics of its run, and its log.
 *
 * The log is tailed by byte offset: each read asks only for what follows the
 * previous `next_offset`, once a second until the server says the log is
 * complete. The text kept is capped; the oldest lines are dropped first.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Poll, Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { cloneJob, getJob, getJobLog, isActive, stopJob } from '../api/jobs';
import { getRun } from '../api/runs';
import type { Job, Run } from '../api/types';
import { runChange } from '../runs/events';
import type { IModelError } from '../tokens';
import { errorOf } from './errors';
import {
  JOB_FALLBACK_POLL,
  JOB_UPDATE_INTERVAL,
  jobChange,
  setPolling
} from './events';

/** Characters of log kept in the page (about 2 MB). */
export const MAX_LOG_CHARS = 2 * 1024 * 1024;
/** Bytes asked per log request. */
const LOG_CHUNK_BYTES = 256 * 1024;
/** Requests per poll tick when a lot of log is waiting. */
const LOG_CHUNKS_PER_TICK = 8;
/** Milliseconds between log reads while the job runs. */
export const LOG_POLL_INTERVAL = 1000;

export namespace JobModel {
  export interface IOptions {
    jobId: string;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class JobModel implements IDisposable {
  constructor(options: JobModel.IOptions) {
    this.jobId = options.jobId;
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._updater = new Throttler(() => this._refreshLive(), {
      limit: JOB_UPDATE_INTERVAL,
      edge: 'trailing'
    });
    this._jobPoll = new Poll({
      auto: false,
      factory: () => this._refreshLive(),
      frequency: { interval: JOB_FALLBACK_POLL, backoff: true },
      name: `jupyter-mlstudio:job-${options.jobId}`,
      standby: 'when-hidden'
    });
    this._logPoll = new Poll({
      auto: false,
      factory: () => this._readLog(),
      frequency: {
        interval: LOG_POLL_INTERVAL,
        backoff: true,
        max: 30_000
      },
      name: `jupyter-mlstudio:job-log-${options.jobId}`,
      standby: 'when-hidden'
    });
  }

  readonly jobId: string;

  get changed(): Signal<this, void> {
    return this._changed;
  }

  get job(): Job | null {
    return this._job;
  }

  /** The job's run, for its latest metrics. */
  get run(): Run | null {
    return this._run;
  }

  /** The log read so far (its newest part, if it grew past the cap). */
  get log(): string {
    return this._log;
  }

  /** Whether older log lines were dropped to stay under the cap. */
  get logTruncated(): boolean {
    return this._logTruncated;
  }

  /** Whether the job ended and its whole log has been read. */
  get logComplete(): boolean {
    return this._logComplete;
  }

  get error(): IModelError | null {
    return this._error;
  }

  get isLoading(): boolean {
    return this._isLoading;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async start(): Promise<void> {
    this._isLoading = true;
    this._emit();
    await this._loadJob();
    this._isLoading = false;
    this._emit();
    if (!this._job) {
      return;
    }
    void this._logPoll.start();
    await this._loadRun();
    this._emit();
  }

  async refresh(): Promise<void> {
    await this._refreshLive();
  }

  /** Stop the job; `false` (see `error`) if the server refused. */
  async stop(): Promise<boolean> {
    try {
      this._job = await stopJob(this.jobId, this._settings);
      this._error = null;
      return true;
    } catch (reason) {
      this._error = errorOf(reason);
      return false;
    } finally {
      this._afterJobChange();
      this._emit();
    }
  }

  /** Start a new job with the same spec; `null` (see `error`) on failure. */
  async clone(): Promise<Job | null> {
    try {
      const job = await cloneJob(this.jobId, {}, this._settings);
      this._error = null;
      return job;
    } catch (reason) {
      this._error = errorOf(reason);
      return null;
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
    this._jobPoll.dispose();
    this._logPoll.dispose();
    Signal.clearData(this);
  }

  private async _loadJob(): Promise<void> {
    try {
      this._job = await getJob(this.jobId, this._settings);
      this._error = null;
    } catch (reason) {
      this._error = errorOf(reason);
    }
    this._afterJobChange();
  }

  private async _loadRun(): Promise<void> {
    const runId = this._job?.run_id;
    if (!runId) {
      return;
    }
    try {
      this._run = await getRun(runId, this._settings);
    } catch {
      // The metrics are a bonus: a missing run must not hide the job.
      this._run = null;
    }
  }

  /** Follow the job with the fallback poll only while it can change. */
  private _afterJobChange(): void {
    if (this._isDisposed) {
      return;
    }
    setPolling(this._jobPoll, this._job !== null && isActive(this._job));
    // A log that was complete stays so; a job that ended needs one last read.
    if (this._job && !this._logComplete && !isActive(this._job)) {
      void this._logPoll.refresh();
    }
  }

  private async _refreshLive(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    const wasActive = this._job !== null && isActive(this._job);
    await this._loadJob();
    const ended = wasActive && this._job !== null && !isActive(this._job);
    if (this._runStale || ended || this._job?.status === 'Running') {
      this._runStale = false;
      await this._loadRun();
    }
    this._emit();
  }

  /**
   * Read what the log gained since the last read. A read asked for while one
   * is in flight joins it: two reads from the same offset would append the
   * same text twice.
   */
  private _readLog(): Promise<void> {
    if (!this._reading) {
      this._reading = this._readLogChunks().finally(() => {
        this._reading = null;
      });
    }
    return this._reading;
  }

  private async _readLogChunks(): Promise<void> {
    if (this._logComplete || this._isDisposed) {
      return;
    }
    let added = '';
    for (let i = 0; i < LOG_CHUNKS_PER_TICK; i++) {
      const chunk = await getJobLog(
        this.jobId,
        this._logOffset,
        LOG_CHUNK_BYTES,
        this._settings
      );
      if (this._isDisposed) {
        return;
      }
      added += chunk.text;
      this._logOffset = chunk.next_offset;
      if (chunk.complete) {
        this._logComplete = true;
        break;
      }
      if (chunk.next_offset >= chunk.size || chunk.text === '') {
        break;
      }
    }
    if (added) {
      this._appendLog(added);
    }
    if (this._logComplete) {
      void this._logPoll.stop();
    }
    if (added || this._logComplete) {
      this._emit();
    }
  }

  private _appendLog(text: string): void {
    let log = this._log + text;
    if (log.length > MAX_LOG_CHARS) {
      // Cut at a line start so the first line shown is whole.
      const from = log.length - MAX_LOG_CHARS;
      const newline = log.indexOf('\n', from);
      log = log.slice(newline >= 0 ? newline + 1 : from);
      this._logTruncated = true;
    }
    this._log = log;
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    if (this._isDisposed) {
      return;
    }
    const job = jobChange(emission);
    const run = runChange(emission);
    if (job?.id === this.jobId) {
      void this._updater.invoke().catch(() => undefined);
    } else if (run && run.id === this._job?.run_id) {
      this._runStale = true;
      void this._updater.invoke().catch(() => undefined);
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _isDisposed = false;
  private _isLoading = false;
  private _job: Job | null = null;
  private _jobPoll: Poll;
  private _log = '';
  private _logComplete = false;
  private _logOffset = 0;
  private _logPoll: Poll;
  private _logTruncated = false;
  private _reading: Promise<void> | null = null;
  private _run: Run | null = null;
  private _runStale = false;
  private _settings: ServerConnection.ISettings | undefined;
  private _updater: Throttler<void>;
}
