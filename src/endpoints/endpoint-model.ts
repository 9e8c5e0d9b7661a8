/**
 * EndpointModel: one endpoint, its live metrics history, log tail, recent
 * errors, the test request being edited and its answer, and the actions
 * (update weights or versions, capture settings, delete).
 *
 * While the view is shown and the endpoint serves, the metrics are read
 * every two seconds. The server's counters are cumulative and restart at 0
 * after an update, so the request rate comes from the difference between
 * two reads, and a decrease counts as a restart.
 */
import type { Event } from '@jupyterlab/services';
import type { Poll } from '@lumino/polling';

import {
  captureOf,
  deleteEndpoint,
  getEndpoint,
  getEndpointErrors,
  getEndpointExample,
  getEndpointLog,
  getEndpointMetrics,
  ICaptureSettings,
  IInvocationResult,
  IMetricsSnapshot,
  invokeEndpoint,
  isServing,
  isTransitional,
  parseMetrics,
  updateEndpoint
} from '../api/endpoints';
import type {
  Endpoint,
  EndpointError,
  EndpointShadowIn,
  EndpointUpdate,
  EndpointVariantIn
} from '../api/types';
import { errorOf } from '../ui/errors';
import { isNotFound, ResourceModel, tailOf } from '../ui/resource-model';
import {
  ENDPOINT_TRANSITION_POLL,
  ENDPOINT_UPDATE_INTERVAL,
  endpointChange,
  setPolling
} from './events';
import { csvFromJson, TEST_CONTENT_TYPES, TestContentType } from './payload';
import { ITestImage, releaseTestImage, testImage } from './test-image';
import { ASYNC_INFERENCE_RESOURCE, parseAsyncEventId } from './async-api';
import { AsyncRequestsModel } from './async-model';
import { promoteEndpointShadow } from './shadow-api';
import { resourceChange } from '../events';

/** Milliseconds between metrics (and log) reads while the view is shown. */
export const METRICS_INTERVAL = 2000;
/** Samples kept for the live charts (10 minutes at one per 2 s). */
export const MAX_SAMPLES = 300;
/** Characters of log kept in the page. */
export const MAX_LOG_CHARS = 512 * 1024;

/** One point of the live charts. */
export interface IMetricsSample {
  /** Page time of the read, ms since the epoch. */
  readonly time: number;
  /** Requests per second since the previous read. */
  readonly rate: number;
  /** Requests counted since the previous read. */
  readonly requests: number;
  /** Errors (4xx + 5xx) since the previous read. */
  readonly errors: number;
  /** Errors per second since the previous read. */
  readonly errorRate: number;
  readonly p50: number | null;
  readonly p99: number | null;
}

/** The test request being edited. */
export interface ITestRequest {
  body: string;
  contentType: TestContentType;
  /** The variant to target; '' lets the weights choose. */
  variant: string;
  /** The file sent when contentType is 'image'. */
  image: ITestImage | null;
}

export namespace EndpointModel {
  export interface IOptions extends ResourceModel.IOptions {
    name: string;
  }
}

export class EndpointModel extends ResourceModel<Endpoint> {
  constructor(options: EndpointModel.IOptions) {
    super(options, ENDPOINT_UPDATE_INTERVAL);
    this.name = options.name;
    this._statusPoll = this.addPoll(
      `jupyter-mlstudio:endpoint-${options.name}`,
      () => this.update(),
      { interval: ENDPOINT_TRANSITION_POLL, backoff: false }
    );
    this._livePoll = this.addPoll(
      `jupyter-mlstudio:endpoint-live-${options.name}`,
      () => this._readLive(),
      { interval: METRICS_INTERVAL, backoff: true, max: 30_000 }
    );
  }

  readonly name: string;

  get endpoint(): Endpoint | null {
    return this.data;
  }

  /** The newest metrics read. */
  get metrics(): IMetricsSnapshot | null {
    return this._metrics;
  }

  /** Why the last metrics read failed, if it did. */
  get metricsError(): string | null {
    return this._metricsError;
  }

  /** The chart points, oldest first. */
  get samples(): ReadonlyArray<IMetricsSample> {
    return this._samples;
  }

  get log(): string {
    return this._log;
  }

  get logTruncated(): boolean {
    return this._logTruncated;
  }

  get recentErrors(): ReadonlyArray<EndpointError> {
    return this._recentErrors;
  }

  get test(): Readonly<ITestRequest> {
    return this._test;
  }

  /** Whether the test body still is the model's example. */
  get testIsExample(): boolean {
    return this._exampleBody !== null && this._test.body === this._exampleBody;
  }

  get sending(): boolean {
    return this._sending;
  }

  /** The last test request's answer. */
  get result(): IInvocationResult | null {
    return this._result;
  }

  /** Why the last test request got no answer at all. */
  get resultError(): string | null {
    return this._resultError;
  }

  get capture(): ICaptureSettings | null {
    return this.endpoint ? captureOf(this.endpoint) : null;
  }

  /** Its asynchronous requests, while it has an `async_config`. */
  get asyncRequests(): AsyncRequestsModel | null {
    if (!this.endpoint?.async_config) {
      return null;
    }
    if (!this._async) {
      this._async = new AsyncRequestsModel(this.name, this.serverSettings, () =>
        this.emit()
      );
      void this._async.load();
    }
    return this._async;
  }

  dispose(): void {
    releaseTestImage(this._test.image);
    this._async?.dispose();
    super.dispose();
  }

  /** Load the endpoint, its example and first log; start following it. */
  async start(): Promise<void> {
    await this.load();
    if (this.endpoint) {
      await Promise.all([this._loadExample(), this._loadErrors()]);
      this.emit();
    }
    this._followLive();
  }

  /** Metrics and log are read live only while the view is shown. */
  setVisible(visible: boolean): void {
    this._visible = visible;
    this._followLive();
  }

  async refresh(): Promise<void> {
    await this.load();
    await Promise.all([this._readLive(false), this._loadErrors()]);
    this.emit();
  }

  setTest(change: Partial<ITestRequest>): void {
    const next = { ...this._test, ...change };
    if (
      change.contentType &&
      change.contentType !== this._test.contentType &&
      change.body === undefined &&
      change.contentType !== 'image' &&
      this._test.contentType !== 'image'
    ) {
      next.body = this._convertBody(this._test.body, change.contentType);
    }
    this._test = next;
    this.emit();
  }

  /** The image to send (`null`: none); `false` when the file is not an image. */
  setTestImage(file: File | null): boolean {
    const image = file ? testImage(file) : null;
    if (file && !image) {
      return false;
    }
    releaseTestImage(this._test.image);
    this._test = { ...this._test, image };
    this.emit();
    return true;
  }

  /** Put the model's example back into the test form. */
  async resetTest(): Promise<void> {
    await this._loadExample(true);
    this.emit();
  }

  /** Send the test request through the proxy. */
  async send(): Promise<void> {
    if (this._sending) {
      return;
    }
    this._sending = true;
    this._resultError = null;
    this.emit();
    const { body, contentType, variant, image } = this._test;
    // an image goes as it is, with its own type (image/png …)
    const sent = contentType === 'image' && image ? image : null;
    try {
      this._result = await invokeEndpoint(
        this.name,
        sent ? sent.file : body,
        {
          contentType: sent ? sent.type : TEST_CONTENT_TYPES[contentType],
          variant
        },
        this.serverSettings
      );
    } catch (reason) {
      this._result = null;
      this._resultError = errorOf(reason).message;
    } finally {
      this._sending = false;
      this.emit();
    }
    // The request shows up in the totals, the log and maybe the errors; the
    // chart gets it at the next regular read (rates need even intervals).
    await this._readLive(false);
    if (this._result && !this._result.ok) {
      await this._loadErrors();
    }
    this.emit();
  }

  /** New traffic weights by variant name. */
  updateWeights(weights: Record<string, number>): Promise<boolean> {
    return this._patch({ weights });
  }

  /** Serve other versions (a rolling update). */
  updateVariants(variants: EndpointVariantIn[]): Promise<boolean> {
    return this._patch({ variants });
  }

  /** Add or replace (`null`: remove) the shadow variant (serving/shadow.py). */
  saveShadow(shadow: EndpointShadowIn | null): Promise<boolean> {
    return this._patch({ shadow });
  }

  /** Make the shadow the production variant, with a rolling update. */
  promoteShadow(replace: string | null = null): Promise<boolean> {
    return this._act(async () =>
      this.setData(
        await promoteEndpointShadow(this.name, replace, this.serverSettings)
      )
    );
  }

  saveCapture(capture: ICaptureSettings): Promise<boolean> {
    return this._patch({
      capture: {
        enabled: capture.enabled,
        sampling_percent: capture.samplingPercent,
        format: capture.format
      }
    });
  }

  /** Stop and delete the endpoint; `false` (see `error`) if refused. */
  remove(): Promise<boolean> {
    return this._act(async () => {
      try {
        this.setData(await deleteEndpoint(this.name, this.serverSettings));
      } catch (reason) {
        if (!isNotFound(reason)) {
          throw reason;
        }
        // Already gone: an endpoint without a process is deleted at once.
        this.setDeleted(true);
      }
    });
  }

  protected fetch(): Promise<Endpoint> {
    return getEndpoint(this.name, this.serverSettings);
  }

  /** Load unless deleted; follow the endpoint as its status asks. */
  protected async load(): Promise<boolean> {
    if (this.isDisposed || this.deleted) {
      return false;
    }
    const previous = this.endpoint;
    const loaded = await super.load();
    const endpoint = this.endpoint;
    if (previous && endpoint && endpoint.generation !== previous.generation) {
      // A new generation of workers: counters restart.
      this._previous = null;
    }
    this._afterEndpointChange();
    this.emit();
    return loaded;
  }

  protected loadFailed(reason: unknown): void {
    if (isNotFound(reason)) {
      this.setDeleted(true);
    } else {
      super.loadFailed(reason);
    }
  }

  protected update(): Promise<void> {
    return this.load().then(() => undefined);
  }

  protected onEvent(emission: Event.Emission): void {
    if (endpointChange(emission)?.name === this.name) {
      this.scheduleUpdate();
    }
    const finished = resourceChange(emission, ASYNC_INFERENCE_RESOURCE);
    if (this._async && finished) {
      if (parseAsyncEventId(finished.id)?.endpoint === this.name) {
        void this._async.load();
      }
    }
  }

  /** Send an update; shown as `busy`. */
  private _patch(body: EndpointUpdate): Promise<boolean> {
    return this._act(async () =>
      this.setData(await updateEndpoint(this.name, body, this.serverSettings))
    );
  }

  private _act(action: () => Promise<void>): Promise<boolean> {
    return this.act(action, {
      busy: true,
      settle: () => this._afterEndpointChange()
    });
  }

  private async _loadExample(force = false): Promise<void> {
    try {
      const example = await getEndpointExample(this.name, this.serverSettings);
      const untouched =
        this._test.body === '' || this.testIsExample || this._csvIsExample();
      this._exampleBody = example.body;
      if (force || untouched) {
        this._test = {
          ...this._test,
          contentType: 'json',
          body: example.body
        };
      }
    } catch (reason) {
      if (force) {
        this.setError(reason);
      }
    }
  }

  private async _loadErrors(): Promise<void> {
    try {
      const list = await getEndpointErrors(this.name, this.serverSettings);
      this._recentErrors = list.items;
    } catch {
      // The errors table is a bonus: keep the last one.
    }
  }

  /** Poll the status while in transition; read live data while shown. */
  private _afterEndpointChange(): void {
    if (this.isDisposed) {
      return;
    }
    const endpoint = this.endpoint;
    setPolling(
      this._statusPoll,
      !this.deleted && endpoint !== null && isTransitional(endpoint)
    );
    this._followLive();
  }

  private _followLive(): void {
    if (this.isDisposed) {
      return;
    }
    const live =
      this._visible &&
      !this.deleted &&
      this.endpoint !== null &&
      this.endpoint.status !== 'Deleting';
    if (live === this._live) {
      return;
    }
    this._live = live;
    if (live) {
      void this._livePoll.start();
    } else {
      void this._livePoll.stop();
    }
  }

  /** Read metrics and log; `sample`: add the read to the charts. */
  private async _readLive(sample = true): Promise<void> {
    if (this.isDisposed || this.deleted || !this.endpoint) {
      return;
    }
    await Promise.all([
      isServing(this.endpoint) ? this._readMetrics(sample) : Promise.resolve(),
      this._readLog()
    ]);
    this.emit();
  }

  private async _readMetrics(sample: boolean): Promise<void> {
    let snapshot: IMetricsSnapshot;
    try {
      snapshot = parseMetrics(
        await getEndpointMetrics(this.name, this.serverSettings)
      );
    } catch (reason) {
      this._metricsError = errorOf(reason).message;
      return;
    }
    this._metricsError = null;
    this._metrics = snapshot;
    if (!sample) {
      return;
    }
    const now = Date.now();
    const totals = snapshot.totals;
    const errors = totals.errors4xx + totals.errors5xx;
    // The first read of a generation counts from when its counters started
    // (the endpoint's last change), so requests made before it are shown.
    const previous = this._previous ?? {
      time: Math.min(
        now - METRICS_INTERVAL,
        Date.parse(this.endpoint?.updated_at ?? '') || 0
      ),
      requests: 0,
      errors: 0
    };
    if (previous.time > 0) {
      // A decrease means the counters restarted: all of them are new.
      const reset = totals.requests < previous.requests;
      const requests = reset
        ? totals.requests
        : totals.requests - previous.requests;
      const newErrors = reset ? errors : Math.max(0, errors - previous.errors);
      const seconds = Math.max(0.001, (now - previous.time) / 1000);
      this._samples = [
        ...this._samples.slice(-(MAX_SAMPLES - 1)),
        {
          time: now,
          rate: requests / seconds,
          requests,
          errors: newErrors,
          errorRate: newErrors / seconds,
          p50: totals.p50,
          p99: totals.p99
        }
      ];
      if (newErrors > 0) {
        void this._loadErrors().then(() => this.emit());
      }
    }
    this._previous = { time: now, requests: totals.requests, errors };
  }

  /** Read what the log gained since the last read. */
  private async _readLog(): Promise<void> {
    try {
      const chunk = await getEndpointLog(
        this.name,
        this._logOffset,
        this.serverSettings
      );
      if (chunk.offset !== this._logOffset) {
        // The log was replaced: start again.
        this._log = '';
      }
      this._logOffset = chunk.next_offset;
      if (chunk.text) {
        const tail = tailOf(this._log + chunk.text, MAX_LOG_CHARS);
        this._log = tail.text;
        if (tail.truncated) {
          this._logTruncated = true;
        }
      }
    } catch {
      // The endpoint may be going away; the status says why.
    }
  }

  private _convertBody(body: string, to: TestContentType): string {
    if (to === 'csv') {
      return csvFromJson(body) ?? body;
    }
    // Back to JSON: the example, if the CSV was made from it.
    return this._csvIsExample() && this._exampleBody !== null
      ? this._exampleBody
      : body;
  }

  private _csvIsExample(): boolean {
    return (
      this._exampleBody !== null &&
      this._test.contentType === 'csv' &&
      this._test.body === csvFromJson(this._exampleBody)
    );
  }

  private _async: AsyncRequestsModel | null = null;
  private _exampleBody: string | null = null;
  private _live = false;
  private _livePoll: Poll;
  private _log = '';
  private _logOffset = 0;
  private _logTruncated = false;
  private _metrics: IMetricsSnapshot | null = null;
  private _metricsError: string | null = null;
  private _previous: {
    time: number;
    requests: number;
    errors: number;
  } | null = null;
  private _recentErrors: EndpointError[] = [];
  private _result: IInvocationResult | null = null;
  private _resultError: string | null = null;
  private _samples: IMetricsSample[] = [];
  private _sending = false;
  private _statusPoll: Poll;
  private _test: ITestRequest = {
    body: '',
    contentType: 'json',
    variant: '',
    image: null
  };
  private _visible = false;
}
