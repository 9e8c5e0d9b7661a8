/**
 * The ML Studio left sidebar: renders the experiments model, runs commands.
 */
import {
  addIcon,
  deleteIcon,
  editIcon,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CommandIDs, SIDEBAR_ID } from '../commands';
import { experimentIcon, studioIcon } from '../icons';
import type { IExperimentsModel } from '../tokens';
import {
  ActionButton,
  ErrorBanner,
  Loading,
  ServerMissing
} from './components';
import { ExperimentDetails, ExperimentList } from './experiments';

export class MLStudioSidebar extends ReactWidget {
  constructor(
    private readonly _model: IExperimentsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('jp-MLStudio-sidebar');
    this.title.icon = studioIcon;
    this.title.caption = 'ML Studio';
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <SidebarView model={this._model} commands={this._commands} />}
      </UseSignal>
    );
  }
}

function SidebarView(props: {
  model: IExperimentsModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const selected = model.selected;
  const run = (command: string) => () =>
    void commands.execute(command, selected ? { id: selected.id } : {});

  return (
    <div className="jp-MLStudio-content">
      <header className="jp-MLStudio-header">
        <studioIcon.react tag="span" className="jp-MLStudio-headerIcon" />
        <h2>ML Studio</h2>
      </header>
      {model.error && !model.serverMissing && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <section className="jp-MLStudio-section" aria-label="Experiments">
        <div className="jp-MLStudio-sectionHeader">
          <h3 className="jp-MLStudio-sectionTitle">Experiments</h3>
          <div className="jp-MLStudio-toolbar">
            <ActionButton
              testId="mls-create-experiment"
              icon={addIcon}
              label="New"
              title="New Experiment…"
              disabled={model.serverMissing}
              onClick={run(CommandIDs.createExperiment)}
            />
            <ActionButton
              testId="mls-refresh-experiments"
              icon={refreshIcon}
              label="Refresh"
              title="Refresh Experiments"
              onClick={run(CommandIDs.refreshExperiments)}
            />
          </div>
        </div>
        {model.isLoading && <Loading firstLoad={!model.loaded} />}
        {model.serverMissing ? (
          <ServerMissing />
        ) : model.loaded && model.experiments.length === 0 ? (
          <div className="jp-MLStudio-empty" data-testid="mls-empty">
            No experiments yet — create one
          </div>
        ) : (
          <ExperimentList
            experiments={model.experiments}
            selectedId={selected?.id ?? null}
            onSelect={id => model.select(id)}
            onOpen={id =>
              void commands.execute(CommandIDs.openExperiment, { id })
            }
          />
        )}
      </section>
      {selected && !model.serverMissing && (
        <ExperimentDetails
          experiment={selected}
          actions={
            <>
              <ActionButton
                testId="mls-open-experiment"
                icon={experimentIcon}
                label="Open"
                title="Open the experiment's runs"
                onClick={run(CommandIDs.openExperiment)}
              />
              <ActionButton
                testId="mls-rename-experiment"
                icon={editIcon}
                label="Rename"
                title="Rename Experiment…"
                onClick={run(CommandIDs.renameExperiment)}
              />
              <ActionButton
                testId="mls-delete-experiment"
                icon={deleteIcon}
                label="Delete"
                title="Delete Experiment"
                warn
                onClick={run(CommandIDs.deleteExperiment)}
              />
            </>
          }
        />
      )}
    </div>
  );
}
