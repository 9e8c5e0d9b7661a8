/**
 * A form's submission state: whether a request is out and the error to show
 * (the server's refusal, or a summary of the fields to fix). Form models own
 * one and forward `error`, `submitting` and `dismissError` to it.
 */
import type { IModelError } from '../tokens';
import { errorOf } from './errors';

export class FormSubmission {
  /** `changed` is called whenever `error` or `submitting` changes. */
  constructor(changed: () => void) {
    this._changed = changed;
  }

  get submitting(): boolean {
    return this._submitting;
  }

  get error(): IModelError | null {
    return this._error;
  }

  /** Keep an error that is not a submission's (loading the form failed). */
  fail(reason: unknown): void {
    this._error = errorOf(reason);
  }

  dismiss(): void {
    this._error = null;
    this._changed();
  }

  /**
   * Send `body` unless a request is already out or the body is `null` (a
   * field check failed: the error asks to fix the marked fields). Resolves to
   * what `request` returned, or `null` when nothing was sent or the server
   * refused; `onRefused` sees the server's error before the form re-renders.
   */
  async send<B, T>(
    body: B | null,
    request: (body: B) => Promise<T>,
    onRefused?: (error: IModelError) => void
  ): Promise<T | null> {
    if (this._submitting) {
      return null;
    }
    if (!body) {
      this._error = {
        code: 'INVALID_INPUT',
        message: 'Fix the fields marked in red, then submit again.'
      };
      this._changed();
      return null;
    }
    this._submitting = true;
    this._error = null;
    this._changed();
    try {
      return await request(body);
    } catch (reason) {
      this._error = errorOf(reason);
      onRefused?.(this._error);
      return null;
    } finally {
      this._submitting = false;
      this._changed();
    }
  }

  private _changed: () => void;
  private _error: IModelError | null = null;
  private _submitting = false;
}
