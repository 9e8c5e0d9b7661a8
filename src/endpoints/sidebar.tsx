/**
 * The Endpoints left sidebar: the deployed endpoints with their live status;
 * a click opens the endpoint view.
 */
import {
  addIcon,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { ENDPOINT_STATUSES } from '../api/endpoints';
import type { Endpoint, EndpointStatus } from '../api/types';
import { CommandIDs, ENDPOINTS_SIDEBAR_ID } from '../commands';
import { endpointIcon } from '../icons';
import { RelativeTime } from '../jobs/components';
import {
  ActionButton,
  ErrorBanner,
  Loading,
  ServerMissing
} from '../sidebar/components';
import { EndpointStatusBadge, servedModels, statusLabel } from './components';
import type { EndpointsModel } from './model';

export class EndpointsSidebar extends ReactWidget {
  constructor(
    private readonly _model: EndpointsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.id = ENDPOINTS_SIDEBAR_ID;
    // Not `jp-MLStudio-sidebar`: that class names the ML Studio sidebar.
    this.addClass('jp-MLStudio-endpointsSidebar');
    this.title.icon = endpointIcon;
    this.title.caption = 'Endpoints';
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <EndpointsPanel model={this._model} commands={this._commands} />}
      </UseSignal>
    );
  }
}

function EndpointsPanel(props: {
  model: EndpointsModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  return (
    <div className="jp-MLStudio-content">
      <header className="jp-MLStudio-header">
        <endpointIcon.react tag="span" className="jp-MLStudio-headerIcon" />
        <h2>Endpoints</h2>
      </header>
      {model.error && !model.serverMissing && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <section className="jp-MLStudio-section" aria-label="Endpoints">
        <div className="jp-MLStudio-sectionHeader">
          <div className="jp-MLStudio-toolbar">
            <ActionButton
              testId="mls-new-endpoint"
              icon={addIcon}
              label="Deploy model"
              title="Deploy a registered model version as an endpoint"
              disabled={model.serverMissing}
              onClick={() => void commands.execute(CommandIDs.deployModel)}
            />
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-refresh-endpoints"
              title="Refresh Endpoints"
              aria-label="Refresh Endpoints"
              onClick={() => void model.refresh()}
            >
              <refreshIcon.react
                tag="span"
                className="jp-MLStudio-buttonIcon"
              />
            </button>
          </div>
        </div>
        <div className="jp-MLStudio-jobFilters">
          <label className="jp-MLStudio-jobFilter">
            <span>Status</span>
            <select
              className="jp-MLStudio-select"
              data-testid="mls-endpoints-status"
              value={model.status ?? ''}
              onChange={event =>
                model.setStatus(
                  (event.target.value || null) as EndpointStatus | null
                )
              }
            >
              <option value="">All</option>
              {ENDPOINT_STATUSES.map(status => (
                <option key={status} value={status}>
                  {statusLabel(status)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {model.isLoading && (
          <Loading
            firstLoad={!model.loaded}
            what="endpoints"
            testId="mls-endpoints-loading"
          />
        )}
        <EndpointsBody model={model} commands={commands} />
      </section>
    </div>
  );
}

function EndpointsBody(props: {
  model: EndpointsModel;
  commands: CommandRegistry;
}): JSX.Element | null {
  const { model, commands } = props;
  if (model.serverMissing) {
    return (
      <ServerMissing
        feature="Endpoints"
        testId="mls-endpoints-server-missing"
      />
    );
  }
  if (!model.loaded) {
    return null;
  }
  if (model.endpoints.length === 0) {
    return (
      <div className="jp-MLStudio-empty" data-testid="mls-endpoints-empty">
        {model.status ? (
          'No endpoints match this filter.'
        ) : (
          <>
            No endpoints yet. Open a model version in the Models panel and click{' '}
            <strong>Deploy</strong>, or in a notebook call{' '}
            <code>mls.deploy("name", model="model")</code>.
          </>
        )}
      </div>
    );
  }
  return (
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
          Showing the {model.endpoints.length} most recently changed endpoints.
        </div>
      )}
    </>
  );
}

function EndpointItem(props: {
  endpoint: Endpoint;
  onOpen: () => void;
}): JSX.Element {
  const { endpoint } = props;
  const served = servedModels(endpoint);
  return (
    <button
      type="button"
      className="jp-MLStudio-jobItem"
      data-testid="mls-endpoint-item"
      data-endpoint={endpoint.name}
      data-status={endpoint.status}
      title={`${endpoint.name}: ${served} (${endpoint.status})`}
      onClick={props.onOpen}
    >
      <span className="jp-MLStudio-jobItemRow">
        <span className="jp-MLStudio-itemName">{endpoint.name}</span>
        <EndpointStatusBadge
          status={endpoint.status}
          testId="mls-endpoint-item-status"
        />
      </span>
      <span className="jp-MLStudio-jobItemRow jp-MLStudio-jobItemMeta">
        <span className="jp-MLStudio-itemName">{served || '—'}</span>
        <RelativeTime iso={endpoint.updated_at} />
      </span>
    </button>
  );
}
