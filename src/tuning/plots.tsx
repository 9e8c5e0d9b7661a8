/**
 * The tuning-job plots: optimization history and importances side by side,
 * then one chosen plot at a time (intermediate values, parallel
 * coordinates, slice, contour, Pareto front). Figures are computed from the
 * trials list and memoized on it, so an unrelated re-render redraws nothing.
 */
import * as React from 'react';

import type { TrialInfo, TuningJob } from './api';
import { PlotlyChart } from '../charts/chart';
import type { IThemeColors } from '../charts/theme';
import {
  contourFigure,
  historyFigure,
  IFigureColors,
  importancesFigure,
  intermediateFigure,
  IPlotRange,
  parallelFigure,
  paretoFigure,
  sliceFigure
} from './figures';
import type { Direction } from './trial-values';
import { PageSection } from '../ui/components';
import { LabeledSelect } from '../ui/fields';

type PlotKind = 'intermediate' | 'parallel' | 'slice' | 'contour' | 'pareto';

const PLOT_TITLES: Record<PlotKind, string> = {
  intermediate: 'Intermediate values',
  parallel: 'Parallel coordinates',
  slice: 'Slice',
  contour: 'Contour',
  pareto: 'Pareto front'
};

/** The figure colours of a theme. */
export function figureColors(colors: IThemeColors): IFigureColors {
  return {
    trial: colors.accent,
    best: '#ff7f0e',
    pruned: colors.error,
    running: '#2ca02c',
    muted: colors.foregroundMuted
  };
}

export interface ITuningPlotsProps {
  job: TuningJob;
  trials: ReadonlyArray<TrialInfo>;
  importances: ReadonlyArray<{ param: string; importance: number }>;
  params: ReadonlyArray<string>;
  colors: IThemeColors;
}

export function TuningPlots(props: ITuningPlotsProps): JSX.Element {
  const { job, trials, params, colors } = props;
  const objectives = job.objectives;
  const objective = objectives[0]?.metric ?? 'objective';
  const direction: Direction = objectives[0]?.direction ?? 'Maximize';
  const space = React.useMemo(
    () => (job.spec.search_space ?? {}) as Record<string, IPlotRange>,
    [job.spec]
  );
  const palette = React.useMemo(() => figureColors(colors), [colors]);
  const twoObjectives = objectives.length > 1;
  const kinds: PlotKind[] = twoObjectives
    ? ['pareto', 'parallel', 'slice', 'contour']
    : ['intermediate', 'parallel', 'slice', 'contour'];
  const [kind, setKind] = React.useState<PlotKind>(kinds[0]);
  const [xParam, setXParam] = React.useState(params[0] ?? '');
  const [yParam, setYParam] = React.useState(params[1] ?? params[0] ?? '');

  const history = React.useMemo(
    () => historyFigure(trials, objective, direction, palette, !twoObjectives),
    [trials, objective, direction, palette, twoObjectives]
  );
  const importanceFigure = React.useMemo(
    () =>
      importancesFigure(
        Object.fromEntries(props.importances.map(i => [i.param, i.importance])),
        palette
      ),
    [props.importances, palette]
  );
  const explore = React.useMemo(() => {
    switch (kind) {
      case 'intermediate':
        return intermediateFigure(trials, objective, palette);
      case 'parallel':
        return parallelFigure(trials, params, objective, space);
      case 'slice':
        return sliceFigure(trials, params, objective, space);
      case 'contour':
        return contourFigure(trials, xParam, yParam, objective, space);
      case 'pareto':
        return paretoFigure(
          trials,
          [objectives[0].metric, objectives[1].metric],
          [objectives[0].direction, objectives[1].direction],
          palette
        );
    }
  }, [kind, trials, objective, params, xParam, yParam, palette, space]);

  const completed = trials.some(t => t.state === 'Completed');
  const reported = trials.some(
    t => Object.keys(t.intermediate_values ?? {}).length > 0
  );
  const sliceRows = Math.max(1, Math.ceil(params.length / 3));
  return (
    <>
      <div className="jp-MLStudio-tuningPlotGrid">
        <PageSection title="Optimization history" testId="mls-tuning-history">
          {completed ? (
            <PlotlyChart
              figure={history}
              colors={colors}
              height={280}
              testId="mls-tuning-history-chart"
            />
          ) : (
            <div className="jp-MLStudio-muted jp-MLStudio-plotEmpty">
              The history appears when the first trial completes.
            </div>
          )}
        </PageSection>
        <PageSection
          title="Hyperparameter importances"
          testId="mls-tuning-importances"
        >
          {props.importances.length > 0 ? (
            <PlotlyChart
              figure={importanceFigure}
              colors={colors}
              height={280}
              testId="mls-tuning-importances-chart"
            />
          ) : (
            <div className="jp-MLStudio-muted jp-MLStudio-plotEmpty">
              optuna computes importances once two trials have completed.
            </div>
          )}
        </PageSection>
      </div>
      <PageSection
        title={PLOT_TITLES[kind]}
        label="Explore the trials"
        testId="mls-tuning-explore"
        aside={
          <div className="jp-MLStudio-tuningPlotControls">
            <div
              className="jp-MLStudio-segmented"
              role="tablist"
              aria-label="Plot"
            >
              {kinds.map(k => (
                <button
                  key={k}
                  type="button"
                  role="tab"
                  aria-selected={k === kind}
                  className={k === kind ? 'jp-mod-active' : undefined}
                  data-testid="mls-tuning-plot-tab"
                  data-plot={k}
                  onClick={() => setKind(k)}
                >
                  {PLOT_TITLES[k]}
                </button>
              ))}
            </div>
            {kind === 'contour' && params.length > 1 && (
              <>
                <LabeledSelect
                  label="x"
                  testId="mls-contour-x"
                  value={xParam}
                  choices={params.map(p => ({ value: p, label: p }))}
                  onChange={setXParam}
                />
                <LabeledSelect
                  label="y"
                  testId="mls-contour-y"
                  value={yParam}
                  choices={params.map(p => ({ value: p, label: p }))}
                  onChange={setYParam}
                />
              </>
            )}
          </div>
        }
      >
        {kind === 'contour' && params.length < 2 ? (
          <div className="jp-MLStudio-muted jp-MLStudio-plotEmpty">
            A contour needs two searched hyperparameters.
          </div>
        ) : kind === 'intermediate' && !reported ? (
          <div className="jp-MLStudio-muted jp-MLStudio-plotEmpty">
            No trial has reported intermediate values (the objective at each
            step) yet. Built-in algorithms report the objective once, at the
            end; scripts that log it per step can be stopped early.
          </div>
        ) : kind !== 'intermediate' && !completed ? (
          <div className="jp-MLStudio-muted jp-MLStudio-plotEmpty">
            This plot appears when the first trial completes.
          </div>
        ) : (
          <PlotlyChart
            figure={explore}
            colors={colors}
            height={kind === 'slice' ? 240 * sliceRows + 40 : 360}
            testId="mls-tuning-explore-chart"
          />
        )}
      </PageSection>
    </>
  );
}
