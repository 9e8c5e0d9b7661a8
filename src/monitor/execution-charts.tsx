/**
 * The charts of one monitor execution, loaded when the execution is opened:
 * a data-quality monitor's drift per feature over its executions (features
 * listed most drifted first) with the baseline-vs-current histogram of the
 * chosen feature; a model-quality monitor's realized quality over time next
 * to CBPE's estimate. Two small requests: the monitor's history (a few
 * numbers per feature and execution) and this execution's report.
 */
import * as React from 'react';

import {
  FeatureDriftHistory,
  getExecutionReport,
  getMonitorHistory,
  MonitorHistory
} from '../api/monitor-reports';
import { errorMessage } from '../api/request';
import { PlotlyChart } from '../charts/chart';
import type { IThemeColors } from '../charts/theme';
import { Loading, PageSection, ScrollTable } from '../ui/components';
import {
  describePoint,
  driftFigure,
  histogramFigure,
  IReportFeature,
  metricLabel,
  pointOf,
  qualityFigure,
  qualityMetrics,
  reportFeatures,
  sortByDrift
} from './charts-data';
import { useThemeColors } from './charts-theme';

/** Executions the drift and quality charts cover (the newest). */
const HISTORY_SIZE = 100;

interface ILoaded {
  history: MonitorHistory;
  features: IReportFeature[];
}

export function ExecutionCharts(props: {
  executionId: string;
  monitorId: string;
  /** The feature to show (a violation clicked in the monitor view). */
  feature?: string | null;
}): JSX.Element {
  const { executionId, monitorId } = props;
  const colors = useThemeColors();
  const [loaded, setLoaded] = React.useState<ILoaded | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    const abort = new AbortController();
    setLoaded(null);
    setError(null);
    const signal = abort.signal;
    getMonitorHistory(monitorId, { maxItems: HISTORY_SIZE, signal })
      .then(async history => {
        // the histograms are in this execution's report (data quality only)
        const report =
          history.kind === 'data-quality'
            ? await getExecutionReport(executionId, { signal })
            : null;
        if (!signal.aborted) {
          setLoaded({ history, features: reportFeatures(report?.report) });
        }
      })
      .catch(reason => {
        if (!signal.aborted) {
          setError(errorMessage(reason));
        }
      });
    return () => abort.abort();
  }, [executionId, monitorId]);

  if (error !== null) {
    return (
      <div
        className="jp-MLStudio-monitorChartsError"
        data-testid="mls-monitor-charts-error"
        role="alert"
      >
        Could not load the charts: {error}
      </div>
    );
  }
  if (loaded === null) {
    return (
      <Loading firstLoad what="charts" testId="mls-monitor-charts-loading" />
    );
  }
  return (
    <div className="jp-MLStudio-monitorCharts" data-testid="mls-monitor-charts">
      {loaded.history.kind === 'data-quality' ? (
        <DriftCharts
          history={loaded.history}
          features={loaded.features}
          executionId={executionId}
          colors={colors}
          feature={props.feature ?? null}
        />
      ) : (
        <QualityCharts
          history={loaded.history}
          executionId={executionId}
          colors={colors}
        />
      )}
    </div>
  );
}

function DriftCharts(props: {
  history: MonitorHistory;
  features: IReportFeature[];
  executionId: string;
  colors: IThemeColors;
  feature: string | null;
}): JSX.Element {
  const { history, executionId, colors } = props;
  const top = React.useRef<HTMLDivElement>(null);
  const sorted = React.useMemo(
    () => sortByDrift(history.features, executionId),
    [history, executionId]
  );
  const [chosen, setChosen] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (props.feature) {
      setChosen(props.feature);
      top.current?.scrollIntoView?.({ block: 'start' });
    }
  }, [props.feature]);
  const feature: FeatureDriftHistory | undefined =
    sorted.find(f => f.name === chosen) ?? sorted[0];
  const drift = React.useMemo(
    () => (feature ? driftFigure(feature, executionId, colors) : null),
    [feature, executionId, colors]
  );
  const histogram = React.useMemo(() => {
    const found = props.features.find(f => f.name === feature?.name);
    return found?.histogram ? histogramFigure(found.histogram) : null;
  }, [props.features, feature]);

  if (sorted.length === 0) {
    return (
      <p
        className="jp-MLStudio-monitorChartsEmpty"
        data-testid="mls-monitor-charts-empty"
      >
        No drift results yet: executions that end Completed or
        CompletedWithViolations draw here.
      </p>
    );
  }
  return (
    <div className="jp-MLStudio-monitorDrift" ref={top}>
      <PageSection
        title="Features by drift"
        testId="mls-monitor-drift-features"
      >
        <ScrollTable
          size="short"
          className="jp-MLStudio-monitorFeatureTable"
          head={
            <>
              <th>Feature</th>
              <th>This execution</th>
              <th>Drifted</th>
            </>
          }
        >
          {sorted.map(f => {
            const point = pointOf(f, executionId);
            const selected = f.name === feature?.name;
            return (
              <tr
                key={f.name}
                className={selected ? 'jp-mod-selected' : undefined}
                aria-selected={selected}
                data-testid="mls-monitor-drift-feature"
                data-feature={f.name}
                data-drifted={point?.drifted ? 'true' : 'false'}
                onClick={() => setChosen(f.name)}
              >
                <td>
                  <button
                    type="button"
                    className="jp-MLStudio-link"
                    onClick={() => setChosen(f.name)}
                  >
                    {f.name}
                  </button>
                </td>
                <td>{point ? describePoint(point) : 'not tested'}</td>
                <td>
                  {point?.drifted ? (
                    <span className="jp-MLStudio-monitorDrifted">drifted</span>
                  ) : (
                    'no'
                  )}{' '}
                  <span className="jp-MLStudio-monitorMuted">
                    ({f.drifted_count} of {f.points.length})
                  </span>
                </td>
              </tr>
            );
          })}
        </ScrollTable>
      </PageSection>
      {feature && drift && (
        <PageSection
          title={`Drift of ${feature.name} over time`}
          testId="mls-monitor-drift-chart"
        >
          <PlotlyChart figure={drift} colors={colors} height={260} />
        </PageSection>
      )}
      {feature && (
        <PageSection
          title={`${feature.name}: baseline vs this execution`}
          testId="mls-monitor-histogram"
        >
          {histogram ? (
            <PlotlyChart figure={histogram} colors={colors} height={260} />
          ) : (
            <p className="jp-MLStudio-monitorMuted">
              This execution's report has no histogram of {feature.name}.
            </p>
          )}
        </PageSection>
      )}
    </div>
  );
}

function QualityCharts(props: {
  history: MonitorHistory;
  executionId: string;
  colors: IThemeColors;
}): JSX.Element {
  const { history, executionId, colors } = props;
  const figure = React.useMemo(
    () =>
      qualityFigure(history.quality, history.executions, executionId, colors),
    [history, executionId, colors]
  );
  const metrics = React.useMemo(
    () => qualityMetrics(history.quality),
    [history]
  );
  const point = history.quality.find(p => p.execution_id === executionId);
  const estimated = history.quality.some(p => p.estimated_accuracy !== null);
  if (history.quality.length === 0) {
    return (
      <p
        className="jp-MLStudio-monitorChartsEmpty"
        data-testid="mls-monitor-charts-empty"
      >
        No model quality yet: upload ground truth for the endpoint's
        predictions, then run the monitor.
      </p>
    );
  }
  const format = (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : value.toFixed(3);
  return (
    <div className="jp-MLStudio-monitorQuality">
      <PageSection
        title="Model quality over time"
        testId="mls-monitor-quality-chart"
      >
        <PlotlyChart figure={figure} colors={colors} height={280} />
      </PageSection>
      {point && (
        <PageSection title="This execution" testId="mls-monitor-quality-point">
          <ScrollTable
            head={
              <>
                <th>Metric</th>
                <th>Realized</th>
                {estimated && <th>Estimated (CBPE)</th>}
              </>
            }
          >
            {metrics.map(metric => (
              <tr
                key={metric}
                data-testid="mls-monitor-quality-row"
                data-metric={metric}
              >
                <td>{metricLabel(metric)}</td>
                <td>{format(point.metrics[metric])}</td>
                {estimated && (
                  <td>
                    {metric === 'accuracy'
                      ? format(point.estimated_accuracy)
                      : '—'}
                  </td>
                )}
              </tr>
            ))}
            {metrics.length === 0 && (
              <tr data-testid="mls-monitor-quality-row" data-metric="estimate">
                <td>Accuracy</td>
                <td>no labels yet</td>
                <td>{format(point.estimated_accuracy)}</td>
              </tr>
            )}
          </ScrollTable>
          <p className="jp-MLStudio-monitorMuted">
            {point.labelled_rows} labelled rows
            {point.problem_type ? ` · ${point.problem_type}` : ''}
          </p>
        </PageSection>
      )}
    </div>
  );
}
