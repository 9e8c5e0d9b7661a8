import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

import type { Experiment, ServerStatus } from './api/types';

/** Schema id of the server's "a resource changed" jupyter-server event. */
export const RESOURCE_CHANGED_SCHEMA =
  'https://events.jupyter.org/jupyter_mlstudio/resource_changed/v1';

/** An error the UI should show: the server's code and message. */
export interface IModelError {
  readonly code: string;
  readonly message: string;
}

/**
 * The experiments state shown by the ML Studio sidebar.
 *
 * The model owns the state and talks to the server; views render it and
 * listen to `changed`.
 */
export interface IExperimentsModel extends IDisposable {
  /** Emitted whenever any of the state below changes. */
  readonly changed: ISignal<IExperimentsModel, void>;
  /** All experiments, newest first. */
  readonly experiments: ReadonlyArray<Experiment>;
  /** The selected experiment, if it still exists. */
  readonly selected: Experiment | null;
  /** Whether a load from the server is in progress. */
  readonly isLoading: boolean;
  /** Whether the list has been loaded successfully at least once. */
  readonly loaded: boolean;
  /** The last error to show, until dismissed or superseded. */
  readonly error: IModelError | null;
  /** Whether the jupyter_mlstudio server extension is missing. */
  readonly serverMissing: boolean;
  /** The server's status, once it answered. */
  readonly status: ServerStatus | null;
  /** Seconds between background refreshes (minimum 5). */
  refreshInterval: number;

  /** Reload from the server; failures land in `error`, never reject. */
  refresh(): Promise<void>;
  /** Select an experiment by id (or clear the selection). */
  select(id: string | null): void;
  /** Create an experiment and select it; `null` on failure (see `error`). */
  create(name: string, description?: string): Promise<Experiment | null>;
  /** Rename an experiment; `null` on failure (see `error`). */
  rename(id: string, name: string): Promise<Experiment | null>;
  /** Delete an experiment; `false` on failure (see `error`). */
  remove(id: string): Promise<boolean>;
  /** Hide the current error. */
  dismissError(): void;
}

/** The token that provides the experiments model to other plugins. */
export const IExperimentsModel = new Token<IExperimentsModel>(
  'jupyter-mlstudio:IExperimentsModel',
  'The ML Studio experiments model.'
);
