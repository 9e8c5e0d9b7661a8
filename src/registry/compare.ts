/**
 * What the comparison of model versions shows: metrics side by side with
 * the best value marked, params that differ, and how the signatures differ.
 * Pure functions of the versions.
 */
import { ISignatureColumn, signatureOf } from '../api/registry';
import type { ModelVersion } from '../api/types';
import { formatNumber } from '../experiments/runs/columns';

/** Metric names where a smaller value is better (losses, errors, times). */
const LOWER_IS_BETTER =
  /(loss|error|err$|mse|mae|rmse|mape|deviance|perplexity|(^|[^a-z])time|seconds|latency)/i;

/** Whether a smaller value of this metric is the better one. */
export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

/**
 * The metric names of some versions, the most widely logged first (then by
 * name), so the first few make good table columns.
 */
export function metricKeys(versions: ReadonlyArray<ModelVersion>): string[] {
  const counts = new Map<string, number>();
  for (const version of versions) {
    for (const key of Object.keys(version.metrics)) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts.keys()].sort(
    (a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b)
  );
}

/** One row of a side-by-side table: a value per version. */
export interface ICompareRow {
  readonly key: string;
  readonly values: ReadonlyArray<string>;
  readonly differs: boolean;
  /** Indexes of the versions holding the best value (metrics only). */
  readonly best: ReadonlyArray<number>;
}

export function metricRows(
  versions: ReadonlyArray<ModelVersion>
): ICompareRow[] {
  return metricKeys(versions)
    .sort((a, b) => a.localeCompare(b))
    .map(key => {
      const raw = versions.map(v =>
        key in v.metrics ? (v.metrics[key] ?? null) : undefined
      );
      const numbers = raw.filter(
        (value): value is number => typeof value === 'number'
      );
      const target =
        numbers.length === 0
          ? null
          : lowerIsBetter(key)
            ? Math.min(...numbers)
            : Math.max(...numbers);
      const distinct = new Set(numbers);
      const best =
        target === null || distinct.size < 2
          ? []
          : raw.flatMap((value, i) => (value === target ? [i] : []));
      const values = raw.map(value =>
        value === undefined ? '—' : formatNumber(value)
      );
      return { key, values, differs: new Set(values).size > 1, best };
    });
}

export function paramRows(
  versions: ReadonlyArray<ModelVersion>
): ICompareRow[] {
  const keys = new Set(versions.flatMap(v => Object.keys(v.params)));
  return [...keys]
    .sort((a, b) => a.localeCompare(b))
    .map(key => {
      const values = versions.map(v => v.params[key] ?? '—');
      return { key, values, differs: new Set(values).size > 1, best: [] };
    });
}

/** How one signature column differs across versions. */
export interface ISignatureRow {
  readonly name: string;
  /** The column's dtype in each version; `null` where it is absent. */
  readonly dtypes: ReadonlyArray<string | null>;
  /** What changed against the first version, e.g. "added in v2"; '' if nothing. */
  readonly change: string;
  readonly kind: 'same' | 'added' | 'removed' | 'changed';
}

/** The signature's inputs or outputs, compared with the first version's. */
export function signatureRows(
  versions: ReadonlyArray<ModelVersion>,
  side: 'inputs' | 'outputs'
): ISignatureRow[] {
  const columns = versions.map(v => {
    const map = new Map<string, string>();
    signatureOf(v)[side].forEach((c: ISignatureColumn) =>
      map.set(c.name, c.dtype)
    );
    return map;
  });
  const names: string[] = [];
  for (const map of columns) {
    for (const name of map.keys()) {
      if (!names.includes(name)) {
        names.push(name);
      }
    }
  }
  const [base, ...others] = columns;
  return names.map(name => {
    const dtypes = columns.map(map => map.get(name) ?? null);
    const changes: string[] = [];
    const kinds = new Set<ISignatureRow['kind']>();
    others.forEach((map, i) => {
      const label = `v${versions[i + 1].version}`;
      const before = base.get(name);
      const after = map.get(name);
      if (before === undefined && after !== undefined) {
        changes.push(`added in ${label}`);
        kinds.add('added');
      } else if (before !== undefined && after === undefined) {
        changes.push(`removed in ${label}`);
        kinds.add('removed');
      } else if (before !== after) {
        changes.push(`type changed in ${label}`);
        kinds.add('changed');
      }
    });
    // Absent from the first version and from some others: still "added".
    const kind = kinds.size === 0 ? 'same' : [...kinds][0];
    return { name, dtypes, change: changes.join(', '), kind };
  });
}
