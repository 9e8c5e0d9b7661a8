/**
 * Typed client for the server's `status` resource.
 */
import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import type { ServerStatus } from './types';

/**
 * Fetch the server extension's status. Rejects with
 * `ServerExtensionMissingError` when the server extension is not running.
 */
export function getStatus(
  settings?: ServerConnection.ISettings
): Promise<ServerStatus> {
  return requestAPI<ServerStatus>('status', {}, settings);
}
