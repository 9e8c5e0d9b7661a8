/**
 * DatasetBuilderModel: the state of the training set builder — an entity
 * file and its event-time column, the features picked from the catalog's
 * groups, `as of` and where to write; the server builds the point-in-time
 * join and answers with its SQL, counts and a preview.
 */
import type { Event } from '@jupyterlab/services';

import { createFeatureDataset, listFeatureGroups } from '../api/features';
import { getDataColumns } from '../api/jobs';
import type { FeatureDataset, FeatureGroup } from '../api/types';
import { resourceChange } from '../events';
import { LiveModel } from '../ui/live-model';
import { FEATURE_GROUPS, GROUPS_SHOWN } from './model';

/** Rows of the dataset the preview shows. */
export const DATASET_PREVIEW_ROWS = 50;

export class DatasetBuilderModel extends LiveModel {
  constructor(options: LiveModel.IOptions & { entityPath?: string }) {
    super(options);
    this._entityPath = options.entityPath ?? '';
  }

  get groups(): ReadonlyArray<FeatureGroup> {
    return this._groups;
  }
  get entityPath(): string {
    return this._entityPath;
  }
  /** The entity file's columns, once read. */
  get entityColumns(): ReadonlyArray<string> | null {
    return this._entityColumns;
  }
  get eventTime(): string {
    return this._eventTime;
  }
  /** Feature records whose event time is at or after this (datetime-local). */
  get eventStart(): string {
    return this._eventStart;
  }
  /** Feature records whose event time is at or before this (datetime-local). */
  get eventEnd(): string {
    return this._eventEnd;
  }
  /** Every record with the matched id and event time, not the latest ingestion. */
  get includeDuplicated(): boolean {
    return this._includeDuplicated;
  }
  /** Ignore tombstones (the values before a delete come back). */
  get includeDeleted(): boolean {
    return this._includeDeleted;
  }
  get asOf(): string {
    return this._asOf;
  }
  get outputPath(): string {
    return this._outputPath;
  }
  get busy(): boolean {
    return this._busy;
  }
  /** The last dataset built (previewed or written). */
  get result(): FeatureDataset | null {
    return this._result;
  }

  /** The features asked for: `group:feature`, or `group:*` for all of one. */
  get features(): string[] {
    const out: string[] = [];
    for (const [group, picked] of this._picked) {
      if (picked === '*') {
        out.push(`${group}:*`);
      } else {
        for (const feature of picked) {
          out.push(`${group}:${feature}`);
        }
      }
    }
    return out;
  }

  /** Whether a group is picked whole. */
  isWhole(group: string): boolean {
    return this._picked.get(group) === '*';
  }

  isPicked(group: string, feature: string): boolean {
    const picked = this._picked.get(group);
    return picked === '*' || (picked?.has(feature) ?? false);
  }

  async start(): Promise<void> {
    await this.loadGroups();
    if (this._entityPath) {
      await this.readEntityColumns();
    }
  }

  async loadGroups(): Promise<void> {
    try {
      const page = await listFeatureGroups(
        { maxItems: GROUPS_SHOWN },
        this.serverSettings
      );
      this._groups = page.items;
    } catch (reason) {
      this.setError(reason);
    }
    this.emit();
  }

  setEntityPath(path: string): void {
    this._entityPath = path;
    this._entityColumns = null;
    this.emit();
  }

  async readEntityColumns(): Promise<void> {
    const path = this._entityPath.trim();
    if (!path) {
      return;
    }
    await this._run(async () => {
      const { columns } = await getDataColumns(path, this.serverSettings);
      this._entityColumns = columns;
      if (!columns.includes(this._eventTime)) {
        this._eventTime =
          columns.find(c => /time|date|^ts$/i.test(c)) ?? columns[0] ?? '';
      }
    });
  }

  setEventTime(column: string): void {
    this._eventTime = column;
    this.emit();
  }
  setAsOf(value: string): void {
    this._asOf = value;
    this.emit();
  }
  setEventRange(start: string, end: string): void {
    this._eventStart = start;
    this._eventEnd = end;
    this.emit();
  }
  setIncludeDuplicated(value: boolean): void {
    this._includeDuplicated = value;
    this.emit();
  }
  setIncludeDeleted(value: boolean): void {
    this._includeDeleted = value;
    this.emit();
  }
  setOutputPath(value: string): void {
    this._outputPath = value;
    this.emit();
  }

  /** Pick or drop a whole group (`ref` of its newest version). */
  setWhole(group: string, whole: boolean): void {
    if (whole) {
      this._picked.set(group, '*');
    } else {
      this._picked.delete(group);
    }
    this.emit();
  }

  /** Pick or drop one feature of a group. */
  setPicked(group: FeatureGroup, feature: string, picked: boolean): void {
    const current = this._picked.get(group.ref);
    const set =
      current === '*'
        ? new Set(valueFeatures(group).map(f => f.name))
        : new Set(current ?? []);
    if (picked) {
      set.add(feature);
    } else {
      set.delete(feature);
    }
    if (set.size === 0) {
      this._picked.delete(group.ref);
    } else {
      this._picked.set(group.ref, set);
    }
    this.emit();
  }

  /** Build the dataset; `write` also writes it to the output path. */
  async build(write: boolean): Promise<boolean> {
    return this._run(async () => {
      this._result = await createFeatureDataset(
        {
          entity_path: this._entityPath.trim(),
          event_time: this._eventTime,
          features: this.features,
          as_of: isoOrNull(this._asOf),
          event_time_start: isoOrNull(this._eventStart),
          event_time_end: isoOrNull(this._eventEnd),
          include_duplicated: this._includeDuplicated,
          include_deleted: this._includeDeleted,
          output_path: write ? this._outputPath.trim() || null : null,
          preview_rows: DATASET_PREVIEW_ROWS
        },
        this.serverSettings
      );
    });
  }

  protected onEvent(emission: Event.Emission): void {
    if (resourceChange(emission, FEATURE_GROUPS)) {
      void this.loadGroups();
    }
  }

  private async _run(action: () => Promise<void>): Promise<boolean> {
    this._busy = true;
    this.emit();
    try {
      await action();
      this.setError(null);
      return true;
    } catch (reason) {
      this.setError(reason);
      return false;
    } finally {
      this._busy = false;
      this.emit();
    }
  }

  private _asOf = '';
  private _eventStart = '';
  private _eventEnd = '';
  private _includeDuplicated = false;
  private _includeDeleted = false;
  private _busy = false;
  private _entityColumns: string[] | null = null;
  private _entityPath: string;
  private _eventTime = '';
  private _groups: FeatureGroup[] = [];
  private _outputPath = '';
  private _picked = new Map<string, '*' | Set<string>>();
  private _result: FeatureDataset | null = null;
}

/** A datetime-local value as ISO-8601, or null when empty. */
function isoOrNull(value: string): string | null {
  return value.trim() ? new Date(value).toISOString() : null;
}

/** The features a dataset can ask for (not the id or the event time). */
export function valueFeatures(group: FeatureGroup): FeatureGroup['features'] {
  return group.features.filter(
    f =>
      f.name !== group.record_identifier && f.name !== group.event_time_feature
  );
}
