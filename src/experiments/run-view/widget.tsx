/**
 * The run view: attributes, parent and children, params, tags, a chart per
 * metric and the artifact tree with inline previews.
 */
import {
  caretDownIcon,
  caretRightIcon,
  deleteIcon,
  editIcon,
  fileIcon,
  folderIcon,
  undoIcon
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { ArtifactEntry, Run } from '../../api/types';
import { PlotlyChart } from '../../charts/chart';
import { ThemedPanel } from '../../charts/panel';
import type { IThemeColors, ThemeWatcher } from '../../charts/theme';
import { curvesFigure, isSeries } from '../compare/figures';
import { modelIcon, runIcon } from '../../icons';
import { tabLabel } from '../../titles';
import {
  formatNumber,
  formatTime,
  runDuration,
  runStatusLabel
} from '../runs/columns';
import type { RunModel } from './model';
import type { IArtifactPreview } from './preview';
import {
  ActionButton,
  KeyValueSection,
  LinkButton,
  ModelError,
  PageHeader,
  PagePlaceholder,
  PageSection
} from '../../ui/components';
import { formatBytes, formatDuration } from '../../ui/format';
import { ResourceView } from '../../ui/view';
import { CommandIDs } from '../../command-ids';

/** Metric charts drawn before "Show all". */
const CHARTS_SHOWN = 12;

export namespace RunView {
  export interface IOptions {
    model: RunModel;
    commands: CommandRegistry;
    theme: ThemeWatcher;
    /** Ask for a new run name; `null` when cancelled. */
    askName: (run: Run) => Promise<string | null>;
  }
}

/** The main-area widget of a run. */
export class RunView extends ResourceView<RunModel> {
  constructor(options: RunView.IOptions) {
    super({
      content: new ThemedPanel(
        options.model,
        options.theme,
        'mls-run-view',
        (model, colors) => (
          <RunContent
            model={model}
            commands={options.commands}
            askName={options.askName}
            colors={colors}
          />
        )
      ),
      id: runViewId(options.model.runId),
      className: 'jp-MLStudio-runView',
      icon: runIcon,
      label: 'Run'
    });
    this.followTitle(({ run }) =>
      run
        ? {
            label: tabLabel('Run', run.name),
            caption: `Run ${run.name} (${runStatusLabel(run.status)})`
          }
        : null
    );
  }
}

/** The id of a run's view, so an open one is found again. */
export function runViewId(runId: string): string {
  return `mlstudio-run-${runId}`;
}

function RunContent(props: {
  model: RunModel;
  commands: CommandRegistry;
  askName: (run: Run) => Promise<string | null>;
  colors: IThemeColors;
}): JSX.Element {
  const { model, commands, colors } = props;
  const run = model.run;
  if (!run) {
    return <PagePlaceholder what="run" model={model} />;
  }
  const openRun = (id: string) =>
    void commands.execute(CommandIDs.openRun, { id });
  const rename = async () => {
    const name = await props.askName(run);
    if (name) {
      await model.rename(name);
    }
  };

  return (
    <div className="jp-MLStudio-page">
      <PageHeader
        icon={runIcon}
        heading={
          <>
            {run.name}
            <StatusBadge status={run.status} />
            {run.lifecycle === 'deleted' && (
              <span className="jp-MLStudio-badge jp-mod-deleted">In trash</span>
            )}
          </>
        }
        refresh={{
          testId: 'mls-refresh-run',
          title: 'Reload the run',
          onClick: () => void model.refresh()
        }}
      >
        <ActionButton
          testId="mls-rename-run"
          icon={editIcon}
          label="Rename"
          title="Rename the run…"
          onClick={() => void rename()}
        />
        {commands.hasCommand(CommandIDs.registerModel) && (
          <RegisterModelButton model={model} commands={commands} />
        )}
        {run.lifecycle === 'deleted' ? (
          <ActionButton
            testId="mls-restore-run"
            icon={undoIcon}
            label="Restore"
            title="Bring the run back from the trash"
            onClick={() => void model.restore()}
          />
        ) : (
          <ActionButton
            testId="mls-trash-run"
            icon={deleteIcon}
            label="Delete"
            title="Move the run to the trash"
            warn
            onClick={() => void model.moveToTrash()}
          />
        )}
      </PageHeader>
      <ModelError model={model} />
      <div className="jp-MLStudio-columns">
        <PageSection title="Attributes">
          <dl className="jp-MLStudio-fields">
            <dt>ID</dt>
            <dd className="jp-MLStudio-mono">{run.id}</dd>
            <dt>Experiment</dt>
            <dd>
              <LinkButton
                onClick={() =>
                  void commands.execute(CommandIDs.openExperiment, {
                    id: run.experiment_id
                  })
                }
              >
                {model.experimentName ?? run.experiment_id}
              </LinkButton>
            </dd>
            <dt>Started</dt>
            <dd>{formatTime(run.start_time)}</dd>
            <dt>Ended</dt>
            <dd>{run.end_time ? formatTime(run.end_time) : '—'}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(runDuration(run, Date.now()))}</dd>
            <dt>Artifacts</dt>
            <dd className="jp-MLStudio-mono">{run.artifact_uri}</dd>
            <dt>Parent</dt>
            <dd data-testid="mls-parent-run">
              {model.parent ? (
                <LinkButton onClick={() => openRun(model.parent?.id ?? '')}>
                  {model.parent.name}
                </LinkButton>
              ) : run.parent_run_id ? (
                <span className="jp-MLStudio-mono">{run.parent_run_id}</span>
              ) : (
                <span className="jp-MLStudio-muted">None</span>
              )}
            </dd>
            <dt>Children</dt>
            <dd data-testid="mls-child-runs">
              {model.children.length === 0 ? (
                <span className="jp-MLStudio-muted">None</span>
              ) : (
                <ul className="jp-MLStudio-inlineList">
                  {model.children.map(child => (
                    <li key={child.id}>
                      <LinkButton onClick={() => openRun(child.id)}>
                        {child.name}
                      </LinkButton>
                    </li>
                  ))}
                  {model.childCount > model.children.length && (
                    <li className="jp-MLStudio-muted">
                      and {model.childCount - model.children.length} more
                    </li>
                  )}
                </ul>
              )}
            </dd>
          </dl>
        </PageSection>
        <KeyValueSection
          title="Params"
          testId="mls-run-params"
          values={run.params}
        />
        <KeyValueSection title="Tags" testId="mls-run-tags" values={run.tags} />
      </div>
      <MetricsSection model={model} colors={colors} />
      <ArtifactsSection model={model} colors={colors} />
    </div>
  );
}

/** Enabled when the run logged a model (a `model/` artifact folder). */
function RegisterModelButton(props: {
  model: RunModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, commands } = props;
  const root = model.artifacts('');
  const hasModel =
    root?.some(entry => entry.is_dir && entry.name === 'model') ?? false;
  return (
    <ActionButton
      testId="mls-register-model"
      icon={modelIcon}
      label="Register model"
      title={
        hasModel
          ? "Register this run's model as a new model version…"
          : root === undefined
            ? 'Looking for a logged model…'
            : 'This run logged no model: use run.log_model(estimator)'
      }
      disabled={!hasModel}
      onClick={() =>
        void commands.execute(CommandIDs.registerModel, { runId: model.runId })
      }
    />
  );
}

function StatusBadge(props: { status: string }): JSX.Element {
  return (
    <span
      className={`jp-MLStudio-badge jp-mod-${props.status.toLowerCase()}`}
      data-testid="mls-run-status"
      data-status={props.status}
    >
      {runStatusLabel(props.status)}
    </span>
  );
}

/**
 * The metrics: single-step ones (a final accuracy, `train_rows`) as value
 * cards, series (two or more steps) as charts with their latest value.
 */
function MetricsSection(props: {
  model: RunModel;
  colors: IThemeColors;
}): JSX.Element {
  const { model, colors } = props;
  const run = model.run;
  const [showAll, setShowAll] = React.useState(false);
  const version = model.version;
  const keys = Object.keys(run?.metrics ?? {}).sort((a, b) =>
    a.localeCompare(b)
  );
  // Until the histories arrive, nobody knows which metrics are series.
  const known = version > 0 || model.error !== null;
  const series = keys.filter(key => isSeries(model.history(key)));
  const values = known ? keys.filter(key => !series.includes(key)) : [];
  const shown = showAll ? series : series.slice(0, CHARTS_SHOWN);
  const figures = React.useMemo(
    () =>
      run
        ? shown.map(key => ({
            key,
            downsampled: model.history(key)?.downsampled ?? false,
            figure: curvesFigure(
              key,
              [run],
              () => model.history(key),
              () => colors.accent,
              'step',
              // The title and latest value are HTML above the chart, clear
              // of plotly's mode bar.
              { titled: false }
            )
          }))
        : [],
    [version, shown.join('\n'), colors.accent]
  );
  return (
    <PageSection
      title="Metrics"
      aside={
        series.length > CHARTS_SHOWN && (
          <LinkButton onClick={() => setShowAll(!showAll)}>
            {showAll ? 'Show fewer' : `Show all ${series.length} charts`}
          </LinkButton>
        )
      }
    >
      {keys.length === 0 && (
        <div className="jp-MLStudio-muted">No metrics logged.</div>
      )}
      {keys.length > 0 && !known && (
        <div className="jp-MLStudio-muted">Loading metrics…</div>
      )}
      {values.length > 0 && run && (
        <dl className="jp-MLStudio-valueCards" data-testid="mls-metric-values">
          {values.map(key => (
            <div
              key={key}
              className="jp-MLStudio-valueCard"
              data-testid="mls-metric-value"
              data-metric={key}
            >
              <dt title={key}>{key}</dt>
              <dd>{formatNumber(run.metrics[key] ?? null)}</dd>
            </div>
          ))}
        </dl>
      )}
      {figures.length > 0 && (
        <div className="jp-MLStudio-chartGrid">
          {figures.map(({ key, figure, downsampled }) => (
            <div key={key} className="jp-MLStudio-chartCard" data-metric={key}>
              <div className="jp-MLStudio-chartHeader">
                <span className="jp-MLStudio-chartTitle" title={key}>
                  {key}
                  {downsampled && (
                    <span className="jp-MLStudio-muted"> (downsampled)</span>
                  )}
                </span>
                <span
                  className="jp-MLStudio-latest"
                  data-testid="mls-metric-latest"
                >
                  latest{' '}
                  <strong>{formatNumber(run?.metrics[key] ?? null)}</strong>
                </span>
              </div>
              <PlotlyChart
                testId="mls-metric-chart"
                figure={figure}
                colors={colors}
                height={220}
              />
            </div>
          ))}
        </div>
      )}
    </PageSection>
  );
}

function ArtifactsSection(props: {
  model: RunModel;
  colors: IThemeColors;
}): JSX.Element {
  const { model, colors } = props;
  const root = model.artifacts('');
  return (
    <PageSection title="Artifacts">
      <div className="jp-MLStudio-artifacts">
        <div className="jp-MLStudio-artifactTree" role="tree">
          {root === undefined ? (
            <div className="jp-MLStudio-muted">Loading…</div>
          ) : root.length === 0 ? (
            <div className="jp-MLStudio-muted">No artifacts.</div>
          ) : (
            <ArtifactFolder model={model} entries={root} depth={0} />
          )}
        </div>
        <ArtifactPreview
          preview={model.preview}
          colors={colors}
          onClose={() => model.closePreview()}
        />
      </div>
    </PageSection>
  );
}

function ArtifactFolder(props: {
  model: RunModel;
  entries: ReadonlyArray<ArtifactEntry>;
  depth: number;
}): JSX.Element {
  const { model, depth } = props;
  const selected = model.preview?.entry.path;
  return (
    <ul className="jp-MLStudio-treeList" role="group">
      {props.entries.map(entry => {
        const open = entry.is_dir && model.isExpanded(entry.path);
        const children = open ? model.artifacts(entry.path) : undefined;
        const Icon = entry.is_dir
          ? open
            ? caretDownIcon
            : caretRightIcon
          : fileIcon;
        return (
          <li
            key={entry.path}
            role="treeitem"
            aria-expanded={entry.is_dir ? open : undefined}
          >
            <button
              type="button"
              className={`jp-MLStudio-treeItem${selected === entry.path ? ' jp-mod-selected' : ''}`}
              data-testid="mls-artifact-item"
              data-path={entry.path}
              style={{ paddingLeft: 6 + depth * 14 }}
              title={entry.path}
              onClick={() =>
                void (entry.is_dir
                  ? model.toggleFolder(entry.path)
                  : model.showArtifact(entry))
              }
            >
              <Icon.react tag="span" className="jp-MLStudio-buttonIcon" />
              {entry.is_dir && (
                <folderIcon.react
                  tag="span"
                  className="jp-MLStudio-buttonIcon"
                />
              )}
              <span className="jp-MLStudio-itemName">{entry.name}</span>
              {!entry.is_dir && entry.size !== null && (
                <span className="jp-MLStudio-itemDate">
                  {formatBytes(entry.size)}
                </span>
              )}
            </button>
            {open &&
              (children === undefined ? (
                <div
                  className="jp-MLStudio-muted"
                  style={{ paddingLeft: 20 + depth * 14 }}
                >
                  Loading…
                </div>
              ) : (
                <ArtifactFolder
                  model={model}
                  entries={children}
                  depth={depth + 1}
                />
              ))}
          </li>
        );
      })}
    </ul>
  );
}

function ArtifactPreview(props: {
  preview: IArtifactPreview | null;
  colors: IThemeColors;
  onClose: () => void;
}): JSX.Element {
  const { preview, colors } = props;
  if (!preview) {
    return (
      <div className="jp-MLStudio-preview jp-mod-empty">
        <span className="jp-MLStudio-muted">Select a file to preview it.</span>
      </div>
    );
  }
  const { entry } = preview;
  return (
    <div
      className="jp-MLStudio-preview"
      data-testid="mls-artifact-preview"
      data-kind={preview.kind ?? ''}
      data-state={preview.state}
    >
      <div className="jp-MLStudio-previewHeader">
        <span className="jp-MLStudio-mono">{entry.path}</span>
        {preview.url && (
          <a
            className="jp-MLStudio-link"
            href={preview.url}
            download={entry.name}
          >
            Download
          </a>
        )}
        <LinkButton onClick={props.onClose}>Close</LinkButton>
      </div>
      <div className="jp-MLStudio-previewBody">
        <PreviewBody preview={preview} colors={colors} />
      </div>
    </div>
  );
}

function PreviewBody(props: {
  preview: IArtifactPreview;
  colors: IThemeColors;
}): JSX.Element {
  const { preview, colors } = props;
  if (preview.state === 'loading') {
    return <span className="jp-MLStudio-muted">Loading…</span>;
  }
  if (preview.state === 'error') {
    return (
      <div className="jp-MLStudio-filterError" role="alert">
        {preview.message}
      </div>
    );
  }
  switch (preview.kind) {
    case 'image':
      return (
        <img
          className="jp-MLStudio-previewImage"
          src={preview.url}
          alt={preview.entry.name}
        />
      );
    case 'json':
    case 'text':
      return (
        <>
          <pre className="jp-MLStudio-previewText">{preview.text}</pre>
          {preview.truncated && <Truncated />}
        </>
      );
    case 'csv':
      return (
        <CsvTable rows={preview.rows ?? []} truncated={preview.truncated} />
      );
    case 'plotly':
      return preview.figure ? (
        <PlotlyChart
          testId="mls-artifact-figure"
          figure={preview.figure}
          colors={colors}
          themed={false}
          height={420}
        />
      ) : (
        <span />
      );
    default:
      return (
        <span className="jp-MLStudio-muted">
          No preview for this kind of file (
          {formatBytes(preview.entry.size ?? 0)}).
        </span>
      );
  }
}

function CsvTable(props: {
  rows: ReadonlyArray<ReadonlyArray<string>>;
  truncated?: boolean;
}): JSX.Element {
  const [header, ...body] = props.rows;
  return (
    <>
      <div className="jp-MLStudio-tableScroll jp-mod-tall">
        <table className="jp-MLStudio-table" data-testid="mls-csv-table">
          {header && (
            <thead>
              <tr>
                {header.map((cell, i) => (
                  <th key={i} scope="col">
                    {cell}
                  </th>
                ))}
              </tr>
            </thead>
          )}
          <tbody>
            {body.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.truncated && <Truncated />}
    </>
  );
}

function Truncated(): JSX.Element {
  return (
    <div className="jp-MLStudio-muted">
      Preview truncated; download the file to see all of it.
    </div>
  );
}
