/**
 * ModelVersionModel: one model version with its lineage, the model card
 * being edited, and the approval and alias actions.
 *
 * Card edits are kept apart from the server's card, so a refresh caused by
 * someone else's change never throws away what the user typed.
 */
import type { Event } from '@jupyterlab/services';

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
} from '../api/registry';
import type { ApprovalStatus, Lineage, ModelVersion } from '../api/types';
import { isNotFound, ResourceModel } from '../ui/resource-model';
import { MODEL_UPDATE_INTERVAL, modelChange } from './events';

export namespace ModelVersionModel {
  export interface IOptions extends ResourceModel.IOptions {
    name: string;
    version: number;
  }
}

export class ModelVersionModel extends ResourceModel<ModelVersion> {
  constructor(options: ModelVersionModel.IOptions) {
    super(options, MODEL_UPDATE_INTERVAL);
    this.name = options.name;
    this.version = options.version;
  }

  readonly name: string;
  readonly version: number;

  get lineage(): Lineage | null {
    return this._lineage;
  }

  /** A card field as edited (or as saved, if untouched). */
  cardValue(field: CardField): string {
    return this._draft.get(field) ?? this.data?.card[field] ?? '';
  }

  setCardValue(field: CardField, value: string): void {
    if (value === (this.data?.card[field] ?? '')) {
      this._draft.delete(field);
    } else {
      this._draft.set(field, value);
    }
    this.emit();
  }

  /** Whether the card is being edited (else it is shown rendered). */
  get editingCard(): boolean {
    return this._editingCard || this.cardDirty;
  }

  /** Switch the card to its editor. */
  editCard(): void {
    this._editingCard = true;
    this.emit();
  }

  /** Drop the card edits and show the saved card again. */
  cancelCardEdit(): void {
    this._editingCard = false;
    this.revertCard();
  }

  /** Whether the card has edits not saved yet. */
  get cardDirty(): boolean {
    const saved = this.data?.card;
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
      this.setData(
        await updateModelVersion(
          this.name,
          this.version,
          { card },
          this.serverSettings
        )
      );
      this._draft.clear();
      this._editingCard = false;
    });
  }

  revertCard(): void {
    this._draft.clear();
    this.emit();
  }

  /** Approve or reject with a comment; `false` on failure (see `error`). */
  setApproval(status: ApprovalStatus, comment: string): Promise<boolean> {
    return this._act(async () => {
      this.setData(
        await setModelApproval(
          this.name,
          this.version,
          { status, comment },
          this.serverSettings
        )
      );
    });
  }

  /** Point an alias at this version (moving it from another one). */
  setAlias(alias: string): Promise<boolean> {
    return this._act(async () => {
      this.setData(
        await setModelAlias(this.name, alias, this.version, this.serverSettings)
      );
    });
  }

  deleteAlias(alias: string): Promise<boolean> {
    return this._act(async () => {
      await deleteModelAlias(this.name, alias, this.serverSettings);
      this.setData(
        await getModelVersion(this.name, this.version, this.serverSettings)
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
        this.serverSettings
      );
    });
    return text;
  }

  protected fetch(): Promise<ModelVersion> {
    return getModelVersion(this.name, this.version, this.serverSettings);
  }

  protected loadFailed(reason: unknown): void {
    if (isNotFound(reason)) {
      this.setDeleted(this.data !== null);
    }
    super.loadFailed(reason);
  }

  protected update(): Promise<void> {
    return this._loadVersion();
  }

  protected onEvent(emission: Event.Emission): void {
    const change = modelChange(emission);
    if (change?.name === this.name) {
      this.followChange(change.action);
    }
  }

  /** Run a user action, shown as `busy`; `false` on failure (see `error`). */
  private _act(action: () => Promise<void>): Promise<boolean> {
    return this.act(action, { busy: true });
  }

  private async _loadVersion(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (await this.load()) {
      this.setDeleted(false);
    }
    this.emit();
  }

  private async _loadLineage(): Promise<void> {
    try {
      this._lineage = await getModelLineage(
        this.name,
        this.version,
        this.serverSettings
      );
    } catch {
      // Lineage is a bonus: the version's own error is what the user sees.
      this._lineage = null;
    }
    this.emit();
  }

  private _draft = new Map<CardField, string>();
  private _editingCard = false;
  private _lineage: Lineage | null = null;
}
