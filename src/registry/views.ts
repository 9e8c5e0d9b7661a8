/**
 * Opening the main-area views of the registry: one per model, per version
 * and per comparison (an open one is activated again), tracked so the
 * layout restorer brings them back after a reload.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Event, ServerConnection } from '@jupyterlab/services';

import { CompareVersionsModel } from './compare-model';
import { CompareVersionsView } from './compare-view';
import { ModelGroupModel } from './group-model';
import { ModelGroupView } from './group-view';
import { ModelVersionModel } from './version-model';
import { ModelVersionView } from './version-view';

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
  async openModel(name: string): Promise<ModelGroupView> {
    const open = this.groups.find(view => view.model.name === name);
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const model = new ModelGroupModel({ name, ...this._connection() });
    const view = new ModelGroupView({
      model,
      commands: this._options.app.commands
    });
    await this._show(view, this.groups);
    void model.start();
    return view;
  }

  /** Show a model version, reusing an open view. */
  async openVersion(name: string, version: number): Promise<ModelVersionView> {
    const open = this.versions.find(
      view => view.model.name === name && view.model.version === version
    );
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const model = new ModelVersionModel({
      name,
      version,
      ...this._connection()
    });
    const view = new ModelVersionView({
      model,
      commands: this._options.app.commands,
      rendermime: this._options.rendermime ?? null
    });
    await this._show(view, this.versions);
    void model.start();
    return view;
  }

  /** Compare versions of a model, reusing a view of the same versions. */
  async compare(
    name: string,
    versions: ReadonlyArray<number>
  ): Promise<CompareVersionsView> {
    const key = [...new Set(versions)].sort((a, b) => a - b).join(',');
    const open = this.comparisons.find(
      view => view.model.name === name && view.model.numbers.join(',') === key
    );
    if (open) {
      this._options.app.shell.activateById(open.id);
      return open;
    }
    const model = new CompareVersionsModel({
      name,
      versions,
      ...this._connection()
    });
    const view = new CompareVersionsView({
      model,
      commands: this._options.app.commands
    });
    await this._show(view, this.comparisons);
    void model.start();
    return view;
  }

  private _connection() {
    return {
      serverSettings: this._options.serverSettings,
      events: this._options.events
    };
  }

  private async _show<T extends MainAreaWidget>(
    view: T,
    tracker: WidgetTracker<T>
  ): Promise<void> {
    this._options.app.shell.add(view, 'main');
    await tracker.add(view);
    this._options.app.shell.activateById(view.id);
  }

  private _options: ModelViews.IOptions;
}
