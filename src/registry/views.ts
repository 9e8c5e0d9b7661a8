/**
 * Opening the main-area views of the registry: one per model, per version
 * and per comparison (an open one is activated again), tracked so the
 * layout restorer brings them back after a reload.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Event, ServerConnection } from '@jupyterlab/services';

import { CompareVersionsModel } from './compare-model';
import { CompareVersionsView } from './compare-view';
import { ModelGroupModel } from './group-model';
import { ModelGroupView } from './group-view';
import { ModelVersionModel } from './version-model';
import { ModelVersionView } from './version-view';
import { showView } from '../ui/view';

export namespace ModelViews {
  export interface IOptions {
    app: JupyterFrontEnd;
    serverSettings?: ServerConnection.ISettings;
    events?: Event.IManager | null;
    /** Renders the model card's Markdown (plain text without it). */
    rendermime?: IRenderMimeRegistry | null;
  }
}

export class ModelViews {
  constructor(options: ModelViews.IOptions) {
    this._options = options;
  }

  readonly groups = new WidgetTracker<ModelGroupView>({
    namespace: 'mlstudio-model'
  });
  readonly versions = new WidgetTracker<ModelVersionView>({
    namespace: 'mlstudio-model-version'
  });
  readonly comparisons = new WidgetTracker<CompareVersionsView>({
    namespace: 'mlstudio-model-compare'
  });

  /** Show a model group, reusing an open view. */
  openModel(name: string): Promise<ModelGroupView> {
    const { app } = this._options;
    const open = this.groups.find(view => view.model.name === name);
    return showView(app, this.groups, open, () => {
      const model = new ModelGroupModel({ name, ...this._connection() });
      return new ModelGroupView({ model, commands: app.commands });
    });
  }

  /** Show a model version, reusing an open view. */
  openVersion(name: string, version: number): Promise<ModelVersionView> {
    const { app } = this._options;
    const open = this.versions.find(
      view => view.model.name === name && view.model.version === version
    );
    return showView(app, this.versions, open, () => {
      const connection = this._connection();
      return new ModelVersionView({
        model: new ModelVersionModel({ name, version, ...connection }),
        commands: app.commands,
        rendermime: this._options.rendermime ?? null
      });
    });
  }

  /** Compare versions of a model, reusing a view of the same versions. */
  compare(
    name: string,
    versions: ReadonlyArray<number>
  ): Promise<CompareVersionsView> {
    const { app } = this._options;
    const key = [...new Set(versions)].sort((a, b) => a - b).join(',');
    const open = this.comparisons.find(
      view => view.model.name === name && view.model.numbers.join(',') === key
    );
    return showView(app, this.comparisons, open, () => {
      const connection = this._connection();
      return new CompareVersionsView({
        model: new CompareVersionsModel({ name, versions, ...connection }),
        commands: app.commands
      });
    });
  }

  private _connection() {
    return {
      serverSettings: this._options.serverSettings,
      events: this._options.events
    };
  }

  private _options: ModelViews.IOptions;
}
