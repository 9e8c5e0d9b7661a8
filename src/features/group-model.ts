/**
 * FeatureGroupModel: the state of a feature group's view — one version of
 * the group (the newest unless another is picked), its versions, summary
 * statistics and freshness, ingestion history, lineage, a preview of offline
 * rows, and the online lookup box's last answer.
 */
import type { Event } from '@jupyterlab/services';

import {
  deleteFeatureGroup,
  getFeatureGroup,
  getFeatureGroupLineage,
  getFeatureGroupRows,
  getFeatureGroupSummary,
  getFeatureRecords,
  updateFeatureGroup,
  listFeatureGroupIngestions,
  listFeatureGroupVersions
} from '../api/features';
import type {
  FeatureGroup,
  FeatureGroupLineage,
  FeatureGroupSummary,
  FeatureIngestion,
  FeatureRows
} from '../api/types';
import { resourceChange } from '../events';
import { isNotFound, ResourceModel } from '../ui/resource-model';
import { FEATURE_GROUPS, FEATURES_UPDATE_INTERVAL } from './model';

/** Offline rows the preview shows. */
export const ROWS_SHOWN = 200;
/** Ingestions the history shows. */
export const INGESTIONS_SHOWN = 50;

/** Everything the view shows of one version. */
export interface IFeatureGroupData {
  group: FeatureGroup;
  /** Every version of the name, newest first. */
  versions: FeatureGroup[];
  summary: FeatureGroupSummary;
  ingestions: FeatureIngestion[];
  rows: FeatureRows;
  /** Who feeds this version and who uses it. */
  lineage: FeatureGroupLineage;
}

/** The answer of the online lookup box. */
export interface ILookupResult {
  recordId: string;
  /** The record, or `null`: no online record for this id. */
  record: Record<string, unknown> | null;
}

export namespace FeatureGroupModel {
  export interface IOptions extends ResourceModel.IOptions {
    /** The group's name. */
    name: string;
  }
}

export class FeatureGroupModel extends ResourceModel<IFeatureGroupData> {
  constructor(options: FeatureGroupModel.IOptions) {
    super(options, FEATURES_UPDATE_INTERVAL);
    this.name = options.name;
  }

  readonly name: string;

  /** The picked version, or `null` for the newest. */
  get version(): number | null {
    return this._version;
  }

  get lookup(): ILookupResult | null {
    return this._lookup;
  }

  async start(): Promise<void> {
    await this.loadShown();
  }

  /** Reload everything shown. */
  async refresh(): Promise<void> {
    await this.load();
    this.emit();
  }

  /** Show another version (`null`: the newest). */
  async selectVersion(version: number | null): Promise<void> {
    this._version = version;
    this._lookup = null;
    await this.loadShown();
  }

  /** Read the online record of an id; the answer lands in `lookup`. */
  async lookUp(recordId: string): Promise<boolean> {
    const group = this.data?.group;
    const id = recordId.trim();
    if (!group || !id) {
      return false;
    }
    return this.act(
      async () => {
        const answer = await getFeatureRecords(
          group.ref,
          [id],
          this.serverSettings
        );
        this._lookup = { recordId: id, record: answer.items[0] ?? null };
      },
      { busy: true }
    );
  }

  /**
   * Change the group's description (`feature` null) or a feature's, in
   * place (descriptions are not part of the immutable definition).
   */
  async describe(
    feature: string | null,
    description: string
  ): Promise<boolean> {
    const data = this.data;
    if (!data) {
      return false;
    }
    return this.act(async () => {
      const group = await updateFeatureGroup(
        data.group.ref,
        feature === null
          ? { description }
          : { feature_descriptions: { [feature]: description } },
        this.serverSettings
      );
      this.setData({ ...data, group });
    });
  }

  /** Delete the shown version (every version if `all`) with its records. */
  async delete(all: boolean): Promise<boolean> {
    const group = this.data?.group;
    if (!group) {
      return false;
    }
    const ok = await this.act(
      () =>
        deleteFeatureGroup(all ? group.name : group.ref, this.serverSettings),
      { busy: true }
    );
    if (ok) {
      this.setDeleted(true);
      this.emit();
    }
    return ok;
  }

  protected async fetch(): Promise<IFeatureGroupData> {
    const ref =
      this._version === null ? this.name : `${this.name}@${this._version}`;
    const settings = this.serverSettings;
    const group = await getFeatureGroup(ref, settings);
    const [versions, summary, ingestions, rows, lineage] = await Promise.all([
      listFeatureGroupVersions(group.name, settings),
      getFeatureGroupSummary(group.ref, settings),
      listFeatureGroupIngestions(
        group.ref,
        { maxItems: INGESTIONS_SHOWN },
        settings
      ),
      getFeatureGroupRows(group.ref, { limit: ROWS_SHOWN }, settings),
      getFeatureGroupLineage(group.ref, settings)
    ]);
    return {
      group,
      versions: versions.items,
      summary,
      ingestions: ingestions.items,
      rows,
      lineage
    };
  }

  protected loadFailed(reason: unknown): void {
    if (isNotFound(reason) && this.data !== null) {
      // The shown version is gone (deleted here, elsewhere, or by the SDK).
      this.setDeleted(true);
      return;
    }
    super.loadFailed(reason);
  }

  protected update(): Promise<void> {
    return this.refresh();
  }

  protected onEvent(emission: Event.Emission): void {
    const change = resourceChange(emission, FEATURE_GROUPS);
    if (!change || change.id.split('@')[0] !== this.name || this.deleted) {
      return;
    }
    this.scheduleUpdate();
  }

  private _lookup: ILookupResult | null = null;
  private _version: number | null = null;
}
