/**
 * The endpoint view: status and URLs, the variants with live figures, a
 * test form prefilled from the model's input example, live request and
 * latency charts, recent errors, capture settings and the log.
 */
import type { ServerConnection } from '@jupyterlab/services';
import {
  deleteIcon,
  editIcon,
  refreshIcon,
  runIcon as playIcon
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import {
  ICaptureSettings,
  isServing,
  isTransitional,
  proxyUrl
} from '../api/endpoints';
import type { Endpoint } from '../api/types';
import { PlotlyChart } from '../charts/chart';
import { ThemedPanel } from '../charts/panel';
import type { IThemeColors, ThemeWatcher } from '../charts/theme';
import { endpointIcon, modelIcon } from '../icons';
import { formatNumber, formatTime } from '../experiments/runs/columns';
import { EndpointStatusBadge, trafficShare } from './components';
import type { EndpointModel } from './endpoint-model';
import { latencyFigure, requestsFigure } from './figures';
import type { TestContentType } from './payload';
import {
  ActionButton,
  CopyButton,
  ErrorBanner,
  LogPane
} from '../ui/components';
import { formatMs } from '../ui/format';
import { ResourceView } from '../ui/view';
import { CommandIDs } from '../command-ids';

export namespace EndpointView {
  export interface IOptions {
    model: EndpointModel;
    commands: CommandRegistry;
    theme: ThemeWatcher;
    serverSettings?: ServerConnection.ISettings;
    /** Edit weights, update versions, delete: they ask first. */
    actions: IEndpointActions;
  }
}

/** The actions that ask the user before they act (see commands.ts). */
export interface IEndpointActions {
  editWeights(model: EndpointModel): Promise<void>;
  updateVersions(model: EndpointModel): Promise<void>;
  remove(model: EndpointModel): Promise<void>;
}

/** The main-area widget of an endpoint. */
export class EndpointView extends ResourceView<EndpointModel> {
  constructor(options: EndpointView.IOptions) {
    const { name } = options.model;
    super({
      content: new EndpointPanel(options),
      id: endpointViewId(name),
      className: 'jp-MLStudio-endpointView',
      icon: endpointIcon,
      label: `Endpoint: ${name}`,
      caption: `Endpoint ${name}`
    });
    this.followTitle(({ endpoint }) =>
      endpoint
        ? {
            label: `Endpoint: ${name}`,
            caption: `Endpoint ${endpoint.name} (${endpoint.status})`
          }
        : null
    );
  }
}

/** The id of an endpoint's view, so an open one is found again. */
export function endpointViewId(name: string): string {
  return `mlstudio-endpoint:${name}`;
}

class EndpointPanel extends ThemedPanel<EndpointModel> {
  constructor(options: EndpointView.IOptions) {
    super(options.model, options.theme, 'mls-endpoint-view');
    this._options = options;
  }

  protected renderThemed(colors: IThemeColors): JSX.Element {
    return (
      <EndpointContent
        model={this.model}
        colors={colors}
        commands={this._options.commands}
        actions={this._options.actions}
        settings={this._options.serverSettings}
      />
    );
  }

  /** Metrics and log are read only while the view is shown. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.resume();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this.model.resume();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.pause();
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.pause();
    super.onBeforeDetach(msg);
  }

  private _options: EndpointView.IOptions;
}

interface IContentProps {
  model: EndpointModel;
  colors: IThemeColors;
  commands: CommandRegistry;
  actions: IEndpointActions;
  settings?: ServerConnection.ISettings;
}

function EndpointContent(props: IContentProps): JSX.Element {
  const { model } = props;
  const endpoint = model.endpoint;
  if (model.deleted || !endpoint) {
    return (
      <div className="jp-MLStudio-page">
        {model.deleted ? (
          <div
            className="jp-MLStudio-serverMissing"
            data-testid="mls-endpoint-deleted"
            role="status"
          >
            The endpoint “{model.name}” was deleted.
          </div>
        ) : model.error ? (
          <ErrorBanner
            message={model.error.message}
            onDismiss={() => model.dismissError()}
          />
        ) : (
          <div className="jp-MLStudio-muted">Loading endpoint…</div>
        )}
      </div>
    );
  }
  return (
    <div className="jp-MLStudio-page" data-endpoint-status={endpoint.status}>
      <Header {...props} endpoint={endpoint} />
      {model.error && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <StatusNotes endpoint={endpoint} />
      <ConnectSection endpoint={endpoint} settings={props.settings} />
      <VariantsSection {...props} endpoint={endpoint} />
      <div className="jp-MLStudio-endpointColumns">
        <TestSection model={model} endpoint={endpoint} />
        <LiveSection model={model} endpoint={endpoint} colors={props.colors} />
      </div>
      <div className="jp-MLStudio-columns">
        <ErrorsSection model={model} />
        <CaptureSection model={model} endpoint={endpoint} />
      </div>
      <LogSection model={model} />
    </div>
  );
}

function Header(props: IContentProps & { endpoint: Endpoint }): JSX.Element {
  const { model, endpoint, actions } = props;
  const changing = model.busy || isTransitional(endpoint);
  const canUpdate = endpoint.status === 'InService' && !model.busy;
  return (
    <header className="jp-MLStudio-pageHeader">
      <h2>
        <endpointIcon.react tag="span" className="jp-MLStudio-headerIcon" />
        <span data-testid="mls-endpoint-name">{endpoint.name}</span>
        <EndpointStatusBadge status={endpoint.status} />
      </h2>
      <div className="jp-MLStudio-toolbar">
        <ActionButton
          testId="mls-refresh-endpoint"
          icon={refreshIcon}
          label="Refresh"
          title="Reload the endpoint, its metrics and log"
          onClick={() => void model.refresh()}
        />
        <ActionButton
          testId="mls-edit-weights"
          icon={editIcon}
          label="Edit weights"
          title={
            canUpdate
              ? 'Change how traffic is split between the variants'
              : 'Only an endpoint in service can be updated'
          }
          disabled={!canUpdate}
          onClick={() => void actions.editWeights(model)}
        />
        <ActionButton
          testId="mls-update-version"
          icon={modelIcon}
          label="Update version"
          title={
            canUpdate
              ? 'Serve another version of the model (a rolling update)'
              : 'Only an endpoint in service can be updated'
          }
          disabled={!canUpdate}
          onClick={() => void actions.updateVersions(model)}
        />
        <ActionButton
          testId="mls-delete-endpoint"
          icon={deleteIcon}
          label="Delete"
          title="Stop the endpoint and delete it"
          warn
          disabled={changing}
          onClick={() => void actions.remove(model)}
        />
      </div>
    </header>
  );
}

/** The failure reason, or the progress of a transition. */
function StatusNotes(props: { endpoint: Endpoint }): JSX.Element | null {
  const { endpoint } = props;
  const progress: Partial<Record<Endpoint['status'], string>> = {
    Creating: 'Starting the endpoint: loading the model into its workers…',
    Updating:
      'Rolling update: new workers start, then the old ones drain. The endpoint keeps serving.',
    Deleting: 'Stopping the endpoint: requests in flight finish first…'
  };
  const message = progress[endpoint.status];
  return (
    <>
      {endpoint.failure_reason && (
        <div
          className="jp-MLStudio-jobFailure"
          data-testid="mls-endpoint-failure"
          role="alert"
        >
          <strong>
            {endpoint.status === 'Failed' ? 'Failed: ' : 'Last update: '}
          </strong>
          {endpoint.failure_reason}
        </div>
      )}
      {message && (
        <div
          className="jp-MLStudio-endpointProgress"
          data-testid="mls-endpoint-progress"
          role="status"
        >
          <div className="jp-MLStudio-progress" />
          <span>{message}</span>
        </div>
      )}
    </>
  );
}

function ConnectSection(props: {
  endpoint: Endpoint;
  settings?: ServerConnection.ISettings;
}): JSX.Element {
  const { endpoint, settings } = props;
  const invocations = proxyUrl(endpoint.name, 'invocations', settings);
  const curl = [
    `curl -X POST '${invocations}' \\`,
    '  -H "Authorization: token $JUPYTER_TOKEN" \\',
    "  -H 'Content-Type: application/json' \\",
    '  --data @request.json'
  ].join('\n');
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Connect">
      <h3 className="jp-MLStudio-sectionTitle">Connect</h3>
      <dl className="jp-MLStudio-fields jp-MLStudio-endpointUrls">
        <dt>Through Jupyter</dt>
        <dd>
          <span
            className="jp-MLStudio-mono jp-MLStudio-endpointUrl"
            data-testid="mls-endpoint-proxy-url"
            title={invocations}
          >
            {invocations}
          </span>
          <CopyButton
            text={invocations}
            what="proxy URL"
            testId="mls-copy-proxy-url"
          />
          <span className="jp-MLStudio-muted"> uses your Jupyter login</span>
        </dd>
        <dt>Direct</dt>
        <dd>
          {endpoint.url ? (
            <>
              <span
                className="jp-MLStudio-mono jp-MLStudio-endpointUrl"
                data-testid="mls-endpoint-url"
                title={endpoint.url}
              >
                {endpoint.url}
              </span>
              <CopyButton text={endpoint.url} what="endpoint URL" />
              <span className="jp-MLStudio-muted">
                {' '}
                {endpoint.token
                  ? 'needs the endpoint token (mls.get_endpoint)'
                  : 'no token needed'}
              </span>
            </>
          ) : (
            <span className="jp-MLStudio-muted">Not serving: no port yet.</span>
          )}
        </dd>
        <dt>Updated</dt>
        <dd>
          {formatTime(endpoint.updated_at)}
          <span className="jp-MLStudio-muted">
            {' '}
            · generation {endpoint.generation} · {endpoint.instances} worker
            {endpoint.instances === 1 ? '' : 's'}
          </span>
        </dd>
      </dl>
      <div className="jp-MLStudio-endpointCurl">
        <pre
          className="jp-MLStudio-previewText"
          data-testid="mls-endpoint-curl"
        >
          {curl}
        </pre>
        <CopyButton text={curl} what="curl example" testId="mls-copy-curl" />
      </div>
    </section>
  );
}

function VariantsSection(
  props: IContentProps & { endpoint: Endpoint }
): JSX.Element {
  const { model, endpoint, commands } = props;
  const metrics = model.metrics;
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Variants">
      <h3 className="jp-MLStudio-sectionTitle">Variants</h3>
      <div className="jp-MLStudio-tableScroll jp-mod-short">
        <table
          className="jp-MLStudio-table"
          data-testid="mls-endpoint-variants"
        >
          <thead>
            <tr>
              <th>Variant</th>
              <th>Model</th>
              <th className="jp-mod-numeric">Weight</th>
              <th className="jp-mod-numeric">Traffic</th>
              <th className="jp-mod-numeric">Instances</th>
              <th className="jp-mod-numeric">Requests</th>
              <th className="jp-mod-numeric">Errors</th>
              <th className="jp-mod-numeric">p50</th>
              <th className="jp-mod-numeric">p99</th>
            </tr>
          </thead>
          <tbody>
            {endpoint.variants.map(variant => {
              const live = metrics?.variants.get(variant.name);
              return (
                <tr
                  key={variant.name}
                  data-testid="mls-variant-row"
                  data-variant={variant.name}
                >
                  <th scope="row">{variant.name}</th>
                  <td>
                    <button
                      type="button"
                      className="jp-MLStudio-link"
                      data-testid="mls-variant-model"
                      title={`Open ${variant.model} v${variant.version}`}
                      onClick={() =>
                        void commands.execute(CommandIDs.openModelVersion, {
                          name: variant.model,
                          version: variant.version
                        })
                      }
                    >
                      {variant.model}:{variant.version}
                    </button>
                  </td>
                  <td
                    className="jp-mod-numeric"
                    data-testid="mls-variant-weight"
                  >
                    {formatNumber(variant.weight)}
                  </td>
                  <td className="jp-mod-numeric">
                    {Math.round(
                      trafficShare(variant.weight, endpoint.variants)
                    )}
                    %
                  </td>
                  <td className="jp-mod-numeric">{variant.instances}</td>
                  <td
                    className="jp-mod-numeric"
                    data-testid="mls-variant-requests"
                  >
                    {live ? live.requests : '—'}
                  </td>
                  <td className="jp-mod-numeric">
                    {live ? live.errors4xx + live.errors5xx : '—'}
                  </td>
                  <td className="jp-mod-numeric">{formatMs(live?.p50)}</td>
                  <td className="jp-mod-numeric">{formatMs(live?.p99)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const CONTENT_TYPE_LABELS: Record<TestContentType, string> = {
  json: 'JSON (application/json)',
  csv: 'CSV (text/csv)'
};

function TestSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
}): JSX.Element {
  const { model, endpoint } = props;
  const test = model.test;
  const serving = isServing(endpoint);
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Test">
      <div className="jp-MLStudio-sectionHeader">
        <h3 className="jp-MLStudio-sectionTitle">Test</h3>
        <button
          type="button"
          className="jp-MLStudio-link"
          data-testid="mls-test-reset"
          title="Put the model's input example back"
          onClick={() => void model.resetTest()}
        >
          Use the input example
        </button>
      </div>
      <div className="jp-MLStudio-endpointTestOptions">
        <label className="jp-MLStudio-jobFilter">
          <span>Content type</span>
          <select
            className="jp-MLStudio-select"
            data-testid="mls-test-content-type"
            value={test.contentType}
            onChange={event =>
              model.setTest({
                contentType: event.target.value as TestContentType
              })
            }
          >
            {(Object.keys(CONTENT_TYPE_LABELS) as TestContentType[]).map(
              type => (
                <option key={type} value={type}>
                  {CONTENT_TYPE_LABELS[type]}
                </option>
              )
            )}
          </select>
        </label>
        <label className="jp-MLStudio-jobFilter">
          <span>Variant</span>
          <select
            className="jp-MLStudio-select"
            data-testid="mls-test-variant"
            value={test.variant}
            onChange={event => model.setTest({ variant: event.target.value })}
          >
            <option value="">By weight</option>
            {endpoint.variants.map(variant => (
              <option key={variant.name} value={variant.name}>
                {variant.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <textarea
        className="jp-MLStudio-input jp-MLStudio-textarea jp-MLStudio-mono jp-MLStudio-endpointBody"
        data-testid="mls-test-body"
        aria-label="Request body"
        spellCheck={false}
        rows={8}
        value={test.body}
        placeholder={
          test.contentType === 'csv'
            ? 'col_a,col_b\n1.0,2.0'
            : '{"dataframe_split": {"columns": [...], "data": [[...]]}}'
        }
        onChange={event => model.setTest({ body: event.target.value })}
      />
      <div className="jp-MLStudio-toolbar">
        <button
          type="button"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid="mls-test-send"
          disabled={!serving || model.sending || !test.body.trim()}
          title={
            serving
              ? 'POST the body to /invocations through Jupyter'
              : 'The endpoint is not serving'
          }
          onClick={() => void model.send()}
        >
          <playIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
          <span>{model.sending ? 'Sending…' : 'Send'}</span>
        </button>
      </div>
      <TestResult model={model} />
    </section>
  );
}

function TestResult(props: { model: EndpointModel }): JSX.Element | null {
  const { model } = props;
  const result = model.result;
  if (model.resultError) {
    return (
      <div
        className="jp-MLStudio-jobFailure"
        data-testid="mls-test-error"
        role="alert"
      >
        <strong>No answer: </strong>
        {model.resultError}
      </div>
    );
  }
  if (!result) {
    return null;
  }
  const predictions = result.predictions;
  return (
    <div
      className={`jp-MLStudio-endpointResult${result.ok ? '' : ' jp-mod-error'}`}
      data-testid="mls-test-result"
      data-ok={result.ok}
    >
      <div className="jp-MLStudio-endpointResultMeta">
        <span
          className={`jp-MLStudio-badge ${result.ok ? 'jp-mod-finished' : 'jp-mod-failed'}`}
          data-testid="mls-test-status"
        >
          HTTP {result.status}
        </span>
        <span data-testid="mls-test-latency">{formatMs(result.latencyMs)}</span>
        {result.variant && (
          <span>
            variant{' '}
            <strong data-testid="mls-test-variant-used">
              {result.variant}
            </strong>
          </span>
        )}
      </div>
      {result.ok ? (
        <pre
          className="jp-MLStudio-previewText"
          data-testid="mls-test-predictions"
        >
          {predictions ? formatPredictions(predictions) : result.body}
        </pre>
      ) : (
        <div
          className="jp-MLStudio-errorMessage"
          data-testid="mls-test-message"
        >
          {result.error}
        </div>
      )}
    </div>
  );
}

/** One line for plain values (`[0, 2, 1]`), indented JSON for objects. */
function formatPredictions(predictions: unknown[]): string {
  const plain = predictions.every(p => p === null || typeof p !== 'object');
  return plain
    ? JSON.stringify(predictions).replace(/,/g, ', ')
    : JSON.stringify(predictions, null, 1);
}

function LiveSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
  colors: IThemeColors;
}): JSX.Element {
  const { model, colors } = props;
  const serving = isServing(props.endpoint);
  const samples = model.samples;
  const totals = model.metrics?.totals ?? null;
  const requests = React.useMemo(() => requestsFigure(samples), [samples]);
  const latency = React.useMemo(() => latencyFigure(samples), [samples]);
  const counted = samples.reduce((sum, s) => sum + s.requests, 0);
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Live metrics">
      <div className="jp-MLStudio-sectionHeader">
        <h3 className="jp-MLStudio-sectionTitle">Live metrics</h3>
        <span className="jp-MLStudio-muted">
          {model.metricsError
            ? `Metrics unavailable: ${model.metricsError}`
            : 'every 2 s while shown'}
        </span>
      </div>
      <dl
        className="jp-MLStudio-endpointStats"
        data-testid="mls-endpoint-stats"
      >
        <div>
          <dt>Requests</dt>
          <dd data-testid="mls-endpoint-requests">
            {totals ? totals.requests : '—'}
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-testid="mls-endpoint-errors">
            {totals ? totals.errors4xx + totals.errors5xx : '—'}
          </dd>
        </div>
        <div>
          <dt>p50</dt>
          <dd>{formatMs(totals?.p50)}</dd>
        </div>
        <div>
          <dt>p99</dt>
          <dd>{formatMs(totals?.p99)}</dd>
        </div>
      </dl>
      <div
        className="jp-MLStudio-endpointCharts"
        data-testid="mls-endpoint-charts"
        data-points={samples.length}
        data-counted={counted}
      >
        {samples.length === 0 ? (
          <div
            className="jp-MLStudio-chartCard jp-MLStudio-endpointNoChart"
            data-testid="mls-endpoint-no-metrics"
          >
            {serving
              ? 'Waiting for the first metrics…'
              : 'No metrics: the endpoint is not serving.'}
          </div>
        ) : (
          <>
            <div className="jp-MLStudio-chartCard">
              <PlotlyChart
                testId="mls-requests-chart"
                data={requests.data}
                layout={requests.layout}
                colors={colors}
                height={200}
              />
            </div>
            <div className="jp-MLStudio-chartCard">
              <PlotlyChart
                testId="mls-latency-chart"
                data={latency.data}
                layout={latency.layout}
                colors={colors}
                height={200}
              />
            </div>
          </>
        )}
      </div>
    </section>
  );
}

function ErrorsSection(props: { model: EndpointModel }): JSX.Element {
  const errors = props.model.recentErrors;
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Recent errors">
      <h3 className="jp-MLStudio-sectionTitle">Recent errors</h3>
      {errors.length === 0 ? (
        <div className="jp-MLStudio-muted" data-testid="mls-endpoint-no-errors">
          No failed requests.
        </div>
      ) : (
        <div className="jp-MLStudio-tableScroll jp-mod-short">
          <table
            className="jp-MLStudio-table jp-MLStudio-endpointErrors"
            data-testid="mls-endpoint-error-table"
          >
            <thead>
              <tr>
                <th>Time</th>
                <th className="jp-mod-numeric">Status</th>
                <th>Request</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((error, index) => (
                <tr key={`${error.time}-${index}`} data-testid="mls-error-row">
                  <td className="jp-MLStudio-mono" title={error.time}>
                    {error.time.slice(11, 19) || error.time}
                  </td>
                  <td className="jp-mod-numeric">{error.status}</td>
                  <td className="jp-MLStudio-mono">
                    {error.method} {error.path}
                  </td>
                  <td title={error.message}>{error.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function CaptureSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
}): JSX.Element {
  const { model, endpoint } = props;
  const saved = model.capture;
  const [draft, setDraft] = React.useState<ICaptureSettings | null>(null);
  // The draft stays until the rolling update applied it (or another change
  // arrived): the settings shown are never the old ones in between.
  const savedKey = JSON.stringify(saved);
  React.useEffect(() => setDraft(null), [savedKey]);
  if (!saved) {
    return <></>;
  }
  const value = draft ?? saved;
  const dirty = draft !== null && JSON.stringify(draft) !== savedKey;
  const sampling = value.samplingPercent;
  const samplingValid = isFinite(sampling) && sampling >= 0 && sampling <= 100;
  const canSave =
    dirty && samplingValid && endpoint.status === 'InService' && !model.busy;
  const change = (patch: Partial<ICaptureSettings>) =>
    setDraft({ ...value, ...patch });
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Data capture">
      <h3 className="jp-MLStudio-sectionTitle">Data capture</h3>
      <div className="jp-MLStudio-endpointCapture">
        <label className="jp-MLStudio-endpointCheck">
          <input
            type="checkbox"
            className="jp-MLStudio-checkbox"
            data-testid="mls-capture-enabled"
            checked={value.enabled}
            onChange={event => change({ enabled: event.target.checked })}
          />
          <span>Capture requests and responses</span>
        </label>
        <label className="jp-MLStudio-jobFilter">
          <span>Sampling %</span>
          <input
            type="number"
            className="jp-MLStudio-input jp-mod-number"
            data-testid="mls-capture-sampling"
            min={0}
            max={100}
            step="any"
            value={Number.isNaN(sampling) ? '' : sampling}
            onChange={event =>
              change({ samplingPercent: parseFloat(event.target.value) })
            }
          />
        </label>
        <label className="jp-MLStudio-jobFilter">
          <span>Format</span>
          <select
            className="jp-MLStudio-select"
            data-testid="mls-capture-format"
            value={value.format}
            onChange={event =>
              change({
                format: event.target.value === 'parquet' ? 'parquet' : 'jsonl'
              })
            }
          >
            <option value="jsonl">JSON Lines</option>
            <option value="parquet">Parquet</option>
          </select>
        </label>
        {!samplingValid && (
          <span className="jp-MLStudio-fieldError">
            Sampling is a percentage from 0 to 100.
          </span>
        )}
        <div className="jp-MLStudio-toolbar">
          <button
            type="button"
            className="jp-MLStudio-button jp-mod-accept"
            data-testid="mls-capture-save"
            disabled={!canSave}
            title={
              endpoint.status === 'InService'
                ? 'Apply with a rolling update'
                : 'Only an endpoint in service can be updated'
            }
            onClick={() => void model.saveCapture(value)}
          >
            Save
          </button>
          <button
            type="button"
            className="jp-MLStudio-button"
            data-testid="mls-capture-revert"
            disabled={!dirty}
            onClick={() => setDraft(null)}
          >
            Revert
          </button>
        </div>
      </div>
      <div className="jp-MLStudio-muted" data-testid="mls-capture-stats">
        {saved.enabled
          ? `Captured ${model.metrics?.totals.captured ?? 0} · dropped ${model.metrics?.totals.dropped ?? 0}, written to the endpoint's capture folder in the artifact store.`
          : 'Off: requests are not recorded.'}
      </div>
    </section>
  );
}

function LogSection(props: { model: EndpointModel }): JSX.Element {
  const { model } = props;
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Log">
      <div className="jp-MLStudio-sectionHeader">
        <h3 className="jp-MLStudio-sectionTitle">Log</h3>
        {model.logTruncated && (
          <span className="jp-MLStudio-muted">
            Earlier lines were dropped to keep the page fast.
          </span>
        )}
      </div>
      <LogPane
        text={model.log}
        placeholder="No output yet."
        className="jp-MLStudio-endpointLog"
        testId="mls-endpoint-log"
        label="Endpoint log"
      />
    </section>
  );
}
