/**
 * Turning a rejection into the message the user sees: the server's message
 * for API errors, never a stack trace.
 */
import { MLStudioAPIError } from '../api/request';
import type { IModelError } from '../tokens';

export function errorOf(reason: unknown): IModelError {
  if (reason instanceof MLStudioAPIError) {
    return { code: reason.code, message: reason.message };
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return { code: 'UNKNOWN', message };
}
