/**
 * Opening endpoint views: one per endpoint (an open one is activated
 * again), tracked so the layout restorer brings them back after a reload.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import type { Event, ServerConnection } from '@jupyterlab/services';

import type { ThemeWatcher } from '../charts/theme';
import { EndpointModel } from './endpoint-model';
import { EndpointView, IEndpointActions } from './view';
import { showView } from '../ui/view';

export namespace EndpointViews {
  export interface IOptions {
    app: JupyterFrontEnd;
    theme: ThemeWatcher;
    actions: IEndpointActions;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
  }
}

export class EndpointViews {
  constructor(options: EndpointViews.IOptions) {
    this._options = options;
  }

  readonly endpoints = new WidgetTracker<EndpointView>({
    namespace: 'mlstudio-endpoint'
  });

  /** Show an endpoint, reusing an open view. */
  openEndpoint(name: string): Promise<EndpointView> {
    const { app, serverSettings, events, theme, actions } = this._options;
    let open = this.endpoints.find(view => view.model.name === name);
    // A view of a deleted endpoint may show a new one of the same name.
    if (open?.model.deleted) {
      open.close();
      open = undefined;
    }
    return showView(app, this.endpoints, open, () => {
      const model = new EndpointModel({ name, serverSettings, events });
      return new EndpointView({
        model,
        commands: app.commands,
        theme,
        serverSettings,
        actions
      });
    });
  }

  private _options: EndpointViews.IOptions;
}
