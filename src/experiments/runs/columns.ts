/**
 * The columns of the runs table: the fixed run attributes and the chosen
 * metrics, params and tags, with their display text and sort keys.
 */
import type { ExperimentKeys, Run } from '../../api/types';
import { formatDuration } from '../../ui/format';

/** Where a column's value comes from. */
export type ColumnKind = 'attribute' | 'metric' | 'param' | 'tag';

/** A column of the runs table. */
export interface IRunColumn {
  /** Unique id: `attributes.name`, `metrics.auc`, `params.lr` … */
  readonly id: string;
  readonly kind: ColumnKind;
  /** The attribute name or the metric/param/tag key. */
  readonly key: string;
  /** The header text. */
  readonly label: string;
  /** The identifier the server sorts by, or `null` if it cannot sort. */
  readonly sortKey: string | null;
  /** Default width in pixels. */
  readonly width: number;
  /** Right-aligned numbers. */
  readonly numeric: boolean;
}

/** Group titles shown above the column headers. */
export const KIND_TITLES: Record<ColumnKind, string> = {
  attribute: 'Run',
  metric: 'Metrics',
  param: 'Params',
  tag: 'Tags'
};

const PREFIXES: Record<Exclude<ColumnKind, 'attribute'>, string> = {
  metric: 'metrics',
  param: 'params',
  tag: 'tags'
};

/** The attribute columns, always shown, in this order. */
export const ATTRIBUTE_COLUMNS: ReadonlyArray<IRunColumn> = [
  attribute('name', 'Name', 'name', 200, false),
  attribute('status', 'Status', 'status', 90, false),
  attribute('start_time', 'Started', 'start_time', 150, false),
  attribute('duration', 'Duration', null, 90, true)
];

function attribute(
  key: string,
  label: string,
  sortKey: string | null,
  width: number,
  numeric: boolean
): IRunColumn {
  return {
    id: `attributes.${key}`,
    kind: 'attribute',
    key,
    label,
    sortKey,
    width,
    numeric
  };
}

/** The column of a metric, param or tag key. */
export function keyColumn(
  kind: Exclude<ColumnKind, 'attribute'>,
  key: string
): IRunColumn {
  const id = identifier(kind, key);
  return {
    id,
    kind,
    key,
    label: key,
    sortKey: id,
    width: kind === 'tag' ? 120 : 100,
    numeric: kind === 'metric'
  };
}

/**
 * The search-grammar identifier of a key: `metrics.auc`, or
 * ``metrics.`val loss` `` when the key has characters a bare word cannot.
 */
export function identifier(
  kind: Exclude<ColumnKind, 'attribute'>,
  key: string
): string {
  const prefix = PREFIXES[kind];
  if (/^[A-Za-z0-9_\-./:]+$/.test(key)) {
    return `${prefix}.${key}`;
  }
  if (!key.includes('`')) {
    return `${prefix}.\`${key}\``;
  }
  return `${prefix}."${key.replace(/"/g, '""')}"`;
}

/**
 * The columns shown when the user has not chosen: every metric, then params,
 * up to `limit` key columns in all.
 */
export function defaultKeyColumns(
  keys: ExperimentKeys,
  limit = 16
): IRunColumn[] {
  const columns = keys.metrics.map(key => keyColumn('metric', key));
  for (const key of keys.params) {
    columns.push(keyColumn('param', key));
  }
  return columns.slice(0, limit);
}

/** Every key column the experiment offers, by kind. */
export function availableKeyColumns(keys: ExperimentKeys): IRunColumn[] {
  return [
    ...keys.metrics.map(key => keyColumn('metric', key)),
    ...keys.params.map(key => keyColumn('param', key)),
    ...keys.tags.map(key => keyColumn('tag', key))
  ];
}

/** The text a cell shows. */
export function cellText(run: Run, column: IRunColumn, now: number): string {
  switch (column.kind) {
    case 'metric': {
      if (!(column.key in run.metrics)) {
        return '';
      }
      return formatNumber(run.metrics[column.key] ?? null);
    }
    case 'param':
      return run.params[column.key] ?? '';
    case 'tag':
      return run.tags[column.key] ?? '';
    default:
      return attributeText(run, column.key, now);
  }
}

function attributeText(run: Run, key: string, now: number): string {
  switch (key) {
    case 'name':
      return run.name;
    case 'status':
      return runStatusLabel(run.status);
    case 'start_time':
      return formatTime(run.start_time);
    case 'duration':
      return formatDuration(runDuration(run, now));
    default:
      return '';
  }
}

/**
 * How a run status is shown: in title case like job statuses ("Finished",
 * not the wire value "FINISHED", which filters still use).
 */
export function runStatusLabel(status: string): string {
  return status ? status[0].toUpperCase() + status.slice(1).toLowerCase() : '';
}

/** Milliseconds the run took (or has taken so far, if still running). */
export function runDuration(run: Run, now: number): number | null {
  const start = Date.parse(run.start_time);
  const end = run.end_time ? Date.parse(run.end_time) : now;
  if (isNaN(start) || isNaN(end)) {
    return null;
  }
  return Math.max(0, end - start);
}

/** A metric value with up to 6 significant digits; `null` is NaN or ±∞. */
export function formatNumber(value: number | null): string {
  if (value === null) {
    return 'NaN';
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) {
    return value.toExponential(4);
  }
  return String(Number(value.toPrecision(6)));
}

/** `2024-05-01 14:03:22` in local time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return iso;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
