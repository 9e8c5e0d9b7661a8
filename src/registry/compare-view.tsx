/**
 * Comparing versions of a model: an overview, the metrics side by side with
 * the best value marked, the params that differ, and the signature diff.
 */
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { ModelVersion } from '../api/types';
import { compareIcon } from '../icons';
import { tabLabel } from '../titles';
import {
  ICompareRow,
  lowerIsBetter,
  metricRows,
  paramRows,
  signatureRows
} from './compare';
import type { CompareVersionsModel } from './compare-model';
import { AliasChips, ApprovalBadge } from './components';
import {
  LinkButton,
  ModelError,
  PageHeader,
  PageSection,
  RelativeTime,
  ScrollTable
} from '../ui/components';
import { ResourcePanel, ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

export namespace CompareVersionsView {
  export interface IOptions {
    model: CompareVersionsModel;
    commands: CommandRegistry;
  }
}

export class CompareVersionsView extends ResourceView<CompareVersionsModel> {
  constructor(options: CompareVersionsView.IOptions) {
    const { name, numbers } = options.model;
    super({
      content: new ResourcePanel(options.model, 'mls-model-compare', model => (
        <CompareContent model={model} commands={options.commands} />
      )),
      id: compareViewId(name, numbers),
      className: 'jp-MLStudio-modelCompareView',
      icon: compareIcon,
      label: tabLabel(
        'Compare',
        `${name} ${numbers.map(v => `v${v}`).join(' vs ')}`
      ),
      caption: `Compare versions of ${name}`
    });
  }
}

/** The id of a comparison's view, so an open one is found again. */
export function compareViewId(
  name: string,
  versions: ReadonlyArray<number>
): string {
  return `mlstudio-model-compare:${name}@${versions.join(',')}`;
}

function CompareContent(props: {
  model: CompareVersionsModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const versions = model.versions;
  const missing = model.numbers.filter(
    n => !versions.some(v => v.version === n)
  );
  return (
    <div className="jp-MLStudio-page">
      <PageHeader
        icon={compareIcon}
        heading={
          <span>
            <LinkButton
              className="jp-MLStudio-titleLink"
              title={`Open the model ${model.name}`}
              onClick={() =>
                void commands.execute(CommandIDs.openModel, {
                  name: model.name
                })
              }
            >
              {model.name}
            </LinkButton>{' '}
            — compare {model.numbers.map(v => `v${v}`).join(', ')}
          </span>
        }
        refresh={{
          testId: 'mls-refresh-compare',
          title: 'Reload the versions',
          onClick: () => void model.refresh()
        }}
      />
      <ModelError model={model} />
      {model.loaded && missing.length > 0 && (
        <div className="jp-MLStudio-muted">
          Not found (deleted?): {missing.map(v => `v${v}`).join(', ')}.
        </div>
      )}
      {!model.loaded ? (
        <div className="jp-MLStudio-muted">Loading versions…</div>
      ) : (
        versions.length > 0 && (
          <>
            <OverviewSection versions={versions} commands={commands} />
            <MetricsSection versions={versions} />
            <ParamsSection versions={versions} />
            <SignatureDiffSection versions={versions} />
          </>
        )
      )}
    </div>
  );
}

function VersionHeads(props: {
  versions: ReadonlyArray<ModelVersion>;
  numeric?: boolean;
}): JSX.Element {
  return (
    <>
      {props.versions.map(v => (
        <th
          key={v.version}
          scope="col"
          className={props.numeric ? 'jp-mod-numeric' : undefined}
          data-version={v.version}
        >
          v{v.version}
        </th>
      ))}
    </>
  );
}

function OverviewSection(props: {
  versions: ReadonlyArray<ModelVersion>;
  commands: CommandRegistry;
}): JSX.Element {
  const { versions, commands } = props;
  return (
    <PageSection title="Versions">
      <ScrollTable
        testId="mls-compare-overview"
        className="jp-MLStudio-compareTable"
        head={
          <>
            <th scope="col" />
            {versions.map(v => (
              <th key={v.version} scope="col" data-version={v.version}>
                <LinkButton
                  onClick={() =>
                    void commands.execute(CommandIDs.openModelVersion, {
                      name: v.name,
                      version: v.version
                    })
                  }
                >
                  v{v.version}
                </LinkButton>
              </th>
            ))}
          </>
        }
      >
        <tr>
          <th scope="row">Approval</th>
          {versions.map(v => (
            <td key={v.version}>
              <ApprovalBadge status={v.approval_status} />
            </td>
          ))}
        </tr>
        <tr>
          <th scope="row">Aliases</th>
          {versions.map(v => (
            <td key={v.version}>
              <AliasChips aliases={v.aliases} />
            </td>
          ))}
        </tr>
        <tr>
          <th scope="row">Created</th>
          {versions.map(v => (
            <td key={v.version}>
              <RelativeTime iso={v.created_at} />
            </td>
          ))}
        </tr>
        <tr>
          <th scope="row">Content hash</th>
          {versions.map(v => (
            <td
              key={v.version}
              className="jp-MLStudio-mono"
              title={v.content_hash}
            >
              {v.content_hash.replace(/^sha256:/, '').slice(0, 12)}
            </td>
          ))}
        </tr>
      </ScrollTable>
    </PageSection>
  );
}

/**
 * A table of rows with a value per version. Metrics mark their best value;
 * other rows are marked when their values differ.
 */
function DiffTable(props: {
  testId: string;
  rows: ReadonlyArray<ICompareRow>;
  versions: ReadonlyArray<ModelVersion>;
  numeric?: boolean;
  rowTitle?: (key: string) => string;
}): JSX.Element {
  const { rows, versions } = props;
  return (
    <ScrollTable
      testId={props.testId}
      className="jp-MLStudio-compareTable"
      head={
        <>
          <th scope="col">Name</th>
          <VersionHeads versions={versions} numeric={props.numeric} />
        </>
      }
    >
      {rows.map(row => (
        <tr
          key={row.key}
          data-key={row.key}
          data-differs={row.differs}
          className={
            row.differs && !props.numeric ? 'jp-mod-different' : undefined
          }
        >
          <th scope="row" title={props.rowTitle?.(row.key)}>
            {row.key}
          </th>
          {row.values.map((value, i) => {
            const best = row.best.includes(i);
            return (
              <td
                key={i}
                className={`${props.numeric ? 'jp-mod-numeric' : ''}${best ? ' jp-mod-best' : ''}`}
                data-best={best || undefined}
                data-version={versions[i].version}
              >
                {value}
              </td>
            );
          })}
        </tr>
      ))}
    </ScrollTable>
  );
}

function MetricsSection(props: {
  versions: ReadonlyArray<ModelVersion>;
}): JSX.Element {
  const rows = metricRows(props.versions);
  return (
    <PageSection
      title="Metrics"
      aside={
        <span className="jp-MLStudio-muted">
          <span className="jp-MLStudio-bestSwatch" /> best value (lower is
          better for losses, errors and times)
        </span>
      }
    >
      {rows.length === 0 ? (
        <div className="jp-MLStudio-muted">No metrics recorded.</div>
      ) : (
        <DiffTable
          testId="mls-compare-metrics"
          rows={rows}
          versions={props.versions}
          numeric
          rowTitle={key =>
            lowerIsBetter(key)
              ? `${key}: lower is better`
              : `${key}: higher is better`
          }
        />
      )}
    </PageSection>
  );
}

function ParamsSection(props: {
  versions: ReadonlyArray<ModelVersion>;
}): JSX.Element {
  const [onlyDiff, setOnlyDiff] = React.useState(true);
  const all = paramRows(props.versions);
  const rows = all.filter(row => !onlyDiff || row.differs);
  const same = all.length - all.filter(row => row.differs).length;
  return (
    <PageSection
      title="Params"
      aside={
        <label className="jp-MLStudio-inlineField">
          <input
            type="checkbox"
            data-testid="mls-compare-only-diff"
            checked={onlyDiff}
            onChange={event => setOnlyDiff(event.target.checked)}
          />
          Only differences
        </label>
      }
    >
      {all.length === 0 ? (
        <div className="jp-MLStudio-muted">No params recorded.</div>
      ) : rows.length === 0 ? (
        <div
          className="jp-MLStudio-muted"
          data-testid="mls-compare-params-same"
        >
          All {all.length} params are the same.
        </div>
      ) : (
        <>
          <DiffTable
            testId="mls-compare-params"
            rows={rows}
            versions={props.versions}
          />
          {onlyDiff && same > 0 && (
            <div className="jp-MLStudio-muted">
              {same} more param{same === 1 ? ' is' : 's are'} the same.
            </div>
          )}
        </>
      )}
    </PageSection>
  );
}

function SignatureDiffSection(props: {
  versions: ReadonlyArray<ModelVersion>;
}): JSX.Element {
  const { versions } = props;
  const sides = (['inputs', 'outputs'] as const).map(side => ({
    side,
    rows: signatureRows(versions, side)
  }));
  const changes = sides.reduce(
    (n, { rows }) => n + rows.filter(r => r.kind !== 'same').length,
    0
  );
  return (
    <PageSection
      title="Signature"
      aside={
        <span
          className="jp-MLStudio-muted"
          data-testid="mls-compare-signature-summary"
        >
          {changes === 0
            ? 'Same columns and types in every version.'
            : `${changes} column${changes === 1 ? '' : 's'} differ from v${versions[0].version}.`}
        </span>
      }
    >
      <ScrollTable
        testId="mls-compare-signature"
        className="jp-MLStudio-compareTable"
        head={
          <>
            <th scope="col">Column</th>
            <VersionHeads versions={versions} />
            <th scope="col">Change</th>
          </>
        }
      >
        {sides.map(({ side, rows }) => (
          <React.Fragment key={side}>
            <tr className="jp-MLStudio-groupRow">
              <th scope="rowgroup" colSpan={versions.length + 2}>
                {side === 'inputs' ? 'Inputs' : 'Outputs'} ({rows.length})
              </th>
            </tr>
            {rows.map(row => (
              <tr
                key={row.name}
                data-column={row.name}
                data-change={row.kind}
                className={
                  row.kind === 'same'
                    ? undefined
                    : `jp-mod-different jp-mod-${row.kind}`
                }
              >
                <th scope="row">{row.name}</th>
                {row.dtypes.map((dtype, i) => (
                  <td key={i} className="jp-MLStudio-mono">
                    {dtype ?? '—'}
                  </td>
                ))}
                <td>{row.change}</td>
              </tr>
            ))}
          </React.Fragment>
        ))}
      </ScrollTable>
    </PageSection>
  );
}
