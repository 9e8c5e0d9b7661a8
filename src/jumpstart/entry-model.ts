/**
 * The state of a catalog entry page: the entry, the launch form (texts,
 * messages per parameter from the page's checks and from a 400 answer),
 * and for a pre-built model its deployment (the endpoint's status, read
 * every second until it serves or fails), the example request's answer,
 * and a fine-tuning job.
 */
import type { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import {
  getEndpoint,
  IInvocationResult,
  invokeEndpoint
} from '../api/endpoints';
import { MLStudioAPIError } from '../api/request';
import type { Endpoint } from '../api/types';
import { errorOf } from '../ui/errors';
import type { IModelError } from '../tokens';
import {
  deployEntry,
  fineTuneEntry,
  getCatalogEntry,
  ICatalogEntry,
  ICatalogLaunch,
  IDeployResult,
  launchEntry
} from './api';
import { initialText, parameterOfMessage, parseForm } from './logic';

const ENDPOINT_POLL_MS = 1000;
const SETTLED = new Set(['InService', 'Failed', 'OutOfService']);

export class EntryModel {
  constructor(
    readonly name: string,
    private readonly _settings?: ServerConnection.ISettings
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  get entry(): ICatalogEntry | null {
    return this._entry;
  }
  get error(): IModelError | null {
    return this._error;
  }
  get busy(): string | null {
    return this._busy;
  }
  get texts(): Readonly<Record<string, string>> {
    return this._texts;
  }
  get fieldErrors(): Readonly<Record<string, string>> {
    return this._fieldErrors;
  }
  get deployment(): IDeployResult | null {
    return this._deployment;
  }
  get endpoint(): Endpoint | null {
    return this._endpoint;
  }
  get answer(): IInvocationResult | null {
    return this._answer;
  }
  get fineTuneJob(): string | null {
    return this._fineTuneJob;
  }

  async start(): Promise<void> {
    try {
      this._entry = await getCatalogEntry(this.name, this._settings);
      this._texts = Object.fromEntries(
        this._entry.parameters.map(p => [p.name, initialText(p)])
      );
      this._error = null;
    } catch (reason) {
      this._error = errorOf(reason);
    }
    this._changed.emit();
  }

  dismissError(): void {
    this._error = null;
    this._changed.emit();
  }

  setText(name: string, text: string): void {
    this._texts = { ...this._texts, [name]: text };
    if (this._fieldErrors[name]) {
      const rest = { ...this._fieldErrors };
      delete rest[name];
      this._fieldErrors = rest;
    }
    this._changed.emit();
  }

  /** Start a launch with the form's values; null (and messages) when refused. */
  async launch(): Promise<ICatalogLaunch | null> {
    const entry = this._entry;
    if (!entry || this._busy) {
      return null;
    }
    const form = parseForm(entry.parameters, this._texts);
    this._fieldErrors = form.errors;
    if (Object.keys(form.errors).length) {
      this._changed.emit();
      return null;
    }
    return this._act('Launching…', async () => {
      try {
        return await launchEntry(entry.name, form.values, this._settings);
      } catch (reason) {
        // a 400 names the parameter: show the message under its input
        if (reason instanceof MLStudioAPIError && reason.status === 400) {
          const name = parameterOfMessage(entry.parameters, reason.message);
          if (name) {
            this._fieldErrors = { [name]: reason.message };
            return null;
          }
        }
        throw reason;
      }
    });
  }

  /** Deploy the pre-built model, then follow its endpoint until it serves. */
  async deploy(endpointName: string): Promise<void> {
    const entry = this._entry;
    if (!entry || this._busy) {
      return;
    }
    const result = await this._act('Deploying…', () =>
      deployEntry(entry.name, endpointName.trim() || null, this._settings)
    );
    if (result) {
      this._deployment = result;
      this._endpoint = null;
      this._answer = null;
      this._changed.emit();
      void this._followEndpoint();
    }
  }

  /** Send the entry's input example to the deployed endpoint. */
  async sendExample(): Promise<void> {
    const entry = this._entry;
    const deployment = this._deployment;
    if (!entry || !deployment || this._busy) {
      return;
    }
    const answer = await this._act('Sending…', () =>
      invokeEndpoint(
        deployment.endpoint_name,
        JSON.stringify(entry.input_example ?? {}),
        { contentType: 'application/json' },
        this._settings
      )
    );
    if (answer) {
      this._answer = answer;
      this._changed.emit();
    }
  }

  /** Start a fine-tuning job on a file of the Jupyter root. */
  async fineTune(data: string, target: string): Promise<string | null> {
    const entry = this._entry;
    if (!entry || this._busy || !data.trim()) {
      return null;
    }
    const result = await this._act('Starting…', () =>
      fineTuneEntry(
        entry.name,
        data.trim(),
        target.trim() || null,
        this._settings
      )
    );
    if (result) {
      this._fineTuneJob = result.job_id;
      this._changed.emit();
      return result.job_id;
    }
    return null;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._timer);
    Signal.clearData(this);
  }

  private async _followEndpoint(): Promise<void> {
    window.clearTimeout(this._timer);
    const deployment = this._deployment;
    if (!deployment || this._disposed) {
      return;
    }
    try {
      this._endpoint = await getEndpoint(
        deployment.endpoint_name,
        this._settings
      );
      this._changed.emit();
    } catch {
      // not listed yet: ask again
    }
    if (!this._disposed && !SETTLED.has(this._endpoint?.status ?? '')) {
      this._timer = window.setTimeout(
        () => void this._followEndpoint(),
        ENDPOINT_POLL_MS
      );
    }
  }

  /** Run `action` with `label` as the busy state; its error becomes the banner. */
  private async _act<T>(
    label: string,
    action: () => Promise<T>
  ): Promise<T | null> {
    this._busy = label;
    this._error = null;
    this._changed.emit();
    let result: T | null = null;
    try {
      result = await action();
    } catch (reason) {
      this._error = errorOf(reason);
    }
    this._busy = null;
    this._changed.emit();
    return result;
  }

  private _answer: IInvocationResult | null = null;
  private _busy: string | null = null;
  private _changed = new Signal<this, void>(this);
  private _deployment: IDeployResult | null = null;
  private _disposed = false;
  private _endpoint: Endpoint | null = null;
  private _entry: ICatalogEntry | null = null;
  private _error: IModelError | null = null;
  private _fieldErrors: Record<string, string> = {};
  private _fineTuneJob: string | null = null;
  private _texts: Record<string, string> = {};
  private _timer = 0;
}
