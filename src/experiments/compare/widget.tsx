/**
 * The comparison view: overlaid metric curves, a parallel-coordinates plot,
 * a param-vs-metric scatter and a diff table of the selected runs.
 */
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import type { Run } from '../../api/types';
import { PlotlyChart } from '../../charts/chart';
import { ThemedPanel } from '../../charts/panel';
import type { IThemeColors, ThemeWatcher } from '../../charts/theme';
import { compareIcon } from '../../icons';
import { tabLabel } from '../../titles';
import { formatNumber } from '../runs/columns';
import {
  axisChoices,
  barsFigure,
  curvesFigure,
  diffRows,
  isSeries,
  parallelFigure,
  scatterFigure
} from './figures';
import type { CompareModel, CurveAxis } from './model';
import {
  LinkButton,
  ModelError,
  PageSection,
  ScrollTable
} from '../../ui/components';
import { ResourceView } from '../../ui/view';
import { CommandIDs } from '../../command-ids';

export namespace CompareView {
  export interface IOptions {
    model: CompareModel;
    commands: CommandRegistry;
    theme: ThemeWatcher;
  }
}

/** The main-area widget of a comparison. */
export class CompareView extends ResourceView<CompareModel> {
  constructor(options: CompareView.IOptions) {
    super({
      content: new ThemedPanel(
        options.model,
        options.theme,
        'mls-compare-view',
        (model, colors) => (
          <CompareContent
            model={model}
            commands={options.commands}
            colors={colors}
          />
        )
      ),
      className: 'jp-MLStudio-compareView',
      icon: compareIcon,
      label: tabLabel('Compare', `${options.model.runIds.length} runs`)
    });
  }
}

function CompareContent(props: {
  model: CompareModel;
  commands: CommandRegistry;
  colors: IThemeColors;
}): JSX.Element {
  const { model, commands, colors } = props;
  const runs = model.runs;
  const openRun = (run: Run) =>
    void commands.execute(CommandIDs.openRun, { id: run.id });

  return (
    <div className="jp-MLStudio-page">
      <header className="jp-MLStudio-pageHeader">
        <h2>
          Comparing {runs.length} run{runs.length === 1 ? '' : 's'}
        </h2>
        <ul className="jp-MLStudio-legend" aria-label="Runs">
          {runs.map(run => (
            <li key={run.id}>
              <LinkButton
                title={`Open run ${run.name}`}
                onClick={() => openRun(run)}
              >
                <span
                  className="jp-MLStudio-swatch"
                  style={{ background: model.colorOf(run.id) }}
                />
                {run.name}
              </LinkButton>
            </li>
          ))}
        </ul>
      </header>
      <ModelError model={model} />
      {model.isLoading && runs.length === 0 && (
        <div className="jp-MLStudio-muted">Loading runs…</div>
      )}
      <CurvesSection model={model} colors={colors} />
      <ParallelSection model={model} colors={colors} />
      <ScatterSection model={model} colors={colors} />
      <DiffSection model={model} />
    </div>
  );
}

function CurvesSection(props: {
  model: CompareModel;
  colors: IThemeColors;
}): JSX.Element {
  const { model, colors } = props;
  const version = model.version;
  const charted = model.chartedMetrics;
  // Metrics every run logged at one step only are compared as bars; series
  // (and metrics whose histories are still loading) as curves.
  const single = (key: string) =>
    model.hasHistories(key) &&
    !model.runs.some(run => isSeries(model.history(run.id, key)));
  const figures = React.useMemo(
    () =>
      charted.map(key =>
        single(key)
          ? {
              key,
              bars: true,
              figure: barsFigure(
                key,
                model.runs,
                runId => model.colorOf(runId),
                formatNumber
              )
            }
          : {
              key,
              bars: false,
              figure: curvesFigure(
                key,
                model.runs,
                runId => model.history(runId, key),
                runId => model.colorOf(runId),
                model.curveAxis
              )
            }
      ),
    [version, charted.join('\n')]
  );
  const toggle = (key: string) =>
    void model.setChartedMetrics(
      charted.includes(key) ? charted.filter(k => k !== key) : [...charted, key]
    );

  return (
    <PageSection
      title="Metrics"
      label="Metric curves"
      aside={
        <label className="jp-MLStudio-inlineField">
          x axis
          <select
            className="jp-MLStudio-select"
            value={model.curveAxis}
            onChange={event =>
              (model.curveAxis = event.target.value as CurveAxis)
            }
          >
            <option value="step">Step</option>
            <option value="relative">Relative time</option>
            <option value="time">Wall time</option>
          </select>
        </label>
      }
    >
      <div className="jp-MLStudio-chips" aria-label="Metrics to chart">
        {model.metricKeys.map(key => (
          <label key={key} className="jp-MLStudio-chip">
            <input
              type="checkbox"
              checked={charted.includes(key)}
              onChange={() => toggle(key)}
            />
            {key}
          </label>
        ))}
        {model.metricKeys.length === 0 && !model.isLoading && (
          <span className="jp-MLStudio-muted">
            These runs have logged no metrics.
          </span>
        )}
      </div>
      <div className="jp-MLStudio-chartGrid" data-testid="mls-compare-curves">
        {figures.map(({ key, figure, bars }) => (
          <PlotlyChart
            key={key}
            testId={bars ? 'mls-compare-bars' : 'mls-compare-chart'}
            className="jp-MLStudio-chartCard"
            figure={figure}
            colors={colors}
            height={280}
          />
        ))}
      </div>
    </PageSection>
  );
}

function ParallelSection(props: {
  model: CompareModel;
  colors: IThemeColors;
}): JSX.Element | null {
  const { model, colors } = props;
  const version = model.version;
  const figure = React.useMemo(
    () =>
      parallelFigure(
        model.runs,
        model.paramKeys,
        model.metricKeys,
        runId => model.colorOf(runId),
        colors.foreground
      ),
    [version, colors]
  );
  if (!figure) {
    return null;
  }
  return (
    <PageSection title="Parallel coordinates">
      <PlotlyChart
        testId="mls-compare-parallel"
        figure={figure}
        colors={colors}
        height={360}
      />
    </PageSection>
  );
}

function ScatterSection(props: {
  model: CompareModel;
  colors: IThemeColors;
}): JSX.Element | null {
  const { model, colors } = props;
  const choices = React.useMemo(
    () => axisChoices(model.paramKeys, model.metricKeys),
    [model.paramKeys.join('\n'), model.metricKeys.join('\n')]
  );
  const firstParam = choices.find(c => c.id.startsWith('params.'));
  const firstMetric = choices.find(c => c.id.startsWith('metrics.'));
  const [xId, setX] = React.useState<string | null>(null);
  const [yId, setY] = React.useState<string | null>(null);
  const x = choices.find(c => c.id === xId) ?? firstParam ?? choices[0];
  const y =
    choices.find(c => c.id === yId) ?? firstMetric ?? choices[1] ?? choices[0];
  const version = model.version;
  const figure = React.useMemo(
    () =>
      x && y
        ? scatterFigure(model.runs, x, y, runId => model.colorOf(runId))
        : null,
    [version, x?.id, y?.id]
  );
  if (!figure || !x || !y) {
    return null;
  }
  const picker = (
    label: string,
    value: string,
    onChange: (id: string) => void,
    testId: string
  ) => (
    <label className="jp-MLStudio-inlineField">
      {label}
      <select
        className="jp-MLStudio-select"
        data-testid={testId}
        value={value}
        onChange={event => onChange(event.target.value)}
      >
        {choices.map(choice => (
          <option key={choice.id} value={choice.id}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <PageSection
      title="Param vs metric"
      label="Scatter"
      aside={
        <div className="jp-MLStudio-toolbar">
          {picker('x', x.id, setX, 'mls-scatter-x')}
          {picker('y', y.id, setY, 'mls-scatter-y')}
        </div>
      }
    >
      <PlotlyChart
        testId="mls-compare-scatter"
        figure={figure}
        colors={colors}
        height={320}
      />
    </PageSection>
  );
}

function DiffSection(props: { model: CompareModel }): JSX.Element {
  const { model } = props;
  const [onlyDiff, setOnlyDiff] = React.useState(false);
  const rows = diffRows(
    model.runs,
    model.paramKeys,
    model.metricKeys,
    model.tagKeys,
    formatNumber
  ).filter(row => !onlyDiff || row.differs);
  return (
    <PageSection
      title="Params and metrics"
      label="Differences"
      aside={
        <label className="jp-MLStudio-inlineField">
          <input
            type="checkbox"
            checked={onlyDiff}
            onChange={event => setOnlyDiff(event.target.checked)}
          />
          Only differences
        </label>
      }
    >
      <ScrollTable
        testId="mls-diff-table"
        head={
          <>
            <th scope="col">Key</th>
            {model.runs.map(run => (
              <th key={run.id} scope="col">
                <span
                  className="jp-MLStudio-swatch"
                  style={{ background: model.colorOf(run.id) }}
                />
                {run.name}
              </th>
            ))}
          </>
        }
      >
        {rows.map(row => (
          <tr
            key={`${row.kind}:${row.key}`}
            className={row.differs ? 'jp-mod-different' : undefined}
            data-differs={row.differs}
          >
            <th scope="row">
              <span className="jp-MLStudio-kind">{row.kind}</span>
              {row.key}
            </th>
            {row.values.map((value, i) => (
              <td
                key={i}
                className={row.kind === 'metric' ? 'jp-mod-numeric' : undefined}
              >
                {value}
              </td>
            ))}
          </tr>
        ))}
      </ScrollTable>
    </PageSection>
  );
}
