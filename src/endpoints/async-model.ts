/**
 * The endpoint view's asynchronous inference state: the payload being
 * prepared (typed text or an uploaded file), the recent requests and the
 * output of the one shown. The list is read again when the server announces
 * a finished request of this endpoint (`async-inference` events) and, while
 * some request is queued or in progress, every second (nothing announces
 * Queued → InProgress).
 */
import type { ServerConnection } from '@jupyterlab/services';

import { errorOf } from '../ui/errors';
import {
  AsyncInference,
  getAsyncOutput,
  invokeAsync,
  isFinished,
  listAsync
} from './async-api';

/** Milliseconds between list reads while a request is unfinished. */
export const ASYNC_POLL_INTERVAL = 1000;
/** Requests shown in the list. */
export const ASYNC_LIST_SIZE = 20;
/** Characters of an output shown in the page (the download has it all). */
export const MAX_OUTPUT_CHARS = 64 * 1024;

export type AsyncPayloadType = 'json' | 'csv';

export const ASYNC_CONTENT_TYPES: Record<AsyncPayloadType, string> = {
  json: 'application/json',
  csv: 'text/csv'
};

/** The request being prepared: a file wins over the typed text. */
export interface IAsyncDraft {
  text: string;
  file: File | null;
  contentType: AsyncPayloadType;
}

/** A finished request's output (or error file) as shown. */
export interface IAsyncOutput {
  text: string;
  truncated: boolean;
  blob: Blob | null;
  error: string | null;
}

/** The content type of an uploaded file: by its extension, else the draft's. */
export function contentTypeOf(
  file: File | null,
  chosen: AsyncPayloadType
): AsyncPayloadType {
  const name = file?.name.toLowerCase() ?? '';
  if (name.endsWith('.csv')) {
    return 'csv';
  }
  if (name.endsWith('.json')) {
    return 'json';
  }
  return chosen;
}

export class AsyncRequestsModel {
  constructor(
    readonly endpoint: string,
    private readonly _settings: ServerConnection.ISettings | undefined,
    private readonly _changed: () => void
  ) {}

  get items(): ReadonlyArray<AsyncInference> {
    return this._items;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get draft(): Readonly<IAsyncDraft> {
    return this._draft;
  }

  get submitting(): boolean {
    return this._submitting;
  }

  /** Why the last submit or read failed. */
  get error(): string | null {
    return this._error;
  }

  /** The request whose output is shown. */
  get selected(): AsyncInference | null {
    return this._items.find(r => r.inference_id === this._selected) ?? null;
  }

  get output(): IAsyncOutput | null {
    return this._selected ? (this._outputs.get(this._selected) ?? null) : null;
  }

  setDraft(change: Partial<IAsyncDraft>): void {
    this._draft = { ...this._draft, ...change };
    if (change.file) {
      this._draft.contentType = contentTypeOf(
        change.file,
        this._draft.contentType
      );
    }
    this._changed();
  }

  dismissError(): void {
    this._error = null;
    this._changed();
  }

  /** Queue the draft: the file if one is chosen, else the typed text. */
  async submit(): Promise<void> {
    const { file, text, contentType } = this._draft;
    if (this._submitting || (!file && !text.trim())) {
      return;
    }
    this._submitting = true;
    this._error = null;
    this._changed();
    try {
      const request = await invokeAsync(
        this.endpoint,
        file ?? text,
        ASYNC_CONTENT_TYPES[contentType],
        this._settings
      );
      this._items = [
        request,
        ...this._items.filter(r => r.inference_id !== request.inference_id)
      ].slice(0, ASYNC_LIST_SIZE);
      this._selected = request.inference_id;
    } catch (reason) {
      this._error = errorOf(reason).message;
    } finally {
      this._submitting = false;
      this._changed();
    }
    this._schedule();
  }

  /** Show a request's output (read once it finished). */
  select(inferenceId: string): void {
    this._selected = inferenceId;
    this._changed();
    void this._readOutput();
  }

  /** Read the list again (a finished request was announced, or a poll). */
  async load(): Promise<void> {
    if (this._disposed) {
      return;
    }
    try {
      const list = await listAsync(
        this.endpoint,
        ASYNC_LIST_SIZE,
        this._settings
      );
      this._items = list.items;
      this._loaded = true;
    } catch (reason) {
      this._error = errorOf(reason).message;
    }
    if (this._selected === null && this._items.length > 0) {
      this._selected = this._items[0].inference_id;
    }
    this._changed();
    await this._readOutput();
    this._schedule();
  }

  dispose(): void {
    this._disposed = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  /** Poll while some request is unfinished. */
  private _schedule(): void {
    if (this._disposed || this._timer !== null) {
      return;
    }
    if (this._items.some(r => !isFinished(r))) {
      this._timer = setTimeout(() => {
        this._timer = null;
        void this.load();
      }, ASYNC_POLL_INTERVAL);
    }
  }

  private async _readOutput(): Promise<void> {
    const request = this.selected;
    if (
      !request ||
      !isFinished(request) ||
      this._outputs.has(request.inference_id)
    ) {
      return;
    }
    const id = request.inference_id;
    let output: IAsyncOutput;
    try {
      const blob = await getAsyncOutput(this.endpoint, id, this._settings);
      const text = await blob.text();
      output = {
        text: text.slice(0, MAX_OUTPUT_CHARS),
        truncated: text.length > MAX_OUTPUT_CHARS,
        blob,
        error: null
      };
    } catch (reason) {
      output = {
        text: '',
        truncated: false,
        blob: null,
        error: errorOf(reason).message
      };
    }
    this._outputs.set(id, output);
    this._changed();
  }

  private _disposed = false;
  private _draft: IAsyncDraft = { text: '', file: null, contentType: 'csv' };
  private _error: string | null = null;
  private _items: AsyncInference[] = [];
  private _loaded = false;
  private _outputs = new Map<string, IAsyncOutput>();
  private _selected: string | null = null;
  private _submitting = false;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
