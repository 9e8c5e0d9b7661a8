/**
 * Opening the main-area views of experiments, runs and comparisons: one view
 * per experiment and per run (an open one is activated again), tracked so the
 * layout restorer brings them back after a reload.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import type { Event, ServerConnection } from '@jupyterlab/services';

import type { Run } from '../api/types';
import type { ThemeWatcher } from '../charts/theme';
import { CompareModel } from './compare/model';
import { CompareView } from './compare/widget';
import { ExperimentView } from './table/widget';
import { RunModel } from './run-view/model';
import { RunView } from './run-view/widget';
import { RunsTableModel } from './runs/model';

export namespace StudioViews {
  export interface IOptions {
    app: JupyterFrontEnd;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
    theme: ThemeWatcher;
    /** Ask for a new run name; `null` when cancelled. */
    askRunName: (run: Run) => Promise<string | null>;
  }
}

export class StudioViews {
  constructor(options: StudioViews.IOptions) {
    this._options = options;
  }

  readonly experiments = new WidgetTracker<ExperimentView>({
    namespace: 'mlstudio-experiment'
  });
  readonly runs = new WidgetTracker<RunView>({ namespace: 'mlstudio-run' });
  readonly comparisons = new WidgetTracker<CompareView>({
    namespace: 'mlstudio-compare'
  });

  /** Show an experiment's runs table, reusing an open view. */
  async openExperiment(experimentId: string): Promise<ExperimentView> {
    const open = this.experiments.find(
      view => view.model.experimentId === experimentId
    );
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const model = new RunsTableModel({
      experimentId,
      serverSettings: this._options.serverSettings,
      events: this._options.events
    });
    const view = new ExperimentView({
      model,
      commands: this._options.app.commands,
      theme: this._options.theme
    });
    await this._show(view, this.experiments);
    void model.start();
    return view;
  }

  /** Show a run, reusing an open view. */
  async openRun(runId: string): Promise<RunView> {
    const open = this.runs.find(view => view.model.runId === runId);
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const model = new RunModel({
      runId,
      serverSettings: this._options.serverSettings,
      events: this._options.events
    });
    const view = new RunView({
      model,
      commands: this._options.app.commands,
      theme: this._options.theme,
      askName: this._options.askRunName
    });
    await this._show(view, this.runs);
    void model.start();
    return view;
  }

  /** Compare runs of an experiment, reusing a view of the same runs. */
  async compare(
    experimentId: string,
    runIds: ReadonlyArray<string>
  ): Promise<CompareView> {
    const key = [...new Set(runIds)].sort().join(',');
    const open = this.comparisons.find(
      view => [...view.model.runIds].sort().join(',') === key
    );
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const model = new CompareModel({
      experimentId,
      runIds,
      serverSettings: this._options.serverSettings,
      events: this._options.events
    });
    const view = new CompareView({
      model,
      commands: this._options.app.commands,
      theme: this._options.theme
    });
    view.id = `mlstudio-compare-${++this._compareCount}-${Date.now()}`;
    await this._show(view, this.comparisons);
    void model.start();
    return view;
  }

  private async _show<T extends ExperimentView | RunView | CompareView>(
    view: T,
    tracker: WidgetTracker<T>
  ): Promise<void> {
    this._options.app.shell.add(view, 'main');
    await tracker.add(view);
    this._options.app.shell.activateById(view.id);
  }

  private _compareCount = 0;
  private _options: StudioViews.IOptions;
}
