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
import { showView } from '../ui/view';

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
  openExperiment(experimentId: string): Promise<ExperimentView> {
    const { app, serverSettings, events, theme } = this._options;
    const open = this.experiments.find(
      view => view.model.experimentId === experimentId
    );
    return showView(app, this.experiments, open, () => {
      const model = new RunsTableModel({
        experimentId,
        serverSettings,
        events
      });
      return new ExperimentView({ model, commands: app.commands, theme });
    });
  }

  /** Show a run, reusing an open view. */
  openRun(runId: string): Promise<RunView> {
    const { app, serverSettings, events, theme } = this._options;
    const open = this.runs.find(view => view.model.runId === runId);
    return showView(app, this.runs, open, () => {
      const model = new RunModel({ runId, serverSettings, events });
      return new RunView({
        model,
        commands: app.commands,
        theme,
        askName: this._options.askRunName
      });
    });
  }

  /** Compare runs of an experiment, reusing a view of the same runs. */
  compare(
    experimentId: string,
    runIds: ReadonlyArray<string>
  ): Promise<CompareView> {
    const { app, serverSettings, events, theme } = this._options;
    const key = [...new Set(runIds)].sort().join(',');
    const open = this.comparisons.find(
      view => [...view.model.runIds].sort().join(',') === key
    );
    return showView(app, this.comparisons, open, () => {
      const model = new CompareModel({
        experimentId,
        runIds,
        serverSettings,
        events
      });
      const view = new CompareView({ model, commands: app.commands, theme });
      view.id = `mlstudio-compare-${++this._compareCount}-${Date.now()}`;
      return view;
    });
  }

  private _compareCount = 0;
  private _options: StudioViews.IOptions;
}
