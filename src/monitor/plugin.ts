/**
 * The Model Monitor plugin: the Monitors sidebar, monitor views, the
 * create-monitor form, their commands, and a notification per execution
 * that ends with violations (the server's `monitor-alerts` events).
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  ReactWidget
} from '@jupyterlab/apputils';
import type { Event } from '@jupyterlab/services';
import * as React from 'react';

import { resourceChange } from '../events';
import { CommandIDs, MONITORS_SIDEBAR_ID } from '../command-ids';
import { addSidebar, addToPalette } from '../ui/plugin';
import { getMonitor, listAlerts } from './api';
import { CreateMonitorForm } from './create-form';
import {
  MONITOR_ALERTS_RESOURCE,
  monitorIcon,
  MonitorsModel,
  MonitorsSidebar
} from './sidebar';
import { MonitorView } from './view';

export const monitorPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlstudio:monitor',
  description:
    'ML Studio Model Monitor: the Monitors sidebar, monitor views, the create form and alerts.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const { serverSettings, events } = app.serviceManager;
    const model = new MonitorsModel({ serverSettings, events });
    const views = new Map<string, MainAreaWidget<MonitorContent>>();

    const openMonitor = (id: string, executionId: string | null) => {
      const key = `mlstudio-monitor-${id}`;
      const existing = views.get(key);
      const render = () =>
        React.createElement(MonitorView, {
          monitorId: id,
          executionId,
          settings: serverSettings,
          onDeleted: () => {
            views.get(key)?.dispose();
            void model.refresh();
          }
        });
      if (existing && !existing.isDisposed) {
        // a notification's Open selects its execution in the open view
        existing.content.renderer = render;
        existing.content.update();
        app.shell.activateById(key);
        return;
      }
      const content = new MonitorContent(render);
      const widget = new MainAreaWidget({ content });
      widget.id = key;
      widget.title.label = 'Monitor';
      widget.title.icon = monitorIcon;
      widget.title.closable = true;
      void getMonitor(id, serverSettings)
        .then(m => (widget.title.label = `Monitor ${m.name}`))
        .catch(() => undefined);
      views.set(key, widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(key);
    };

    app.commands.addCommand(CommandIDs.openMonitor, {
      label: args =>
        args.id ? `Open Monitor ${String(args.id)}` : 'Open Monitor',
      execute: args => {
        const id = typeof args.id === 'string' ? args.id : '';
        if (id) {
          openMonitor(
            id,
            typeof args.executionId === 'string' ? args.executionId : null
          );
        }
      }
    });
    app.commands.addCommand(CommandIDs.newMonitor, {
      label: 'New Model Monitor',
      caption: "Check an endpoint's captured traffic on a schedule",
      icon: args => (args.isPalette ? undefined : monitorIcon),
      execute: args => {
        const endpoint = typeof args.endpoint === 'string' ? args.endpoint : '';
        let widget: MainAreaWidget | null = null;
        const content = ReactWidget.create(
          React.createElement(CreateMonitorForm, {
            endpoint,
            settings: serverSettings,
            onCreated: monitor => {
              widget?.dispose();
              void model.refresh();
              openMonitor(monitor.id, null);
            }
          })
        );
        content.addClass('jp-MLStudio-monitorPanel');
        widget = new MainAreaWidget({ content });
        widget.id = `mlstudio-new-monitor-${Date.now()}`;
        widget.title.label = endpoint
          ? `New monitor: ${endpoint}`
          : 'New monitor';
        widget.title.icon = monitorIcon;
        widget.title.closable = true;
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
      }
    });
    app.commands.addCommand(CommandIDs.openMonitors, {
      label: 'Open Monitors',
      execute: () => app.shell.activateById(MONITORS_SIDEBAR_ID)
    });

    // after Tuning (851.5)
    addSidebar(app, new MonitorsSidebar(model, app.commands), 851.7, restorer);
    addToPalette(palette, [CommandIDs.openMonitors, CommandIDs.newMonitor]);

    // one notification per alert (an execution that ended with violations)
    const notified = new Set<string>();
    events?.stream.connect((_, emission: Event.Emission) => {
      const change = resourceChange(emission, MONITOR_ALERTS_RESOURCE);
      const id = change ? Number(change.id) : NaN;
      if (!Number.isInteger(id) || id < 1) {
        return;
      }
      void listAlerts(id - 1, serverSettings)
        .then(alerts => {
          for (const alert of alerts.filter(a => a.id === id)) {
            if (notified.has(alert.execution_id)) {
              continue;
            }
            notified.add(alert.execution_id);
            Notification.warning(alert.message, {
              autoClose: false,
              actions: [
                {
                  label: 'Open',
                  caption: 'Open the monitor on this execution',
                  callback: () =>
                    openMonitor(alert.monitor_id, alert.execution_id)
                }
              ]
            });
          }
        })
        .catch(() => undefined);
    });
  }
};

/** The monitor view's widget; `renderer` changes when Open selects another execution. */
class MonitorContent extends ReactWidget {
  constructor(public renderer: () => JSX.Element) {
    super();
    this.addClass('jp-MLStudio-monitorPanel');
  }

  protected render(): JSX.Element {
    return this.renderer();
  }
}
