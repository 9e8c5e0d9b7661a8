/**
 * ModelVersionModel: one model version with its lineage, the model card
 * being edited, and the approval and alias actions.
 *
 * Card edits are kept apart from the server's card, so a refresh caused by
 * someone else's change never throws away what the user typed.
 */
import type { Event, ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Throttler } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import {
  CARD_FIELDS,
  CardField,
  deleteModelAlias,
  getModelCardMarkdown,
  getModelLineage,
  getModelVersion,
  setModelAlias,
  setModelApproval,
  updateModelVersion
} from '../api/models';
import { MLStudioAPIError } from '../api/request';
import type { ApprovalStatus, Lineage, ModelVersion } from '../api/types';
import { errorOf } from '../jobs/errors';
import type { IModelError } from '../tokens';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

export namespace ModelVersionModel {
  export interface IOptions {
    name: string;
    version: number;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class ModelVersionModel implements IDisposable {
  constructor(options: ModelVersionModel.IOptions) {
    this.name = options.name;
    this.version = options.version;
    this._settings = options.serverSettings;
    this._events = options.events ?? null;
    this._events?.stream.connect(this._onEvent, this);
    this._updater = new Throttler(() => this._loadVersion(), {
      limit: MODEL_UPDATE_INTERVAL,
      edge: 'trailing'
    });
  }

  readonly name: string;
  readonly version: number;

  get changed(): Signal<this, void> {
    return this._changed;
  }

  get data(): ModelVersion | null {
    return this._data;
  }

  get lineage(): Lineage | null {
    return this._lineage;
  }

  get error(): IModelError | null {
    return this._error;
  }

  /** Whether the version (or its model) no longer exists. */
  get deleted(): boolean {
    return this._deleted;
  }

  /** Whether a request started by the user is in flight. */
  get busy(): boolean {
    return this._busy;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** A card field as edited (or as saved, if untouched). */
  cardValue(field: CardField): string {
    return this._draft.get(field) ?? this._data?.card[field] ?? '';
  }

  setCardValue(field: CardField, value: string): void {
    if (value === (this._data?.card[field] ?? '')) {
      this._draft.delete(field);
    } else {
      this._draft.set(field, value);
    }
    this._emit();
  }

  /** Whether the card has edits not saved yet. */
  get cardDirty(): boolean {
    const saved = this._data?.card;
    return [...this._draft].some(
      ([field, value]) => value !== (saved?.[field] ?? '')
    );
  }

  async start(): Promise<void> {
    await Promise.all([this._loadVersion(), this._loadLineage()]);
  }

  async refresh(): Promise<void> {
    await Promise.all([this._loadVersion(), this._loadLineage()]);
  }

  /** Save the edited card fields; `false` on failure (see `error`). */
  async saveCard(): Promise<boolean> {
    const card: Record<string, string> = {};
    for (const field of CARD_FIELDS) {
      const value = this._draft.get(field);
      if (value !== undefined) {
        card[field] = value;
      }
    }
    return this._act(async () => {
      this._data = await updateModelVersion(
        this.name,
        this.version,
        { card },
        this._settings
      );
      this._draft.clear();
    });
  }

  revertCard(): void {
    this._draft.clear();
    this._emit();
  }

  /** Approve or reject with a comment; `false` on failure (see `error`). */
  setApproval(status: ApprovalStatus, comment: string): Promise<boolean> {
    return this._act(async () => {
      this._data = await setModelApproval(
        this.name,
        this.version,
        { status, comment },
        this._settings
      );
    });
  }

  /** Point an alias at this version (moving it from another one). */
  setAlias(alias: string): Promise<boolean> {
    return this._act(async () => {
      this._data = await setModelAlias(
        this.name,
        alias,
        this.version,
        this._settings
      );
    });
  }

  deleteAlias(alias: string): Promise<boolean> {
    return this._act(async () => {
      await deleteModelAlias(this.name, alias, this._settings);
      this._data = await getModelVersion(
        this.name,
        this.version,
        this._settings
      );
    });
  }

  /** The saved card as Markdown; `null` on failure (see `error`). */
  async cardMarkdown(): Promise<string | null> {
    let text: string | null = null;
    await this._act(async () => {
      text = await getModelCardMarkdown(
        this.name,
        this.version,
        this._settings
      );
    });
    return text;
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
    Signal.clearData(this);
  }

  private async _act(action: () => Promise<void>): Promise<boolean> {
    this._busy = true;
    this._emit();
    try {
      await action();
      this._error = null;
      return true;
    } catch (reason) {
      this._error = errorOf(reason);
      return false;
    } finally {
      this._busy = false;
      this._emit();
    }
  }

  private async _loadVersion(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    try {
      this._data = await getModelVersion(
        this.name,
        this.version,
        this._settings
      );
      this._deleted = false;
      this._error = null;
    } catch (reason) {
      if (reason instanceof MLStudioAPIError && reason.status === 404) {
        this._deleted = this._data !== null;
      }
      this._error = errorOf(reason);
    }
    this._emit();
  }

  private async _loadLineage(): Promise<void> {
    try {
      this._lineage = await getModelLineage(
        this.name,
        this.version,
        this._settings
      );
    } catch {
      // Lineage is a bonus: the version's own error is what the user sees.
      this._lineage = null;
    }
    this._emit();
  }

  private _onEvent(_: Event.IManager, emission: Event.Emission): void {
    const change = modelChange(emission);
    if (!change || change.name !== this.name || this._isDisposed) {
      return;
    }
    if (change.action === 'deleted') {
      this._deleted = true;
      this._emit();
      return;
    }
    void this._updater.invoke().catch(() => undefined);
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _busy = false;
  private _changed = new Signal<this, void>(this);
  private _data: ModelVersion | null = null;
  private _deleted = false;
  private _draft = new Map<CardField, string>();
  private _error: IModelError | null = null;
  private _events: Event.IManager | null;
  private _isDisposed = false;
  private _lineage: Lineage | null = null;
  private _settings: ServerConnection.ISettings | undefined;
  private _updater: Throttler<void>;
}
