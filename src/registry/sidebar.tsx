/**
 * The Models left sidebar: the registered models, searched by the server;
 * a click opens the model's view.
 */
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { ModelGroup } from '../api/types';
import { modelIcon } from '../icons';
import {
  ItemLine,
  ListItem,
  ListSidebar,
  SidebarShell
} from '../ui/sidebar-shell';
import { AliasChips } from './components';
import type { ModelsModel } from './model';
import { RelativeTime } from '../ui/components';
import { CommandIDs, MODELS_SIDEBAR_ID } from '../command-ids';

export class ModelsSidebar extends ListSidebar<ModelsModel> {
  constructor(model: ModelsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: MODELS_SIDEBAR_ID,
      className: 'jp-MLStudio-modelsSidebar',
      icon: modelIcon,
      caption: 'Models'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const search = model.search.trim();
    return (
      <SidebarShell
        {...this.head}
        create={{
          testId: 'mls-create-model',
          label: 'New model',
          title: 'Create an empty model; versions are registered from runs',
          onClick: () => void commands.execute(CommandIDs.createModel)
        }}
        refreshTestId="mls-refresh-models"
        filters={
          <div className="jp-MLStudio-modelSearch">
            <input
              type="search"
              className="jp-MLStudio-input"
              data-testid="mls-models-search"
              placeholder="Search name or description"
              aria-label="Search models"
              value={model.search}
              disabled={model.serverMissing}
              onChange={event => model.setSearch(event.target.value)}
            />
          </div>
        }
        loading={{ what: 'models', testId: 'mls-models-loading' }}
        serverMissing={{
          feature: 'The model registry',
          testId: 'mls-models-server-missing'
        }}
        empty={
          model.groups.length === 0 ? (
            <div className="jp-MLStudio-empty" data-testid="mls-models-empty">
              {search ? (
                `No models match “${search}”.`
              ) : (
                <>
                  No models yet. Open a run that logged a model and click{' '}
                  <strong>Register model</strong>, or in a notebook call{' '}
                  <code>run.log_model(estimator, register_as="name")</code>.
                </>
              )}
            </div>
          ) : null
        }
      >
        {model.loaded && (
          <>
            <ul className="jp-MLStudio-list" aria-label="Models">
              {model.groups.map(group => (
                <li key={group.id}>
                  <ModelItem
                    group={group}
                    onOpen={() =>
                      void commands.execute(CommandIDs.openModel, {
                        name: group.name
                      })
                    }
                  />
                </li>
              ))}
            </ul>
            {model.hasMore && (
              <div className="jp-MLStudio-empty">
                Showing the {model.groups.length} most recently changed models.
              </div>
            )}
          </>
        )}
      </SidebarShell>
    );
  }
}

function ModelItem(props: {
  group: ModelGroup;
  onOpen: () => void;
}): JSX.Element {
  const { group } = props;
  const aliases = Object.keys(group.aliases);
  return (
    <ListItem
      testId="mls-model-item"
      className="jp-MLStudio-modelItem"
      data={{ 'data-model': group.name }}
      title={group.description || group.name}
      onOpen={props.onOpen}
    >
      <ItemLine>
        <span className="jp-MLStudio-itemName">{group.name}</span>
        <span
          className="jp-MLStudio-modelLatest"
          data-testid="mls-model-latest"
        >
          {group.latest_version > 0 ? `v${group.latest_version}` : 'empty'}
        </span>
      </ItemLine>
      {group.description && (
        <ItemLine meta className="jp-MLStudio-modelItemMeta">
          <span className="jp-MLStudio-itemName">{group.description}</span>
        </ItemLine>
      )}
      <ItemLine meta className="jp-MLStudio-modelItemMeta">
        <AliasChips aliases={aliases} versions={group.aliases} />
        <span className="jp-MLStudio-modelUpdated">
          updated <RelativeTime iso={group.updated_at} />
        </span>
      </ItemLine>
    </ListItem>
  );
}
