/**
 * How the trials table orders and filters trials (pure, so it is tested
 * without a DOM).
 */
import type { TrialInfo, TrialState } from './api';
import { labelOf } from './figures';

/** `number`, `state`, `duration`, `value<i>` (objective i) or `param:<name>`. */
export type SortKey = string;

/** The value a column sorts by (`null` sorts last). */
function sortValue(trial: TrialInfo, key: SortKey): number | string | null {
  if (key === 'number') {
    return trial.number;
  }
  if (key === 'state') {
    return trial.state;
  }
  if (key === 'duration') {
    return trial.duration_seconds;
  }
  if (key.startsWith('value')) {
    const value = trial.values?.[Number(key.slice(5))];
    return typeof value === 'number' ? value : null;
  }
  const value = trial.params[key.slice(6)];
  if (value === undefined || value === null) {
    return null;
  }
  return typeof value === 'number' ? value : labelOf(value);
}

/** Trials of `state` (all when `null`), sorted by `key`. */
export function sortTrials(
  trials: ReadonlyArray<TrialInfo>,
  key: SortKey,
  descending: boolean,
  state: TrialState | null
): TrialInfo[] {
  const rows = state ? trials.filter(t => t.state === state) : [...trials];
  const sign = descending ? -1 : 1;
  return rows.sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null || vb === null) {
      return va === vb ? a.number - b.number : va === null ? 1 : -1;
    }
    const order =
      typeof va === 'number' && typeof vb === 'number'
        ? va - vb
        : String(va).localeCompare(String(vb));
    return order !== 0 ? sign * order : a.number - b.number;
  });
}
