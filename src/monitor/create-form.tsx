/**
 * The create-monitor form (a main-area page): endpoint, kind, baseline
 * (the model's lineage or a chosen folder), checks, schedule and alerts.
 * The server's 400 message shows in the form and nothing typed is lost.
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { errorMessage } from '../api/request';
import { createMonitor, Monitor, MonitorCreate } from './api';

/** The drift tests a monitor may use instead of the defaults. */
const METHODS = ['', 'ks', 'chisquare', 'wasserstein', 'jensenshannon', 'psi'];

/** SageMaker's six data-quality checks, as the form names them. */
const CHECKS: ReadonlyArray<[string, string]> = [
  ['data_type_check', 'Data types'],
  ['completeness_check', 'Completeness (missing values)'],
  ['baseline_drift_check', 'Drift from the baseline'],
  ['missing_column_check', 'Missing columns'],
  ['extra_column_check', 'Extra columns'],
  ['categorical_values_check', 'Unknown categories']
];

export function CreateMonitorForm(props: {
  endpoint?: string;
  settings?: ServerConnection.ISettings;
  onCreated: (monitor: Monitor) => void;
}): JSX.Element {
  const [endpoint, setEndpoint] = React.useState(props.endpoint ?? '');
  const [name, setName] = React.useState('');
  const [kind, setKind] = React.useState<MonitorCreate['kind']>('data-quality');
  const [fromLineage, setFromLineage] = React.useState(true);
  const [baseline, setBaseline] = React.useState('');
  const [method, setMethod] = React.useState('');
  const [threshold, setThreshold] = React.useState('');
  const [skipped, setSkipped] = React.useState<ReadonlySet<string>>(new Set());
  const [schedule, setSchedule] = React.useState('rate(1 hour)');
  const [webhook, setWebhook] = React.useState('');
  const [secret, setSecret] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: MonitorCreate = { endpoint: endpoint.trim(), kind };
    if (name.trim()) {
      body.name = name.trim();
    }
    if (!fromLineage || kind === 'model-quality') {
      if (baseline.trim()) {
        body.baseline = baseline.trim();
      }
    }
    if (schedule.trim()) {
      body.schedule = schedule.trim();
    }
    if (
      kind === 'data-quality' &&
      (method || threshold.trim() || skipped.size > 0)
    ) {
      const options: Record<string, unknown> = {};
      if (method) {
        options.numerical_method = method;
      }
      if (threshold.trim()) {
        options.threshold = Number(threshold);
      }
      if (skipped.size > 0) {
        options.skip_checks = CHECKS.map(([id]) => id).filter(id =>
          skipped.has(id)
        );
      }
      body.options = options;
    }
    if (webhook.trim()) {
      body.webhook_url = webhook.trim();
      if (secret) {
        body.webhook_secret = secret;
      }
    }
    try {
      props.onCreated(await createMonitor(body, props.settings));
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="jp-MLStudio-page jp-MLStudio-monitorForm"
      data-testid="mls-monitor-form"
      onSubmit={e => void submit(e)}
    >
      <h2>New monitor</h2>
      <label>
        Endpoint
        <input
          data-testid="mls-monitor-form-endpoint"
          value={endpoint}
          required
          onChange={e => setEndpoint(e.target.value)}
        />
      </label>
      <label>
        Name (optional)
        <input
          data-testid="mls-monitor-form-name"
          value={name}
          placeholder="<endpoint>-<kind>"
          onChange={e => setName(e.target.value)}
        />
      </label>
      <label>
        Kind
        <select
          data-testid="mls-monitor-form-kind"
          value={kind}
          onChange={e => setKind(e.target.value as MonitorCreate['kind'])}
        >
          <option value="data-quality">
            Data quality (drift, types, missing values)
          </option>
          <option value="model-quality">
            Model quality (needs ground truth)
          </option>
        </select>
      </label>
      <fieldset>
        <legend>Baseline</legend>
        {kind === 'data-quality' && (
          <label className="jp-MLStudio-checkLabel">
            <input
              type="radio"
              data-testid="mls-monitor-form-lineage"
              checked={fromLineage}
              onChange={() => setFromLineage(true)}
            />
            From the model's lineage (its training data)
          </label>
        )}
        {kind === 'data-quality' && (
          <label className="jp-MLStudio-checkLabel">
            <input
              type="radio"
              data-testid="mls-monitor-form-chosen"
              checked={!fromLineage}
              onChange={() => setFromLineage(false)}
            />
            A baseline folder under the root
          </label>
        )}
        {(!fromLineage || kind === 'model-quality') && (
          <input
            data-testid="mls-monitor-form-baseline"
            value={baseline}
            placeholder="monitoring/baseline (statistics.json, constraints.json)"
            onChange={e => setBaseline(e.target.value)}
          />
        )}
      </fieldset>
      {kind === 'data-quality' && (
        <fieldset data-testid="mls-monitor-form-checks">
          <legend>Checks</legend>
          <p className="jp-MLStudio-formHint">
            SageMaker's six checks; a check turned off reports no violation
            (drift is still charted). Per feature: the monitor's Constraints
            section.
          </p>
          <div className="jp-MLStudio-checkGrid">
            {CHECKS.map(([id, label]) => (
              <label key={id} className="jp-MLStudio-checkLabel">
                <input
                  type="checkbox"
                  data-testid={`mls-monitor-form-check-${id}`}
                  checked={!skipped.has(id)}
                  onChange={e => {
                    const next = new Set(skipped);
                    if (e.target.checked) {
                      next.delete(id);
                    } else {
                      next.add(id);
                    }
                    setSkipped(next);
                  }}
                />
                {label}
              </label>
            ))}
          </div>
          <label>
            Numerical drift test
            <select
              data-testid="mls-monitor-form-method"
              value={method}
              onChange={e => setMethod(e.target.value)}
            >
              {METHODS.map(m => (
                <option key={m} value={m}>
                  {m || 'default (KS ≤ 1000 rows, else Wasserstein)'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Threshold (optional)
            <input
              data-testid="mls-monitor-form-threshold"
              value={threshold}
              inputMode="decimal"
              onChange={e => setThreshold(e.target.value)}
            />
          </label>
        </fieldset>
      )}
      <label>
        Schedule (rate(…), cron(…) or a 5-field cron; empty: Run now only)
        <input
          data-testid="mls-monitor-form-schedule"
          value={schedule}
          onChange={e => setSchedule(e.target.value)}
        />
      </label>
      <fieldset>
        <legend>Alerts</legend>
        <label>
          Webhook URL (optional)
          <input
            data-testid="mls-monitor-form-webhook"
            value={webhook}
            onChange={e => setWebhook(e.target.value)}
          />
        </label>
        <label>
          Secret (HMAC-signs the webhook body)
          <input
            type="password"
            data-testid="mls-monitor-form-secret"
            value={secret}
            onChange={e => setSecret(e.target.value)}
          />
        </label>
      </fieldset>
      {error && (
        <p
          className="jp-MLStudio-formError"
          role="alert"
          data-testid="mls-monitor-form-error"
        >
          {error}
        </p>
      )}
      <div className="jp-MLStudio-formFooter">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          data-testid="mls-monitor-form-submit"
          disabled={busy}
        >
          {busy ? 'Creating…' : 'Create monitor'}
        </button>
      </div>
    </form>
  );
}
