/**
 * ModelsModel: the model groups of the Models sidebar, filtered by a search
 * the server runs. Server events keep it live (throttled).
 */
import { Debouncer } from '@lumino/polling';

import { createModel, listModels } from '../api/registry';
import type { ModelGroup } from '../api/types';
import { ResourceListModel } from '../ui/list-model';
import { MODEL_UPDATE_INTERVAL } from './events';

/** How many model groups the sidebar lists. */
export const MODELS_SHOWN = 200;
/** Milliseconds of typing pause before the search is sent. */
const SEARCH_DELAY = 250;

export class ModelsModel extends ResourceListModel<ModelGroup> {
  constructor(options: ResourceListModel.IOptions = {}) {
    super(options, {
      resource: 'models',
      updateInterval: MODEL_UPDATE_INTERVAL
    });
    this._searcher = new Debouncer(() => this.refresh(), SEARCH_DELAY);
  }

  /** The groups matching the search, most recently changed first. */
  get groups(): ReadonlyArray<ModelGroup> {
    return this.items;
  }

  get search(): string {
    return this._search;
  }

  /** Filter by a substring of the name or description (sent after a pause). */
  setSearch(search: string): void {
    if (search === this._search) {
      return;
    }
    this._search = search;
    this.emit();
    void this._searcher.invoke().catch(() => undefined);
  }

  /** Create an empty model group; `null` on failure (see `error`). */
  async create(name: string, description: string): Promise<ModelGroup | null> {
    try {
      const group = await createModel(
        { name, description },
        this.serverSettings
      );
      this.setError(null);
      void this.refresh();
      return group;
    } catch (reason) {
      // An action's error: a reload of the list does not clear it.
      this.recordError(reason, 'action');
      this.emit();
      return null;
    }
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._searcher.dispose();
    }
    super.dispose();
  }

  protected async fetchPage(): Promise<ResourceListModel.IPage<ModelGroup>> {
    const page = await listModels(
      { search: this._search.trim(), maxItems: MODELS_SHOWN },
      this.serverSettings
    );
    return { items: page.items, hasMore: page.next_token !== null };
  }

  private _search = '';
  private _searcher: Debouncer<void>;
}
