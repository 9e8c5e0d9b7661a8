/**
 * JobModel: one job, the latest metrics of its run, and its log.
 *
 * The log is tailed by byte offset: each read asks only for what follows the
 * previous `next_offset`, once a second until the server says the log is
 * complete. The text kept is capped; the oldest lines are dropped first.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import { cloneJob, getJob, getJobLog, isActive, stopJob } from '../api/jobs';
import { getRun } from '../api/runs';
import type { Job, Run } from '../api/types';
import { ResourceModel, tailOf } from '../ui/resource-model';
import { runChange } from '../experiments/runs/events';
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
  export interface IOptions extends ResourceModel.IOptions {
    jobId: string;
  }
}

export class JobModel extends ResourceModel<Job> {
  constructor(options: JobModel.IOptions) {
    super(options, JOB_UPDATE_INTERVAL);
    this.jobId = options.jobId;
    this._jobPoll = this.addPoll(
      `jupyter-mlstudio:job-${options.jobId}`,
      () => this._refreshLive(),
      { interval: JOB_FALLBACK_POLL, backoff: true }
    );
    this._logPoll = this.addPoll(
      `jupyter-mlstudio:job-log-${options.jobId}`,
      () => this._readLog(),
      { interval: LOG_POLL_INTERVAL, backoff: true, max: 30_000 }
    );
  }

  readonly jobId: string;

  get job(): Job | null {
    return this.data;
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

  async start(): Promise<void> {
    await this.loadShown();
    if (!this.job) {
      return;
    }
    void this._logPoll.start();
    await this._loadRun();
    this.emit();
  }

  async refresh(): Promise<void> {
    await this._refreshLive();
  }

  /** Stop the job; `false` (see `error`) if the server refused. */
  stop(): Promise<boolean> {
    return this.act(
      async () => this.setData(await stopJob(this.jobId, this.serverSettings)),
      { settle: () => this._afterJobChange() }
    );
  }

  /** Start a new job with the same spec; `null` (see `error`) on failure. */
  async clone(): Promise<Job | null> {
    let job: Job | null = null;
    await this.act(async () => {
      job = await cloneJob(this.jobId, {}, this.serverSettings);
    });
    return job;
  }

  protected fetch(): Promise<Job> {
    return getJob(this.jobId, this.serverSettings);
  }

  protected async load(): Promise<boolean> {
    const loaded = await super.load();
    this._afterJobChange();
    return loaded;
  }

  protected update(): Promise<void> {
    return this._refreshLive();
  }

  protected onEvent(emission: Event.Emission): void {
    const job = jobChange(emission);
    const run = runChange(emission);
    if (job?.id === this.jobId) {
      this.scheduleUpdate();
    } else if (run && run.id === this.job?.run_id) {
      this._runStale = true;
      this.scheduleUpdate();
    }
  }

  private async _loadRun(): Promise<void> {
    const runId = this.job?.run_id;
    if (!runId) {
      return;
    }
    try {
      this._run = await getRun(runId, this.serverSettings);
    } catch {
      // The metrics are a bonus: a missing run must not hide the job.
      this._run = null;
    }
  }

  /** Follow the job with the fallback poll only while it can change. */
  private _afterJobChange(): void {
    if (this.isDisposed) {
      return;
    }
    const job = this.job;
    setPolling(this._jobPoll, job !== null && isActive(job));
    // A log that was complete stays so; a job that ended needs one last read.
    if (job && !this._logComplete && !isActive(job)) {
      void this._logPoll.refresh();
    }
  }

  private async _refreshLive(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    const before = this.job;
    const wasActive = before !== null && isActive(before);
    await this.load();
    const job = this.job;
    const ended = wasActive && job !== null && !isActive(job);
    if (this._runStale || ended || job?.status === 'Running') {
      this._runStale = false;
      await this._loadRun();
    }
    this.emit();
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
    if (this._logComplete || this.isDisposed) {
      return;
    }
    let added = '';
    for (let i = 0; i < LOG_CHUNKS_PER_TICK; i++) {
      const chunk = await getJobLog(
        this.jobId,
        this._logOffset,
        LOG_CHUNK_BYTES,
        this.serverSettings
      );
      if (this.isDisposed) {
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
      this.emit();
    }
  }

  private _appendLog(text: string): void {
    const tail = tailOf(this._log + text, MAX_LOG_CHARS);
    this._log = tail.text;
    if (tail.truncated) {
      this._logTruncated = true;
    }
  }

  private _jobPoll: Poll;
  private _log = '';
  private _logComplete = false;
  private _logOffset = 0;
  private _logPoll: Poll;
  private _logTruncated = false;
  private _reading: Promise<void> | null = null;
  private _run: Run | null = null;
  private _runStale = false;
}
