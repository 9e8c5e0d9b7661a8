/**
 * The view of a feature group: header (version picker, description, tags,
 * Ingest and Delete), the definition and freshness, the features with their
 * statistics, the online lookup box, the ingestion history, the lineage (who
 * feeds the group, who uses it) and a preview of the offline rows.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import type { CommandRegistry } from '@lumino/commands';
import {
  deleteIcon,
  searchIcon,
  fileUploadIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type {
  FeatureGroup,
  FeatureGroupLineage,
  FeatureStatistics
} from '../api/types';
import { formatNumber, formatTime } from '../experiments/runs/columns';
import { featureStoreIcon } from '../icons';
import { tabLabel } from '../titles';
import {
  ActionButton,
  LinkButton,
  ModelError,
  PageHeader,
  PagePlaceholder,
  PageSection,
  RelativeTime,
  ScrollTable
} from '../ui/components';
import { LabeledSelect } from '../ui/fields';
import { ResourcePanel, ResourceView } from '../ui/view';
import { confirmDeleteGroup } from './dialogs';
import type { FeatureGroupModel, IFeatureGroupData } from './group-model';
import { ROWS_SHOWN } from './group-model';
import { CommandIDs } from '../command-ids';

export namespace FeatureGroupView {
  export interface IOptions {
    model: FeatureGroupModel;
    commands: CommandRegistry;
  }
}

/** The main-area widget of a feature group (one per name). */
export class FeatureGroupView extends ResourceView<FeatureGroupModel> {
  constructor(options: FeatureGroupView.IOptions) {
    super({
      content: new ResourcePanel(
        options.model,
        'mls-feature-group-view',
        model => <GroupContent model={model} commands={options.commands} />
      ),
      id: `mlstudio-feature-group-${options.model.name}`,
      className: 'jp-MLStudio-featureGroupView',
      icon: featureStoreIcon,
      label: tabLabel('Feature group', options.model.name),
      caption: `Feature group ${options.model.name}`
    });
  }
}

function GroupContent(props: {
  model: FeatureGroupModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const data = model.data;
  if (!data || model.deleted) {
    return (
      <PagePlaceholder
        what="feature group"
        model={model}
        deleted={{
          testId: 'mls-feature-group-deleted',
          message: `The feature group ${model.name} was deleted.`
        }}
      />
    );
  }
  const { group } = data;
  const remove = async () => {
    const all = await confirmDeleteGroup(group, data.versions.length);
    if (all !== null) {
      await model.delete(all);
    }
  };
  return (
    <div className="jp-MLStudio-page" data-ref={group.ref}>
      <PageHeader
        icon={featureStoreIcon}
        heading={
          <>
            <span data-testid="mls-feature-group-name">{group.name}</span>
            <span
              className="jp-MLStudio-featureVersion"
              data-testid="mls-feature-group-version"
            >
              v{group.version}
            </span>
          </>
        }
        refresh={{
          testId: 'mls-refresh-feature-group',
          title: 'Reload the group, its statistics and rows',
          onClick: () => void model.refresh()
        }}
      >
        <ActionButton
          testId="mls-ingest-feature-group"
          icon={fileUploadIcon}
          label="Ingest file"
          title={
            group.is_latest
              ? 'Ingest a data file under the server root into this group'
              : 'Only the newest version takes new records'
          }
          disabled={!group.is_latest || model.busy}
          onClick={() =>
            void commands.execute(CommandIDs.ingestFeatureGroup, {
              name: group.ref
            })
          }
        />
        <ActionButton
          testId="mls-delete-feature-group"
          icon={deleteIcon}
          label="Delete"
          title="Delete this feature group and its records"
          warn
          disabled={model.busy}
          onClick={() => void remove()}
        />
      </PageHeader>
      <ModelError model={model} />
      <Overview model={model} data={data} />
      <PageSection title="Features" testId="mls-feature-table-section">
        <FeatureTable
          group={group}
          stats={data.summary.features}
          onDescribe={(feature, text) => model.describe(feature, text)}
        />
      </PageSection>
      <LookupSection model={model} group={group} />
      <PageSection title="Ingestion history">
        {data.ingestions.length === 0 ? (
          <div className="jp-MLStudio-muted">No ingestions yet.</div>
        ) : (
          <ScrollTable
            testId="mls-feature-ingestions"
            size="short"
            head={
              <>
                <th>When</th>
                <th>Rows</th>
                <th>Deleted</th>
                <th>Source</th>
              </>
            }
          >
            {data.ingestions.map(ingestion => (
              <tr key={ingestion.id}>
                <td>{formatTime(ingestion.ingested_at)}</td>
                <td className="jp-mod-numeric">{ingestion.rows}</td>
                <td className="jp-mod-numeric">{ingestion.deleted_rows}</td>
                <td className="jp-MLStudio-mono" title={ingestion.source}>
                  {underRoot(ingestion.source)}
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </PageSection>
      <LineageSection lineage={data.lineage} commands={commands} />
      <PageSection
        title="Offline rows"
        aside={
          <span className="jp-MLStudio-muted">
            first {ROWS_SHOWN}, oldest event first
          </span>
        }
      >
        {data.rows.rows.length === 0 ? (
          <div className="jp-MLStudio-muted">No rows yet.</div>
        ) : (
          <ScrollTable
            testId="mls-feature-rows"
            size="tall"
            className="jp-MLStudio-featureRows"
            head={data.rows.columns.map(column => (
              <th key={column}>{column}</th>
            ))}
          >
            {data.rows.rows.map((row, i) => (
              <tr key={i}>
                {row.map((value, j) => (
                  <td key={j}>{formatValue(value)}</td>
                ))}
              </tr>
            ))}
          </ScrollTable>
        )}
      </PageSection>
    </div>
  );
}

/** Version picker, description, tags, definition and freshness. */
function Overview(props: {
  model: FeatureGroupModel;
  data: IFeatureGroupData;
}): JSX.Element {
  const { model, data } = props;
  const { group, summary } = data;
  const tags = Object.entries(group.tags);
  const facts: [string, React.ReactNode][] = [
    ['Record id', <code key="id">{group.record_identifier}</code>],
    ['Event time', <code key="ts">{group.event_time_feature}</code>],
    ['Online store', group.online_enabled ? 'on' : 'off'],
    ['Offline store', group.offline_enabled ? 'on' : 'off'],
    [
      'TTL',
      group.ttl_seconds === null ? 'none' : `${group.ttl_seconds} seconds`
    ],
    ['Records', count(summary.records)],
    ['Deleted records', count(summary.tombstones)],
    ['Online records', count(summary.online_records)],
    [
      'Latest event',
      summary.latest_event_time ? formatTime(summary.latest_event_time) : '—'
    ],
    [
      'Last ingestion',
      summary.latest_ingestion ? (
        <RelativeTime key="fresh" iso={summary.latest_ingestion} />
      ) : (
        'never'
      )
    ]
  ];
  return (
    <div className="jp-MLStudio-featureOverview">
      <div className="jp-MLStudio-featureOverviewHead">
        <LabeledSelect
          label="Version"
          testId="mls-feature-version-picker"
          value={model.version === null ? '' : String(model.version)}
          all={`Newest (v${group.latest_version})`}
          choices={data.versions.map(v => ({
            value: String(v.version),
            label: `v${v.version} · ${formatTime(v.created_at)}`
          }))}
          onChange={value =>
            void model.selectVersion(value === '' ? null : Number(value))
          }
        />
        {tags.length > 0 && (
          <ul className="jp-MLStudio-featureTags" aria-label="Tags">
            {tags.map(([key, value]) => (
              <li key={key} className="jp-MLStudio-featureTag">
                {value ? `${key}: ${value}` : key}
              </li>
            ))}
          </ul>
        )}
      </div>
      <p
        className="jp-MLStudio-featureDescription"
        data-testid="mls-feature-group-description"
      >
        <EditableText
          testId="mls-feature-group-description-edit"
          label="Description of the group"
          value={group.description}
          placeholder="No description."
          onSave={text => model.describe(null, text)}
        />
      </p>
      <dl className="jp-MLStudio-featureFacts" data-testid="mls-feature-facts">
        {facts.map(([label, value]) => (
          <div key={label} data-key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function FeatureTable(props: {
  group: FeatureGroup;
  stats: ReadonlyArray<FeatureStatistics>;
  onDescribe: (feature: string, text: string) => Promise<boolean>;
}): JSX.Element {
  const { group, onDescribe } = props;
  const stats = new Map(props.stats.map(s => [s.name, s]));
  return (
    <ScrollTable
      testId="mls-feature-table"
      head={
        <>
          <th>Feature</th>
          <th>Type</th>
          <th>Description</th>
          <th>Missing</th>
          <th>Distinct</th>
          <th>Min</th>
          <th>Max</th>
          <th>Mean</th>
        </>
      }
    >
      {group.features.map(feature => {
        const s = stats.get(feature.name);
        const role =
          feature.name === group.record_identifier
            ? 'record id'
            : feature.name === group.event_time_feature
              ? 'event time'
              : null;
        return (
          <tr key={feature.name} data-feature={feature.name}>
            <th scope="row">
              <code>{feature.name}</code>
              {role && <span className="jp-MLStudio-featureRole">{role}</span>}
            </th>
            <td>{feature.type}</td>
            <td>
              <EditableText
                testId="mls-feature-description"
                label={`Description of ${feature.name}`}
                value={feature.description}
                onSave={text => onDescribe(feature.name, text)}
              />
            </td>
            <td className="jp-mod-numeric" data-stat="missing">
              {s ? missingOf(s) : '—'}
            </td>
            <td className="jp-mod-numeric">{s ? s.distinct : '—'}</td>
            <td className="jp-mod-numeric" data-stat="min">
              {s ? formatValue(s.minimum) : '—'}
            </td>
            <td className="jp-mod-numeric" data-stat="max">
              {s ? formatValue(s.maximum) : '—'}
            </td>
            <td className="jp-mod-numeric" data-stat="mean">
              {s && s.mean !== null ? formatNumber(s.mean) : '—'}
            </td>
          </tr>
        );
      })}
    </ScrollTable>
  );
}

function LookupSection(props: {
  model: FeatureGroupModel;
  group: FeatureGroup;
}): JSX.Element {
  const { model, group } = props;
  const [recordId, setRecordId] = React.useState('');
  const answer = model.lookup;
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    void model.lookUp(recordId);
  };
  return (
    <PageSection title="Online lookup">
      {!group.online_enabled ? (
        <div className="jp-MLStudio-muted">This group has no online store.</div>
      ) : (
        <>
          <form className="jp-MLStudio-featureLookup" onSubmit={submit}>
            <input
              type="text"
              className="jp-MLStudio-input jp-MLStudio-mono"
              data-testid="mls-feature-lookup-id"
              aria-label={`Record id (${group.record_identifier})`}
              placeholder={`${group.record_identifier}…`}
              value={recordId}
              onChange={event => setRecordId(event.target.value)}
            />
            <button
              type="submit"
              className="jp-MLStudio-button"
              data-testid="mls-feature-lookup"
              disabled={recordId.trim() === '' || model.busy}
            >
              <searchIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
              <span>Look up</span>
            </button>
          </form>
          {answer &&
            (answer.record === null ? (
              <div
                className="jp-MLStudio-muted"
                data-testid="mls-feature-lookup-missing"
              >
                No online record for {group.record_identifier} ={' '}
                <code>{answer.recordId}</code>.
              </div>
            ) : (
              <ScrollTable testId="mls-feature-lookup-record" size="short">
                {Object.entries(answer.record).map(([key, value]) => (
                  <tr key={key} data-key={key}>
                    <th scope="row">{key}</th>
                    <td>{formatValue(value)}</td>
                  </tr>
                ))}
              </ScrollTable>
            ))}
        </>
      )}
    </PageSection>
  );
}

/** A server path relative to the server's root folder, when it is under it. */
function underRoot(path: string): string {
  const root = PageConfig.getOption('serverRoot').replace(/\/+$/, '');
  return root && path.startsWith(`${root}/`)
    ? path.slice(root.length + 1)
    : path;
}

/**
 * Text edited in place: a click (or Enter) shows an input; Enter or leaving
 * it saves, Escape cancels.
 */
function EditableText(props: {
  testId: string;
  label: string;
  value: string;
  placeholder?: string;
  onSave: (text: string) => Promise<boolean>;
}): JSX.Element {
  const [draft, setDraft] = React.useState<string | null>(null);
  const save = async () => {
    if (draft !== null && draft !== props.value) {
      if (!(await props.onSave(draft.trim()))) {
        return;
      }
    }
    setDraft(null);
  };
  if (draft !== null) {
    return (
      <input
        type="text"
        className="jp-MLStudio-input jp-MLStudio-featureEdit"
        data-testid={`${props.testId}-input`}
        aria-label={props.label}
        autoFocus
        value={draft}
        onChange={event => setDraft(event.target.value)}
        onBlur={() => void save()}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            void save();
          } else if (event.key === 'Escape') {
            setDraft(null);
          }
        }}
      />
    );
  }
  return (
    <span
      className="jp-MLStudio-featureEditable"
      data-testid={props.testId}
      role="button"
      tabIndex={0}
      title={`Edit: ${props.label}`}
      onClick={() => setDraft(props.value)}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          setDraft(props.value);
        }
      }}
    >
      {props.value || (
        <span className="jp-MLStudio-muted">
          {props.placeholder ?? 'Add a description'}
        </span>
      )}
    </span>
  );
}

function count(value: number | null): string {
  return value === null ? '—' : value.toLocaleString();
}

/** Missing values as a share of the live records. */
function missingOf(s: FeatureStatistics): string {
  const total = s.present + s.missing;
  if (total === 0) {
    return '—';
  }
  const share = (100 * s.missing) / total;
  return `${share === 0 || share >= 1 ? Math.round(share) : share.toFixed(1)}%`;
}

/** A cell value: numbers compact, timestamps local, null empty. */
function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (typeof value === 'string') {
    return /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatTime(value) : value;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Who feeds this version (flows, jobs, files) and who uses it: datasets
 * built from it, the runs and model versions trained on them, the endpoints
 * serving those versions. Each entry opens its own view.
 */
function LineageSection(props: {
  lineage: FeatureGroupLineage;
  commands: CommandRegistry;
}): JSX.Element {
  const { lineage, commands } = props;
  const open = (command: string, args: Record<string, string | number>) =>
    void commands.execute(command, args);
  const empty =
    lineage.feeds.length +
      lineage.datasets.length +
      lineage.model_versions.length +
      lineage.endpoints.length ===
    0;
  return (
    <PageSection title="Lineage" testId="mls-feature-lineage">
      {empty ? (
        <div className="jp-MLStudio-muted">
          Nothing feeds or uses this version yet. Datasets written with
          mls.features.dataset(..., output=...) and the models trained on them
          show here.
        </div>
      ) : (
        <dl className="jp-MLStudio-featureLineage">
          <dt>Fed by</dt>
          <dd data-testid="mls-lineage-feeds">
            {lineage.feeds.length === 0 && <span>—</span>}
            {lineage.feeds.map(feed => (
              <span key={feed.source} className="jp-MLStudio-lineageItem">
                <span className="jp-MLStudio-lineageKind">{feed.kind}</span>{' '}
                {feed.job_id ? (
                  <LinkButton
                    title={`Open job ${feed.job_id}`}
                    onClick={() =>
                      open(CommandIDs.openJob, { id: feed.job_id ?? '' })
                    }
                  >
                    {underRoot(feed.name)}
                  </LinkButton>
                ) : (
                  <span title={feed.source}>{underRoot(feed.name)}</span>
                )}{' '}
                <span className="jp-MLStudio-muted">({feed.rows} rows)</span>
              </span>
            ))}
          </dd>
          <dt>Datasets</dt>
          <dd data-testid="mls-lineage-datasets">
            {lineage.datasets.length === 0 && <span>—</span>}
            {lineage.datasets.map(dataset => (
              <span
                key={dataset.id}
                className="jp-MLStudio-lineageItem jp-MLStudio-mono"
                title={`${dataset.output_hash ?? 'not written'}\n${dataset.groups.join(', ')}`}
              >
                {dataset.output_uri
                  ? underRoot(dataset.output_uri)
                  : `in-memory ${dataset.fingerprint.slice(0, 8)}`}
              </span>
            ))}
          </dd>
          <dt>Runs</dt>
          <dd data-testid="mls-lineage-runs">
            {lineage.runs.length === 0 && <span>—</span>}
            {lineage.runs.map(run => (
              <LinkButton
                key={run.id}
                title={`Open run ${run.name} (${run.experiment_name})`}
                onClick={() => open(CommandIDs.openRun, { id: run.id })}
              >
                {run.experiment_name}/{run.name}
              </LinkButton>
            ))}
            {lineage.jobs.map(job => (
              <LinkButton
                key={job.id}
                title={`Open training job ${job.name}`}
                onClick={() => open(CommandIDs.openJob, { id: job.id })}
              >
                job {job.name}
              </LinkButton>
            ))}
          </dd>
          <dt>Model versions</dt>
          <dd data-testid="mls-lineage-models">
            {lineage.model_versions.length === 0 && <span>—</span>}
            {lineage.model_versions.map(version => (
              <LinkButton
                key={`${version.model}:${version.version}`}
                data-testid="mls-lineage-model"
                title={`Open ${version.model} v${version.version}`}
                onClick={() =>
                  open(CommandIDs.openModelVersion, {
                    name: version.model,
                    version: version.version
                  })
                }
              >
                {version.model}:{version.version}
              </LinkButton>
            ))}
          </dd>
          <dt>Endpoints</dt>
          <dd data-testid="mls-lineage-endpoints">
            {lineage.endpoints.length === 0 && <span>—</span>}
            {lineage.endpoints.map(endpoint => (
              <LinkButton
                key={endpoint.name}
                title={`Open endpoint ${endpoint.name} (${endpoint.status})`}
                onClick={() =>
                  open(CommandIDs.openEndpoint, { name: endpoint.name })
                }
              >
                {endpoint.name}
              </LinkButton>
            ))}
          </dd>
        </dl>
      )}
    </PageSection>
  );
}
