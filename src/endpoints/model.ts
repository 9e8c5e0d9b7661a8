/**
 * EndpointsModel: the endpoints list of the Endpoints sidebar.
 *
 * Server events announce deploys, updates and deletes; a poll runs every two
 * seconds while some endpoint is Creating, Updating or Deleting, because the
 * end of a transition is not announced.
 */
import { isTransitional, listEndpoints } from '../api/endpoints';
import type { Endpoint, EndpointStatus } from '../api/types';
import { ResourceListModel } from '../ui/list-model';
import { ENDPOINT_TRANSITION_POLL, ENDPOINT_UPDATE_INTERVAL } from './events';

/** How many endpoints the sidebar lists. */
export const ENDPOINTS_SHOWN = 200;

export class EndpointsModel extends ResourceListModel<Endpoint> {
  constructor(options: ResourceListModel.IOptions = {}) {
    super(options, {
      resource: 'endpoints',
      updateInterval: ENDPOINT_UPDATE_INTERVAL,
      pollWhileChanging: ENDPOINT_TRANSITION_POLL
    });
  }

  /** The endpoints matching the filter, most recently changed first. */
  get endpoints(): ReadonlyArray<Endpoint> {
    return this.items;
  }

  get status(): EndpointStatus | null {
    return this._status;
  }

  /** Show only endpoints with a status (`null`: any). */
  setStatus(status: EndpointStatus | null): void {
    this._status = status;
    this.emit();
    void this.refresh();
  }

  protected async fetchPage(): Promise<ResourceListModel.IPage<Endpoint>> {
    const page = await listEndpoints(
      { status: this._status, maxItems: ENDPOINTS_SHOWN },
      this.serverSettings
    );
    return { items: page.items, hasMore: page.next_token !== null };
  }

  protected afterLoad(): void {
    this.pollWhile(this.items.some(isTransitional));
  }

  private _status: EndpointStatus | null = null;
}
