/**
 * The endpoint view: status and URLs, the variants with live figures, a
 * test form prefilled from the model's input example, live request and
 * latency charts, recent errors, capture settings and the log.
 */
import type { ServerConnection } from '@jupyterlab/services';
import { deleteIcon, editIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import { isTransitional } from '../api/endpoints';
import type { Endpoint } from '../api/types';
import { ThemedPanel } from '../charts/panel';
import type { IThemeColors, ThemeWatcher } from '../charts/theme';
import { endpointIcon, modelIcon } from '../icons';
import { EndpointStatusBadge } from './components';
import type { EndpointModel } from './endpoint-model';
import { ActionButton, ErrorBanner, PagePlaceholder } from '../ui/components';
import { ResourceView } from '../ui/view';
import type { IContentProps } from './sections/props';
import { CaptureSection } from './sections/capture';
import { ConnectSection } from './sections/connect';
import { ErrorsSection, LiveSection } from './sections/live';
import { LogSection } from './sections/log';
import { TestSection } from './sections/test-form';
import { VariantsSection } from './sections/variants';

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
      content: new EndpointPanel(options),
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

class EndpointPanel extends ThemedPanel<EndpointModel> {
  constructor(options: EndpointView.IOptions) {
    super(options.model, options.theme, 'mls-endpoint-view');
    this._options = options;
  }

  protected renderThemed(colors: IThemeColors): JSX.Element {
    return (
      <EndpointContent
        model={this.model}
        colors={colors}
        commands={this._options.commands}
        actions={this._options.actions}
        settings={this._options.serverSettings}
      />
    );
  }

  /** Metrics and log are read only while the view is shown. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.resume();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this.model.resume();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.pause();
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.pause();
    super.onBeforeDetach(msg);
  }

  private _options: EndpointView.IOptions;
}

function EndpointContent(props: IContentProps): JSX.Element {
  const { model } = props;
  const endpoint = model.endpoint;
  if (model.deleted || !endpoint) {
    return (
      <PagePlaceholder
        what="endpoint"
        error={model.error}
        onDismiss={() => model.dismissError()}
        deleted={
          model.deleted
            ? {
                testId: 'mls-endpoint-deleted',
                message: <>The endpoint “{model.name}” was deleted.</>
              }
            : null
        }
      />
    );
  }
  return (
    <div className="jp-MLStudio-page" data-endpoint-status={endpoint.status}>
      <Header {...props} endpoint={endpoint} />
      {model.error && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <StatusNotes endpoint={endpoint} />
      <ConnectSection endpoint={endpoint} settings={props.settings} />
      <VariantsSection {...props} endpoint={endpoint} />
      <div className="jp-MLStudio-endpointColumns">
        <TestSection model={model} endpoint={endpoint} />
        <LiveSection model={model} endpoint={endpoint} colors={props.colors} />
      </div>
      <div className="jp-MLStudio-columns">
        <ErrorsSection model={model} />
        <CaptureSection model={model} endpoint={endpoint} />
      </div>
      <LogSection model={model} />
    </div>
  );
}

function Header(props: IContentProps & { endpoint: Endpoint }): JSX.Element {
  const { model, endpoint, actions } = props;
  const changing = model.busy || isTransitional(endpoint);
  const canUpdate = endpoint.status === 'InService' && !model.busy;
  return (
    <header className="jp-MLStudio-pageHeader">
      <h2>
        <endpointIcon.react tag="span" className="jp-MLStudio-headerIcon" />
        <span data-testid="mls-endpoint-name">{endpoint.name}</span>
        <EndpointStatusBadge status={endpoint.status} />
      </h2>
      <div className="jp-MLStudio-toolbar">
        <ActionButton
          testId="mls-refresh-endpoint"
          icon={refreshIcon}
          label="Refresh"
          title="Reload the endpoint, its metrics and log"
          onClick={() => void model.refresh()}
        />
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
      </div>
    </header>
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
