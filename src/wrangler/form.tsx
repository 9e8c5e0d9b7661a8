/**
 * A form generated from a transform's JSON schema: text, numbers, booleans,
 * enums as selects, lists of enums as checkboxes, column pickers fed from the
 * upstream node's columns, code as a monospace text area, and a JSON text
 * area for anything richer (mappings, lists of objects).
 */
import * as React from 'react';

import type { IJSONSchema } from '../api/wrangler';
import { dtypeKind } from './model';

export interface IColumn {
  name: string;
  dtype: string;
}

export interface ISchemaFormProps {
  schema: IJSONSchema;
  value: Record<string, unknown>;
  onChange(value: Record<string, unknown>): void;
  /** Columns of the step's input port `port`. */
  columnsOf(port: number): IColumn[];
}

export function SchemaForm(props: ISchemaFormProps): JSX.Element {
  const { schema, value } = props;
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) {
    return <p className="jp-MLStudio-wranglerHint">No parameters.</p>;
  }
  return (
    <div className="jp-MLStudio-wranglerFields">
      {entries.map(([key, prop]) => (
        <Field
          key={key}
          name={key}
          schema={resolve(prop, schema)}
          root={schema}
          required={required.has(key)}
          value={value[key]}
          onChange={next => {
            const params = { ...value };
            if (next === undefined) {
              delete params[key];
            } else {
              params[key] = next;
            }
            props.onChange(params);
          }}
          columnsOf={props.columnsOf}
        />
      ))}
    </div>
  );
}

interface IFieldProps {
  name: string;
  schema: IJSONSchema;
  root: IJSONSchema;
  required: boolean;
  value: unknown;
  onChange(value: unknown): void;
  columnsOf(port: number): IColumn[];
}

function Field(props: IFieldProps): JSX.Element {
  const { schema, name, required } = props;
  const { inner, nullable } = unwrapNullable(schema);
  const title = schema.title ?? name;
  const id = `mls-wr-field-${name}`;
  const control = renderControl({ ...props, schema: inner }, nullable, id);
  return (
    <div className="jp-MLStudio-wranglerField" data-field={name}>
      <label className="jp-MLStudio-wranglerLabel" htmlFor={id}>
        {title}
        {required && <span className="jp-MLStudio-wranglerRequired">*</span>}
      </label>
      {control}
      {schema.description && (
        <div className="jp-MLStudio-wranglerHelp">{schema.description}</div>
      )}
    </div>
  );
}

function renderControl(
  props: IFieldProps,
  nullable: boolean,
  id: string
): JSX.Element {
  const { schema, value, onChange } = props;
  const widget = props.schema['x-mlstudio-widget'];
  const port = schema['x-mlstudio-port'] ?? 0;
  const wanted = schema['x-mlstudio-dtype'];
  if (widget === 'column' || widget === 'columns') {
    const columns = props.columnsOf(port);
    const fitting = wanted
      ? columns.filter(c => dtypeKind(c.dtype) === wanted)
      : columns;
    if (widget === 'column') {
      return (
        <ColumnSelect
          id={id}
          columns={fitting}
          value={typeof value === 'string' ? value : ''}
          allowNone={nullable || !props.required}
          onChange={next => onChange(next === '' ? nullOr(nullable) : next)}
        />
      );
    }
    return (
      <ColumnChecklist
        id={id}
        columns={fitting}
        hidden={columns.length - fitting.length}
        wanted={wanted}
        value={Array.isArray(value) ? (value as string[]) : []}
        onChange={next => onChange(next.length === 0 && nullable ? null : next)}
      />
    );
  }
  if (widget === 'code') {
    return (
      <textarea
        id={id}
        className="jp-MLStudio-wranglerCode"
        spellCheck={false}
        rows={8}
        value={typeof value === 'string' ? value : ''}
        onChange={e => onChange(e.target.value)}
      />
    );
  }
  if (schema.enum) {
    return (
      <select
        id={id}
        className="jp-mod-styled"
        value={value === undefined || value === null ? '' : String(value)}
        onChange={e => {
          const picked = schema.enum!.find(v => String(v) === e.target.value);
          onChange(picked ?? nullOr(nullable));
        }}
      >
        {(nullable || value === undefined || value === null) && (
          <option value="">{nullable ? '(none)' : 'Choose…'}</option>
        )}
        {schema.enum.map(option => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  }
  if (schema.type === 'boolean') {
    return (
      <input
        id={id}
        type="checkbox"
        checked={value === true}
        onChange={e => onChange(e.target.checked)}
      />
    );
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return (
      <NumberInput
        id={id}
        integer={schema.type === 'integer'}
        value={typeof value === 'number' ? value : null}
        onChange={next => onChange(next === null ? nullOr(nullable) : next)}
      />
    );
  }
  if (schema.type === 'string') {
    return (
      <input
        id={id}
        type="text"
        className="jp-mod-styled"
        value={typeof value === 'string' ? value : ''}
        onChange={e =>
          onChange(
            e.target.value === '' && nullable
              ? null
              : e.target.value === '' && !props.required
                ? undefined
                : e.target.value
          )
        }
      />
    );
  }
  if (schema.type === 'array' && schema.items?.enum) {
    const chosen = Array.isArray(value) ? (value as unknown[]) : [];
    return (
      <div id={id} className="jp-MLStudio-wranglerChecklist">
        {schema.items.enum.map(option => (
          <label key={String(option)}>
            <input
              type="checkbox"
              checked={chosen.includes(option)}
              onChange={e =>
                onChange(
                  e.target.checked
                    ? [...chosen, option]
                    : chosen.filter(v => v !== option)
                )
              }
            />
            {String(option)}
          </label>
        ))}
      </div>
    );
  }
  if (schema.type === 'array' && schema.items?.type === 'string') {
    return (
      <input
        id={id}
        type="text"
        className="jp-mod-styled"
        placeholder="comma-separated"
        value={Array.isArray(value) ? (value as string[]).join(', ') : ''}
        onChange={e =>
          onChange(
            e.target.value
              .split(',')
              .map(v => v.trim())
              .filter(Boolean)
          )
        }
      />
    );
  }
  return (
    <JSONInput
      id={id}
      value={value}
      placeholder={jsonPlaceholder(schema, props.root)}
      onChange={onChange}
    />
  );
}

function ColumnSelect(props: {
  id: string;
  columns: IColumn[];
  value: string;
  allowNone: boolean;
  onChange(value: string): void;
}): JSX.Element {
  const known = props.columns.some(c => c.name === props.value);
  return (
    <select
      id={props.id}
      className="jp-mod-styled"
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
    >
      <option value="">
        {props.allowNone ? '(none)' : 'Choose a column…'}
      </option>
      {!known && props.value && (
        <option value={props.value}>{props.value} (not in the input)</option>
      )}
      {props.columns.map(c => (
        <option key={c.name} value={c.name}>
          {c.name} ({c.dtype})
        </option>
      ))}
    </select>
  );
}

function ColumnChecklist(props: {
  id: string;
  columns: IColumn[];
  hidden: number;
  wanted?: string;
  value: string[];
  onChange(value: string[]): void;
}): JSX.Element {
  const [filter, setFilter] = React.useState('');
  const names = props.columns.map(c => c.name);
  const missing = props.value.filter(v => !names.includes(v));
  const shown = props.columns.filter(c =>
    c.name.toLowerCase().includes(filter.toLowerCase())
  );
  const toggle = (name: string, on: boolean) =>
    props.onChange(
      on
        ? [...props.value.filter(v => v !== name), name]
        : props.value.filter(v => v !== name)
    );
  return (
    <div id={props.id} className="jp-MLStudio-wranglerColumns">
      {props.columns.length > 8 && (
        <input
          type="search"
          className="jp-mod-styled"
          placeholder="Filter columns"
          value={filter}
          onChange={e => setFilter(e.target.value)}
        />
      )}
      <div className="jp-MLStudio-wranglerChecklist">
        {missing.map(name => (
          <label key={name} className="jp-mod-missing">
            <input
              type="checkbox"
              checked
              onChange={() => toggle(name, false)}
            />
            {name} (not in the input)
          </label>
        ))}
        {shown.map(c => (
          <label key={c.name} data-column={c.name}>
            <input
              type="checkbox"
              checked={props.value.includes(c.name)}
              onChange={e => toggle(c.name, e.target.checked)}
            />
            {c.name}
            <span className="jp-MLStudio-wranglerDtype">{c.dtype}</span>
          </label>
        ))}
        {props.columns.length === 0 && (
          <span className="jp-MLStudio-wranglerHint">
            {props.hidden > 0
              ? `No ${props.wanted} columns in the input.`
              : 'The input columns appear once the input previews.'}
          </span>
        )}
      </div>
    </div>
  );
}

function NumberInput(props: {
  id: string;
  integer: boolean;
  value: number | null;
  onChange(value: number | null): void;
}): JSX.Element {
  const [text, setText] = React.useState(
    props.value === null ? '' : String(props.value)
  );
  React.useEffect(() => {
    if (props.value === null ? text !== '' : Number(text) !== props.value) {
      setText(props.value === null ? '' : String(props.value));
    }
    // Only follow outside changes of the value.
  }, [props.value]);
  return (
    <input
      id={props.id}
      type="number"
      className="jp-mod-styled"
      step={props.integer ? 1 : 'any'}
      value={text}
      onChange={e => {
        setText(e.target.value);
        const number = Number(e.target.value);
        if (e.target.value.trim() === '') {
          props.onChange(null);
        } else if (Number.isFinite(number)) {
          props.onChange(number);
        }
      }}
    />
  );
}

function JSONInput(props: {
  id: string;
  value: unknown;
  placeholder: string;
  onChange(value: unknown): void;
}): JSX.Element {
  const initial = props.value === undefined ? '' : JSON.stringify(props.value);
  const [text, setText] = React.useState(initial);
  const [error, setError] = React.useState<string | null>(null);
  return (
    <>
      <textarea
        id={props.id}
        className="jp-MLStudio-wranglerCode"
        rows={3}
        spellCheck={false}
        placeholder={props.placeholder}
        value={text}
        onChange={e => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setError(null);
            props.onChange(undefined);
            return;
          }
          try {
            props.onChange(JSON.parse(e.target.value));
            setError(null);
          } catch {
            setError('Not valid JSON yet.');
          }
        }}
      />
      {error && <div className="jp-MLStudio-wranglerFieldError">{error}</div>}
    </>
  );
}

/** Follow a local `$ref` (`#/$defs/Name`). */
function resolve(schema: IJSONSchema, root: IJSONSchema): IJSONSchema {
  if (schema.$ref?.startsWith('#/$defs/')) {
    const target = root.$defs?.[schema.$ref.slice(8)];
    return target ? { ...target, ...schema, $ref: undefined } : schema;
  }
  return schema;
}

/** `anyOf: [X, {type: null}]` → X, nullable. */
function unwrapNullable(schema: IJSONSchema): {
  inner: IJSONSchema;
  nullable: boolean;
} {
  const options = schema.anyOf;
  if (!options) {
    return { inner: schema, nullable: false };
  }
  const others = options.filter(o => o.type !== 'null');
  const nullable = others.length < options.length;
  if (others.length === 1) {
    const rest = { ...schema };
    delete rest.anyOf;
    return { inner: { ...rest, ...others[0] }, nullable };
  }
  return { inner: schema, nullable };
}

function nullOr(nullable: boolean): null | undefined {
  return nullable ? null : undefined;
}

function jsonPlaceholder(schema: IJSONSchema, root: IJSONSchema): string {
  if (schema.type === 'object') {
    return '{"old name": "new name"}';
  }
  if (schema.type === 'array' && schema.items) {
    const item = resolve(schema.items, root);
    const keys = Object.keys(item.properties ?? {});
    return `[{${keys.map(k => `"${k}": …`).join(', ')}}]`;
  }
  return 'a JSON value, e.g. 0 or "text"';
}
