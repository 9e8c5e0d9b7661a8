/**
 * The Endpoints left sidebar: the deployed endpoints with their live status;
 * a click opens the endpoint view.
 */
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { ENDPOINT_STATUSES } from '../api/endpoints';
import type { Endpoint } from '../api/types';
import { endpointIcon } from '../icons';
import {
  EmptyList,
  ItemLine,
  ListItem,
  ListSidebar,
  SidebarShell
} from '../ui/sidebar-shell';
import { EndpointStatusBadge, servedModels, statusLabel } from './components';
import type { EndpointsModel } from './model';
import { RelativeTime } from '../ui/components';
import { StatusFilter } from '../ui/fields';
import { CommandIDs, ENDPOINTS_SIDEBAR_ID } from '../command-ids';

export class EndpointsSidebar extends ListSidebar<EndpointsModel> {
  constructor(model: EndpointsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: ENDPOINTS_SIDEBAR_ID,
      className: 'jp-MLStudio-endpointsSidebar',
      icon: endpointIcon,
      caption: 'Endpoints'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    return (
      <SidebarShell
        {...this.head}
        create={{
          testId: 'mls-new-endpoint',
          label: 'Deploy model',
          title: 'Deploy a registered model version as an endpoint',
          onClick: () => void commands.execute(CommandIDs.deployModel)
        }}
        refreshTestId="mls-refresh-endpoints"
        filters={
          <div className="jp-MLStudio-jobFilters">
            <StatusFilter
              testId="mls-endpoints-status"
              value={model.status}
              statuses={ENDPOINT_STATUSES}
              label={statusLabel}
              onChange={status => model.setStatus(status)}
            />
          </div>
        }
        loading={{ what: 'endpoints', testId: 'mls-endpoints-loading' }}
        serverMissing={{
          feature: 'Endpoints',
          testId: 'mls-endpoints-server-missing'
        }}
        empty={
          model.endpoints.length === 0 ? (
            <EmptyList
              testId="mls-endpoints-empty"
              filtered={model.status !== null}
              filteredMessage="No endpoints match this filter."
            >
              No endpoints yet. Open a model version in the Models panel and
              click <strong>Deploy</strong>, or in a notebook call{' '}
              <code>mls.deploy("name", model="model")</code>.
            </EmptyList>
          ) : null
        }
      >
        {model.loaded && (
          <>
            <ul className="jp-MLStudio-list" aria-label="Endpoints">
              {model.endpoints.map(endpoint => (
                <li key={endpoint.name}>
                  <EndpointItem
                    endpoint={endpoint}
                    onOpen={() =>
                      void commands.execute(CommandIDs.openEndpoint, {
                        name: endpoint.name
                      })
                    }
                  />
                </li>
              ))}
            </ul>
            {model.hasMore && (
              <div className="jp-MLStudio-empty">
                Showing the {model.endpoints.length} most recently changed
                endpoints.
              </div>
            )}
          </>
        )}
      </SidebarShell>
    );
  }
}

function EndpointItem(props: {
  endpoint: Endpoint;
  onOpen: () => void;
}): JSX.Element {
  const { endpoint } = props;
  const served = servedModels(endpoint);
  return (
    <ListItem
      testId="mls-endpoint-item"
      data={{ 'data-endpoint': endpoint.name, 'data-status': endpoint.status }}
      title={`${endpoint.name}: ${served} (${endpoint.status})`}
      onOpen={props.onOpen}
    >
      <ItemLine>
        <span className="jp-MLStudio-itemName">{endpoint.name}</span>
        <EndpointStatusBadge
          status={endpoint.status}
          testId="mls-endpoint-item-status"
        />
      </ItemLine>
      <ItemLine meta className="jp-MLStudio-jobItemMeta">
        <span className="jp-MLStudio-itemName">{served || '—'}</span>
        <RelativeTime iso={endpoint.updated_at} />
      </ItemLine>
    </ListItem>
  );
}
