/**
 * The shadow variant (serving/shadow.py): add one, compare its answers and
 * latency with production's on the same requests (read every 3 s while the
 * view is shown), promote it (a rolling update) or remove it.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import type {
  Endpoint,
  ShadowComparison,
  ShadowFigures
} from '../../api/types';
import { errorMessage } from '../../api/request';
import { formatMs } from '../../ui/format';
import { PageSection, ScrollTable } from '../../ui/components';
import type { EndpointModel } from '../endpoint-model';
import { getShadowComparison } from '../shadow-api';

/** Milliseconds between comparison reads while the section is shown. */
export const SHADOW_INTERVAL = 3000;

function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined
    ? '—'
    : `${(100 * value).toFixed(digits)}%`;
}

/** Ask before promoting: the shadow replaces production for every client. */
async function confirmPromote(
  endpoint: string,
  shadow: string,
  replaced: string
): Promise<boolean> {
  const result = await showDialog({
    title: 'Promote Shadow Variant',
    body: `Make "${shadow}" the production variant of "${endpoint}" in place of "${replaced}"? A rolling update swaps them with no request dropped; "${replaced}" is removed.`,
    buttons: [
      Dialog.cancelButton({ label: 'Cancel' }),
      Dialog.okButton({ label: 'Promote' })
    ]
  });
  return result.button.accept;
}

export function ShadowSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
  settings?: ServerConnection.ISettings;
}): JSX.Element {
  const { model, endpoint, settings } = props;
  const [comparison, setComparison] = React.useState<ShadowComparison | null>(
    null
  );
  const [readError, setReadError] = React.useState<string | null>(null);
  const serving = endpoint.status === 'InService';
  const shadowKey = JSON.stringify(endpoint.shadow);
  React.useEffect(() => {
    if (!endpoint.shadow) {
      setComparison(null);
      return;
    }
    let live = true;
    const read = async () => {
      try {
        const found = await getShadowComparison(endpoint.name, settings);
        if (live) {
          setComparison(found);
          setReadError(null);
        }
      } catch (reason) {
        if (live) {
          setReadError(errorMessage(reason));
        }
      }
    };
    void read();
    const timer = window.setInterval(() => void read(), SHADOW_INTERVAL);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [endpoint.name, shadowKey, endpoint.generation, settings]);

  const shadow = endpoint.shadow;
  return (
    <PageSection title="Shadow variant" testId="mls-endpoint-shadow">
      {!shadow ? (
        <AddShadow model={model} endpoint={endpoint} />
      ) : (
        <>
          <div
            className="jp-MLStudio-shadowSummary"
            data-testid="mls-shadow-summary"
          >
            <strong>{shadow.name}</strong> → {shadow.model}:{shadow.version}{' '}
            gets a copy of {percent(shadow.sampling, 0)} of the requests once
            production answered; its answers are captured, never returned.
          </div>
          <Comparison
            endpoint={endpoint}
            figures={comparison?.comparison ?? null}
          />
          {readError && (
            <div className="jp-MLStudio-fieldError">{readError}</div>
          )}
          <div className="jp-MLStudio-toolbar">
            <button
              type="button"
              className="jp-MLStudio-button jp-mod-accept"
              data-testid="mls-shadow-promote"
              disabled={!serving || model.busy}
              title={
                serving
                  ? 'Make the shadow the production variant (rolling update)'
                  : 'Only an endpoint in service can be updated'
              }
              onClick={async () => {
                const replaced = endpoint.variants[0]?.name ?? '';
                if (
                  await confirmPromote(endpoint.name, shadow.name, replaced)
                ) {
                  await model.promoteShadow(
                    endpoint.variants.length > 1 ? replaced : null
                  );
                }
              }}
            >
              Promote
            </button>
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-shadow-remove"
              disabled={!serving || model.busy}
              onClick={() => void model.saveShadow(null)}
            >
              Remove shadow
            </button>
          </div>
        </>
      )}
    </PageSection>
  );
}

/** Production and shadow side by side. */
function Comparison(props: {
  endpoint: Endpoint;
  figures: ShadowFigures | null;
}): JSX.Element {
  const { endpoint, figures } = props;
  const shadow = endpoint.shadow!;
  const production = endpoint.variants
    .map(v => `${v.model}:${v.version}`)
    .join(', ');
  const headline = !figures
    ? 'Reading the captures…'
    : figures.pairs === 0
      ? 'No request compared yet: send some traffic.'
      : figures.task === 'regression'
        ? `Mean absolute difference ${figures.mean_absolute_difference?.toPrecision(4) ?? '—'} (largest ${figures.max_absolute_difference?.toPrecision(4) ?? '—'}) over ${figures.rows} rows`
        : `Agreement ${percent(figures.agreement)} over ${figures.rows} rows`;
  const row = (
    label: string,
    left: React.ReactNode,
    right: React.ReactNode,
    testId?: string
  ) => (
    <tr data-testid={testId}>
      <th scope="row">{label}</th>
      <td className="jp-mod-numeric">{left}</td>
      <td className="jp-mod-numeric">{right}</td>
    </tr>
  );
  return (
    <>
      <div
        className="jp-MLStudio-shadowHeadline"
        data-testid="mls-shadow-agreement"
      >
        {headline}
      </div>
      <div className="jp-MLStudio-shadowGrid">
        <div className="jp-MLStudio-shadowPart">
          <ScrollTable
            testId="mls-shadow-compare"
            size="short"
            head={
              <>
                <th />
                <th className="jp-mod-numeric">Production</th>
                <th className="jp-mod-numeric">Shadow</th>
              </>
            }
          >
            {row('Model', production, `${shadow.model}:${shadow.version}`)}
            {row(
              'Requests compared',
              figures?.pairs ?? '—',
              figures?.pairs ?? '—',
              'mls-shadow-pairs'
            )}
            {row(
              'Errors',
              figures?.production.errors ?? '—',
              figures?.shadow.errors ?? '—',
              'mls-shadow-errors'
            )}
            {row(
              'Latency p50',
              formatMs(figures?.production.latency_ms.p50),
              formatMs(figures?.shadow.latency_ms.p50)
            )}
            {row(
              'Latency p99',
              formatMs(figures?.production.latency_ms.p99),
              formatMs(figures?.shadow.latency_ms.p99)
            )}
          </ScrollTable>
          <div className="jp-MLStudio-muted">
            Latency: production’s is the request’s time in the endpoint, the
            shadow’s its parse and predict time (off the request path).
          </div>
        </div>
        {figures?.confusion.length ? (
          <div className="jp-MLStudio-shadowPart">
            <Confusion figures={figures} />
          </div>
        ) : null}
      </div>
    </>
  );
}

/** Production's class (rows) against the shadow's (columns). */
function Confusion(props: { figures: ShadowFigures }): JSX.Element {
  const cells = props.figures.confusion;
  // one order for both axes, so that agreement is the diagonal
  const byLabel = (a: string, b: string) =>
    a.localeCompare(b, undefined, { numeric: true });
  const rows = [...new Set(cells.map(c => c.production))].sort(byLabel);
  const columns = [...new Set([...rows, ...cells.map(c => c.shadow)])].sort(
    byLabel
  );
  const count = new Map(
    cells.map(c => [`${c.production}\u0000${c.shadow}`, c.count])
  );
  return (
    <ScrollTable
      testId="mls-shadow-confusion"
      size="short"
      className="jp-MLStudio-shadowConfusion"
      head={
        <>
          <th>Production ↓ · Shadow →</th>
          {columns.map(c => (
            <th key={c} className="jp-mod-numeric">
              {c}
            </th>
          ))}
        </>
      }
    >
      {rows.map(r => (
        <tr key={r}>
          <th scope="row">{r}</th>
          {columns.map(c => {
            const n = count.get(`${r}\u0000${c}`) ?? 0;
            return (
              <td
                key={c}
                className={`jp-mod-numeric${r === c && n ? ' jp-mod-agree' : ''}`}
              >
                {n || ''}
              </td>
            );
          })}
        </tr>
      ))}
    </ScrollTable>
  );
}

/** The form that adds a shadow variant (a rolling update). */
function AddShadow(props: {
  model: EndpointModel;
  endpoint: Endpoint;
}): JSX.Element {
  const { model, endpoint } = props;
  const production = endpoint.variants[0];
  const [modelName, setModelName] = React.useState(production?.model ?? '');
  const [version, setVersion] = React.useState('');
  const [sampling, setSampling] = React.useState('50');
  const share = parseFloat(sampling);
  const samplingValid = isFinite(share) && share > 0 && share <= 100;
  const number = version.trim() === '' ? null : Number(version);
  const versionValid =
    number === null || (Number.isInteger(number) && number >= 1);
  const canAdd =
    endpoint.status === 'InService' &&
    !model.busy &&
    modelName.trim() !== '' &&
    samplingValid &&
    versionValid;
  return (
    <>
      <div className="jp-MLStudio-muted">
        No shadow variant. A shadow gets a copy of a share of the requests after
        production answered: its answers and latency are compared with
        production’s, never returned to clients.
      </div>
      <div className="jp-MLStudio-endpointCapture">
        <label className="jp-MLStudio-jobFilter">
          <span>Model</span>
          <input
            className="jp-MLStudio-input"
            data-testid="mls-shadow-model"
            value={modelName}
            onChange={event => setModelName(event.target.value)}
          />
        </label>
        <label className="jp-MLStudio-jobFilter">
          <span>Version</span>
          <input
            type="number"
            className="jp-MLStudio-input jp-mod-number"
            data-testid="mls-shadow-version"
            min={1}
            step={1}
            placeholder="newest"
            value={version}
            onChange={event => setVersion(event.target.value)}
          />
        </label>
        <label className="jp-MLStudio-jobFilter">
          <span>Sampling %</span>
          <input
            type="number"
            className="jp-MLStudio-input jp-mod-number"
            data-testid="mls-shadow-sampling"
            min={0}
            max={100}
            step="any"
            value={sampling}
            onChange={event => setSampling(event.target.value)}
          />
        </label>
        <button
          type="button"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid="mls-shadow-add"
          disabled={!canAdd}
          title={
            endpoint.status === 'InService'
              ? 'Add the shadow with a rolling update'
              : 'Only an endpoint in service can be updated'
          }
          onClick={() =>
            void model.saveShadow({
              name: 'shadow',
              model: modelName.trim(),
              version: number,
              sampling: share / 100,
              trust_code: false
            })
          }
        >
          Add shadow
        </button>
      </div>
      {!samplingValid && (
        <span className="jp-MLStudio-fieldError">
          Sampling is a percentage above 0, at most 100.
        </span>
      )}
      {!versionValid && (
        <span className="jp-MLStudio-fieldError">
          The version is a whole number from 1 (empty: the newest).
        </span>
      )}
    </>
  );
}
