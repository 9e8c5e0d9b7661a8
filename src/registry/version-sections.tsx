/**
 * The read-mostly sections of the version view: artifact details, lineage,
 * aliases, approval history, signature and key/value tables.
 */
import type { LabIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import {
  ALIAS_PATTERN,
  codeTrustedAtRegister,
  dataRefOf,
  inferenceCodeOf,
  ISignatureColumn,
  lineageJob,
  lineageRun,
  signatureOf
} from '../api/registry';
import type { ModelVersion } from '../api/types';
import { jobIcon, runIcon } from '../icons';
import { formatTime } from '../experiments/runs/columns';
import { AliasChips, ApprovalBadge, approvalLabel } from './components';
import type { ModelVersionModel } from './version-model';
import {
  LinkButton,
  PageSection,
  RelativeTime,
  ScrollTable
} from '../ui/components';
import { formatBytes } from '../ui/format';
import { CommandIDs } from '../command-ids';

export function DetailsSection(props: { data: ModelVersion }): JSX.Element {
  const { data } = props;
  const tags = Object.entries(data.tags);
  const code = inferenceCodeOf(data);
  return (
    <PageSection title="Artifact">
      <dl className="jp-MLStudio-fields" data-testid="mls-version-details">
        <dt>Created</dt>
        <dd>{formatTime(data.created_at)}</dd>
        <dt>Flavor</dt>
        <dd>{data.flavor}</dd>
        {code && (
          <>
            <dt>Inference code</dt>
            <dd data-testid="mls-version-inference-code">
              Runs inference code:{' '}
              <span className="jp-MLStudio-mono">{code}</span>
              {codeTrustedAtRegister(data)
                ? ' (trusted at register)'
                : ' (deploying it needs “Trust this model’s code”)'}
            </dd>
          </>
        )}
        <dt>Size</dt>
        <dd>{formatBytes(data.size_bytes)}</dd>
        <dt>URI</dt>
        <dd className="jp-MLStudio-mono">{data.artifact_uri}</dd>
        <dt>Content hash</dt>
        <dd className="jp-MLStudio-mono" data-testid="mls-version-hash">
          {data.content_hash}
        </dd>
        {tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              <ul className="jp-MLStudio-tags">
                {tags.map(([key, value]) => (
                  <li key={key} className="jp-MLStudio-tag">
                    {key}={value}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
    </PageSection>
  );
}

export function LineageSection(props: {
  model: ModelVersionModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const lineage = model.lineage;
  const run = lineage ? lineageRun(lineage) : null;
  const job = lineage ? lineageJob(lineage) : null;
  const data = dataRefOf(lineage?.data ?? model.data?.data_ref ?? null);
  // The feature groups (name@version) of the recorded datasets this data is.
  const featureGroups = [
    ...new Set((lineage?.feature_datasets ?? []).flatMap(d => d.groups))
  ];
  return (
    <PageSection title="Lineage">
      {!lineage ? (
        <div className="jp-MLStudio-muted">Loading…</div>
      ) : (
        <dl className="jp-MLStudio-fields" data-testid="mls-version-lineage">
          <dt>Run</dt>
          <dd data-testid="mls-lineage-run">
            <LineageLink
              source={run}
              what="run"
              icon={runIcon}
              onOpen={id => void commands.execute(CommandIDs.openRun, { id })}
            >
              {run?.name ?? run?.id}
            </LineageLink>
          </dd>
          {run && !run.missing && (
            <>
              <dt>Experiment</dt>
              <dd data-testid="mls-lineage-experiment">
                <LinkButton
                  title="Open the experiment"
                  onClick={() =>
                    void commands.execute(CommandIDs.openExperiment, {
                      id: run.experimentId ?? ''
                    })
                  }
                >
                  {run.experimentName ?? run.experimentId}
                </LinkButton>
              </dd>
            </>
          )}
          <dt>Job</dt>
          <dd data-testid="mls-lineage-job">
            <LineageLink
              source={job}
              what="job"
              icon={jobIcon}
              onOpen={id => void commands.execute(CommandIDs.openJob, { id })}
            >
              {job?.name ?? job?.id}
              {job?.status && (
                <span className="jp-MLStudio-muted"> ({job.status})</span>
              )}
            </LineageLink>
          </dd>
          <dt>Data</dt>
          <dd data-testid="mls-lineage-data">
            {data === null ? (
              <span className="jp-MLStudio-muted">Not recorded</span>
            ) : (
              <>
                <span className="jp-MLStudio-mono">{data.uri}</span>
                {data.hash && (
                  <div className="jp-MLStudio-mono jp-MLStudio-muted">
                    {data.hash}
                  </div>
                )}
              </>
            )}
          </dd>
          {featureGroups.length > 0 && (
            <>
              <dt>Feature groups</dt>
              <dd data-testid="mls-lineage-feature-groups">
                {featureGroups.map(ref => (
                  <LinkButton
                    key={ref}
                    title={`Open the feature group ${ref}: this version's data is a training set built from it`}
                    onClick={() =>
                      void commands.execute(CommandIDs.openFeatureGroup, {
                        name: ref.split('@')[0]
                      })
                    }
                  >
                    {ref}
                  </LinkButton>
                ))}
              </dd>
            </>
          )}
        </dl>
      )}
    </PageSection>
  );
}

/**
 * Where a version came from (its run or job): "None", the id of one deleted
 * since, or a link that opens it.
 */
function LineageLink(props: {
  source: { id: string; missing: boolean } | null;
  what: string;
  icon: LabIcon;
  onOpen: (id: string) => void;
  /** The link's text. */
  children: React.ReactNode;
}): JSX.Element {
  const { source } = props;
  if (source === null) {
    return <span className="jp-MLStudio-muted">None</span>;
  }
  if (source.missing) {
    return (
      <span className="jp-MLStudio-muted">{source.id} (deleted since)</span>
    );
  }
  return (
    <LinkButton
      className="jp-MLStudio-lineageLink"
      title={`Open the ${props.what} ${source.id}`}
      onClick={() => props.onOpen(source.id)}
    >
      <props.icon.react tag="span" className="jp-MLStudio-buttonIcon" />
      {props.children}
    </LinkButton>
  );
}

export function AliasesSection(props: {
  model: ModelVersionModel;
  data: ModelVersion;
}): JSX.Element {
  const { model, data } = props;
  const [alias, setAlias] = React.useState('');
  const text = alias.trim();
  const problem =
    text === ''
      ? null
      : text.toLowerCase() === 'latest'
        ? "'latest' is reserved: it always means the newest version."
        : !ALIAS_PATTERN.test(text)
          ? "Start with a letter; use letters, digits, '_' and '-' (at most 64)."
          : data.aliases.includes(text)
            ? `This version already has the alias ${text}.`
            : null;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (text && !problem && (await model.setAlias(text))) {
      setAlias('');
    }
  };
  return (
    <PageSection title="Aliases">
      <div data-testid="mls-version-aliases">
        {data.aliases.length === 0 ? (
          <span className="jp-MLStudio-muted">None</span>
        ) : (
          <AliasChips
            aliases={data.aliases}
            disabled={model.busy}
            onRemove={name => void model.deleteAlias(name)}
          />
        )}
      </div>
      <form
        className="jp-MLStudio-aliasForm"
        noValidate
        onSubmit={event => void submit(event)}
      >
        <input
          className="jp-MLStudio-input"
          data-testid="mls-alias-input"
          aria-label="New alias"
          placeholder="e.g. champion"
          value={alias}
          aria-invalid={problem !== null}
          onChange={event => setAlias(event.target.value)}
        />
        <button
          type="submit"
          className="jp-MLStudio-button"
          data-testid="mls-alias-set"
          disabled={!text || problem !== null || model.busy}
          title="Point this alias at this version (it moves here from another version)"
        >
          Set
        </button>
      </form>
      {problem ? (
        <span className="jp-MLStudio-fieldError" data-testid="mls-alias-error">
          {problem}
        </span>
      ) : (
        <span className="jp-MLStudio-formHelp">
          An alias names one version at a time: setting it here moves it from
          any other version.
        </span>
      )}
    </PageSection>
  );
}

export function HistorySection(props: { data: ModelVersion }): JSX.Element {
  const events = [...props.data.approvals].reverse();
  return (
    <PageSection title="Approval history">
      {events.length === 0 ? (
        <div className="jp-MLStudio-muted" data-testid="mls-approval-empty">
          Pending since registration: no decision yet.
        </div>
      ) : (
        <ol
          className="jp-MLStudio-history"
          data-testid="mls-approval-history"
          aria-label="Approval history"
        >
          {events.map((event, i) => (
            <li
              key={`${event.at}-${i}`}
              className="jp-MLStudio-historyEntry"
              data-testid="mls-approval-entry"
              data-status={event.to_status}
            >
              <div className="jp-MLStudio-historyHead">
                <strong>{event.actor}</strong>
                <span>
                  {approvalLabel(event.from_status)} →{' '}
                  <ApprovalBadge
                    status={event.to_status}
                    testId="mls-approval-entry-status"
                  />
                </span>
                <span className="jp-MLStudio-muted">
                  <RelativeTime iso={event.at} />
                </span>
              </div>
              <div className="jp-MLStudio-historyComment">{event.comment}</div>
            </li>
          ))}
        </ol>
      )}
    </PageSection>
  );
}

export function SignatureSection(props: { data: ModelVersion }): JSX.Element {
  const signature = signatureOf(props.data);
  return (
    <PageSection title="Signature">
      <ScrollTable
        testId="mls-version-signature"
        size="short"
        head={
          <>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
          </>
        }
      >
        <SignatureRows label="Inputs" columns={signature.inputs} />
        <SignatureRows label="Outputs" columns={signature.outputs} />
      </ScrollTable>
    </PageSection>
  );
}

function SignatureRows(props: {
  label: string;
  columns: ReadonlyArray<ISignatureColumn>;
}): JSX.Element {
  return (
    <>
      <tr className="jp-MLStudio-groupRow">
        <th scope="rowgroup" colSpan={2}>
          {props.label} ({props.columns.length})
        </th>
      </tr>
      {props.columns.length === 0 ? (
        <tr>
          <td colSpan={2} className="jp-MLStudio-muted">
            Not recorded
          </td>
        </tr>
      ) : (
        props.columns.map(column => (
          <tr key={column.name} data-column={column.name}>
            <th scope="row">{column.name}</th>
            <td className="jp-MLStudio-mono">{column.dtype}</td>
          </tr>
        ))
      )}
    </>
  );
}
