/**
 * The Data Quality and Insights report of one node's output, optionally
 * against a target column: summary, warnings, the quick model's metrics and
 * the report's plotly figures (theme-aware). The report is saved as an
 * artifact by the server; "Export HTML" writes a standalone file.
 */
import type { ServerConnection } from '@jupyterlab/services';
import { downloadIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { buildReport, exportFlow, IReportResponse } from '../api/wrangler';
import { PlotlyChart } from '../charts/chart';
import { ThemedPanel } from '../charts/panel';
import type { PlotData, PlotLayout } from '../charts/plotly';
import type { IThemeColors, ThemeWatcher } from '../charts/theme';
import { insightsIcon } from '../icons';
import type { IFlowDocument } from './document';
import { errorMessage } from '../ui/errors';
import { ActionButton, ErrorBanner } from '../ui/components';
import { ResourceView } from '../ui/view';

export interface IInsightsRequest {
  /** The .flow path relative to the server root. */
  path: string;
  flow: IFlowDocument;
  node: string | null;
  output: string | null;
  target: string | null;
}

export class InsightsModel {
  constructor(
    readonly request: IInsightsRequest,
    private readonly _settings?: ServerConnection.ISettings
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  get result(): IReportResponse | null {
    return this._result;
  }

  get error(): string | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  get exported(): string | null {
    return this._exported;
  }

  dispose(): void {
    this._disposed = true;
    Signal.clearData(this);
  }

  async load(): Promise<void> {
    this._loading = true;
    this._error = null;
    this._changed.emit();
    try {
      this._result = await buildReport(this.request, this._settings);
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._loading = false;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  async exportHtml(): Promise<string | null> {
    try {
      const { path } = await exportFlow(
        { ...this.request, format: 'report-html' },
        this._settings
      );
      this._exported = path;
      this._changed.emit();
      return path;
    } catch (reason) {
      this._error = errorMessage(reason);
      this._changed.emit();
      return null;
    }
  }

  dismissError(): void {
    this._error = null;
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _disposed = false;
  private _error: string | null = null;
  private _exported: string | null = null;
  private _loading = false;
  private _result: IReportResponse | null = null;
}

export class InsightsView extends ResourceView<InsightsModel> {
  constructor(
    model: InsightsModel,
    theme: ThemeWatcher,
    commands: CommandRegistry
  ) {
    const { path, node, target } = model.request;
    super({
      content: new InsightsPanel(model, theme, commands),
      className: 'jp-MLStudio-insightsView',
      icon: insightsIcon,
      label: `Insights: ${path.split('/').pop() ?? path}`,
      caption: `Data Quality and Insights of ${node ?? 'the flow'} in ${path}${
        target ? `, target ${target}` : ''
      }`
    });
    void model.load();
  }
}

class InsightsPanel extends ThemedPanel<InsightsModel> {
  constructor(
    model: InsightsModel,
    theme: ThemeWatcher,
    private readonly _commands: CommandRegistry
  ) {
    super(model, theme, 'mls-insights');
    this.addClass('jp-MLStudio-insights');
  }

  protected renderThemed(colors: IThemeColors): JSX.Element {
    const model = this.model;
    const result = model.result;
    const { node, target } = model.request;
    return (
      <div className="jp-MLStudio-insightsBody">
        <div className="jp-MLStudio-insightsHeader">
          <h2>Data Quality and Insights</h2>
          <span className="jp-MLStudio-wranglerHint">
            {node ?? 'flow output'}
            {target ? ` · target ${target}` : ' · no target'}
          </span>
          <span className="jp-MLStudio-spacer" />
          <ActionButton
            testId="mls-insights-refresh"
            icon={refreshIcon}
            label="Recompute"
            title="Build the report again"
            disabled={model.loading}
            onClick={() => void model.load()}
          />
          <ActionButton
            testId="mls-insights-export"
            icon={downloadIcon}
            label="Export HTML"
            title="Write the report as a standalone HTML file next to the flow"
            disabled={!result}
            onClick={() =>
              void model.exportHtml().then(path => {
                if (path) {
                  void this._commands.execute('docmanager:open', { path });
                }
              })
            }
          />
        </div>
        {model.error && (
          <ErrorBanner
            message={model.error}
            onDismiss={() => model.dismissError()}
          />
        )}
        {model.loading && (
          <div className="jp-MLStudio-wranglerHint" role="status">
            Building the report…
          </div>
        )}
        {model.exported && (
          <div
            className="jp-MLStudio-wranglerNotice"
            data-testid="mls-insights-exported"
          >
            Exported to {model.exported}
          </div>
        )}
        {result && <Report result={result} colors={colors} />}
      </div>
    );
  }
}

function Report(props: {
  result: IReportResponse;
  colors: IThemeColors;
}): JSX.Element {
  const { report, figures, artifact_uri } = props.result;
  const s = report.summary;
  const m = report.model;
  return (
    <>
      <div
        className="jp-MLStudio-insightsSummary"
        data-testid="mls-insights-summary"
      >
        <Stat label="Rows" value={s.rows.toLocaleString()} />
        <Stat label="Columns" value={String(s.columns)} />
        <Stat
          label="Missing cells"
          value={`${s.missing_cells.toLocaleString()} (${s.missing_cells_pct.toFixed(1)}%)`}
        />
        <Stat
          label="Duplicate rows"
          value={`${s.duplicate_rows.toLocaleString()} (${s.duplicate_pct.toFixed(1)}%)`}
        />
        {report.problem_type && (
          <Stat label="Problem" value={report.problem_type} />
        )}
      </div>
      <section className="jp-MLStudio-insightsSection">
        <h3>Warnings</h3>
        {report.warnings.length === 0 ? (
          <p className="jp-MLStudio-wranglerHint">No warnings.</p>
        ) : (
          <ul
            className="jp-MLStudio-insightsWarnings"
            data-testid="mls-insights-warnings"
          >
            {report.warnings.map((w, i) => (
              <li key={i} className={`jp-mod-${w.severity}`}>
                <span className="jp-MLStudio-insightsSeverity">
                  {w.severity}
                </span>
                {w.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      {m && (
        <section
          className="jp-MLStudio-insightsSection"
          data-testid="mls-insights-model"
        >
          <h3>Quick model{m.estimator ? `: ${m.estimator}` : ''}</h3>
          {m.status === 'ok' ? (
            <table className="jp-MLStudio-insightsMetrics">
              <thead>
                <tr>
                  <th>Metric</th>
                  <th>Model</th>
                  <th>
                    Baseline
                    {m.baseline_strategy ? ` (${m.baseline_strategy})` : ''}
                  </th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(m.metrics).map(([key, value]) => (
                  <tr key={key}>
                    <td>{key}</td>
                    <td>{formatMetric(value)}</td>
                    <td>{formatMetric(m.baseline[key])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="jp-MLStudio-wranglerHint">
              {m.status}: {m.reason}
            </p>
          )}
          <p className="jp-MLStudio-wranglerHint">
            Trained on {m.train_rows.toLocaleString()} rows, tested on{' '}
            {m.test_rows.toLocaleString()}.
          </p>
        </section>
      )}
      <section className="jp-MLStudio-insightsSection">
        <h3>Charts</h3>
        <div className="jp-MLStudio-insightsCharts">
          {figures.map(f => (
            <PlotlyChart
              key={f.id}
              testId={`mls-insights-figure-${f.id}`}
              data={f.figure.data as PlotData[]}
              layout={f.figure.layout as PlotLayout}
              colors={props.colors}
              height={280}
            />
          ))}
        </div>
      </section>
      <p className="jp-MLStudio-wranglerHint">
        Saved as an artifact: {artifact_uri}
      </p>
    </>
  );
}

function Stat(props: { label: string; value: string }): JSX.Element {
  return (
    <div className="jp-MLStudio-insightsStat">
      <span className="jp-MLStudio-insightsStatValue">{props.value}</span>
      <span className="jp-MLStudio-insightsStatLabel">{props.label}</span>
    </div>
  );
}

function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : value.toFixed(4);
}
