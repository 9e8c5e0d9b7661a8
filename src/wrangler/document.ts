/**
 * The `.flow` document as the editor sees it: the generated wire types of
 * the core's document models (jupyter_mlstudio/wrangler/document.py, typed
 * in the OpenAPI document), parsed leniently so that the server — not the
 * editor — names what is wrong with a draft.
 */
import { PathExt } from '@jupyterlab/coreutils';

import { errorMessage } from '../api/request';
import type { components } from '../api/schema';
import type { IJSONSchema, ITransformInfo } from '../api/wrangler';

type Schemas = components['schemas'];

export const SCHEMA_VERSION = 1;

/** Where the graph draws a node. */
export type IPosition = Schemas['Position'];

/** A data source: one wire type per `kind` (narrow on it). */
export type IFlowSource = NonNullable<
  Schemas['FlowDocument']['sources']
>[number];

export type SourceKind = IFlowSource['kind'];

/**
 * A step as the editor holds it: `params` always present (filled in on
 * load), even while they are not yet valid for the transform — the server
 * checks them on each preview and names the culprit in the step's status.
 */
export type IFlowStep = Schemas['Step'] & { params: Record<string, unknown> };

/** How previews sample the sources. */
export type ISampleSpec = Schemas['SampleSpec'];

/** The document as the editor holds it: both node lists always present. */
export type IFlowDocument = Omit<Schemas['FlowDocument'], 'steps'> & {
  sources: IFlowSource[];
  steps: IFlowStep[];
};

export type ParseResult =
  { document: IFlowDocument; error: null } | { document: null; error: string };

/**
 * Parse the file's text. Only what the editor itself needs is checked
 * (a JSON object with a known schema version and source/step lists); the
 * server validates everything else on each preview.
 */
export function parseFlow(text: string): ParseResult {
  if (text.trim() === '') {
    return { document: emptyFlow(), error: null };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (reason) {
    return {
      document: null,
      error: `The file is not valid JSON: ${errorMessage(reason)}`
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      document: null,
      error: 'The file must hold a JSON object (a .flow document).'
    };
  }
  const raw = value as Record<string, unknown>;
  const version = raw.schema_version;
  if (version === undefined) {
    return {
      document: null,
      error: 'The file has no "schema_version": is it a .flow document?'
    };
  }
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    return {
      document: null,
      error: '"schema_version" must be a positive integer.'
    };
  }
  if (version > SCHEMA_VERSION) {
    return {
      document: null,
      error:
        `The file was written with .flow schema_version ${version}, newer ` +
        `than this version of ML Studio reads (${SCHEMA_VERSION}): upgrade ` +
        'jupyter-mlstudio to open it.'
    };
  }
  for (const key of ['sources', 'steps']) {
    if (raw[key] !== undefined && !Array.isArray(raw[key])) {
      return { document: null, error: `"${key}" must be a list.` };
    }
  }
  const document = {
    ...raw,
    sources: (raw.sources as IFlowSource[] | undefined) ?? [],
    steps: (raw.steps as IFlowStep[] | undefined) ?? []
  } as IFlowDocument;
  for (const step of document.steps) {
    if (typeof step !== 'object' || step === null || !step.id) {
      return { document: null, error: 'Every step needs an "id".' };
    }
    step.params = step.params ?? {};
    step.inputs = Array.isArray(step.inputs) ? step.inputs : [];
  }
  for (const source of document.sources) {
    if (typeof source !== 'object' || source === null || !source.id) {
      return { document: null, error: 'Every source needs an "id".' };
    }
  }
  return { document, error: null };
}

/** Stable, diff-friendly JSON (two-space indent, trailing newline). */
export function serializeFlow(document: IFlowDocument): string {
  return JSON.stringify(document, null, 2) + '\n';
}

export function emptyFlow(): IFlowDocument {
  return {
    schema_version: SCHEMA_VERSION,
    sources: [],
    steps: [],
    sample: { method: 'first', size: 5000, seed: 0 },
    metadata: {}
  };
}

/** The source kinds read from one file (those with a `path`). */
export type FileSourceKind = Extract<IFlowSource, { path: string }>['kind'];

/*
 * The data-file rules of jupyter_mlstudio/data_files.py, which the server
 * applies to the same files: a data file's suffixes (SUPPORTED_SUFFIXES),
 * the extras a single file may have (SINGLE_FILE_EXTRAS) and the
 * compressions ignored when telling a single file's kind (COMPRESSED).
 * tests/wrangler/test_data_file_rules.py checks that these agree.
 */
const DATA_FILE_KINDS: Readonly<Record<string, FileSourceKind>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl'
};
const SINGLE_FILE_EXTRAS: Readonly<Record<string, FileSourceKind>> = {
  '.txt': 'csv',
  '.json': 'jsonl'
};
const COMPRESSED: ReadonlyArray<string> = [
  '.gz',
  '.bz2',
  '.zip',
  '.xz',
  '.zst'
];

/** Files "Open in Data Wrangler" is offered on. */
export function isWranglerDataFile(path: string): boolean {
  return DATA_FILE_KINDS[PathExt.extname(path).toLowerCase()] !== undefined;
}

/**
 * A file source for `path` (relative to the .flow file's folder, or
 * absolute), its kind taken from the extension (`.tsv.gz` is a TSV file);
 * an unknown extension is read as CSV and the preview says if it is not.
 */
export function sourceForFile(path: string, id = 'source'): IFlowSource {
  let name = path.toLowerCase();
  let ext = PathExt.extname(name);
  while (COMPRESSED.includes(ext)) {
    name = name.slice(0, -ext.length);
    ext = PathExt.extname(name);
  }
  const kind = DATA_FILE_KINDS[ext] ?? SINGLE_FILE_EXTRAS[ext] ?? 'csv';
  const base = { id, name: 'df', path };
  return kind === 'csv'
    ? { ...base, kind, sep: ext === '.tsv' ? '\t' : ',' }
    : { ...base, kind };
}

/** What the graph and the step list call a source. */
export function sourceLabel(source: IFlowSource): string {
  return source.title || ('path' in source ? source.path : '') || source.id;
}

/** The text fields of the source form (each kind has some of them). */
export type SourceTextField = 'path' | 'url' | 'query' | 'name' | 'title';

/** A text field of `source`, or undefined when its kind has none. */
export function sourceText(
  source: IFlowSource,
  field: SourceTextField
): string | undefined {
  const fields: Partial<Record<SourceTextField, string | null>> = source;
  return fields[field] ?? undefined;
}

/**
 * `source` with a text field set, or removed when `value` is empty. The
 * result is a draft like any the editor holds: a required field removed is
 * named as missing by the server's next preview.
 */
export function withSourceText(
  source: IFlowSource,
  field: SourceTextField,
  value: string
): IFlowSource {
  const next: Record<string, unknown> = { ...source };
  if (value) {
    next[field] = value;
  } else {
    delete next[field];
  }
  return next as IFlowSource;
}

/** `target` (relative to the server root) as seen from the folder `fromDir`. */
export function relativeTo(fromDir: string, target: string): string {
  const from = fromDir.split('/').filter(Boolean);
  const to = target.split('/').filter(Boolean);
  let common = 0;
  while (
    common < from.length &&
    common < to.length - 1 &&
    from[common] === to[common]
  ) {
    common++;
  }
  const ups = from.slice(common).map(() => '..');
  return [...ups, ...to.slice(common)].join('/');
}

/** Every node id of the document (sources first). */
export function nodeIds(document: IFlowDocument): string[] {
  return [...document.sources.map(s => s.id), ...document.steps.map(s => s.id)];
}

/** A node id not used yet, from a readable stem. */
export function uniqueId(document: IFlowDocument, stem: string): string {
  const taken = new Set(nodeIds(document));
  const base = stem.replace(/[^A-Za-z0-9_.-]/g, '_') || 'step';
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!taken.has(id)) {
      return id;
    }
  }
}

/** Output names of a node (a source has one; steps have their transform's). */
export function outputsOf(
  document: IFlowDocument,
  nodeId: string,
  transforms: ReadonlyMap<string, ITransformInfo>
): string[] {
  const source = document.sources.find(s => s.id === nodeId);
  if (source) {
    return [source.name ?? 'df'];
  }
  const step = document.steps.find(s => s.id === nodeId);
  if (!step) {
    return [];
  }
  return step.outputs ?? transforms.get(step.transform)?.outputs ?? ['df'];
}

/** `"node"` or `"node:output"` → the node id and the output name (or null). */
export function splitRef(ref: string): { node: string; output: string | null } {
  const at = ref.indexOf(':');
  return at < 0
    ? { node: ref, output: null }
    : { node: ref.slice(0, at), output: ref.slice(at + 1) };
}

/** Every reference a step input can take: `node` or `node:output`. */
export function allRefs(
  document: IFlowDocument,
  transforms: ReadonlyMap<string, ITransformInfo>,
  except?: string
): string[] {
  const refs: string[] = [];
  for (const id of nodeIds(document)) {
    if (id === except) {
      continue;
    }
    const outputs = outputsOf(document, id, transforms);
    if (outputs.length <= 1 || document.sources.some(s => s.id === id)) {
      refs.push(id);
    } else {
      refs.push(...outputs.map(o => `${id}:${o}`));
    }
  }
  return refs;
}

/** Ids of the steps that (transitively) read `nodeId`. */
export function downstreamOf(
  document: IFlowDocument,
  nodeId: string
): Set<string> {
  const found = new Set<string>();
  let frontier = [nodeId];
  while (frontier.length) {
    const next: string[] = [];
    for (const step of document.steps) {
      if (found.has(step.id)) {
        continue;
      }
      if (step.inputs.some(ref => frontier.includes(splitRef(ref).node))) {
        found.add(step.id);
        next.push(step.id);
      }
    }
    frontier = next;
  }
  return found;
}

/** Initial parameters of a new step: every property's default. */
export function defaultParams(schema: IJSONSchema): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default !== undefined) {
      params[key] = prop.default;
    } else if (
      prop.type === 'array' &&
      (schema.required ?? []).includes(key) &&
      prop['x-mlstudio-widget'] === 'columns'
    ) {
      params[key] = [];
    }
  }
  return params;
}

/** Copy a JSON value (documents are edited as immutable snapshots). */
export function cloneJSON<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The graph's grid: a column per depth, a row per sibling. */
export const COLUMN_WIDTH = 240;
export const ROW_HEIGHT = 110;

/**
 * Where each source and step is drawn: its saved position, or (for nodes
 * without one, as in hand-written flows) a column per depth and a row per
 * sibling. The graph draws these and new steps are placed after them, so a
 * new step never lands on top of a node that was laid out automatically.
 */
export function placeNodes(document: IFlowDocument): Map<string, IPosition> {
  const depth = new Map<string, number>();
  document.sources.forEach(s => depth.set(s.id, 0));
  for (let pass = 0; pass < document.steps.length + 1; pass++) {
    for (const step of document.steps) {
      const d = Math.max(
        0,
        ...step.inputs.map(ref => (depth.get(splitRef(ref).node) ?? 0) + 1)
      );
      depth.set(step.id, d);
    }
  }
  const rows = new Map<number, number>();
  const placed = new Map<string, IPosition>();
  for (const node of [...document.sources, ...document.steps]) {
    if (node.position) {
      placed.set(node.id, { x: node.position.x, y: node.position.y });
      continue;
    }
    const d = depth.get(node.id) ?? 0;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    placed.set(node.id, { x: d * COLUMN_WIDTH, y: row * ROW_HEIGHT });
  }
  return placed;
}

const SUMMARY_LENGTH = 60;

/**
 * What tells a step apart from others of its kind, in a few words: the
 * columns it works on, then its other set parameters ("age, income",
 * "age >= 30", "test size 0.2"). Empty when there is nothing to say.
 */
export function stepSummary(
  step: IFlowStep,
  transform: ITransformInfo | undefined
): string {
  const properties = transform?.params_schema.properties ?? {};
  const columns: string[] = [];
  const others: string[] = [];
  for (const [key, value] of Object.entries(step.params ?? {})) {
    const schema = properties[key];
    const widget = schema?.['x-mlstudio-widget'];
    if (widget === 'column' || widget === 'columns') {
      const names = Array.isArray(value) ? value : [value];
      columns.push(
        ...names.filter((n): n is string => typeof n === 'string' && n !== '')
      );
      continue;
    }
    if (value === null || value === undefined || value === '') {
      continue;
    }
    if (schema && JSON.stringify(schema.default) === JSON.stringify(value)) {
      continue; // defaults say nothing about this step
    }
    if (typeof value === 'string') {
      others.push(value.replace(/\s+/g, ' ').trim());
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      const label = (schema?.title ?? key).toLowerCase();
      others.push(
        typeof value === 'boolean'
          ? value
            ? label
            : `no ${label}`
          : `${label} ${value}`
      );
    }
  }
  const shown =
    columns.length > 3
      ? `${columns.slice(0, 3).join(', ')} +${columns.length - 3}`
      : columns.join(', ');
  const text = [shown, ...others].filter(Boolean).join(' · ');
  return text.length > SUMMARY_LENGTH
    ? `${text.slice(0, SUMMARY_LENGTH - 1)}…`
    : text;
}
