/**
 * The JumpStart left panel: a card per catalog entry (title, kind, task,
 * description, tags, licence, estimated time and RAM, its catalog), task
 * chips, a solutions/models switch and a search box; entries that failed to
 * load with their error; the recent launches. A card opens its entry page.
 */
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import { CommandIDs, JUMPSTART_SIDEBAR_ID } from '../command-ids';
import { jumpstartIcon } from '../icons';
import { RelativeTime, StatusBadge } from '../ui/components';
import { EmptyList, ListSidebar, SidebarShell } from '../ui/sidebar-shell';
import type {
  CatalogKind,
  ICatalogEntrySummary,
  ICatalogError,
  ICatalogLaunch,
  ICatalogSource
} from './api';
import { costLabel, launchMod, taskLabel } from './logic';
import type { CatalogModel } from './model';

const KINDS: ReadonlyArray<{ kind: CatalogKind | ''; label: string }> = [
  { kind: '', label: 'All' },
  { kind: 'solution', label: 'Solutions' },
  { kind: 'model', label: 'Models' }
];

export class JumpStartSidebar extends ListSidebar<CatalogModel> {
  constructor(model: CatalogModel, commands: CommandRegistry) {
    super(model, commands, {
      id: JUMPSTART_SIDEBAR_ID,
      className: 'jp-MLStudio-jumpstartSidebar',
      icon: jumpstartIcon,
      caption: 'JumpStart'
    });
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this.model.loaded && !this.model.isLoading) {
      void this.model.refresh();
    }
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const entries = model.entries;
    const catalog = model.catalog;
    const filter = model.filter;
    const filtered = filter.task !== '' || filter.kind !== '' || !!filter.query;
    const sources = new Map<string, ICatalogSource>(
      (catalog?.sources ?? []).map(s => [s.name, s])
    );
    return (
      <SidebarShell
        {...this.head}
        refreshTestId="mls-jumpstart-refresh"
        loading={{ what: 'the catalog', testId: 'mls-jumpstart-loading' }}
        serverMissing={{
          feature: 'JumpStart',
          testId: 'mls-jumpstart-server-missing'
        }}
        filters={<Filters model={model} />}
        empty={
          entries.length === 0 ? (
            <EmptyList
              testId="mls-jumpstart-empty"
              filtered={filtered}
              filteredMessage="No catalog entry matches the filters."
            >
              The catalog is empty.
            </EmptyList>
          ) : null
        }
        footer={
          <>
            <CatalogErrors errors={catalog?.errors ?? []} />
            <RecentLaunches
              launches={model.launches}
              onOpen={id =>
                void commands.execute(CommandIDs.openCatalogLaunch, { id })
              }
            />
          </>
        }
      >
        <ul
          className="jp-MLStudio-jumpstartCards"
          aria-label="Catalog entries"
          data-testid="mls-jumpstart-cards"
        >
          {entries.map(entry => (
            <li key={`${entry.source}/${entry.name}`}>
              <EntryCard
                entry={entry}
                source={sources.get(entry.source)}
                onOpen={() =>
                  void commands.execute(CommandIDs.openCatalogEntry, {
                    name: entry.name
                  })
                }
              />
            </li>
          ))}
        </ul>
      </SidebarShell>
    );
  }
}

/** The search box, the kind switch and the task chips. */
function Filters(props: { model: CatalogModel }): JSX.Element {
  const { model } = props;
  const filter = model.filter;
  return (
    <div className="jp-MLStudio-jumpstartFilters">
      <input
        type="search"
        className="jp-MLStudio-input"
        data-testid="mls-jumpstart-search"
        placeholder="Search solutions and models"
        aria-label="Search the catalog"
        value={filter.query}
        onChange={event => model.setFilter({ query: event.target.value })}
      />
      <div
        className="jp-MLStudio-jumpstartKinds"
        role="radiogroup"
        aria-label="Kind"
      >
        {KINDS.map(k => (
          <button
            key={k.kind}
            type="button"
            role="radio"
            aria-checked={filter.kind === k.kind}
            className={`jp-MLStudio-jumpstartKind${filter.kind === k.kind ? ' jp-mod-active' : ''}`}
            data-testid="mls-jumpstart-kind"
            data-kind={k.kind || 'all'}
            onClick={() => model.setFilter({ kind: k.kind })}
          >
            {k.label}
          </button>
        ))}
      </div>
      <div
        className="jp-MLStudio-jumpstartChips"
        role="group"
        aria-label="Task"
      >
        {['', ...model.tasks].map(task => (
          <button
            key={task || 'all'}
            type="button"
            aria-pressed={filter.task === task}
            className={`jp-MLStudio-jumpstartChip${filter.task === task ? ' jp-mod-active' : ''}`}
            data-testid="mls-jumpstart-task"
            data-task={task || 'all'}
            onClick={() => model.setFilter({ task })}
          >
            {task ? taskLabel(task) : 'All tasks'}
          </button>
        ))}
      </div>
    </div>
  );
}

function EntryCard(props: {
  entry: ICatalogEntrySummary;
  source: ICatalogSource | undefined;
  onOpen: () => void;
}): JSX.Element {
  const { entry, source } = props;
  const builtin = source
    ? source.builtin
    : entry.source === 'built-in' || entry.source === 'builtin';
  return (
    <button
      type="button"
      className="jp-MLStudio-jumpstartCard"
      data-testid="mls-jumpstart-card"
      data-name={entry.name}
      data-kind={entry.kind}
      data-task={entry.task}
      title={`Open ${entry.title}`}
      onClick={props.onOpen}
    >
      <span className="jp-MLStudio-jumpstartCardHead">
        <span className="jp-MLStudio-jumpstartCardTitle">{entry.title}</span>
        <span className={`jp-MLStudio-jumpstartKindBadge jp-mod-${entry.kind}`}>
          {entry.kind === 'model' ? 'Model' : 'Solution'}
        </span>
      </span>
      <span className="jp-MLStudio-jumpstartCardTask">
        {taskLabel(entry.task)}
      </span>
      <span className="jp-MLStudio-jumpstartCardText">{entry.description}</span>
      {entry.tags.length > 0 && (
        <span className="jp-MLStudio-jumpstartTags">
          {entry.tags.map(tag => (
            <span key={tag} className="jp-MLStudio-jumpstartTag">
              {tag}
            </span>
          ))}
        </span>
      )}
      <span className="jp-MLStudio-jumpstartCardMeta">
        <span title="Estimated time and memory">
          {costLabel(entry.resources)}
        </span>
        <span
          className="jp-MLStudio-jumpstartLicence"
          title={`Licence: ${entry.licence}`}
        >
          {entry.licence}
        </span>
        <span
          className={builtin ? '' : 'jp-MLStudio-jumpstartSource'}
          data-testid="mls-jumpstart-card-source"
          title={source ? `Catalog: ${source.location}` : 'Catalog'}
        >
          {builtin ? 'built-in' : `from ${entry.source}`}
        </span>
      </span>
    </button>
  );
}

/** Entries whose manifest did not load, each with its message. */
function CatalogErrors(props: { errors: ICatalogError[] }): JSX.Element | null {
  if (!props.errors.length) {
    return null;
  }
  return (
    <div
      className="jp-MLStudio-jumpstartErrors"
      data-testid="mls-jumpstart-errors"
      role="status"
    >
      <div className="jp-MLStudio-jumpstartSubhead">
        {props.errors.length === 1
          ? '1 entry could not be loaded'
          : `${props.errors.length} entries could not be loaded`}
      </div>
      {props.errors.map(error => (
        <div
          key={`${error.source}/${error.path}`}
          className="jp-MLStudio-jumpstartError"
          data-testid="mls-jumpstart-error"
        >
          <div className="jp-MLStudio-mono">
            {error.source}: {error.path}
          </div>
          <div>{error.message}</div>
        </div>
      ))}
    </div>
  );
}

function RecentLaunches(props: {
  launches: ReadonlyArray<ICatalogLaunch>;
  onOpen: (id: string) => void;
}): JSX.Element | null {
  const launches = props.launches.slice(0, 8);
  if (!launches.length) {
    return null;
  }
  return (
    <div className="jp-MLStudio-jumpstartLaunches">
      <div className="jp-MLStudio-jumpstartSubhead">Recent launches</div>
      <ul className="jp-MLStudio-list" aria-label="Recent launches">
        {launches.map(launch => (
          <li key={launch.id}>
            <button
              type="button"
              className="jp-MLStudio-listItem"
              data-testid="mls-jumpstart-launch-item"
              data-status={launch.status}
              title={`Open the launch of ${launch.entry} into ${launch.folder}`}
              onClick={() => props.onOpen(launch.id)}
            >
              <span className="jp-MLStudio-listItemRow">
                <span className="jp-MLStudio-itemName">{launch.folder}</span>
                <StatusBadge
                  className="jp-MLStudio-jobStatus"
                  status={launch.status}
                  testId="mls-jumpstart-launch-status"
                  mod={launchMod(launch)}
                />
              </span>
              <span className="jp-MLStudio-listItemRow jp-MLStudio-listItemMeta">
                <span>{launch.entry}</span>
                <RelativeTime iso={launch.created} />
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
