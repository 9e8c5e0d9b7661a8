/**
 * The endpoint view: status and URLs, the variants with live figures, a
 * test form prefilled from the model's input example, live request and
 * latency charts, recent errors, capture settings and the log.
 */
import type { ServerConnection } from '@jupyterlab/services';
import { deleteIcon, editIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { isTransitional } from '../api/endpoints';
import type { Endpoint } from '../api/types';
import { ThemedPanel } from '../charts/panel';
import type { ThemeWatcher } from '../charts/theme';
import { endpointIcon, modelIcon } from '../icons';
import { EndpointStatusBadge } from './components';
import type { EndpointModel } from './endpoint-model';
import {
  ActionButton,
  ModelError,
  PageHeader,
  PagePlaceholder
} from '../ui/components';
import { ResourceView } from '../ui/view';
import type { IContentProps } from './sections/props';
import { AsyncSection } from './sections/async';
import { AutoscalingSection } from './sections/autoscaling';
import { CaptureSection } from './sections/capture';
import { ConnectSection } from './sections/connect';
import { ErrorsSection, LiveSection } from './sections/live';
import { LogSection } from './sections/log';
import { ModelsSection } from './sections/models';
import { MonitorSection } from './sections/monitors';
import { TestSection } from './sections/test-form';
import { VariantsSection } from './sections/variants';
import { ShadowSection } from './sections/shadow';
import { StagesSection } from './sections/stages';

export namespace EndpointView {
  export interface IOptions {
    model: EndpointModel;
    commands: CommandRegistry;
    theme: ThemeWatcher;
    serverSettings?: ServerConnection.ISettings;
    /** Edit weights, update versions, delete: they ask first. */
    actions: IEndpointActions;
  }
}

/** The actions that ask the user before they act (see commands.ts). */
export interface IEndpointActions {
  editWeights(model: EndpointModel): Promise<void>;
  updateVersions(model: EndpointModel): Promise<void>;
  remove(model: EndpointModel): Promise<void>;
}

/** The main-area widget of an endpoint. */
export class EndpointView extends ResourceView<EndpointModel> {
  constructor(options: EndpointView.IOptions) {
    const { name } = options.model;
    super({
      content: new ThemedPanel(
        options.model,
        options.theme,
        'mls-endpoint-view',
        (model, colors) => (
          <EndpointContent
            model={model}
            colors={colors}
            commands={options.commands}
            actions={options.actions}
            settings={options.serverSettings}
          />
        )
      ),
      id: endpointViewId(name),
      className: 'jp-MLStudio-endpointView',
      icon: endpointIcon,
      label: `Endpoint: ${name}`,
      caption: `Endpoint ${name}`
    });
    this.followTitle(({ endpoint }) =>
      endpoint
        ? {
            label: `Endpoint: ${name}`,
            caption: `Endpoint ${endpoint.name} (${endpoint.status})`
          }
        : null
    );
  }
}

/** The id of an endpoint's view, so an open one is found again. */
export function endpointViewId(name: string): string {
  return `mlstudio-endpoint:${name}`;
}

function EndpointContent(props: IContentProps): JSX.Element {
  const { model } = props;
  const endpoint = model.endpoint;
  if (model.deleted || !endpoint) {
    return (
      <PagePlaceholder
        what="endpoint"
        model={model}
        deleted={{
          testId: 'mls-endpoint-deleted',
          message: <>The endpoint “{model.name}” was deleted.</>
        }}
      />
    );
  }
  return (
    <div className="jp-MLStudio-page" data-endpoint-status={endpoint.status}>
      <Header {...props} endpoint={endpoint} />
      <ModelError model={model} />
      <StatusNotes endpoint={endpoint} />
      <ConnectSection endpoint={endpoint} settings={props.settings} />
      <StagesSection commands={props.commands} endpoint={endpoint} />
      <VariantsSection {...props} endpoint={endpoint} />
      <ShadowSection
        model={model}
        endpoint={endpoint}
        settings={props.settings}
      />
      <ModelsSection
        model={model}
        endpoint={endpoint}
        settings={props.settings}
      />
      <div className="jp-MLStudio-endpointColumns">
        <TestSection model={model} endpoint={endpoint} />
        <LiveSection model={model} endpoint={endpoint} colors={props.colors} />
      </div>
      {model.asyncRequests && (
        <AsyncSection requests={model.asyncRequests} endpoint={endpoint} />
      )}
      <AutoscalingSection
        model={model}
        endpoint={endpoint}
        colors={props.colors}
      />
      <div className="jp-MLStudio-columns">
        <ErrorsSection model={model} />
        <CaptureSection model={model} endpoint={endpoint} />
      </div>
      <MonitorSection {...props} endpoint={endpoint} />
      <LogSection model={model} />
    </div>
  );
}

function Header(props: IContentProps & { endpoint: Endpoint }): JSX.Element {
  const { model, endpoint, actions } = props;
  const changing = model.busy || isTransitional(endpoint);
  const canUpdate = endpoint.status === 'InService' && !model.busy;
  return (
    <PageHeader
      icon={endpointIcon}
      heading={
        <>
          <span data-testid="mls-endpoint-name">{endpoint.name}</span>
          <EndpointStatusBadge status={endpoint.status} />
        </>
      }
      refresh={{
        testId: 'mls-refresh-endpoint',
        title: 'Reload the endpoint, its metrics and log',
        onClick: () => void model.refresh()
      }}
    >
      <ActionButton
        testId="mls-edit-weights"
        icon={editIcon}
        label="Edit weights"
        title={
          canUpdate
            ? 'Change how traffic is split between the variants'
            : 'Only an endpoint in service can be updated'
        }
        disabled={!canUpdate}
        onClick={() => void actions.editWeights(model)}
      />
      <ActionButton
        testId="mls-update-version"
        icon={modelIcon}
        label="Update version"
        title={
          canUpdate
            ? 'Serve another version of the model (a rolling update)'
            : 'Only an endpoint in service can be updated'
        }
        disabled={!canUpdate}
        onClick={() => void actions.updateVersions(model)}
      />
      <ActionButton
        testId="mls-delete-endpoint"
        icon={deleteIcon}
        label="Delete"
        title="Stop the endpoint and delete it"
        warn
        disabled={changing}
        onClick={() => void actions.remove(model)}
      />
    </PageHeader>
  );
}

/** The failure reason, or the progress of a transition. */
function StatusNotes(props: { endpoint: Endpoint }): JSX.Element | null {
  const { endpoint } = props;
  const progress: Partial<Record<Endpoint['status'], string>> = {
    Creating: 'Starting the endpoint: loading the model into its workers…',
    Updating:
      'Rolling update: new workers start, then the old ones drain. The endpoint keeps serving.',
    Deleting: 'Stopping the endpoint: requests in flight finish first…'
  };
  const message = progress[endpoint.status];
  return (
    <>
      {endpoint.failure_reason && (
        <div
          className="jp-MLStudio-jobFailure"
          data-testid="mls-endpoint-failure"
          role="alert"
        >
          <strong>
            {endpoint.status === 'Failed' ? 'Failed: ' : 'Last update: '}
          </strong>
          {endpoint.failure_reason}
        </div>
      )}
      {message && (
        <div
          className="jp-MLStudio-endpointProgress"
          data-testid="mls-endpoint-progress"
          role="status"
        >
          <div className="jp-MLStudio-progress" />
          <span>{message}</span>
        </div>
      )}
    </>
  );
}
