/**
 * The one place a rejection becomes what the user sees: the server's
 * message (and code) for API errors, the message of any other error, never
 * a stack trace.
 */
import { errorMessage, MLStudioAPIError } from '../api/request';
import type { IModelError } from '../tokens';

export { errorMessage };

/** The code and message of a rejection (`UNKNOWN` when it has no code). */
export function errorOf(reason: unknown): IModelError {
  if (reason instanceof MLStudioAPIError) {
    return { code: reason.code, message: reason.message };
  }
  return { code: 'UNKNOWN', message: errorMessage(reason) };
}
