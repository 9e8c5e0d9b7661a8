/**
 * Form fields generated from an algorithm's hyperparameter JSON schema (the
 * pydantic model the server validates against), and the parsing of what the
 * user typed back into JSON values: numbers as JSON numbers, null for an
 * empty optional value, a list of integers for comma-separated text.
 */
import type { TrainingJobCreate } from '../api/types';

/** Bounds of a numeric value, as the schema states them. */
export interface IRange {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

/** A numeric alternative: an integer or a number within a range. */
export interface INumericBranch extends IRange {
  readonly integer: boolean;
}

/**
 * How a field is edited:
 * - `boolean`: a checkbox;
 * - `integer` / `number`: a number input (empty means null when nullable);
 * - `choice`: a select of discrete values (enum, consts, true/false, none);
 * - `mixed`: free text with suggestions, for unions of numbers and words
 *   (`'sqrt' | 'log2' | 0 < x ≤ 1 | null`);
 * - `intList`: comma-separated integers;
 * - `text`: a string.
 */
export type FieldKind =
  'boolean' | 'integer' | 'number' | 'choice' | 'mixed' | 'intList' | 'text';

export interface IHyperparameterField {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly kind: FieldKind;
  /** The schema's default (any JSON value). */
  readonly default: unknown;
  /** Whether null is allowed (shown as an empty input or "None"). */
  readonly nullable: boolean;
  /** Discrete words allowed (enum and const values, `true`/`false`). */
  readonly options: ReadonlyArray<string>;
  /** Numeric alternatives (one for `integer`/`number` fields). */
  readonly numeric: ReadonlyArray<INumericBranch>;
  /** Whether true/false are allowed besides other values. */
  readonly acceptsBoolean: boolean;
  /** The items of an `intList`. */
  readonly item?: INumericBranch;
  readonly minItems?: number;
}

/** What the user has entered: text, or a checkbox state. */
export type FieldValue = string | boolean;

/** A parsed hyperparameter value, `null` included. */
export type ParsedValue = string | number | boolean | null | number[];

/** A value as the training-job API accepts it. */
export type WireValue = NonNullable<
  TrainingJobCreate['hyperparameters']
>[string];

export type ParseResult =
  | { readonly ok: true; readonly value: ParsedValue }
  | { readonly ok: false; readonly message: string };

/** The select value that stands for null. */
export const NONE_OPTION = '';

/** The fields of a hyperparameter schema, in the schema's order. */
export function fieldsOf(schema: unknown): IHyperparameterField[] {
  const properties = isRecord(schema) ? schema.properties : undefined;
  if (!isRecord(properties)) {
    return [];
  }
  return Object.entries(properties)
    .filter((entry): entry is [string, Record<string, unknown>] =>
      isRecord(entry[1])
    )
    .map(([name, property]) => fieldOf(name, property));
}

function fieldOf(
  name: string,
  property: Record<string, unknown>
): IHyperparameterField {
  const base = {
    name,
    label: typeof property.title === 'string' ? property.title : name,
    description:
      typeof property.description === 'string' ? property.description : '',
    default: property.default ?? null,
    nullable: false,
    options: [] as string[],
    numeric: [] as INumericBranch[],
    acceptsBoolean: false
  };
  const branches = Array.isArray(property.anyOf)
    ? property.anyOf.filter(isRecord)
    : [property];
  const union = analyse(branches);
  const { options, numeric } = union;

  if (branches.length === 1) {
    const type = typeOf(property);
    if (options.length > 0 && !union.acceptsBoolean) {
      return { ...base, kind: 'choice', options };
    }
    if (type === 'boolean') {
      return { ...base, kind: 'boolean' };
    }
    if (type === 'integer' || type === 'number') {
      return { ...base, kind: type, numeric };
    }
    if (type === 'array' && isRecord(property.items)) {
      const item = numericBranch(property.items);
      if (item?.integer) {
        const minItems =
          typeof property.minItems === 'number' ? property.minItems : undefined;
        return { ...base, kind: 'intList', item, minItems };
      }
    }
    return { ...base, kind: 'text' };
  }

  // A union (`anyOf`): pick the simplest control that can express it.
  const nullable = union.nullable;
  if (numeric.length === 0 && union.strings === 0) {
    const words = union.acceptsBoolean
      ? [...options, 'true', 'false']
      : options;
    return {
      ...base,
      nullable,
      kind: 'choice',
      options: words,
      acceptsBoolean: union.acceptsBoolean
    };
  }
  if (
    numeric.length === 1 &&
    options.length === 0 &&
    union.strings === 0 &&
    !union.acceptsBoolean
  ) {
    return {
      ...base,
      nullable,
      kind: numeric[0].integer ? 'integer' : 'number',
      numeric
    };
  }
  const words = union.acceptsBoolean ? [...options, 'true', 'false'] : options;
  return {
    ...base,
    nullable,
    kind: union.strings > 0 && numeric.length === 0 ? 'text' : 'mixed',
    options: words,
    numeric,
    acceptsBoolean: union.acceptsBoolean
  };
}

/** What the alternatives of a union allow. */
function analyse(branches: ReadonlyArray<Record<string, unknown>>): {
  options: string[];
  numeric: INumericBranch[];
  nullable: boolean;
  acceptsBoolean: boolean;
  /** Free-text string alternatives (neither enum nor const). */
  strings: number;
} {
  const result = {
    options: [] as string[],
    numeric: [] as INumericBranch[],
    nullable: false,
    acceptsBoolean: false,
    strings: 0
  };
  for (const branch of branches) {
    const type = typeOf(branch);
    if (Array.isArray(branch.enum)) {
      for (const value of branch.enum) {
        if (value === null) {
          result.nullable = true;
        } else {
          result.options.push(String(value));
        }
      }
    } else if ('const' in branch) {
      result.options.push(String(branch.const));
    } else if (type === 'null') {
      result.nullable = true;
    } else if (type === 'boolean') {
      result.acceptsBoolean = true;
    } else if (type === 'integer' || type === 'number') {
      const numeric = numericBranch(branch);
      if (numeric) {
        result.numeric.push(numeric);
      }
    } else if (type === 'string') {
      result.strings++;
    }
  }
  return result;
}

function numericBranch(
  schema: Record<string, unknown>
): INumericBranch | undefined {
  const type = typeOf(schema);
  if (type !== 'integer' && type !== 'number') {
    return undefined;
  }
  const bound = (key: string) =>
    typeof schema[key] === 'number' ? (schema[key] as number) : undefined;
  return {
    integer: type === 'integer',
    minimum: bound('minimum'),
    maximum: bound('maximum'),
    exclusiveMinimum: bound('exclusiveMinimum'),
    exclusiveMaximum: bound('exclusiveMaximum')
  };
}

/** A branch's single type (`type` may be a list on union properties). */
function typeOf(schema: Record<string, unknown>): string | undefined {
  return typeof schema.type === 'string' ? schema.type : undefined;
}

/** What the form shows before the user changes anything. */
export function initialValue(field: IHyperparameterField): FieldValue {
  const value = field.default;
  if (field.kind === 'boolean') {
    return value === true;
  }
  if (value === null || value === undefined) {
    return field.kind === 'choice' ? NONE_OPTION : '';
  }
  if (Array.isArray(value)) {
    return value.join(', ');
  }
  return String(value);
}

/** Parse what the user entered; an error message says what is allowed. */
export function parseValue(
  field: IHyperparameterField,
  input: FieldValue
): ParseResult {
  if (typeof input === 'boolean') {
    return { ok: true, value: input };
  }
  const text = input.trim();
  if (text === '' || (field.nullable && /^(none|null)$/i.test(text))) {
    if (field.nullable) {
      return { ok: true, value: null };
    }
    if (field.kind === 'text' && text === '') {
      return { ok: true, value: '' };
    }
    return { ok: false, message: `Enter ${allowed(field)}.` };
  }
  switch (field.kind) {
    case 'integer':
    case 'number':
      return parseNumber(text, field.numeric, field);
    case 'intList':
      return parseIntList(text, field);
    case 'choice':
    case 'mixed': {
      if (field.options.includes(text)) {
        return { ok: true, value: wordValue(field, text) };
      }
      const lowered = text.toLowerCase();
      if (field.acceptsBoolean && (lowered === 'true' || lowered === 'false')) {
        return { ok: true, value: lowered === 'true' };
      }
      if (field.numeric.length > 0 && isNumeric(text)) {
        return parseNumber(text, field.numeric, field);
      }
      return { ok: false, message: `Must be ${allowed(field)}.` };
    }
    default:
      return { ok: true, value: text };
  }
}

/** `true`/`false` options are booleans; every other option is a string. */
function wordValue(field: IHyperparameterField, word: string): ParsedValue {
  if (field.acceptsBoolean && (word === 'true' || word === 'false')) {
    return word === 'true';
  }
  return word;
}

function parseNumber(
  text: string,
  branches: ReadonlyArray<INumericBranch>,
  field: IHyperparameterField
): ParseResult {
  const value = Number(text);
  if (!isNumeric(text) || !Number.isFinite(value)) {
    return { ok: false, message: `Must be ${allowed(field)}.` };
  }
  const candidates = branches.filter(
    branch => !branch.integer || Number.isInteger(value)
  );
  if (candidates.length === 0) {
    return { ok: false, message: `Must be ${allowed(field)}.` };
  }
  if (candidates.some(branch => inRange(value, branch))) {
    return { ok: true, value };
  }
  // One numeric alternative: name the bound that failed, like the server.
  const message =
    branches.length === 1 && field.options.length === 0
      ? `Must be ${rangeText(branches[0]) || 'a valid number'}.`
      : `Must be ${allowed(field)}.`;
  return { ok: false, message };
}

function parseIntList(text: string, field: IHyperparameterField): ParseResult {
  const parts = text
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(part => part !== '');
  const item = field.item ?? { integer: true };
  const values: number[] = [];
  for (const part of parts) {
    const value = Number(part);
    if (!isNumeric(part) || !Number.isInteger(value)) {
      return {
        ok: false,
        message: `"${part}" is not a whole number; enter whole numbers separated by commas.`
      };
    }
    if (!inRange(value, item)) {
      return { ok: false, message: `Each number must be ${rangeText(item)}.` };
    }
    values.push(value);
  }
  if (field.minItems !== undefined && values.length < field.minItems) {
    return {
      ok: false,
      message: `Enter at least ${field.minItems} number${field.minItems === 1 ? '' : 's'}.`
    };
  }
  return { ok: true, value: values };
}

function isNumeric(text: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text);
}

function inRange(value: number, range: IRange): boolean {
  return (
    (range.minimum === undefined || value >= range.minimum) &&
    (range.maximum === undefined || value <= range.maximum) &&
    (range.exclusiveMinimum === undefined || value > range.exclusiveMinimum) &&
    (range.exclusiveMaximum === undefined || value < range.exclusiveMaximum)
  );
}

/** `≥ 1`, `> 0 and ≤ 1`; empty without bounds. */
export function rangeText(range: IRange): string {
  const parts: string[] = [];
  if (range.minimum !== undefined) {
    parts.push(`≥ ${range.minimum}`);
  }
  if (range.exclusiveMinimum !== undefined) {
    parts.push(`> ${range.exclusiveMinimum}`);
  }
  if (range.maximum !== undefined) {
    parts.push(`≤ ${range.maximum}`);
  }
  if (range.exclusiveMaximum !== undefined) {
    parts.push(`< ${range.exclusiveMaximum}`);
  }
  return parts.join(' and ');
}

/** What a field accepts, in words: "sqrt, log2, a number > 0 and ≤ 1 or none". */
export function allowed(field: IHyperparameterField): string {
  const parts: string[] = [];
  if (field.kind === 'intList') {
    const item = field.item ? rangeText(field.item) : '';
    parts.push(`whole numbers${item ? ` ${item}` : ''} separated by commas`);
  } else if (field.kind === 'text') {
    parts.push('some text');
  } else {
    parts.push(...field.options.map(option => `"${option}"`));
    for (const branch of field.numeric) {
      const range = rangeText(branch);
      const noun = branch.integer ? 'a whole number' : 'a number';
      parts.push(range ? `${noun} ${range}` : noun);
    }
  }
  if (field.nullable) {
    parts.push('empty for none');
  }
  return parts.length <= 1
    ? (parts[0] ?? 'a value')
    : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

/** Whether a parsed value equals the schema's default. */
export function isDefault(
  field: IHyperparameterField,
  value: ParsedValue
): boolean {
  return JSON.stringify(value) === JSON.stringify(field.default ?? null);
}

/** Placeholder text for an input that may be left empty. */
export function placeholderOf(field: IHyperparameterField): string {
  if (field.kind === 'intList') {
    return 'e.g. 64, 32';
  }
  if (field.nullable) {
    return 'None';
  }
  return '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
