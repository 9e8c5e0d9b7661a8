/**
 * Opening feature group views: one per group name (an open one is
 * activated again; the layout restorer brings them back).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { WidgetTracker } from '@jupyterlab/apputils';
import type { Event, ServerConnection } from '@jupyterlab/services';

import { showView } from '../ui/view';
import { DatasetBuilderModel } from './dataset-model';
import { DatasetBuilderView } from './dataset-view';
import { FeatureGroupModel } from './group-model';
import { FeatureGroupView } from './view';

export class FeatureGroupViews {
  constructor(
    private readonly _options: {
      app: JupyterFrontEnd;
      serverSettings?: ServerConnection.ISettings;
      events?: Event.IManager | null;
    }
  ) {}

  readonly groups = new WidgetTracker<FeatureGroupView>({
    namespace: 'mlstudio-feature-group'
  });

  readonly builders = new WidgetTracker<DatasetBuilderView>({
    namespace: 'mlstudio-feature-dataset'
  });

  /** Open the training set builder (an open one is reused). */
  openDatasetBuilder(entityPath?: string): Promise<DatasetBuilderView> {
    const { app, serverSettings, events } = this._options;
    const open = this.builders.find(() => true);
    if (open && entityPath) {
      open.model.setEntityPath(entityPath);
      void open.model.readEntityColumns();
    }
    return showView(
      app,
      this.builders,
      open,
      () =>
        new DatasetBuilderView(
          new DatasetBuilderModel({ serverSettings, events, entityPath })
        )
    );
  }

  /** Show a group by name (a `name@version` reference opens its name). */
  open(ref: string): Promise<FeatureGroupView> {
    const { app, serverSettings, events } = this._options;
    const name = ref.split('@')[0];
    const open = this.groups.find(
      view => view.model.name === name && !view.model.deleted
    );
    return showView(app, this.groups, open, () => {
      const model = new FeatureGroupModel({ name, serverSettings, events });
      return new FeatureGroupView({ model, commands: app.commands });
    });
  }
}
