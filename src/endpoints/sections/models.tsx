/**
 * The model list of a multi-model endpoint (serving/multi_model.py): each
 * model version it served, loaded now or not, with its size, loads,
 * evictions and request figures, and each allowed model not served yet;
 * read every 3 s while the view is shown. "Add models" allows more without
 * redeploying; "Invoke" sends the test form's body to one model.
 */
import { addIcon } from '@jupyterlab/ui-components';
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { errorMessage } from '../../api/request';
import { invokeEndpoint, type IInvocationResult } from '../../api/endpoints';
import type { Endpoint } from '../../api/types';
import { askForm } from '../../registry/dialogs';
import { ActionButton, PageSection, ScrollTable } from '../../ui/components';
import { formatBytes, formatMs } from '../../ui/format';
import type { EndpointModel } from '../endpoint-model';
import {
  addEndpointModels,
  type IEndpointModel,
  type IEndpointModels,
  listEndpointModels,
  multiModelOf
} from '../multi-model-api';

/** Milliseconds between model list reads while the section is shown. */
export const MODELS_INTERVAL = 3000;

export function ModelsSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
  settings?: ServerConnection.ISettings;
}): JSX.Element | null {
  const { model, endpoint, settings } = props;
  const multi = multiModelOf(endpoint);
  const [listing, setListing] = React.useState<IEndpointModels | null>(null);
  const [readError, setReadError] = React.useState<string | null>(null);
  const [tick, setTick] = React.useState(0);
  const [invoked, setInvoked] = React.useState<{
    target: string;
    result: IInvocationResult | null;
    error: string | null;
  } | null>(null);
  const serving = endpoint.status === 'InService';
  // an invocation under way (its result and error not in yet)
  const sending =
    invoked !== null && invoked.result === null && invoked.error === null;
  React.useEffect(() => {
    if (!multi) {
      return;
    }
    let live = true;
    const read = async () => {
      try {
        const found = await listEndpointModels(endpoint.name, settings);
        if (live) {
          setListing(found);
          setReadError(null);
        }
      } catch (reason) {
        if (live) {
          setReadError(errorMessage(reason));
        }
      }
    };
    void read();
    const timer = window.setInterval(() => void read(), MODELS_INTERVAL);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [endpoint.name, endpoint.status, endpoint.generation, settings, tick]);
  if (!multi) {
    return null;
  }

  const invoke = async (target: string) => {
    setInvoked({ target, result: null, error: null });
    try {
      // the test form's body, or its image (sent with its own type)
      const image =
        model.test.contentType === 'image' ? model.test.image : null;
      const result = await invokeEndpoint(
        endpoint.name,
        image ? image.file : model.test.body,
        {
          contentType: image
            ? image.type
            : model.test.contentType === 'csv'
              ? 'text/csv'
              : 'application/json',
          targetModel: target
        },
        settings
      );
      setInvoked({ target, result, error: null });
    } catch (reason) {
      setInvoked({ target, result: null, error: errorMessage(reason) });
    }
    setTick(t => t + 1);
  };

  const addModels = async () => {
    let error: string | undefined;
    for (;;) {
      const value = await askForm(
        'Add Models',
        'Add',
        [
          {
            name: 'models',
            label: 'Registered models (comma-separated)',
            required: true,
            placeholder: 'e.g. fraud, churn-eu',
            help: 'Every version of each may then be asked for; no redeploy.'
          }
        ],
        { error }
      );
      const names = (value?.models ?? '')
        .split(',')
        .map(name => name.trim())
        .filter(name => name.length > 0);
      if (!value || names.length === 0) {
        return;
      }
      try {
        await addEndpointModels(endpoint.name, names, settings);
        setTick(t => t + 1);
        return;
      } catch (reason) {
        error = errorMessage(reason);
      }
    }
  };

  const allowed = listing?.allowed ?? multi.models ?? null;
  const limit = listing?.memory_limit_bytes ?? multi.memory_limit_bytes;
  const loadedBytes = (listing?.models ?? [])
    .filter(m => m.loaded)
    .reduce((sum, m) => sum + m.bytes, 0);
  return (
    <PageSection
      title="Models"
      testId="mls-endpoint-models"
      aside={
        allowed !== null ? (
          <ActionButton
            testId="mls-models-add"
            icon={addIcon}
            label="Add models"
            title="Allow more registered models on this endpoint (no redeploy)"
            disabled={!serving}
            onClick={() => void addModels()}
          />
        ) : undefined
      }
    >
      <div
        className="jp-MLStudio-modelsSummary"
        data-testid="mls-models-summary"
      >
        Serves{' '}
        {allowed === null ? (
          <strong>every registered model</strong>
        ) : (
          <strong>{allowed.join(', ')}</strong>
        )}
        , each version loaded on its first request to{' '}
        <code>/models/&lt;model&gt;[/&lt;version&gt;]/invocations</code> (or
        with the <code>X-Amzn-SageMaker-Target-Model</code> header).
        {limit ? (
          <>
            {' '}
            Loaded: {formatBytes(loadedBytes)} of {formatBytes(limit)} per
            worker; the least recently used are unloaded beyond it.
          </>
        ) : null}
      </div>
      <ScrollTable
        testId="mls-models-table"
        size="short"
        head={
          <>
            <th>Model</th>
            <th>State</th>
            <th className="jp-mod-numeric">Size</th>
            <th className="jp-mod-numeric">Loads</th>
            <th className="jp-mod-numeric">Evictions</th>
            <th className="jp-mod-numeric">Requests</th>
            <th className="jp-mod-numeric">Errors</th>
            <th className="jp-mod-numeric">p50</th>
            <th className="jp-mod-numeric">p99</th>
            <th />
          </>
        }
      >
        {(listing?.models ?? []).map(row => (
          <ModelRow
            key={row.target}
            row={row}
            disabled={!serving || sending}
            onInvoke={() => void invoke(row.target)}
          />
        ))}
      </ScrollTable>
      {listing && listing.models.length === 0 && (
        <div className="jp-MLStudio-empty">No model asked for yet.</div>
      )}
      {readError && (
        <div className="jp-MLStudio-fieldError" role="alert">
          {readError}
        </div>
      )}
      {invoked && <InvokeResult {...invoked} />}
    </PageSection>
  );
}

function ModelRow(props: {
  row: IEndpointModel;
  disabled: boolean;
  onInvoke: () => void;
}): JSX.Element {
  const { row } = props;
  const errors = Object.values(row.errors ?? {}).reduce((a, b) => a + b, 0);
  const state =
    row.version === null ? 'not asked' : row.loaded ? 'loaded' : 'unloaded';
  return (
    <tr
      data-testid="mls-model-row"
      data-target={row.target}
      data-loaded={row.loaded}
    >
      <th scope="row">
        {row.model}
        {row.version !== null ? `:${row.version}` : ''}
      </th>
      <td>
        <span
          className={`jp-MLStudio-badge ${row.loaded ? 'jp-mod-finished' : 'jp-mod-killed'}`}
          data-testid="mls-model-state"
          title={
            row.loaded
              ? `Loaded in ${row.loaded_workers} worker(s)`
              : row.version === null
                ? 'Allowed; loads on its first request'
                : 'Unloaded (evicted or its worker restarted); loads again on its next request'
          }
        >
          {state}
        </span>
      </td>
      <td className="jp-mod-numeric">
        {row.loaded ? formatBytes(row.bytes) : '—'}
      </td>
      <td
        className="jp-mod-numeric"
        data-testid="mls-model-loads"
        title={row.load_ms !== null ? `Mean load ${formatMs(row.load_ms)}` : ''}
      >
        {row.loads}
      </td>
      <td className="jp-mod-numeric">{row.evictions}</td>
      <td className="jp-mod-numeric" data-testid="mls-model-requests">
        {row.requests}
      </td>
      <td className="jp-mod-numeric">{errors + row.load_errors}</td>
      <td className="jp-mod-numeric">{formatMs(row.latency_ms?.p50)}</td>
      <td className="jp-mod-numeric">{formatMs(row.latency_ms?.p99)}</td>
      <td>
        <button
          type="button"
          className="jp-MLStudio-button"
          data-testid="mls-model-invoke"
          disabled={props.disabled}
          title={`Send the test form's body to ${row.target}`}
          onClick={props.onInvoke}
        >
          Invoke
        </button>
      </td>
    </tr>
  );
}

function InvokeResult(props: {
  target: string;
  result: IInvocationResult | null;
  error: string | null;
}): JSX.Element {
  const { target, result, error } = props;
  const text = error
    ? error
    : !result
      ? 'Sending…'
      : result.ok
        ? JSON.stringify(result.predictions ?? result.body)
        : (result.error ?? result.body);
  return (
    <div
      className={`jp-MLStudio-endpointResult${result && !result.ok ? ' jp-mod-error' : ''}`}
      data-testid="mls-model-result"
      data-target={target}
      data-ok={result?.ok ?? false}
    >
      <div className="jp-MLStudio-endpointResultMeta">
        <strong>{target}</strong>
        {result && (
          <span
            className={`jp-MLStudio-badge ${result.ok ? 'jp-mod-finished' : 'jp-mod-failed'}`}
          >
            HTTP {result.status}
          </span>
        )}
        {result && <span>{formatMs(result.latencyMs)}</span>}
      </div>
      <pre className="jp-MLStudio-previewText">{text}</pre>
    </div>
  );
}
