/**
 * FeatureGroupsModel: the catalog of the Feature Store sidebar (the newest
 * version of each group, searched by name, description, tag or feature
 * name), with each group's record count and freshness from its summary.
 *
 * Server events (`feature-groups`, from the REST handlers and the change
 * watcher) keep it live, throttled to one reload a second.
 */
import { Debouncer } from '@lumino/polling';

import { getFeatureGroupSummary, listFeatureGroups } from '../api/features';
import type { FeatureGroup, FeatureGroupSummary } from '../api/types';
import { ResourceListModel } from '../ui/list-model';

/** The resource of the server's events about feature groups. */
export const FEATURE_GROUPS = 'feature-groups';
/** Milliseconds between reloads caused by events. */
export const FEATURES_UPDATE_INTERVAL = 1000;
/** How many groups the sidebar lists. */
export const GROUPS_SHOWN = 100;
/**
 * Groups whose summary (records, freshness) the list reads: each is a scan
 * of the offline history, and the list reloads on every change.
 */
export const SUMMARIES_SHOWN = 25;
/** Milliseconds the search waits for the user to stop typing. */
const SEARCH_DELAY = 300;

/** A listed group and its summary (`null` while unknown or unreadable). */
export interface IFeatureGroupEntry {
  group: FeatureGroup;
  summary: FeatureGroupSummary | null;
}

export class FeatureGroupsModel extends ResourceListModel<IFeatureGroupEntry> {
  constructor(options: ResourceListModel.IOptions = {}) {
    super(options, {
      resource: FEATURE_GROUPS,
      updateInterval: FEATURES_UPDATE_INTERVAL
    });
  }

  get groups(): ReadonlyArray<IFeatureGroupEntry> {
    return this.items;
  }

  /** The search text as typed. */
  get search(): string {
    return this._search;
  }

  /** Search the catalog (reloads once the user pauses typing). */
  setSearch(text: string): void {
    this._search = text;
    this.emit();
    void this._searcher.invoke();
  }

  dispose(): void {
    this._searcher.dispose();
    super.dispose();
  }

  protected async fetchPage(): Promise<
    ResourceListModel.IPage<IFeatureGroupEntry>
  > {
    const page = await listFeatureGroups(
      { search: this._search.trim() || undefined, maxItems: GROUPS_SHOWN },
      this.serverSettings
    );
    // One summary per group: a group whose summary fails is still listed.
    const summaries = await Promise.all(
      page.items.map((group, i) =>
        i < SUMMARIES_SHOWN
          ? getFeatureGroupSummary(group.ref, this.serverSettings).catch(
              () => null
            )
          : null
      )
    );
    return {
      items: page.items.map((group, i) => ({
        group,
        summary: summaries[i] ?? null
      })),
      hasMore: page.next_token !== null
    };
  }

  private _search = '';
  private _searcher = new Debouncer(() => this.refresh(), SEARCH_DELAY);
}
