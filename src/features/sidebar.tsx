/**
 * The Feature Store left sidebar: the catalog of feature groups (name,
 * version, records, freshness, online on/off) with a search box; a click
 * opens the group's view.
 */
import type { CommandRegistry } from '@lumino/commands';
import { addIcon, tableRowsIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { featureStoreIcon } from '../icons';
import { RelativeTime } from '../ui/components';
import {
  ItemLine,
  ListItem,
  ListSidebar,
  SidebarShell
} from '../ui/sidebar-shell';
import { ActionButton } from '../ui/components';
import type { FeatureGroupsModel, IFeatureGroupEntry } from './model';
import { CommandIDs, FEATURES_SIDEBAR_ID } from '../command-ids';

export class FeatureStoreSidebar extends ListSidebar<FeatureGroupsModel> {
  constructor(model: FeatureGroupsModel, commands: CommandRegistry) {
    super(model, commands, {
      id: FEATURES_SIDEBAR_ID,
      className: 'jp-MLStudio-featuresSidebar',
      icon: featureStoreIcon,
      caption: 'Feature Store'
    });
  }

  protected renderPanel(): JSX.Element {
    const { model, commands } = this;
    const searching = model.search.trim() !== '';
    return (
      <SidebarShell
        {...this.head}
        section="Feature groups"
        toolbar={
          <>
            <ActionButton
              testId="mls-new-feature-dataset"
              icon={tableRowsIcon}
              label="Dataset"
              title="Build a point-in-time-correct training set from these groups"
              disabled={model.serverMissing}
              onClick={() =>
                void commands.execute(CommandIDs.newFeatureDataset)
              }
            />
            <ActionButton
              testId="mls-new-feature-group"
              icon={addIcon}
              label="From file"
              title="Create a feature group from a data file (features inferred from it)"
              disabled={model.serverMissing}
              onClick={() =>
                void commands.execute(CommandIDs.createFeatureGroup)
              }
            />
          </>
        }
        refreshTestId="mls-refresh-feature-groups"
        filters={
          <div className="jp-MLStudio-featureSearch">
            <input
              type="search"
              className="jp-MLStudio-input"
              data-testid="mls-feature-search"
              placeholder="Search name, description, tag, feature"
              aria-label="Search feature groups"
              value={model.search}
              onChange={event => model.setSearch(event.target.value)}
            />
          </div>
        }
        loading={{ what: 'feature groups', testId: 'mls-features-loading' }}
        serverMissing={{
          feature: 'The Feature Store',
          testId: 'mls-features-server-missing'
        }}
        empty={
          model.groups.length === 0 ? (
            <div className="jp-MLStudio-empty" data-testid="mls-features-empty">
              {searching ? (
                'No feature groups match this search.'
              ) : (
                <>
                  No feature groups yet. Create one from a CSV or Parquet file
                  with <strong>From file</strong>, or with{' '}
                  <code>mls.features.create_group</code> in a notebook.
                </>
              )}
            </div>
          ) : null
        }
        footer={
          model.hasMore && (
            <div className="jp-MLStudio-empty">
              Showing the first {model.groups.length} groups.
            </div>
          )
        }
      >
        <ul className="jp-MLStudio-list" aria-label="Feature groups">
          {model.groups.map(entry => (
            <li key={entry.group.id}>
              <GroupItem
                entry={entry}
                onOpen={() =>
                  void commands.execute(CommandIDs.openFeatureGroup, {
                    name: entry.group.name
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

function GroupItem(props: {
  entry: IFeatureGroupEntry;
  onOpen: () => void;
}): JSX.Element {
  const { group, summary } = props.entry;
  const fresh = summary?.latest_ingestion ?? null;
  return (
    <ListItem
      testId="mls-feature-group-item"
      data={{ 'data-name': group.name, 'data-ref': group.ref }}
      title={group.description || group.ref}
      onOpen={props.onOpen}
    >
      <ItemLine>
        <span className="jp-MLStudio-itemName">{group.name}</span>
        <span className="jp-MLStudio-featureVersion">v{group.version}</span>
        <span
          className={`jp-MLStudio-featureOnline${group.online_enabled ? ' jp-mod-on' : ''}`}
          data-testid="mls-feature-group-online"
          title={
            group.online_enabled
              ? 'Online store on: records can be looked up by id'
              : 'Online store off'
          }
        >
          {group.online_enabled ? 'online' : 'offline only'}
        </span>
      </ItemLine>
      <ItemLine meta className="jp-MLStudio-featureItemMeta">
        <span
          data-testid="mls-feature-group-records"
          title={`${group.feature_count} features`}
        >
          {summary === null || summary.records === null
            ? `${group.feature_count} features`
            : `${summary.records.toLocaleString()} records`}
        </span>
        {fresh ? (
          <span title="Last ingestion">
            <RelativeTime iso={fresh} />
          </span>
        ) : (
          <span>not ingested</span>
        )}
      </ItemLine>
    </ListItem>
  );
}
