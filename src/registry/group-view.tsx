/**
 * The model view: a model group's description, aliases and versions table;
 * versions picked with the checkboxes are compared side by side.
 */
import { deleteIcon, editIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { ModelVersion } from '../api/types';
import { compareIcon, modelIcon } from '../icons';
import { tabLabel } from '../titles';
import { formatNumber, formatTime } from '../experiments/runs/columns';
import { metricKeys } from './compare';
import { AliasChips, ApprovalBadge } from './components';
import { confirmDeleteModel } from './dialogs';
import type { ModelGroupModel } from './group-model';
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
import { ResourcePanel, ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

/** Metric columns of the versions table. */
const METRIC_COLUMNS = 4;

export namespace ModelGroupView {
  export interface IOptions {
    model: ModelGroupModel;
    commands: CommandRegistry;
  }
}

/** The main-area widget of a model group. */
export class ModelGroupView extends ResourceView<ModelGroupModel> {
  constructor(options: ModelGroupView.IOptions) {
    super({
      content: new ResourcePanel(options.model, 'mls-model-view', model => (
        <GroupContent
          model={model}
          commands={options.commands}
          onDeleted={() => this.close()}
        />
      )),
      id: modelViewId(options.model.name),
      className: 'jp-MLStudio-modelView',
      icon: modelIcon,
      label: tabLabel('Model', options.model.name),
      caption: `Model ${options.model.name}`
    });
  }
}

/** The id of a model's view, so an open one is found again. */
export function modelViewId(name: string): string {
  // ':' cannot occur in a model name, so no two views share an id.
  return `mlstudio-model:${name}`;
}

function GroupContent(props: {
  model: ModelGroupModel;
  commands: CommandRegistry;
  onDeleted: () => void;
}): JSX.Element {
  const { model, commands } = props;
  const group = model.group;
  if (!group || model.deleted) {
    return (
      <PagePlaceholder
        what="model"
        model={model}
        deleted={{
          testId: 'mls-model-deleted',
          message: <>The model “{model.name}” was deleted.</>
        }}
      />
    );
  }
  const selected = model.selected;
  const remove = async () => {
    const count = model.versions.length;
    if (
      (await confirmDeleteModel(group, count)) &&
      (await model.remove(count > 0))
    ) {
      props.onDeleted();
    }
  };
  return (
    <div className="jp-MLStudio-page">
      <PageHeader
        icon={modelIcon}
        heading={
          <>
            <span data-testid="mls-model-name">{group.name}</span>
            <span className="jp-MLStudio-badge">
              {group.latest_version === 0
                ? 'no versions'
                : `latest v${group.latest_version}`}
            </span>
          </>
        }
        refresh={{
          testId: 'mls-refresh-model',
          title: 'Reload the model and its versions',
          onClick: () => void model.refresh()
        }}
      >
        <ActionButton
          testId="mls-compare-versions"
          icon={compareIcon}
          label={`Compare (${selected.length})`}
          title={
            selected.length < 2
              ? 'Select two or more versions to compare'
              : `Compare versions ${selected.map(v => `v${v}`).join(', ')}`
          }
          disabled={selected.length < 2}
          onClick={() =>
            void commands.execute(CommandIDs.compareModelVersions, {
              name: group.name,
              versions: [...selected]
            })
          }
        />
        <ActionButton
          testId="mls-delete-model"
          icon={deleteIcon}
          label="Delete"
          title="Delete the model and its versions…"
          warn
          onClick={() => void remove()}
        />
      </PageHeader>
      <ModelError model={model} />
      <div className="jp-MLStudio-columns">
        <DescriptionSection
          value={group.description}
          onSave={text => model.setDescription(text)}
        />
        <PageSection title="Details">
          <dl className="jp-MLStudio-fields">
            <dt>Created</dt>
            <dd>{formatTime(group.created_at)}</dd>
            <dt>Updated</dt>
            <dd>
              <RelativeTime iso={group.updated_at} />
            </dd>
            <dt>Aliases</dt>
            <dd data-testid="mls-model-aliases">
              {Object.keys(group.aliases).length === 0 ? (
                <span className="jp-MLStudio-muted">None</span>
              ) : (
                <AliasChips
                  aliases={Object.keys(group.aliases)}
                  versions={group.aliases}
                />
              )}
            </dd>
          </dl>
        </PageSection>
      </div>
      <VersionsSection model={model} commands={commands} />
    </div>
  );
}

/** The description with an Edit button; editing shows a textarea. */
function DescriptionSection(props: {
  value: string;
  onSave: (text: string) => Promise<boolean>;
}): JSX.Element {
  const [draft, setDraft] = React.useState<string | null>(null);
  const [saving, setSaving] = React.useState(false);
  const save = async () => {
    if (draft === null) {
      return;
    }
    setSaving(true);
    const saved = await props.onSave(draft.trim());
    setSaving(false);
    if (saved) {
      setDraft(null);
    }
  };
  return (
    <PageSection
      title="Description"
      aside={
        draft === null && (
          <ActionButton
            testId="mls-edit-description"
            icon={editIcon}
            label="Edit"
            title="Edit the description"
            onClick={() => setDraft(props.value)}
          />
        )
      }
    >
      {draft === null ? (
        <p
          className={`jp-MLStudio-descriptionText${props.value ? '' : ' jp-MLStudio-muted'}`}
          data-testid="mls-model-description"
        >
          {props.value || 'No description.'}
        </p>
      ) : (
        <div className="jp-MLStudio-descriptionEditor">
          <textarea
            className="jp-MLStudio-input jp-MLStudio-textarea"
            data-testid="mls-description-input"
            aria-label="Description"
            rows={3}
            value={draft}
            autoFocus
            onChange={event => setDraft(event.target.value)}
          />
          <div className="jp-MLStudio-toolbar">
            <button
              type="button"
              className="jp-MLStudio-button jp-mod-accept"
              data-testid="mls-save-description"
              disabled={saving || draft.trim() === props.value}
              onClick={() => void save()}
            >
              Save
            </button>
            <button
              type="button"
              className="jp-MLStudio-button"
              disabled={saving}
              onClick={() => setDraft(null)}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
    </PageSection>
  );
}

function VersionsSection(props: {
  model: ModelGroupModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const versions = model.versions;
  const metrics = metricKeys(versions).slice(0, METRIC_COLUMNS);
  const allSelected =
    versions.length > 0 && versions.every(v => model.isSelected(v.version));
  return (
    <PageSection
      title={`Versions (${versions.length})`}
      label="Versions"
      aside={
        versions.length > 1 && (
          <span className="jp-MLStudio-muted">
            Select two or more versions to compare them.
          </span>
        )
      }
    >
      {versions.length === 0 ? (
        <div className="jp-MLStudio-muted" data-testid="mls-versions-empty">
          No versions yet. Open a run that logged a model and click{' '}
          <strong>Register model</strong>.
        </div>
      ) : (
        <ScrollTable
          testId="mls-versions-table"
          className="jp-MLStudio-versionsTable"
          size="tall"
          head={
            <>
              <th scope="col" className="jp-MLStudio-checkCell">
                <input
                  type="checkbox"
                  aria-label="Select all versions"
                  checked={allSelected}
                  onChange={event =>
                    versions.forEach(v =>
                      model.toggle(v.version, event.target.checked)
                    )
                  }
                />
              </th>
              <th scope="col">Version</th>
              <th scope="col">Created</th>
              <th scope="col">Approval</th>
              <th scope="col">Aliases</th>
              {metrics.map(key => (
                <th
                  key={key}
                  scope="col"
                  className="jp-mod-numeric"
                  data-metric={key}
                  title={key}
                >
                  {key}
                </th>
              ))}
              <th scope="col">Source</th>
            </>
          }
        >
          {versions.map(version => (
            <VersionRow
              key={version.version}
              version={version}
              metrics={metrics}
              model={model}
              commands={commands}
            />
          ))}
        </ScrollTable>
      )}
    </PageSection>
  );
}

function VersionRow(props: {
  version: ModelVersion;
  metrics: ReadonlyArray<string>;
  model: ModelGroupModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { version, model, commands } = props;
  const checked = model.isSelected(version.version);
  const runId = version.source_run_id;
  const jobId = version.source_job_id;
  return (
    <tr
      data-testid="mls-version-row"
      data-version={version.version}
      className={checked ? 'jp-mod-selected' : undefined}
    >
      <td className="jp-MLStudio-checkCell">
        <input
          type="checkbox"
          data-testid="mls-version-select"
          aria-label={`Select version ${version.version}`}
          checked={checked}
          onChange={event =>
            model.toggle(version.version, event.target.checked)
          }
        />
      </td>
      <td>
        <LinkButton
          className="jp-MLStudio-versionLink"
          data-testid="mls-open-version"
          title={version.description || `Open version ${version.version}`}
          onClick={() =>
            void commands.execute(CommandIDs.openModelVersion, {
              name: version.name,
              version: version.version
            })
          }
        >
          v{version.version}
        </LinkButton>
      </td>
      <td>
        <RelativeTime iso={version.created_at} />
      </td>
      <td>
        <ApprovalBadge status={version.approval_status} />
      </td>
      <td className="jp-MLStudio-aliasCell">
        <AliasChips aliases={version.aliases} />
      </td>
      {props.metrics.map(key => (
        <td key={key} className="jp-mod-numeric" data-metric={key}>
          {key in version.metrics
            ? formatNumber(version.metrics[key] ?? null)
            : '—'}
        </td>
      ))}
      <td className="jp-MLStudio-sourceCell">
        {runId && (
          <LinkButton
            data-testid="mls-version-run"
            title={`Open the run ${runId}`}
            onClick={() =>
              void commands.execute(CommandIDs.openRun, { id: runId })
            }
          >
            {model.runName(runId) ?? `run ${runId.slice(0, 8)}`}
          </LinkButton>
        )}
        {jobId && (
          <LinkButton
            data-testid="mls-version-job"
            title={`Open the job ${jobId}`}
            onClick={() =>
              void commands.execute(CommandIDs.openJob, { id: jobId })
            }
          >
            job {model.jobName(jobId) ?? jobId.slice(0, 8)}
          </LinkButton>
        )}
        {!runId && !jobId && <span className="jp-MLStudio-muted">—</span>}
      </td>
    </tr>
  );
}
