/**
 * The constraint editor of a data-quality monitor: its baseline's
 * constraints.json per feature (type, completeness, non-negative, the
 * values a string may take, the drift test and threshold) in an editable
 * table. Save sends the changed features; the server checks them all and
 * writes a new version the next execution uses, or answers 400 naming each
 * bad value (shown here, nothing written). "Reset to suggested" saves the
 * baseline's suggested constraints as a new version.
 */
import * as React from 'react';

import {
  DRIFT_METHODS,
  editMonitorConstraints,
  FeatureConstraint,
  getMonitorConstraints,
  InferredType,
  isPValueMethod,
  MonitorConstraints,
  resetMonitorConstraints
} from '../api/monitor-reports';
import { errorMessage, MLStudioAPIError } from '../api/request';
import { Loading, ScrollTable } from '../ui/components';

const TYPES: ReadonlyArray<InferredType> = [
  'Integral',
  'Fractional',
  'String',
  'Unknown'
];

/** A row as typed: numbers stay text until Save parses them. */
interface IDraft {
  inferredType: InferredType;
  completeness: string;
  nonNegative: '' | 'yes' | 'no';
  domains: string;
  method: string;
  threshold: string;
}

function draftOf(feature: FeatureConstraint): IDraft {
  return {
    inferredType: feature.inferred_type,
    completeness:
      feature.completeness === null || feature.completeness === undefined
        ? ''
        : String(feature.completeness),
    nonNegative:
      feature.is_non_negative === true
        ? 'yes'
        : feature.is_non_negative === false
          ? 'no'
          : '',
    domains: (feature.domains ?? []).join(', '),
    method: feature.comparison_method ?? '',
    threshold:
      feature.comparison_threshold === null ||
      feature.comparison_threshold === undefined
        ? ''
        : String(feature.comparison_threshold)
  };
}

const isNumeric = (type: InferredType) =>
  type === 'Integral' || type === 'Fractional';

/** The wire form of a draft, or why it cannot be sent. */
function featureOf(name: string, draft: IDraft): FeatureConstraint | string {
  const number = (text: string, what: string): number | null | string => {
    if (text.trim() === '') {
      return null;
    }
    const value = Number(text);
    return Number.isFinite(value)
      ? value
      : `${name}: ${what} "${text}" is not a number`;
  };
  const completeness = number(draft.completeness, 'completeness');
  if (typeof completeness === 'string') {
    return completeness;
  }
  const threshold = number(draft.threshold, 'the drift threshold');
  if (typeof threshold === 'string') {
    return threshold;
  }
  const domains = draft.domains
    .split(',')
    .map(value => value.trim())
    .filter(value => value !== '');
  const method = DRIFT_METHODS.find(m => m === draft.method) ?? null;
  return {
    name,
    inferred_type: draft.inferredType,
    completeness,
    is_non_negative:
      isNumeric(draft.inferredType) && draft.nonNegative !== ''
        ? draft.nonNegative === 'yes'
        : null,
    domains:
      draft.inferredType === 'String' && domains.length > 0 ? domains : null,
    comparison_method: method,
    comparison_threshold: threshold
  };
}

const same = (a: IDraft, b: IDraft) =>
  (Object.keys(a) as Array<keyof IDraft>).every(key => a[key] === b[key]);

export function ConstraintEditor(props: { monitorId: string }): JSX.Element {
  const { monitorId } = props;
  const [shown, setShown] = React.useState<MonitorConstraints | null>(null);
  const [drafts, setDrafts] = React.useState<Record<string, IDraft>>({});
  const [loadError, setLoadError] = React.useState<{
    message: string;
    /** A 400: this monitor has nothing to edit here (model quality). */
    expected: boolean;
  } | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [notice, setNotice] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  const show = React.useCallback((constraints: MonitorConstraints) => {
    setShown(constraints);
    setDrafts(
      Object.fromEntries(constraints.features.map(f => [f.name, draftOf(f)]))
    );
  }, []);

  React.useEffect(() => {
    const abort = new AbortController();
    setShown(null);
    setLoadError(null);
    getMonitorConstraints(monitorId, { signal: abort.signal })
      .then(found => {
        if (!abort.signal.aborted) {
          show(found);
        }
      })
      .catch(reason => {
        if (!abort.signal.aborted) {
          setLoadError({
            message: errorMessage(reason),
            expected:
              reason instanceof MLStudioAPIError && reason.status === 400
          });
        }
      });
    return () => abort.abort();
  }, [monitorId, show]);

  if (loadError !== null) {
    return (
      <div
        className="jp-MLStudio-constraintEditor"
        data-testid="mls-constraints"
      >
        <p
          className={
            loadError.expected
              ? 'jp-MLStudio-monitorMuted'
              : 'jp-MLStudio-monitorChartsError'
          }
          role={loadError.expected ? 'status' : 'alert'}
          data-testid="mls-constraints-load-error"
        >
          {loadError.message}
        </p>
      </div>
    );
  }
  if (shown === null) {
    return (
      <Loading firstLoad what="constraints" testId="mls-constraints-loading" />
    );
  }

  const original = Object.fromEntries(
    shown.features.map(f => [f.name, draftOf(f)])
  );
  const changed = shown.features.filter(
    f => !same(drafts[f.name], original[f.name])
  );
  const update = (name: string, change: Partial<IDraft>) => {
    setDrafts(current => ({
      ...current,
      [name]: { ...current[name], ...change }
    }));
    setNotice(null);
  };

  const run = (action: () => Promise<MonitorConstraints>, done: string) => {
    setBusy(true);
    setError(null);
    action()
      .then(saved => {
        show(saved);
        setNotice(done.replace('{version}', String(saved.version)));
      })
      .catch(reason => setError(errorMessage(reason)))
      .finally(() => setBusy(false));
  };
  const save = () => {
    const features: FeatureConstraint[] = [];
    for (const feature of changed) {
      const made = featureOf(feature.name, drafts[feature.name]);
      if (typeof made === 'string') {
        setError(made);
        return;
      }
      features.push(made);
    }
    run(
      () => editMonitorConstraints(monitorId, shown.version, features),
      'Saved as version {version}: the next execution checks these constraints.'
    );
  };
  const reset = () =>
    run(
      () => resetMonitorConstraints(monitorId, shown.version),
      'The suggested constraints are back (version {version}).'
    );

  return (
    <div className="jp-MLStudio-constraintEditor" data-testid="mls-constraints">
      <div className="jp-MLStudio-constraintHeader">
        <span data-testid="mls-constraints-version">
          {shown.version === 0
            ? 'Suggested constraints (never edited)'
            : `Version ${shown.version}${shown.edited ? ' · edited' : ' · as suggested'}`}
        </span>
        <span className="jp-MLStudio-monitorMuted" title={shown.baseline}>
          Distance tests' default threshold: {shown.default_threshold}; p-value
          tests: 0.05
        </span>
      </div>
      <ScrollTable
        size="tall"
        className="jp-MLStudio-constraintTable"
        testId="mls-constraints-table"
        head={
          <>
            <th>Feature</th>
            <th>Type</th>
            <th title="The share of rows that must have a value (0 to 1)">
              Completeness
            </th>
            <th>Non-negative</th>
            <th title="String features: the values allowed, comma-separated">
              Allowed values
            </th>
            <th>Drift test</th>
            <th title="A p-value for ks/chisquare (drift when below), a distance otherwise">
              Threshold
            </th>
          </>
        }
      >
        {shown.features.map(feature => {
          const draft = drafts[feature.name];
          const dirty = !same(draft, original[feature.name]);
          const numeric = isNumeric(draft.inferredType);
          return (
            <tr
              key={feature.name}
              data-testid="mls-constraint-row"
              data-feature={feature.name}
              className={dirty ? 'jp-mod-dirty' : undefined}
            >
              <td>{feature.name}</td>
              <td>
                <select
                  className="jp-MLStudio-select"
                  aria-label={`Type of ${feature.name}`}
                  data-testid="mls-constraint-type"
                  value={draft.inferredType}
                  onChange={e =>
                    update(feature.name, {
                      inferredType:
                        TYPES.find(t => t === e.target.value) ??
                        draft.inferredType
                    })
                  }
                >
                  {TYPES.map(t => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  className="jp-MLStudio-input jp-mod-number"
                  aria-label={`Completeness of ${feature.name}`}
                  data-testid="mls-constraint-completeness"
                  value={draft.completeness}
                  placeholder="none"
                  onChange={e =>
                    update(feature.name, { completeness: e.target.value })
                  }
                />
              </td>
              <td>
                <select
                  className="jp-MLStudio-select"
                  aria-label={`Non-negative ${feature.name}`}
                  data-testid="mls-constraint-nonnegative"
                  disabled={!numeric}
                  value={numeric ? draft.nonNegative : ''}
                  onChange={e =>
                    update(feature.name, {
                      nonNegative:
                        e.target.value === 'yes'
                          ? 'yes'
                          : e.target.value === 'no'
                            ? 'no'
                            : ''
                    })
                  }
                >
                  <option value="">—</option>
                  <option value="yes">yes</option>
                  <option value="no">no</option>
                </select>
              </td>
              <td>
                <input
                  className="jp-MLStudio-input"
                  aria-label={`Allowed values of ${feature.name}`}
                  data-testid="mls-constraint-domains"
                  disabled={draft.inferredType !== 'String'}
                  value={draft.inferredType === 'String' ? draft.domains : ''}
                  placeholder={
                    draft.inferredType === 'String' ? 'any value' : ''
                  }
                  onChange={e =>
                    update(feature.name, { domains: e.target.value })
                  }
                />
              </td>
              <td>
                <select
                  className="jp-MLStudio-select"
                  aria-label={`Drift test of ${feature.name}`}
                  data-testid="mls-constraint-method"
                  value={draft.method}
                  onChange={e =>
                    update(feature.name, { method: e.target.value })
                  }
                >
                  <option value="">default</option>
                  {DRIFT_METHODS.map(m => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  className="jp-MLStudio-input jp-mod-number"
                  aria-label={`Drift threshold of ${feature.name}`}
                  data-testid="mls-constraint-threshold"
                  value={draft.threshold}
                  placeholder={
                    draft.method === ''
                      ? 'default'
                      : isPValueMethod(draft.method)
                        ? '0.05'
                        : String(shown.default_threshold)
                  }
                  onChange={e =>
                    update(feature.name, { threshold: e.target.value })
                  }
                />
              </td>
            </tr>
          );
        })}
      </ScrollTable>
      {error !== null && (
        <div
          className="jp-MLStudio-constraintError"
          role="alert"
          data-testid="mls-constraints-error"
        >
          {error}
        </div>
      )}
      {notice !== null && error === null && (
        <div
          className="jp-MLStudio-constraintNotice"
          role="status"
          data-testid="mls-constraints-notice"
        >
          {notice}
        </div>
      )}
      <div className="jp-MLStudio-constraintActions">
        <button
          type="button"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid="mls-constraints-save"
          disabled={busy || changed.length === 0}
          onClick={save}
        >
          Save{changed.length > 0 ? ` (${changed.length} changed)` : ''}
        </button>
        <button
          type="button"
          className="jp-MLStudio-button"
          data-testid="mls-constraints-discard"
          disabled={busy || changed.length === 0}
          onClick={() => {
            setDrafts(original);
            setError(null);
          }}
        >
          Discard changes
        </button>
        <button
          type="button"
          className="jp-MLStudio-button"
          data-testid="mls-constraints-reset"
          disabled={busy || !shown.edited}
          title="Save the baseline's suggested constraints as a new version"
          onClick={reset}
        >
          Reset to suggested
        </button>
      </div>
    </div>
  );
}
