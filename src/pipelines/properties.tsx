/**
 * The editor's side panes: the searchable step-type palette (click or drag
 * onto the canvas), the selected step's properties generated from its
 * type's JSON schema (text, number, boolean, enum, lists, object-as-JSON, a
 * file picker for `x-picker: file|folder`, a reference picker offering the
 * parameters and upstream steps' outputs, metrics and properties), and the
 * pipeline's own settings and parameters.
 */
import { InputDialog } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { PathExt } from '@jupyterlab/coreutils';
import { FileDialog } from '@jupyterlab/filebrowser';
import * as React from 'react';

import type { IArgSchema, IPipelineIssue, IStepType } from './api';
import {
  IPipelineParameter,
  IPipelineStep,
  isReference,
  ParameterType,
  referenceChoices,
  referenceText
} from './document';
import { STEP_TYPE_MIME } from './graph';
import { useColumns, useSuggestions } from './suggestions';
import type { PipelineEditorModel } from './model';

// -- the palette ----------------------------------------------------------------------

export function Palette(props: { model: PipelineEditorModel }): JSX.Element {
  const { model } = props;
  const [query, setQuery] = React.useState('');
  const q = query.trim().toLowerCase();
  const matches = model.typeList.filter(
    t =>
      !q ||
      t.type.toLowerCase().includes(q) ||
      t.title.toLowerCase().includes(q) ||
      t.description.toLowerCase().includes(q) ||
      t.category.toLowerCase().includes(q)
  );
  const categories = [...new Set(matches.map(t => t.category))];
  return (
    <div
      className="jp-MLStudio-pipelinePalette"
      data-testid="mls-pipeline-palette"
    >
      <div className="jp-MLStudio-pipelinePaneTitle">Steps</div>
      <input
        type="search"
        className="jp-MLStudio-input"
        placeholder="Search step types"
        aria-label="Search step types"
        data-testid="mls-pipeline-palette-search"
        value={query}
        onChange={event => setQuery(event.target.value)}
      />
      {model.catalogError ? (
        <div className="jp-MLStudio-pipelineHint" role="alert">
          The server has no pipeline step types: {model.catalogError}
        </div>
      ) : model.typeList.length === 0 ? (
        <div className="jp-MLStudio-pipelineHint">Loading step types…</div>
      ) : matches.length === 0 ? (
        <div className="jp-MLStudio-pipelineHint">No step type matches.</div>
      ) : (
        categories.map(category => (
          <div key={category} className="jp-MLStudio-pipelinePaletteGroup">
            <div className="jp-MLStudio-pipelinePaletteCategory">
              {category}
            </div>
            {matches
              .filter(t => t.category === category)
              .map(t => (
                <button
                  key={t.type}
                  type="button"
                  draggable
                  className="jp-MLStudio-pipelinePaletteItem"
                  data-testid="mls-pipeline-palette-item"
                  data-type={t.type}
                  title={`${t.description}\nClick to add, or drag onto the canvas.`}
                  onDragStart={event => {
                    event.dataTransfer.setData(STEP_TYPE_MIME, t.type);
                    event.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => model.addStep(t.type)}
                >
                  <span
                    className={`jp-MLStudio-pipelineCategory jp-mod-${t.category.toLowerCase()}`}
                  />
                  <span>{t.title}</span>
                </button>
              ))}
          </div>
        ))
      )}
    </div>
  );
}

// -- schema helpers -------------------------------------------------------------------

/** What input a schema property gets. */
type FieldKind =
  'text' | 'number' | 'integer' | 'boolean' | 'enum' | 'list' | 'json';

interface IFieldSpec {
  kind: FieldKind;
  /** The value may be a reference ({"Get": ...}). */
  referable: boolean;
  enumValues: unknown[];
  picker: string | undefined;
}

function resolve(schema: IArgSchema, root: IArgSchema): IArgSchema {
  const ref = schema.$ref;
  if (ref && ref.startsWith('#/$defs/')) {
    return root.$defs?.[ref.slice('#/$defs/'.length)] ?? schema;
  }
  return schema;
}

const REFERENCE_DEFS = new Set(['#/$defs/Get', '#/$defs/JsonGet']);

function typeOf(schema: IArgSchema): string | undefined {
  return Array.isArray(schema.type)
    ? schema.type.find(t => t !== 'null')
    : schema.type;
}

/** Classify a property: its plain type once nulls and references are set aside. */
export function fieldSpec(schema: IArgSchema, root: IArgSchema): IFieldSpec {
  const members = schema.anyOf ?? schema.oneOf ?? [schema];
  const referable = members.some(m => m.$ref && REFERENCE_DEFS.has(m.$ref));
  const plain = members
    .filter(
      m => !(m.$ref && REFERENCE_DEFS.has(m.$ref)) && typeOf(m) !== 'null'
    )
    .filter(m => !(m.type === 'null'))
    .map(m => resolve(m, root));
  const spec = (kind: FieldKind, enumValues: unknown[] = []): IFieldSpec => ({
    kind,
    referable,
    enumValues,
    picker: schema['x-picker']
  });
  if (plain.length !== 1) {
    return spec('json');
  }
  const only = plain[0];
  if (only.enum) {
    return spec('enum', only.enum);
  }
  switch (typeOf(only)) {
    case 'string':
      return spec('text');
    case 'number':
      return spec('number');
    case 'integer':
      return spec('integer');
    case 'boolean':
      return spec('boolean');
    case 'array': {
      const items = only.items ? resolve(only.items, root) : {};
      const itemMembers = items.anyOf ?? [items];
      const strings = itemMembers.every(
        m => typeOf(m) === 'string' || (m.$ref && REFERENCE_DEFS.has(m.$ref))
      );
      return spec(strings && !items.enum ? 'list' : 'json');
    }
    default:
      return spec('json');
  }
}

// -- one argument ---------------------------------------------------------------------

interface IArgumentProps {
  model: PipelineEditorModel;
  step: IPipelineStep;
  name: string;
  schema: IArgSchema;
  root: IArgSchema;
  required: boolean;
  issues: IPipelineIssue[];
  docManager: IDocumentManager | null;
}

function ArgumentField(props: IArgumentProps): JSX.Element {
  const { model, step, name, schema, root } = props;
  const spec = fieldSpec(schema, root);
  const value = step.arguments[name];
  const set = (next: unknown) =>
    model.updateStep(
      step.name,
      s => {
        if (next === undefined) {
          delete s.arguments[name];
        } else {
          s.arguments[name] = next;
        }
      },
      `${step.name}:${name}`
    );
  const label = schema.title ?? name;
  const id = `mls-pipeline-arg-${step.name}-${name}`;
  const offered = useSuggestions(spec.picker, model.serverSettings);
  const data = step.arguments.data;
  const columns = useColumns(
    spec.picker === 'column' && typeof data === 'string'
      ? rootRelative(model, data)
      : undefined,
    model.serverSettings
  );
  const suggestions = spec.picker === 'column' ? columns : offered;
  let input: JSX.Element;
  if (isReference(value)) {
    input = (
      <div className="jp-MLStudio-pipelineRef" data-testid="mls-pipeline-ref">
        <code>{referenceText(value)}</code>
        <button
          type="button"
          className="jp-MLStudio-pipelineSmallButton"
          title="Use a plain value instead"
          aria-label={`Clear the reference of ${label}`}
          onClick={() => set(undefined)}
        >
          ×
        </button>
      </div>
    );
  } else {
    input = (
      <PlainInput
        id={id}
        spec={spec}
        schema={schema}
        value={value}
        onChange={set}
        label={label}
        suggestions={suggestions}
      />
    );
  }
  const picker = spec.picker === 'file' || spec.picker === 'folder';
  return (
    <div
      className={
        'jp-MLStudio-pipelineField' +
        (props.issues.length ? ' jp-mod-invalid' : '')
      }
      data-testid="mls-pipeline-arg"
      data-arg={name}
    >
      <label htmlFor={id} className="jp-MLStudio-pipelineFieldLabel">
        {label}
        {props.required && (
          <span className="jp-MLStudio-pipelineRequired"> *</span>
        )}
      </label>
      <div className="jp-MLStudio-pipelineFieldRow">
        {input}
        {picker &&
          props.docManager &&
          spec.kind !== 'json' &&
          !isReference(value) && (
            <button
              type="button"
              className="jp-MLStudio-pipelineSmallButton"
              data-testid="mls-pipeline-browse"
              title={
                spec.picker === 'folder' ? 'Choose a folder' : 'Choose a file'
              }
              onClick={() =>
                void pickPath(
                  props.docManager!,
                  spec.picker === 'folder',
                  label
                ).then(
                  path => path !== null && set(relativeToDocument(model, path))
                )
              }
            >
              Browse…
            </button>
          )}
        {spec.referable && (
          <ReferencePicker
            model={model}
            step={step}
            label={label}
            onPick={set}
          />
        )}
      </div>
      {schema.description && (
        <small className="jp-MLStudio-pipelineFieldHelp">
          {schema.description}
        </small>
      )}
      {props.issues.map((issue, i) => (
        <small
          key={i}
          className="jp-MLStudio-pipelineFieldError"
          data-testid="mls-pipeline-field-error"
        >
          {issue.message}
        </small>
      ))}
    </div>
  );
}

/**
 * A picked path (relative to the Jupyter root) as the document's arguments hold it:
 * relative to the `.pipeline` file's folder, which its executions read paths from.
 */
function relativeToDocument(model: PipelineEditorModel, path: string): string {
  return PathExt.relative(PathExt.dirname(model.context.localPath), path);
}

/** A document's relative path as the server's file APIs take it (root-relative). */
function rootRelative(model: PipelineEditorModel, path: string): string {
  const trimmed = path.trim();
  if (
    !trimmed ||
    trimmed.startsWith('/') ||
    /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
  ) {
    return trimmed;
  }
  return PathExt.join(PathExt.dirname(model.context.localPath), trimmed);
}

async function pickPath(
  manager: IDocumentManager,
  folder: boolean,
  label: string
): Promise<string | null> {
  const result = folder
    ? await FileDialog.getExistingDirectory({ manager, title: label })
    : await FileDialog.getOpenFiles({ manager, title: label });
  const chosen = result.button.accept ? result.value?.[0] : undefined;
  return chosen ? chosen.path : null;
}

/** A plain (not referenced) value's input. */
function PlainInput(props: {
  id: string;
  spec: IFieldSpec;
  schema: IArgSchema;
  value: unknown;
  label: string;
  onChange: (value: unknown) => void;
  /** Values to offer (built-in algorithms, models, endpoints). */
  suggestions: string[];
}): JSX.Element {
  const { spec, value, onChange } = props;
  const placeholder =
    props.schema.default !== undefined && props.schema.default !== null
      ? `default: ${JSON.stringify(props.schema.default)}`
      : '';
  switch (spec.kind) {
    case 'boolean': {
      const checked =
        typeof value === 'boolean' ? value : props.schema.default === true;
      return (
        <input
          id={props.id}
          type="checkbox"
          checked={checked}
          onChange={event => onChange(event.target.checked)}
        />
      );
    }
    case 'enum':
      return (
        <select
          id={props.id}
          className="jp-MLStudio-input"
          value={value === undefined ? '' : JSON.stringify(value)}
          onChange={event =>
            onChange(
              event.target.value === ''
                ? undefined
                : JSON.parse(event.target.value)
            )
          }
        >
          <option value="">{placeholder || '(not set)'}</option>
          {spec.enumValues.map(v => (
            <option key={JSON.stringify(v)} value={JSON.stringify(v)}>
              {String(v)}
            </option>
          ))}
        </select>
      );
    case 'number':
    case 'integer':
      return (
        <NumberInput
          id={props.id}
          value={typeof value === 'number' ? value : undefined}
          integer={spec.kind === 'integer'}
          placeholder={placeholder}
          onChange={onChange}
        />
      );
    case 'text':
      return (
        <>
          <input
            id={props.id}
            type="text"
            className="jp-MLStudio-input"
            placeholder={placeholder}
            list={props.suggestions.length ? `${props.id}-list` : undefined}
            value={typeof value === 'string' ? value : ''}
            onChange={event =>
              onChange(
                event.target.value === '' ? undefined : event.target.value
              )
            }
          />
          {props.suggestions.length > 0 && (
            <datalist id={`${props.id}-list`}>
              {props.suggestions.map(item => (
                <option key={item} value={item} />
              ))}
            </datalist>
          )}
        </>
      );
    case 'list':
      return <ListInput id={props.id} value={value} onChange={onChange} />;
    default:
      return (
        <JsonInput
          id={props.id}
          value={value}
          placeholder={placeholder || 'JSON'}
          onChange={onChange}
        />
      );
  }
}

function NumberInput(props: {
  id: string;
  value: number | undefined;
  integer: boolean;
  placeholder: string;
  onChange: (value: unknown) => void;
}): JSX.Element {
  // The text as typed ("0." is on its way to a number); the document gets
  // the number whenever the text is one.
  const [text, setText] = React.useState(
    props.value === undefined ? '' : String(props.value)
  );
  React.useEffect(() => {
    if (
      props.value === undefined
        ? text.trim() !== ''
        : Number(text) !== props.value
    ) {
      setText(props.value === undefined ? '' : String(props.value));
    }
  }, [props.value]);
  return (
    <input
      id={props.id}
      type="number"
      step={props.integer ? 1 : 'any'}
      className="jp-MLStudio-input"
      placeholder={props.placeholder}
      value={text}
      onChange={event => {
        const next = event.target.value;
        setText(next);
        if (next.trim() === '') {
          props.onChange(undefined);
        } else if (Number.isFinite(Number(next))) {
          props.onChange(Number(next));
        }
      }}
    />
  );
}

/** A list of strings, one per line. */
function ListInput(props: {
  id: string;
  value: unknown;
  onChange: (value: unknown) => void;
}): JSX.Element {
  const lines = Array.isArray(props.value)
    ? props.value.map(v => (typeof v === 'string' ? v : JSON.stringify(v)))
    : [];
  const [text, setText] = React.useState(lines.join('\n'));
  const joined = lines.join('\n');
  React.useEffect(() => {
    if (text.split('\n').filter(Boolean).join('\n') !== joined) {
      setText(joined);
    }
  }, [joined]);
  return (
    <textarea
      id={props.id}
      className="jp-MLStudio-input jp-MLStudio-pipelineList"
      rows={Math.min(6, Math.max(2, lines.length + 1))}
      placeholder="One per line"
      value={text}
      onChange={event => {
        setText(event.target.value);
        const items = event.target.value
          .split('\n')
          .map(s => s.trim())
          .filter(Boolean);
        props.onChange(items.length ? items : undefined);
      }}
    />
  );
}

/** Any value as JSON; applied when the text parses, the error shown until then. */
export function JsonInput(props: {
  id: string;
  value: unknown;
  placeholder: string;
  onChange: (value: unknown) => void;
}): JSX.Element {
  const formatted =
    props.value === undefined ? '' : JSON.stringify(props.value, null, 2);
  const [text, setText] = React.useState(formatted);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let same = false;
    try {
      same =
        text.trim() === ''
          ? props.value === undefined
          : JSON.stringify(JSON.parse(text)) === JSON.stringify(props.value);
    } catch {
      same = false;
    }
    if (!same && error === null) {
      setText(formatted);
    }
  }, [formatted]);
  return (
    <div className="jp-MLStudio-pipelineJson">
      <textarea
        id={props.id}
        className="jp-MLStudio-input jp-MLStudio-mono"
        rows={Math.min(10, Math.max(2, formatted.split('\n').length))}
        placeholder={props.placeholder}
        value={text}
        spellCheck={false}
        onChange={event => {
          const next = event.target.value;
          setText(next);
          if (next.trim() === '') {
            setError(null);
            props.onChange(undefined);
            return;
          }
          try {
            const parsed = JSON.parse(next);
            setError(null);
            props.onChange(parsed);
          } catch (reason) {
            setError(reason instanceof Error ? reason.message : String(reason));
          }
        }}
      />
      {error && (
        <small className="jp-MLStudio-pipelineFieldError">
          Not JSON yet: {error}
        </small>
      )}
    </div>
  );
}

/** "↳ Reference": parameters, execution variables, upstream results. */
function ReferencePicker(props: {
  model: PipelineEditorModel;
  step: IPipelineStep;
  label: string;
  onPick: (value: unknown) => void;
}): JSX.Element {
  const { model, step } = props;
  const choices = referenceChoices(model.document!, step.name, model.types);
  const groups = [...new Set(choices.map(c => c.group))];
  return (
    <select
      className="jp-MLStudio-input jp-MLStudio-pipelineRefPicker"
      data-testid="mls-pipeline-ref-picker"
      aria-label={`Use a reference for ${props.label}`}
      title="Use a parameter or another step's result"
      value=""
      onChange={event => {
        const path = event.target.value;
        if (!path) {
          return;
        }
        if (!path.endsWith('.')) {
          props.onPick({ Get: path });
          return;
        }
        void InputDialog.getText({
          title: 'Metric name',
          label: `The metric of ${path.split('.')[1]} (e.g. validation:roc_auc)`
        }).then(result => {
          const metric = result.value?.trim();
          if (result.button.accept && metric) {
            props.onPick({ Get: `${path}${metric}` });
          }
        });
      }}
    >
      <option value="">↳ Ref…</option>
      {groups.map(group => (
        <optgroup key={group} label={group}>
          {choices
            .filter(c => c.group === group)
            .map(c => (
              <option key={c.path} value={c.path}>
                {c.label}
              </option>
            ))}
        </optgroup>
      ))}
    </select>
  );
}

// -- the step ---------------------------------------------------------------------------

export function StepProperties(props: {
  model: PipelineEditorModel;
  step: IPipelineStep;
  docManager: IDocumentManager | null;
}): JSX.Element {
  const { model, step } = props;
  const type: IStepType | undefined = model.types.get(step.type);
  const issues = model.issuesOf(step.name);
  const argIssues = (name: string) =>
    issues.filter(
      i =>
        i.path === `arguments.${name}` ||
        i.path.startsWith(`arguments.${name}.`) ||
        i.path.startsWith(`arguments.${name}[`)
    );
  const schema = type?.schema;
  const properties = Object.entries(schema?.properties ?? {});
  const required = new Set(schema?.required ?? []);
  const shown = new Set(properties.map(([name]) => name));
  const otherIssues = issues.filter(
    i => !i.path.startsWith('arguments.') || !shown.has(argName(i.path))
  );
  const update = (mutate: (s: IPipelineStep) => void, key: string) =>
    model.updateStep(step.name, mutate, `${step.name}:${key}`);
  return (
    <div
      className="jp-MLStudio-pipelineProperties"
      data-testid="mls-pipeline-properties"
      data-step={step.name}
    >
      <div className="jp-MLStudio-pipelinePaneTitle">
        {type?.title ?? step.type} step
      </div>
      {type && (
        <div className="jp-MLStudio-pipelineHint">{type.description}</div>
      )}
      {!type && model.typeList.length > 0 && (
        <div className="jp-MLStudio-pipelineFieldError">
          Unknown step type “{step.type}”.
        </div>
      )}
      {otherIssues.length > 0 && (
        <ul
          className="jp-MLStudio-pipelineIssues"
          data-testid="mls-pipeline-step-issues"
        >
          {otherIssues.map((issue, i) => (
            <li key={i}>
              {issue.path && <code>{issue.path}</code>} {issue.message}
            </li>
          ))}
        </ul>
      )}
      <StepName model={model} step={step} />
      <div className="jp-MLStudio-pipelineField">
        <label
          className="jp-MLStudio-pipelineFieldLabel"
          htmlFor="mls-pipeline-step-description"
        >
          Description
        </label>
        <input
          id="mls-pipeline-step-description"
          className="jp-MLStudio-input"
          value={step.description ?? ''}
          onChange={event => {
            const text = event.target.value;
            update(s => {
              s.description = text;
            }, 'description');
          }}
        />
      </div>
      <div className="jp-MLStudio-pipelineSection">Arguments</div>
      {properties.length === 0 && (
        <div className="jp-MLStudio-pipelineHint">
          {type ? 'This step type takes no arguments.' : 'Arguments (JSON):'}
        </div>
      )}
      {!type && (
        <JsonInput
          id="mls-pipeline-step-arguments"
          value={step.arguments}
          placeholder="{}"
          onChange={value =>
            update(s => {
              s.arguments = (value as Record<string, unknown>) ?? {};
            }, 'arguments')
          }
        />
      )}
      {schema &&
        properties.map(([name, propSchema]) =>
          step.type === 'Condition' && name === 'conditions' ? (
            <ConditionsEditor
              key={`${step.name}:${name}`}
              model={model}
              step={step}
              issues={argIssues(name)}
            />
          ) : (
            <ArgumentField
              key={`${step.name}:${name}`}
              model={model}
              step={step}
              name={name}
              schema={propSchema}
              root={schema}
              required={required.has(name)}
              issues={argIssues(name)}
              docManager={props.docManager}
            />
          )
        )}
      <div className="jp-MLStudio-pipelineSection">Runs after</div>
      <DependsOn model={model} step={step} />
      <div className="jp-MLStudio-pipelineSection">Execution</div>
      <div className="jp-MLStudio-pipelineGrid">
        <label htmlFor="mls-pipeline-step-attempts">Attempts</label>
        <input
          id="mls-pipeline-step-attempts"
          type="number"
          min={1}
          max={20}
          className="jp-MLStudio-input"
          value={step.retry?.max_attempts ?? 1}
          onChange={event => {
            const n = Math.round(Number(event.target.value));
            if (n >= 1) {
              update(s => {
                s.retry = { ...(s.retry ?? {}), max_attempts: n };
              }, 'attempts');
            }
          }}
        />
        <label htmlFor="mls-pipeline-step-timeout">Timeout (s)</label>
        <input
          id="mls-pipeline-step-timeout"
          type="number"
          min={1}
          className="jp-MLStudio-input"
          placeholder="none"
          value={step.timeout_seconds ?? ''}
          onChange={event => {
            const text = event.target.value.trim();
            update(s => {
              s.timeout_seconds = text === '' ? null : Number(text);
            }, 'timeout');
          }}
        />
        <label htmlFor="mls-pipeline-step-cache">Cache results</label>
        <input
          id="mls-pipeline-step-cache"
          type="checkbox"
          checked={step.cache?.enabled ?? true}
          onChange={event => {
            const enabled = event.target.checked;
            update(s => {
              s.cache = { ...(s.cache ?? {}), enabled };
            }, 'cache');
          }}
        />
      </div>
      <button
        type="button"
        className="jp-MLStudio-button jp-mod-warn jp-MLStudio-pipelineDelete"
        data-testid="mls-pipeline-delete-step"
        onClick={() => model.deleteStep(step.name)}
      >
        Delete step
      </button>
    </div>
  );
}

function argName(path: string): string {
  return path.slice('arguments.'.length).split(/[.[]/)[0];
}

function StepName(props: {
  model: PipelineEditorModel;
  step: IPipelineStep;
}): JSX.Element {
  const { model, step } = props;
  const [text, setText] = React.useState(step.name);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    setText(step.name);
    setError(null);
  }, [step.name]);
  const commit = () => {
    const refused = model.renameStep(step.name, text.trim());
    setError(refused);
  };
  return (
    <div className="jp-MLStudio-pipelineField">
      <label
        className="jp-MLStudio-pipelineFieldLabel"
        htmlFor="mls-pipeline-step-name"
      >
        Name
      </label>
      <input
        id="mls-pipeline-step-name"
        data-testid="mls-pipeline-step-name"
        className="jp-MLStudio-input jp-MLStudio-mono"
        value={text}
        onChange={event => setText(event.target.value)}
        onBlur={commit}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            commit();
          }
        }}
      />
      <small className="jp-MLStudio-pipelineFieldHelp">
        Renaming updates the references to this step.
      </small>
      {error && (
        <small className="jp-MLStudio-pipelineFieldError">{error}</small>
      )}
    </div>
  );
}

function DependsOn(props: {
  model: PipelineEditorModel;
  step: IPipelineStep;
}): JSX.Element {
  const { model, step } = props;
  const deps = step.depends_on ?? [];
  return (
    <div
      className="jp-MLStudio-pipelineDeps"
      data-testid="mls-pipeline-depends-on"
    >
      {deps.length === 0 && (
        <div className="jp-MLStudio-pipelineHint">
          No explicit dependency: drag from another step's right handle to this
          step. References to other steps' results order the steps too.
        </div>
      )}
      {deps.map(dep => (
        <span key={dep} className="jp-MLStudio-pipelineChip">
          {dep}
          <button
            type="button"
            className="jp-MLStudio-pipelineSmallButton"
            aria-label={`Remove the dependency on ${dep}`}
            onClick={() => model.disconnect(dep, step.name)}
          >
            ×
          </button>
        </span>
      ))}
    </div>
  );
}

// -- the pipeline -----------------------------------------------------------------------

const PARAMETER_TYPES: ParameterType[] = [
  'String',
  'Integer',
  'Float',
  'Boolean'
];

/** A default as typed, as the parameter's type; undefined when it is not one. */
function typedDefault(type: ParameterType, text: string): unknown {
  if (text.trim() === '') {
    return null;
  }
  if (type === 'String') {
    return text;
  }
  if (type === 'Boolean') {
    return text === 'true';
  }
  const n = Number(text);
  if (!Number.isFinite(n) || (type === 'Integer' && !Number.isInteger(n))) {
    return undefined;
  }
  return n;
}

export function PipelineSettings(props: {
  model: PipelineEditorModel;
}): JSX.Element {
  const { model } = props;
  const doc = model.document!;
  const issues = model.issuesOf(null);
  return (
    <div
      className="jp-MLStudio-pipelineProperties"
      data-testid="mls-pipeline-settings"
    >
      <div className="jp-MLStudio-pipelinePaneTitle">Pipeline</div>
      <div className="jp-MLStudio-pipelineHint">
        Select a step to edit it; these settings belong to the whole pipeline.
      </div>
      {issues.length > 0 && (
        <ul className="jp-MLStudio-pipelineIssues">
          {issues.map((issue, i) => (
            <li key={i}>
              {issue.path && <code>{issue.path}</code>} {issue.message}
            </li>
          ))}
        </ul>
      )}
      <div className="jp-MLStudio-pipelineGrid">
        <label htmlFor="mls-pipeline-name">Name</label>
        <input
          id="mls-pipeline-name"
          className="jp-MLStudio-input jp-MLStudio-mono"
          value={doc.name}
          onChange={event =>
            model.setMeta({ name: event.target.value }, 'name')
          }
        />
        <label htmlFor="mls-pipeline-description">Description</label>
        <input
          id="mls-pipeline-description"
          className="jp-MLStudio-input"
          value={doc.description ?? ''}
          onChange={event =>
            model.setMeta({ description: event.target.value }, 'description')
          }
        />
        <label htmlFor="mls-pipeline-parallel">Parallel steps</label>
        <input
          id="mls-pipeline-parallel"
          type="number"
          min={1}
          max={64}
          className="jp-MLStudio-input"
          value={doc.max_parallel ?? 4}
          onChange={event => {
            const n = Math.round(Number(event.target.value));
            if (n >= 1) {
              model.setMeta({ max_parallel: n }, 'parallel');
            }
          }}
        />
      </div>
      <div className="jp-MLStudio-pipelineSection">Parameters</div>
      <ParametersEditor model={model} />
    </div>
  );
}

function ParametersEditor(props: { model: PipelineEditorModel }): JSX.Element {
  const { model } = props;
  const params = model.document!.parameters;
  const change = (
    i: number,
    patch: Partial<IPipelineParameter>,
    key: string
  ) => {
    const next = params.map((p, at) => (at === i ? { ...p, ...patch } : p));
    model.setParameters(next, `param:${i}:${key}`);
  };
  return (
    <div
      className="jp-MLStudio-pipelineParams"
      data-testid="mls-pipeline-parameters"
    >
      {params.length === 0 && (
        <div className="jp-MLStudio-pipelineHint">
          No parameters. A run can set each parameter's value; steps read it
          with the reference picker.
        </div>
      )}
      {params.map((p, i) => (
        <div
          key={i}
          className="jp-MLStudio-pipelineParam"
          data-testid="mls-pipeline-parameter"
        >
          <input
            className="jp-MLStudio-input jp-MLStudio-mono"
            aria-label="Parameter name"
            data-testid="mls-pipeline-parameter-name"
            value={p.name}
            onChange={event => change(i, { name: event.target.value }, 'name')}
          />
          <select
            className="jp-MLStudio-input"
            aria-label="Parameter type"
            data-testid="mls-pipeline-parameter-type"
            value={p.type}
            onChange={event => {
              const type = event.target.value as ParameterType;
              const kept = typedDefault(
                type,
                p.default === null || p.default === undefined
                  ? ''
                  : String(p.default)
              );
              change(
                i,
                { type, default: kept === undefined ? null : kept },
                'type'
              );
            }}
          >
            {PARAMETER_TYPES.map(t => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {p.type === 'Boolean' ? (
            <select
              className="jp-MLStudio-input"
              aria-label="Parameter default"
              data-testid="mls-pipeline-parameter-default"
              value={
                p.default === null || p.default === undefined
                  ? ''
                  : String(p.default)
              }
              onChange={event =>
                change(
                  i,
                  { default: typedDefault('Boolean', event.target.value) },
                  'default'
                )
              }
            >
              <option value="">(no default)</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : (
            <ParameterDefault
              param={p}
              onChange={value => change(i, { default: value }, 'default')}
            />
          )}
          <button
            type="button"
            className="jp-MLStudio-pipelineSmallButton"
            aria-label={`Remove parameter ${p.name}`}
            title="Remove"
            onClick={() =>
              model.setParameters(params.filter((_, at) => at !== i))
            }
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="jp-MLStudio-button"
        data-testid="mls-pipeline-add-parameter"
        onClick={() => {
          const taken = new Set(params.map(p => p.name));
          let n = params.length + 1;
          while (taken.has(`param_${n}`)) {
            n++;
          }
          model.setParameters([
            ...params,
            { name: `param_${n}`, type: 'String', default: '' }
          ]);
        }}
      >
        Add parameter
      </button>
    </div>
  );
}

function ParameterDefault(props: {
  param: IPipelineParameter;
  onChange: (value: unknown) => void;
}): JSX.Element {
  const { param } = props;
  const current =
    param.default === null || param.default === undefined
      ? ''
      : String(param.default);
  const [text, setText] = React.useState(current);
  const [bad, setBad] = React.useState(false);
  React.useEffect(() => {
    if (typedDefault(param.type, text) !== param.default) {
      setText(current);
      setBad(false);
    }
  }, [current, param.type]);
  return (
    <input
      className={'jp-MLStudio-input' + (bad ? ' jp-mod-invalid' : '')}
      aria-label="Parameter default"
      data-testid="mls-pipeline-parameter-default"
      placeholder="default"
      title={
        bad ? `Not a${param.type === 'Integer' ? 'n integer' : ' number'}` : ''
      }
      value={text}
      onChange={event => {
        const next = event.target.value;
        setText(next);
        const value = typedDefault(param.type, next);
        setBad(value === undefined);
        if (value !== undefined) {
          props.onChange(value);
        }
      }}
    />
  );
}

// -- a condition's comparisons ----------------------------------------------------------

const COMPARISONS = [
  'Equals',
  'GreaterThan',
  'GreaterThanOrEqualTo',
  'LessThan',
  'LessThanOrEqualTo',
  'In'
];
const COMPARISON_LABELS: Record<string, string> = {
  Equals: '=',
  GreaterThan: '>',
  GreaterThanOrEqualTo: '≥',
  LessThan: '<',
  LessThanOrEqualTo: '≤',
  In: 'in'
};

/**
 * The Condition step's `conditions` (all must hold): one row per comparison,
 * each side a value or a reference; Not/And/Or expressions are edited as JSON.
 */
function ConditionsEditor(props: {
  model: PipelineEditorModel;
  step: IPipelineStep;
  issues: IPipelineIssue[];
}): JSX.Element {
  const { model, step } = props;
  const raw = step.arguments.conditions;
  const conditions: Array<Record<string, unknown>> = Array.isArray(raw)
    ? (raw as Array<Record<string, unknown>>)
    : [];
  const set = (next: Array<Record<string, unknown>>, key: string) =>
    model.updateStep(
      step.name,
      s => {
        s.arguments.conditions = next;
      },
      `${step.name}:conditions:${key}`
    );
  const change = (i: number, patch: Record<string, unknown>, key: string) =>
    set(
      conditions.map((c, at) => (at === i ? { ...c, ...patch } : c)),
      `${i}:${key}`
    );
  return (
    <div
      className={
        'jp-MLStudio-pipelineField' +
        (props.issues.length ? ' jp-mod-invalid' : '')
      }
      data-testid="mls-pipeline-conditions"
    >
      <span className="jp-MLStudio-pipelineFieldLabel">
        Conditions<span className="jp-MLStudio-pipelineRequired"> *</span>
      </span>
      {conditions.map((c, i) =>
        typeof c.op === 'string' && COMPARISONS.includes(c.op) ? (
          <div
            key={i}
            className="jp-MLStudio-pipelineCondition"
            data-testid="mls-pipeline-condition"
          >
            <Operand
              model={model}
              step={step}
              label="Left side"
              value={c.left}
              onChange={v => change(i, { left: v }, 'left')}
            />
            <select
              className="jp-MLStudio-input"
              aria-label="Comparison"
              data-testid="mls-pipeline-condition-op"
              value={c.op}
              onChange={event => change(i, { op: event.target.value }, 'op')}
            >
              {COMPARISONS.map(op => (
                <option key={op} value={op} title={op}>
                  {COMPARISON_LABELS[op]}
                </option>
              ))}
            </select>
            <Operand
              model={model}
              step={step}
              label="Right side"
              value={c.right}
              onChange={v => change(i, { right: v }, 'right')}
            />
            <button
              type="button"
              className="jp-MLStudio-pipelineSmallButton"
              aria-label="Remove this condition"
              onClick={() =>
                set(
                  conditions.filter((_, at) => at !== i),
                  `remove:${i}`
                )
              }
            >
              ×
            </button>
          </div>
        ) : (
          <JsonInput
            key={i}
            id={`mls-pipeline-condition-${i}`}
            value={c}
            placeholder="JSON"
            onChange={v =>
              set(
                conditions.map((old, at) =>
                  at === i ? (v as Record<string, unknown>) : old
                ),
                `json:${i}`
              )
            }
          />
        )
      )}
      <button
        type="button"
        className="jp-MLStudio-pipelineSmallButton jp-MLStudio-pipelineAddCondition"
        data-testid="mls-pipeline-add-condition"
        onClick={() =>
          set(
            [
              ...conditions,
              { op: 'GreaterThanOrEqualTo', left: null, right: null }
            ],
            'add'
          )
        }
      >
        Add comparison
      </button>
      <small className="jp-MLStudio-pipelineFieldHelp">
        All must hold for the if branch. Not, And and Or (with their own
        conditions) are edited as JSON.
      </small>
      {props.issues.map((issue, i) => (
        <small
          key={i}
          className="jp-MLStudio-pipelineFieldError"
          data-testid="mls-pipeline-field-error"
        >
          {issue.path.replace(/^arguments\.conditions/, 'condition')}:{' '}
          {issue.message}
        </small>
      ))}
    </div>
  );
}

/** One side of a comparison: a reference, or a number/text typed in. */
function Operand(props: {
  model: PipelineEditorModel;
  step: IPipelineStep;
  label: string;
  value: unknown;
  onChange: (value: unknown) => void;
}): JSX.Element {
  const { value } = props;
  if (isReference(value)) {
    return (
      <div className="jp-MLStudio-pipelineRef" data-testid="mls-pipeline-ref">
        <code>{referenceText(value)}</code>
        <button
          type="button"
          className="jp-MLStudio-pipelineSmallButton"
          aria-label={`Clear the reference of the ${props.label.toLowerCase()}`}
          onClick={() => props.onChange(null)}
        >
          ×
        </button>
      </div>
    );
  }
  return (
    <div className="jp-MLStudio-pipelineOperand">
      <input
        className="jp-MLStudio-input"
        aria-label={props.label}
        data-testid="mls-pipeline-operand"
        placeholder="value"
        value={
          value === null || value === undefined
            ? ''
            : typeof value === 'string'
              ? value
              : JSON.stringify(value)
        }
        onChange={event => {
          const text = event.target.value;
          let parsed: unknown = text;
          if (text.trim() === '') {
            parsed = null;
          } else {
            try {
              parsed = JSON.parse(text); // numbers, booleans, lists for In
            } catch {
              parsed = text;
            }
          }
          props.onChange(parsed);
        }}
      />
      <ReferencePicker
        model={props.model}
        step={props.step}
        label={props.label}
        onPick={props.onChange}
      />
    </div>
  );
}
