/**
 * The Models left sidebar: the registered models, searched by the server;
 * a click opens the model's view.
 */
import {
  addIcon,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { ModelGroup } from '../api/types';
import { CommandIDs, MODELS_SIDEBAR_ID } from '../commands';
import { modelIcon } from '../icons';
import { RelativeTime } from '../jobs/components';
import {
  ActionButton,
  ErrorBanner,
  Loading,
  ServerMissing
} from '../sidebar/components';
import { AliasChips } from './components';
import type { ModelsModel } from './model';

export class ModelsSidebar extends ReactWidget {
  constructor(
    private readonly _model: ModelsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.id = MODELS_SIDEBAR_ID;
    // Not `jp-MLStudio-sidebar`: that class names the ML Studio sidebar.
    this.addClass('jp-MLStudio-modelsSidebar');
    this.title.icon = modelIcon;
    this.title.caption = 'Models';
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <ModelsPanel model={this._model} commands={this._commands} />}
      </UseSignal>
    );
  }
}

function ModelsPanel(props: {
  model: ModelsModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  return (
    <div className="jp-MLStudio-content">
      <header className="jp-MLStudio-header">
        <modelIcon.react tag="span" className="jp-MLStudio-headerIcon" />
        <h2>Models</h2>
      </header>
      {model.error && !model.serverMissing && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <section className="jp-MLStudio-section" aria-label="Models">
        <div className="jp-MLStudio-sectionHeader">
          <div className="jp-MLStudio-toolbar">
            <ActionButton
              testId="mls-create-model"
              icon={addIcon}
              label="New model"
              title="Create an empty model; versions are registered from runs"
              disabled={model.serverMissing}
              onClick={() => void commands.execute(CommandIDs.createModel)}
            />
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-refresh-models"
              title="Refresh Models"
              aria-label="Refresh Models"
              onClick={() => void model.refresh()}
            >
              <refreshIcon.react
                tag="span"
                className="jp-MLStudio-buttonIcon"
              />
            </button>
          </div>
        </div>
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
        {model.isLoading && (
          <Loading
            firstLoad={!model.loaded}
            what="models"
            testId="mls-models-loading"
          />
        )}
        <ModelsBody model={model} commands={commands} />
      </section>
    </div>
  );
}

function ModelsBody(props: {
  model: ModelsModel;
  commands: CommandRegistry;
}): JSX.Element | null {
  const { model, commands } = props;
  if (model.serverMissing) {
    return (
      <ServerMissing
        feature="The model registry"
        testId="mls-models-server-missing"
      />
    );
  }
  if (!model.loaded) {
    return null;
  }
  if (model.groups.length === 0) {
    return (
      <div className="jp-MLStudio-empty" data-testid="mls-models-empty">
        {model.search.trim() ? (
          `No models match “${model.search.trim()}”.`
        ) : (
          <>
            No models yet. Open a run that logged a model and click{' '}
            <strong>Register model</strong>, or in a notebook call{' '}
            <code>run.log_model(estimator, register_as="name")</code>.
          </>
        )}
      </div>
    );
  }
  return (
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
  );
}

function ModelItem(props: {
  group: ModelGroup;
  onOpen: () => void;
}): JSX.Element {
  const { group } = props;
  const aliases = Object.keys(group.aliases);
  return (
    <button
      type="button"
      className="jp-MLStudio-modelItem"
      data-testid="mls-model-item"
      data-model={group.name}
      title={group.description || group.name}
      onClick={props.onOpen}
    >
      <span className="jp-MLStudio-modelItemRow">
        <span className="jp-MLStudio-itemName">{group.name}</span>
        <span
          className="jp-MLStudio-modelLatest"
          data-testid="mls-model-latest"
        >
          {group.latest_version > 0 ? `v${group.latest_version}` : 'empty'}
        </span>
      </span>
      {group.description && (
        <span className="jp-MLStudio-modelItemRow jp-MLStudio-modelItemMeta">
          <span className="jp-MLStudio-itemName">{group.description}</span>
        </span>
      )}
      <span className="jp-MLStudio-modelItemRow jp-MLStudio-modelItemMeta">
        <AliasChips aliases={aliases} versions={group.aliases} />
        <span className="jp-MLStudio-modelUpdated">
          updated <RelativeTime iso={group.updated_at} />
        </span>
      </span>
    </button>
  );
}
