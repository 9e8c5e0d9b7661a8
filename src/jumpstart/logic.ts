/**
 * The JumpStart panel's pure logic (no DOM, no network): which cards the
 * filters keep, how a card states its cost, and the launch form's values
 * (text in the inputs → typed parameters, with the messages of bad values).
 */
import type {
  CatalogKind,
  ICatalogEntrySummary,
  ICatalogParameter
} from './api';

export interface ICatalogFilter {
  /** A task, or '' for every task. */
  task: string;
  /** A kind, or '' for both. */
  kind: CatalogKind | '';
  /** Words that must all appear (title, name, description, tags, task, source). */
  query: string;
}

/** The entries the filter keeps, in their order. */
export function filterEntries(
  entries: ReadonlyArray<ICatalogEntrySummary>,
  filter: ICatalogFilter
): ICatalogEntrySummary[] {
  const words = filter.query.toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter(entry => {
    if (filter.task && entry.task !== filter.task) {
      return false;
    }
    if (filter.kind && entry.kind !== filter.kind) {
      return false;
    }
    if (!words.length) {
      return true;
    }
    const text = [
      entry.title,
      entry.name,
      entry.description,
      entry.task,
      entry.source,
      ...entry.tags
    ]
      .join(' ')
      .toLowerCase();
    return words.every(word => text.includes(word));
  });
}

/** The tasks to offer as chips: the server's list, else the entries' tasks. */
export function tasksOf(
  tasks: ReadonlyArray<string> | undefined,
  entries: ReadonlyArray<ICatalogEntrySummary>
): string[] {
  const found = tasks?.length ? [...tasks] : entries.map(e => e.task);
  return [...new Set(found)].sort();
}

/** "~1 min · 1 GB RAM": what launching costs, for a card. */
export function costLabel(resources: {
  ram_mb: number;
  minutes: number;
}): string {
  const minutes = resources.minutes;
  const time =
    minutes < 1
      ? `<1 min`
      : `~${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
  const ram =
    resources.ram_mb >= 1000
      ? `${(resources.ram_mb / 1000).toFixed(resources.ram_mb % 1000 ? 1 : 0)} GB`
      : `${resources.ram_mb} MB`;
  return `${time} · ${ram} RAM`;
}

/** A task as a label: `anomaly-detection` → `Anomaly detection`. */
export function taskLabel(task: string): string {
  const words = task.replace(/[-_]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : task;
}

/** The text an input starts with for a parameter (its default). */
export function initialText(parameter: ICatalogParameter): string {
  const value = parameter.default;
  if (value === null || value === undefined) {
    return parameter.type === 'Boolean' ? 'false' : '';
  }
  return String(value);
}

export interface IFormValues {
  /** The typed values of the parameters that differ from nothing. */
  values: Record<string, unknown>;
  /** A message per parameter whose text is not a valid value. */
  errors: Record<string, string>;
}

/**
 * Typed parameter values from the inputs' texts. An empty text leaves the
 * parameter out (the manifest's default applies); a bad number or a value
 * outside its range or choices is reported under the parameter's name.
 */
export function parseForm(
  parameters: ReadonlyArray<ICatalogParameter>,
  texts: Readonly<Record<string, string>>
): IFormValues {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of parameters) {
    const text = (texts[p.name] ?? initialText(p)).trim();
    if (text === '') {
      continue;
    }
    let value: unknown = text;
    if (p.type === 'Boolean') {
      value = text === 'true';
    } else if (p.type === 'Integer' || p.type === 'Float') {
      const number = Number(text);
      if (!Number.isFinite(number)) {
        errors[p.name] = `${p.name} must be a number.`;
        continue;
      }
      if (p.type === 'Integer' && !Number.isInteger(number)) {
        errors[p.name] = `${p.name} must be a whole number.`;
        continue;
      }
      if (p.minimum !== null && p.minimum !== undefined && number < p.minimum) {
        errors[p.name] = `${p.name} must be at least ${p.minimum}.`;
        continue;
      }
      if (p.maximum !== null && p.maximum !== undefined && number > p.maximum) {
        errors[p.name] = `${p.name} must be at most ${p.maximum}.`;
        continue;
      }
      value = number;
    }
    if (p.choices?.length && !p.choices.some(c => String(c) === text)) {
      errors[p.name] =
        `${p.name} must be one of ${p.choices.map(String).join(', ')}.`;
      continue;
    }
    values[p.name] = value;
  }
  return { values, errors };
}

/**
 * The parameter a server message is about (a 400 names the parameter), so
 * the form can show the message under its input; null if none is named.
 */
export function parameterOfMessage(
  parameters: ReadonlyArray<ICatalogParameter>,
  message: string
): string | null {
  // the longest names first: `min_auc_gap` before `min_auc`
  const names = parameters.map(p => p.name).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const pattern = new RegExp(
      `(^|[^A-Za-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`
    );
    if (pattern.test(message)) {
      return name;
    }
  }
  return null;
}

/** The status badge colour of a launch (the job badge's: pending, running, ...). */
export function launchMod(launch: { status: string }): string {
  return launch.status === 'Preparing'
    ? 'pending'
    : launch.status.toLowerCase();
}
