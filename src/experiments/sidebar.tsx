/**
 * The ML Studio left sidebar: renders the experiments model, runs commands.
 */
import {
  addIcon,
  deleteIcon,
  editIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { experimentIcon, studioIcon } from '../icons';
import type { IExperimentsModel } from '../tokens';
import { ExperimentDetails, ExperimentList } from './list';
import { ListSidebar, SidebarShell } from '../ui/sidebar-shell';
import { ActionButton } from '../ui/components';
import { CommandIDs, SIDEBAR_ID } from '../command-ids';

export class MLStudioSidebar extends ListSidebar<IExperimentsModel> {
  constructor(model: IExperimentsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: SIDEBAR_ID,
      className: 'jp-MLStudio-sidebar',
      icon: studioIcon,
      caption: 'ML Studio'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const selected = model.selected;
    const run = (command: string) => () =>
      void commands.execute(command, selected ? { id: selected.id } : {});

    return (
      <SidebarShell
        {...this.head}
        headerActions={
          <ActionButton
            testId="mls-open-home"
            icon={studioIcon}
            label="Home"
            title="Open ML Studio Home: what runs now, recent activity, configuration"
            onClick={run(CommandIDs.openHome)}
          />
        }
        section="Experiments"
        sectionTitle="Experiments"
        toolbar={
          <>
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
          </>
        }
        empty={
          model.experiments.length === 0 ? (
            <div className="jp-MLStudio-empty" data-testid="mls-empty">
              No experiments yet — create one
            </div>
          ) : null
        }
        details={
          selected && (
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
          )
        }
      >
        <ExperimentList
          experiments={model.experiments}
          selectedId={selected?.id ?? null}
          onSelect={id => model.select(id)}
          onOpen={id =>
            void commands.execute(CommandIDs.openExperiment, { id })
          }
        />
      </SidebarShell>
    );
  }
}
