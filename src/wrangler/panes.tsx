/**
 * The editor's side panes: the step list (left) and the form of the
 * selected step or source (right). They render the model and call it.
 */
import * as React from 'react';

import type { IStepStatus } from '../api/wrangler';
import {
  allRefs,
  downstreamOf,
  IFlowSource,
  IFlowStep,
  sourceLabel,
  sourceText,
  SourceTextField,
  splitRef,
  stepSummary,
  withSourceText
} from './document';
import { SchemaForm } from './form';
import type { FlowEditorModel } from './model';

/** The state icon of a node: ok, error, blocked, or not run yet. */
export function StateDot(props: { state?: string }): JSX.Element {
  const state = props.state ?? 'pending';
  return (
    <span
      className={`jp-MLStudio-wranglerState jp-mod-${state}`}
      title={state}
      aria-label={state}
    />
  );
}

/** Sources and steps in file order, with their state and error. */
export function StepList(props: { model: FlowEditorModel }): JSX.Element {
  const { model } = props;
  const doc = model.document!;
  const selected = splitRef(model.selected ?? '').node;
  const failed = [...model.statuses.values()].find(s => s.state === 'error');
  const item = (
    id: string,
    label: string,
    detail: string,
    status: IStepStatus | undefined
  ) => (
    <li
      key={id}
      className={
        'jp-MLStudio-wranglerStep' +
        (id === selected ? ' jp-mod-selected' : '') +
        (status ? ` jp-mod-${status.state}` : '')
      }
      data-node-id={id}
      title={[label, detail, id]
        .filter((t, i, all) => t && all.indexOf(t) === i)
        .join('\n')}
      onClick={() => model.select(id)}
    >
      <div className="jp-MLStudio-wranglerStepTitle">
        <StateDot state={status?.state} />
        <span className="jp-MLStudio-wranglerStepLabel">{label}</span>
        {status?.state === 'ok' && status.outputs[0] && (
          <span className="jp-MLStudio-wranglerStepShape">
            {status.outputs[0].rows.toLocaleString()}×
            {status.outputs[0].columns}
          </span>
        )}
      </div>
      <div className="jp-MLStudio-wranglerStepDetail">{detail}</div>
      {status?.state === 'error' && status.message && (
        <div className="jp-MLStudio-wranglerStepError" role="alert">
          {status.message}
        </div>
      )}
      {status?.state === 'blocked' && (
        <div className="jp-MLStudio-wranglerStepBlocked">
          Blocked{failed ? ` by ${failed.id}` : ''}: an upstream step failed.
        </div>
      )}
    </li>
  );
  return (
    <div className="jp-MLStudio-wranglerList" data-testid="mls-wrangler-steps">
      <div className="jp-MLStudio-wranglerPaneTitle">Steps</div>
      <ul>
        {doc.sources.map(s =>
          item(
            s.id,
            sourceLabel(s),
            `${s.kind} source`,
            model.statuses.get(s.id)
          )
        )}
        {doc.steps.map(s => {
          const transform = model.transforms.get(s.transform);
          return item(
            s.id,
            s.title || transform?.title || s.transform,
            stepSummary(s, transform) || s.id,
            model.statuses.get(s.id)
          );
        })}
        {model.draft?.isNew && (
          <li className="jp-MLStudio-wranglerStep jp-mod-draft">
            <div className="jp-MLStudio-wranglerStepTitle">
              <StateDot state="draft" />
              <span className="jp-MLStudio-wranglerStepLabel">
                {model.transforms.get(model.draft.step.transform)?.title} (new)
              </span>
            </div>
          </li>
        )}
      </ul>
    </div>
  );
}

/** The right pane: the step form, the source form, or a hint. */
export function FormPane(props: { model: FlowEditorModel }): JSX.Element {
  const { model } = props;
  const doc = model.document!;
  if (model.draft) {
    return <StepForm model={model} />;
  }
  const source = doc.sources.find(s => s.id === model.selected);
  if (source) {
    return <SourceForm key={source.id} model={model} source={source} />;
  }
  return (
    <div className="jp-MLStudio-wranglerForm">
      <p className="jp-MLStudio-wranglerHint">
        Select a step to edit it, or add a step with “Add step”.
      </p>
    </div>
  );
}

function StepForm(props: { model: FlowEditorModel }): JSX.Element {
  const { model } = props;
  const draft = model.draft!;
  const step = draft.step;
  const transform = model.transforms.get(step.transform);
  const status = model.statuses.get(step.id);
  const [problem, setProblem] = React.useState<string | null>(null);
  const doc = model.document!;
  const forbidden = downstreamOf(doc, step.id);
  const refs = allRefs(doc, model.transforms, step.id).filter(
    ref => !forbidden.has(splitRef(ref).node)
  );
  const update = (change: Partial<IFlowStep>) =>
    model.updateDraft({ ...step, ...change });
  if (!transform) {
    return (
      <div className="jp-MLStudio-wranglerForm">
        <p className="jp-MLStudio-wranglerStepError">
          Unknown transform “{step.transform}”.
        </p>
      </div>
    );
  }
  return (
    <form
      className="jp-MLStudio-wranglerForm"
      data-testid="mls-wrangler-form"
      data-transform={step.transform}
      onSubmit={e => {
        e.preventDefault();
        model.applyDraft();
      }}
    >
      <div className="jp-MLStudio-wranglerPaneTitle">
        {draft.isNew ? 'New step: ' : ''}
        {transform.title}
      </div>
      <p className="jp-MLStudio-wranglerHelp">{transform.description}</p>
      {!draft.isNew && status?.state === 'error' && (
        <div className="jp-MLStudio-wranglerStepError" role="alert">
          {status.message}
        </div>
      )}
      {transform.inputs.map((name, port) => (
        <div className="jp-MLStudio-wranglerField" key={`port-${port}`}>
          <label className="jp-MLStudio-wranglerLabel">
            Input{transform.inputs.length > 1 ? ` “${name}”` : ''}
          </label>
          <select
            className="jp-mod-styled"
            data-port={port}
            value={step.inputs[port] ?? ''}
            onChange={e => {
              const inputs = [...step.inputs];
              inputs[port] = e.target.value;
              update({ inputs });
            }}
          >
            {!step.inputs[port] && <option value="">Choose…</option>}
            {refs.map(ref => (
              <option key={ref} value={ref}>
                {ref}
              </option>
            ))}
          </select>
        </div>
      ))}
      <SchemaForm
        key={`${step.id}-${draft.isNew}`}
        schema={transform.params_schema}
        value={step.params}
        onChange={params => update({ params })}
        columnsOf={port => model.columnsOf(step.inputs[port])}
      />
      <div className="jp-MLStudio-wranglerField">
        <label className="jp-MLStudio-wranglerLabel" htmlFor="mls-wr-title">
          Title
        </label>
        <input
          id="mls-wr-title"
          type="text"
          className="jp-mod-styled"
          placeholder={transform.title}
          value={step.title ?? ''}
          onChange={e => update({ title: e.target.value || null })}
        />
      </div>
      {problem && (
        <div className="jp-MLStudio-wranglerStepError" role="alert">
          {problem}
        </div>
      )}
      <div className="jp-MLStudio-wranglerFormButtons">
        <button
          type="submit"
          className="jp-Button jp-mod-styled jp-mod-accept"
          data-testid="mls-wrangler-apply"
        >
          {draft.isNew ? 'Add' : 'Apply'}
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject"
          onClick={() => model.cancelDraft()}
        >
          {draft.isNew ? 'Cancel' : 'Reset'}
        </button>
        {!draft.isNew && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-warn"
            data-testid="mls-wrangler-delete"
            onClick={() => setProblem(model.deleteStep(step.id))}
          >
            Delete
          </button>
        )}
      </div>
    </form>
  );
}

function SourceForm(props: {
  model: FlowEditorModel;
  source: IFlowSource;
}): JSX.Element {
  const [source, setSource] = React.useState(props.source);
  React.useEffect(() => setSource(props.source), [props.source]);
  const status = props.model.statuses.get(source.id);
  const text = (key: SourceTextField, label: string) =>
    sourceText(source, key) !== undefined || key === 'title' ? (
      <div className="jp-MLStudio-wranglerField">
        <label className="jp-MLStudio-wranglerLabel">{label}</label>
        <input
          type="text"
          className="jp-mod-styled"
          data-field={key}
          value={sourceText(source, key) ?? ''}
          onChange={e => setSource(withSourceText(source, key, e.target.value))}
        />
      </div>
    ) : null;
  return (
    <form
      className="jp-MLStudio-wranglerForm"
      data-testid="mls-wrangler-source-form"
      onSubmit={e => {
        e.preventDefault();
        props.model.updateSource(source);
      }}
    >
      <div className="jp-MLStudio-wranglerPaneTitle">
        Source: {source.kind.toUpperCase()}
      </div>
      {status?.state === 'error' && (
        <div className="jp-MLStudio-wranglerStepError" role="alert">
          {status.message}
        </div>
      )}
      {status?.sample_note && (
        <p className="jp-MLStudio-wranglerHelp">{status.sample_note}</p>
      )}
      {text('path', 'Path (relative to the .flow file)')}
      {text('url', 'Database URL')}
      {text('query', 'Query')}
      {source.kind === 'csv' && (
        <div className="jp-MLStudio-wranglerField">
          <label className="jp-MLStudio-wranglerLabel">Separator</label>
          <select
            className="jp-mod-styled"
            value={source.sep ?? ','}
            onChange={e => setSource({ ...source, sep: e.target.value })}
          >
            <option value=",">comma (,)</option>
            <option value={'\t'}>tab</option>
            <option value=";">semicolon (;)</option>
            <option value="|">pipe (|)</option>
          </select>
        </div>
      )}
      {text('name', 'Variable name in exported code')}
      {text('title', 'Title')}
      <div className="jp-MLStudio-wranglerFormButtons">
        <button type="submit" className="jp-Button jp-mod-styled jp-mod-accept">
          Apply
        </button>
      </div>
    </form>
  );
}
