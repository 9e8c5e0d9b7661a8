/**
 * The `.pipeline` document (format `mlstudio.pipeline`, version 1; see
 * docs/pipelines.md): parsing without losing the text, writing with a
 * 2-space indent, the graph's edges (explicit `depends_on`, references to
 * other steps' results, condition branches), node placement, references and
 * renames. Pure functions: no widgets, no network.
 */
import type { components } from '../api/schema';
import type { IStepType } from './api';

type Schemas = components['schemas'];

export const FORMAT = 'mlstudio.pipeline';
export const STEP_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const COLUMN_WIDTH = 240;
export const ROW_HEIGHT = 110;

export type ParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';

export interface IPipelineParameter {
  name: string;
  type: ParameterType;
  default?: unknown;
  description?: string;
}

/** One step; unknown keys the core may add later are kept as they are. */
export interface IPipelineStep {
  name: string;
  type: string;
  description?: string;
  arguments: Record<string, unknown>;
  depends_on?: string[];
  retry?: Schemas['RetryPolicy'];
  timeout_seconds?: number | null;
  cache?: Schemas['CachePolicy'];
  ui?: { x?: number; y?: number; [key: string]: unknown };
  [key: string]: unknown;
}

export interface IPipelineDocument {
  format: typeof FORMAT;
  version: 1;
  name: string;
  description?: string;
  parameters: IPipelineParameter[];
  max_parallel?: number;
  steps: IPipelineStep[];
  ui?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface IParsed {
  document: IPipelineDocument | null;
  error: string | null;
}

export function cloneJSON<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A new pipeline named after its file. */
export function emptyPipeline(name: string): IPipelineDocument {
  return {
    format: FORMAT,
    version: 1,
    name: pipelineName(name),
    description: '',
    parameters: [],
    max_parallel: 4,
    steps: []
  };
}

/** A file stem as a pipeline name (the core's pattern: letters, digits, - and _). */
export function pipelineName(stem: string): string {
  const name = stem.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return (name || 'pipeline').slice(0, 64);
}

export function serializePipeline(doc: IPipelineDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * Read the file's text. Only the shape the editor relies on is checked here
 * (the server's validation says the rest): an object of this format with a
 * `steps` list of named, typed steps.
 */
export function parsePipeline(text: string): IParsed {
  if (text.trim() === '') {
    return { document: null, error: 'The file is empty.' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (reason) {
    return {
      document: null,
      error: `Not valid JSON: ${reason instanceof Error ? reason.message : String(reason)}`
    };
  }
  if (!isObject(raw)) {
    return { document: null, error: 'A pipeline is a JSON object.' };
  }
  if (raw.format !== FORMAT) {
    return {
      document: null,
      error: `"format" is ${JSON.stringify(raw.format)}, not "${FORMAT}".`
    };
  }
  if (raw.version !== 1) {
    return {
      document: null,
      error: `Version ${JSON.stringify(raw.version)} of the format is not supported (1 is).`
    };
  }
  const steps = raw.steps ?? [];
  if (!Array.isArray(steps)) {
    return { document: null, error: '"steps" is not a list.' };
  }
  for (const [i, step] of steps.entries()) {
    if (
      !isObject(step) ||
      typeof step.name !== 'string' ||
      typeof step.type !== 'string'
    ) {
      return {
        document: null,
        error: `Step ${i + 1} is not an object with a "name" and a "type".`
      };
    }
    if (step.arguments !== undefined && !isObject(step.arguments)) {
      return {
        document: null,
        error: `The "arguments" of step "${step.name}" are not an object.`
      };
    }
  }
  const parameters = raw.parameters ?? [];
  if (!Array.isArray(parameters) || !parameters.every(isObject)) {
    return { document: null, error: '"parameters" is not a list of objects.' };
  }
  const doc = raw as unknown as IPipelineDocument;
  doc.parameters = parameters as unknown as IPipelineParameter[];
  doc.steps = steps as IPipelineStep[];
  for (const step of doc.steps) {
    step.arguments = step.arguments ?? {};
  }
  return { document: doc, error: null };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// -- references ---------------------------------------------------------------------

/** `{"Get": path}` or `{"JsonGet": {...}}`: a value computed when the pipeline runs. */
export function isReference(value: unknown): boolean {
  if (!isObject(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Get' || keys[0] === 'JsonGet');
}

/** How a reference reads in the properties panel. */
export function referenceText(value: unknown): string {
  if (!isObject(value)) {
    return '';
  }
  if (typeof value.Get === 'string') {
    return value.Get;
  }
  const spec = value.JsonGet;
  if (isObject(spec)) {
    return `JsonGet(${String(spec.step)}.${String(spec.output)}:${String(spec.path)})`;
  }
  return '';
}

/** The step a reference reads from, or null (parameters, execution variables). */
export function referencedStep(value: unknown): string | null {
  if (!isObject(value)) {
    return null;
  }
  if (typeof value.Get === 'string') {
    const parts = value.Get.split('.');
    return parts[0] === 'Steps' && parts.length >= 4 ? parts[1] : null;
  }
  const spec = value.JsonGet;
  return isObject(spec) && typeof spec.step === 'string' ? spec.step : null;
}

/** Every reference-shaped value in `value` (the arguments of a step). */
export function referencesIn(value: unknown): unknown[] {
  if (isReference(value)) {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(referencesIn);
  }
  if (isObject(value)) {
    return Object.values(value).flatMap(referencesIn);
  }
  return [];
}

/** `value` with every reference to step `from` pointing at `to` instead. */
export function renameInReferences(
  value: unknown,
  from: string,
  to: string
): unknown {
  if (isReference(value)) {
    const ref = value as Record<string, unknown>;
    if (typeof ref.Get === 'string') {
      const parts = ref.Get.split('.');
      if (parts[0] === 'Steps' && parts[1] === from) {
        parts[1] = to;
        return { Get: parts.join('.') };
      }
      return value;
    }
    const spec = ref.JsonGet;
    if (isObject(spec) && spec.step === from) {
      return { JsonGet: { ...spec, step: to } };
    }
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(item => renameInReferences(item, from, to));
  }
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        renameInReferences(v, from, to)
      ])
    );
  }
  return value;
}

// -- the graph ----------------------------------------------------------------------

export type EdgeKind = 'depends' | 'data' | 'if' | 'else';

export interface IPipelineEdge {
  source: string;
  target: string;
  kind: EdgeKind;
}

function branchList(step: IPipelineStep, key: string): string[] {
  const list = step.type === 'Condition' ? step.arguments[key] : undefined;
  return Array.isArray(list)
    ? list.filter((s): s is string => typeof s === 'string')
    : [];
}

/**
 * The edges between existing steps: a reference to another step's results
 * (data), an explicit `depends_on`, a condition's branch. One edge per pair,
 * the most telling kind winning (a branch, then data, then depends_on).
 */
export function edgesOf(doc: IPipelineDocument): IPipelineEdge[] {
  const names = new Set(doc.steps.map(s => s.name));
  const edges = new Map<string, IPipelineEdge>();
  const rank: Record<EdgeKind, number> = {
    depends: 0,
    data: 1,
    if: 2,
    else: 2
  };
  const add = (source: string, target: string, kind: EdgeKind) => {
    if (!names.has(source) || !names.has(target) || source === target) {
      return;
    }
    const key = `${source}->${target}`;
    const known = edges.get(key);
    if (!known || rank[kind] > rank[known.kind]) {
      edges.set(key, { source, target, kind });
    }
  };
  for (const step of doc.steps) {
    for (const dep of step.depends_on ?? []) {
      add(dep, step.name, 'depends');
    }
    for (const ref of referencesIn(step.arguments)) {
      const from = referencedStep(ref);
      if (from) {
        add(from, step.name, 'data');
      }
    }
    for (const member of branchList(step, 'if_steps')) {
      add(step.name, member, 'if');
    }
    for (const member of branchList(step, 'else_steps')) {
      add(step.name, member, 'else');
    }
  }
  return [...edges.values()];
}

/** The steps that run after `name` (through any kind of edge). */
export function downstreamOf(
  doc: IPipelineDocument,
  name: string
): Set<string> {
  const edges = edgesOf(doc);
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const current = stack.pop()!;
    for (const edge of edges) {
      if (edge.source === current && !seen.has(edge.target)) {
        seen.add(edge.target);
        stack.push(edge.target);
      }
    }
  }
  return seen;
}

/** Saved positions, and a layered layout (by depth) for steps without one. */
export function placeSteps(
  doc: IPipelineDocument
): Map<string, { x: number; y: number }> {
  const edges = edgesOf(doc);
  const depth = new Map<string, number>();
  const depthOf = (name: string, trail: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) {
      return known;
    }
    if (trail.has(name)) {
      return 0; // a cycle: validation reports it
    }
    trail.add(name);
    const ups = edges.filter(e => e.target === name);
    const d = ups.length
      ? Math.max(...ups.map(e => depthOf(e.source, trail) + 1))
      : 0;
    trail.delete(name);
    depth.set(name, d);
    return d;
  };
  const rows = new Map<number, number>();
  const placed = new Map<string, { x: number; y: number }>();
  for (const step of doc.steps) {
    const x = step.ui?.x;
    const y = step.ui?.y;
    if (typeof x === 'number' && typeof y === 'number') {
      placed.set(step.name, { x, y });
      continue;
    }
    const d = depthOf(step.name, new Set());
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    placed.set(step.name, { x: d * COLUMN_WIDTH, y: row * ROW_HEIGHT });
  }
  return placed;
}

/** `stem`, or `stem-2`, `stem-3`… when a step already has that name. */
export function uniqueStepName(doc: IPipelineDocument, stem: string): string {
  const base =
    stem
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'step';
  const taken = new Set(doc.steps.map(s => s.name));
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!taken.has(name)) {
      return name;
    }
  }
}

/** The results another step can reference: `Steps.<name>.<category>.<item>`. */
export interface IReferenceChoice {
  /** The Get path; a metric's ends with '.' (its name is asked for). */
  path: string;
  label: string;
  group: string;
}

/** The outputs a step has: its type's own and those its arguments declare. */
export function outputsOfStep(
  step: IPipelineStep,
  type: IStepType | undefined
): string[] {
  const outputs = [...(type?.outputs ?? [])];
  if (type?.declares_outputs) {
    const declared = step.arguments.outputs;
    if (Array.isArray(declared)) {
      for (const item of declared) {
        const name =
          typeof item === 'string'
            ? item
            : isObject(item) && typeof item.name === 'string'
              ? item.name
              : null;
        if (name && !outputs.includes(name)) {
          outputs.push(name);
        }
      }
    }
  }
  return outputs;
}

/**
 * What step `name` can reference: the parameters, the execution variables,
 * and the results of every step that does not run after it (a reference to
 * one of those would make a cycle).
 */
export function referenceChoices(
  doc: IPipelineDocument,
  name: string,
  types: ReadonlyMap<string, IStepType>
): IReferenceChoice[] {
  const choices: IReferenceChoice[] = doc.parameters.map(p => ({
    path: `Parameters.${p.name}`,
    label: `${p.name} (${p.type})`,
    group: 'Parameters'
  }));
  choices.push(
    { path: 'Execution.Id', label: 'Execution id', group: 'Execution' },
    {
      path: 'Execution.StartTime',
      label: 'Execution start time',
      group: 'Execution'
    }
  );
  const after = downstreamOf(doc, name);
  for (const step of doc.steps) {
    if (step.name === name || after.has(step.name)) {
      continue;
    }
    const type = types.get(step.type);
    const group = `Step ${step.name}`;
    for (const output of outputsOfStep(step, type)) {
      choices.push({
        path: `Steps.${step.name}.Outputs.${output}`,
        label: `output ${output}`,
        group
      });
    }
    if (type?.metrics) {
      choices.push({
        path: `Steps.${step.name}.Metrics.`,
        label: 'a metric…',
        group
      });
    }
    for (const property of type?.properties ?? []) {
      choices.push({
        path: `Steps.${step.name}.Properties.${property}`,
        label: `property ${property}`,
        group
      });
    }
  }
  return choices;
}
