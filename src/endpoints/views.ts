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
  async openEndpoint(name: string): Promise<EndpointView> {
    const { app } = this._options;
    const open = this.endpoints.find(view => view.model.name === name);
    if (open) {
      app.shell.activateById(open.id);
      // A view of a deleted endpoint may show a new one of the same name.
      if (open.model.deleted) {
        open.close();
      } else {
        return open;
      }
    }
    const model = new EndpointModel({
      name,
      serverSettings: this._options.serverSettings,
      events: this._options.events
    });
    const view = new EndpointView({
      model,
      commands: app.commands,
      theme: this._options.theme,
      serverSettings: this._options.serverSettings,
      actions: this._options.actions
    });
    app.shell.add(view, 'main');
    await this.endpoints.add(view);
    app.shell.activateById(view.id);
    void model.start();
    return view;
  }

  private _options: EndpointViews.IOptions;
}
