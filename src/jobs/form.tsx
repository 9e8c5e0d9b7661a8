/**
 * The "New training job" form: algorithm, a hyperparameter form generated
 * from the algorithm's JSON schema, the data and the target column.
 */
import {
  fileIcon,
  LabIcon,
  runIcon as playIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type { Algorithm, AlgorithmTask, Job } from '../api/types';
import { trainIcon } from '../icons';
import { DataChannel, DATA_EXTENSIONS, TrainingFormModel } from './form-model';
import {
  allowed,
  IHyperparameterField,
  NONE_OPTION,
  placeholderOf
} from './hyperparameters';
import { ErrorBanner, PageHeader } from '../ui/components';
import { ResourcePanel, ResourceView } from '../ui/view';

export namespace TrainingFormView {
  export interface IOptions {
    model: TrainingFormModel;
    /** Called with the job the server started. */
    onSubmitted: (job: Job) => void;
  }
}

let formCount = 0;

/** The main-area widget of the form. */
export class TrainingFormView extends ResourceView<TrainingFormModel> {
  constructor(options: TrainingFormView.IOptions) {
    const count = ++formCount;
    super({
      content: new ResourcePanel(options.model, 'mls-job-form', model => (
        <TrainingForm
          model={model}
          prefix={`mls-form-${count}`}
          onSubmitted={options.onSubmitted}
          onCancel={() => this.close()}
        />
      )),
      id: `mlstudio-training-form-${count}`,
      className: 'jp-MLStudio-trainingFormView',
      icon: trainIcon,
      label: 'New Training Job'
    });
  }
}

function TrainingForm(props: {
  model: TrainingFormModel;
  prefix: string;
  onSubmitted: (job: Job) => void;
  onCancel: () => void;
}): JSX.Element {
  const { model, prefix } = props;
  const algorithm = model.algorithm;
  return (
    <FormPage
      icon={trainIcon}
      heading="New training job"
      intro="Train a built-in scikit-learn algorithm on a data file. The job runs in the background; its metrics and model are logged to an experiment run."
      submit={() => model.submit()}
      onSubmitted={props.onSubmitted}
    >
      <FormSection title="Job">
        <div className="jp-MLStudio-formGrid">
          <TextRow
            id={`${prefix}-name`}
            label="Job name"
            help="Optional; a unique name is generated when left empty."
            error={model.fieldError('name')}
            testId="mls-form-name"
            value={model.name}
            placeholder="generated"
            onChange={value => model.setName(value)}
          />
          <TextRow
            id={`${prefix}-experiment`}
            label="Experiment"
            help="The experiment of the run the job logs to; created if missing."
            testId="mls-form-experiment"
            value={model.experiment}
            placeholder="Jobs"
            onChange={value => model.setExperiment(value)}
          />
        </div>
      </FormSection>

      <FormSection title="Algorithm">
        <AlgorithmPicker model={model} id={`${prefix}-algorithm`} />
      </FormSection>

      {algorithm && (
        <FormSection title="Hyperparameters">
          {model.fields.length === 0 ? (
            <div className="jp-MLStudio-muted">
              This algorithm has no hyperparameters.
            </div>
          ) : (
            <div
              className="jp-MLStudio-formGrid"
              data-testid="mls-form-hyperparameters"
            >
              {model.fields.map(field => (
                <HyperparameterRow
                  key={`${algorithm.name}:${field.name}`}
                  model={model}
                  field={field}
                  id={`${prefix}-hp-${field.name}`}
                />
              ))}
            </div>
          )}
        </FormSection>
      )}

      <FormSection title="Data">
        <div className="jp-MLStudio-formGrid jp-mod-wide">
          <DataRows model={model} prefix={prefix} />
          <FormRow
            id={`${prefix}-fraction`}
            label="Validation fraction"
            help={
              model.path('validation').trim()
                ? 'Not used: the validation data above is scored instead.'
                : 'Share of the training rows held out to score the model.'
            }
            error={model.fieldError('validationFraction')}
          >
            <input
              id={`${prefix}-fraction`}
              className="jp-MLStudio-input jp-mod-number"
              data-testid="mls-form-fraction"
              type="number"
              min={0}
              max={1}
              step={0.05}
              disabled={model.path('validation').trim() !== ''}
              value={model.validationFraction}
              onChange={event =>
                model.setValidationFraction(event.target.value)
              }
            />
          </FormRow>
        </div>
      </FormSection>

      {algorithm?.distributed && (
        <FormSection title="Resources">
          <div className="jp-MLStudio-formGrid jp-mod-wide">
            <FormRow
              id={`${prefix}-instances`}
              label="Instance count"
              help="Above 1, the booster trains across that many Dask workers (the configured cluster, else a local one the job starts), reading the data as partitions."
              error={model.fieldError('instanceCount')}
            >
              <input
                id={`${prefix}-instances`}
                className="jp-MLStudio-input jp-mod-number"
                data-testid="mls-form-instance-count"
                type="number"
                min={1}
                max={256}
                step={1}
                value={model.instanceCount}
                onChange={event => model.setInstanceCount(event.target.value)}
              />
            </FormRow>
          </div>
        </FormSection>
      )}

      <FormFooter
        error={model.error?.message ?? null}
        onDismiss={() => model.dismissError()}
        submitting={model.submitting}
        disabled={!algorithm}
        submitLabel="Start training job"
        testIdPrefix="mls-form"
        onCancel={props.onCancel}
      />
    </FormPage>
  );
}

/**
 * A job form's page: its header and intro, and a submit that hands what the
 * server started to `onSubmitted` (`submit` resolves to `null` when refused).
 */
export function FormPage<T>(props: {
  icon: LabIcon;
  heading: string;
  intro: React.ReactNode;
  /** Classes next to `jp-MLStudio-page jp-MLStudio-jobForm`. */
  className?: string;
  submit: () => Promise<T | null>;
  onSubmitted: (started: T) => void;
  children: React.ReactNode;
}): JSX.Element {
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const started = await props.submit();
    if (started) {
      props.onSubmitted(started);
    }
  };
  const classes = ['jp-MLStudio-page', 'jp-MLStudio-jobForm'];
  if (props.className) {
    classes.push(props.className);
  }
  return (
    <form
      className={classes.join(' ')}
      noValidate
      onSubmit={event => void submit(event)}
    >
      <PageHeader icon={props.icon} heading={props.heading} />
      <p className="jp-MLStudio-muted jp-MLStudio-formIntro">{props.intro}</p>
      {props.children}
    </form>
  );
}

/** The training data: train and validation files, the target, excluded columns. */
export function DataRows(props: {
  model: TrainingFormModel;
  prefix: string;
}): JSX.Element {
  const { model, prefix } = props;
  return (
    <>
      <DataRow model={model} channel="train" id={`${prefix}-train`} />
      <DataRow model={model} channel="validation" id={`${prefix}-validation`} />
      <TargetRow model={model} id={`${prefix}-target`} />
      <ExcludeRow model={model} id={`${prefix}-exclude`} />
    </>
  );
}

/**
 * A job form's footer: its error, the submit button (play icon, "Starting…"
 * while the request is out) and Cancel. Test ids are `<prefix>-submit` and
 * `<prefix>-cancel`.
 */
export function FormFooter(props: {
  error: string | null;
  onDismiss: () => void;
  submitting: boolean;
  /** Submit is also disabled while the form cannot be sent (no algorithm). */
  disabled: boolean;
  submitLabel: string;
  testIdPrefix: string;
  onCancel: () => void;
}): JSX.Element {
  return (
    <footer className="jp-MLStudio-formFooter">
      {props.error && (
        <FormError message={props.error} onDismiss={props.onDismiss} />
      )}
      <div className="jp-MLStudio-toolbar">
        <button
          type="submit"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid={`${props.testIdPrefix}-submit`}
          disabled={props.submitting || props.disabled}
        >
          <playIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
          <span>{props.submitting ? 'Starting…' : props.submitLabel}</span>
        </button>
        <button
          type="button"
          className="jp-MLStudio-button"
          data-testid={`${props.testIdPrefix}-cancel`}
          onClick={props.onCancel}
        >
          Cancel
        </button>
      </div>
    </footer>
  );
}

/** The form's error, scrolled into view when it appears or changes. */
export function FormError(props: {
  message: string;
  onDismiss: () => void;
}): JSX.Element {
  const node = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    // The footer: the message and the buttons under it.
    const footer = node.current?.parentElement ?? node.current;
    footer?.scrollIntoView({ block: 'nearest' });
  }, [props.message]);
  return (
    <div
      ref={node}
      data-testid="mls-form-error"
      className="jp-MLStudio-formError"
    >
      <ErrorBanner message={props.message} onDismiss={props.onDismiss} />
    </div>
  );
}

export function FormSection(props: {
  title: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <fieldset className="jp-MLStudio-formSection">
      <legend className="jp-MLStudio-sectionTitle">{props.title}</legend>
      {props.children}
    </fieldset>
  );
}

/** A labelled control with its help text and inline error. */
export function FormRow(props: {
  id: string;
  label: React.ReactNode;
  help?: React.ReactNode;
  error?: string | null;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <div
      className={`jp-MLStudio-formRow${props.error ? ' jp-mod-invalid' : ''}`}
    >
      <label htmlFor={props.id} className="jp-MLStudio-formLabel">
        {props.label}
      </label>
      {props.children}
      {props.error && (
        <div
          className="jp-MLStudio-fieldError"
          data-testid="mls-field-error"
          id={`${props.id}-error`}
          role="alert"
        >
          {props.error}
        </div>
      )}
      {props.help && <div className="jp-MLStudio-formHelp">{props.help}</div>}
    </div>
  );
}

/** A form row with a one-line text input. */
export function TextRow(props: {
  id: string;
  label: string;
  help: string;
  error?: string | null;
  testId: string;
  value: string;
  placeholder: string;
  onChange: (value: string) => void;
}): JSX.Element {
  return (
    <FormRow
      id={props.id}
      label={props.label}
      help={props.help}
      error={props.error}
    >
      <input
        id={props.id}
        className="jp-MLStudio-input"
        data-testid={props.testId}
        type="text"
        value={props.value}
        placeholder={props.placeholder}
        onChange={event => props.onChange(event.target.value)}
      />
    </FormRow>
  );
}

const TASK_TITLES: Record<AlgorithmTask, string> = {
  classification: 'Classification',
  regression: 'Regression',
  clustering: 'Clustering',
  anomaly: 'Anomaly detection'
};

export function AlgorithmPicker(props: {
  model: TrainingFormModel;
  id: string;
}): JSX.Element {
  const { model } = props;
  if (!model.algorithmsLoaded) {
    return (
      <div className="jp-MLStudio-muted">
        {model.error
          ? 'The algorithms could not be loaded.'
          : 'Loading algorithms…'}
      </div>
    );
  }
  const groups = new Map<AlgorithmTask, Algorithm[]>();
  for (const algorithm of model.algorithms) {
    const group = groups.get(algorithm.task) ?? [];
    group.push(algorithm);
    groups.set(algorithm.task, group);
  }
  const selected = model.algorithm;
  return (
    <FormRow
      id={props.id}
      label="Built-in algorithm"
      error={model.fieldError('algorithm')}
      help={
        selected && (
          <span data-testid="mls-form-algorithm-description">
            <strong>{TASK_TITLES[selected.task]}.</strong>{' '}
            {selected.description}
          </span>
        )
      }
    >
      <select
        id={props.id}
        className="jp-MLStudio-select jp-MLStudio-input jp-mod-algorithm"
        data-testid="mls-form-algorithm"
        value={selected?.name ?? ''}
        onChange={event => model.setAlgorithm(event.target.value)}
      >
        {[...groups.entries()].map(([task, algorithms]) => (
          <optgroup key={task} label={TASK_TITLES[task]}>
            {algorithms.map(algorithm => (
              <option key={algorithm.name} value={algorithm.name}>
                {algorithm.title} ({algorithm.name})
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </FormRow>
  );
}

function HyperparameterRow(props: {
  model: TrainingFormModel;
  field: IHyperparameterField;
  id: string;
}): JSX.Element {
  const { model, field, id } = props;
  const error = model.fieldError(field.name);
  // The parameter's own name: what scikit-learn, the spec and the run show.
  const label = (
    <span className="jp-MLStudio-mono" title={field.label}>
      {field.name}
    </span>
  );
  const help = (
    <>
      {field.description}
      {field.kind !== 'boolean' && (
        <span className="jp-MLStudio-formAllowed">
          {' '}
          Allowed: {allowed(field)}.
        </span>
      )}
    </>
  );
  return (
    <FormRow id={id} label={label} help={help} error={error}>
      <HyperparameterInput
        field={field}
        id={id}
        value={model.value(field.name)}
        invalid={error !== null}
        onChange={value => model.setValue(field.name, value)}
      />
    </FormRow>
  );
}

/** The control for one hyperparameter, chosen by its kind. */
export function HyperparameterInput(props: {
  field: IHyperparameterField;
  id: string;
  value: string | boolean;
  invalid: boolean;
  onChange: (value: string | boolean) => void;
}): JSX.Element {
  const { field, id, value, invalid, onChange } = props;
  const common = {
    id,
    'data-testid': 'mls-hyperparameter',
    'data-hyperparameter': field.name,
    'aria-invalid': invalid,
    'aria-describedby': invalid ? `${id}-error` : undefined
  };
  switch (field.kind) {
    case 'boolean':
      return (
        <input
          {...common}
          type="checkbox"
          className="jp-MLStudio-checkbox"
          checked={value === true}
          onChange={event => onChange(event.target.checked)}
        />
      );
    case 'choice':
      return (
        <select
          {...common}
          className="jp-MLStudio-select jp-MLStudio-input"
          value={String(value)}
          onChange={event => onChange(event.target.value)}
        >
          {field.nullable && <option value={NONE_OPTION}>None</option>}
          {field.options.map(option => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
    case 'integer':
    case 'number': {
      const range = field.numeric[0] ?? {};
      return (
        <input
          {...common}
          type="number"
          className="jp-MLStudio-input jp-mod-number"
          min={range.minimum ?? range.exclusiveMinimum}
          max={range.maximum ?? range.exclusiveMaximum}
          step={field.kind === 'integer' ? 1 : 'any'}
          placeholder={placeholderOf(field)}
          value={String(value)}
          onChange={event => onChange(event.target.value)}
        />
      );
    }
    case 'mixed':
      return (
        <>
          <input
            {...common}
            type="text"
            className="jp-MLStudio-input"
            list={`${id}-options`}
            placeholder={placeholderOf(field)}
            value={String(value)}
            onChange={event => onChange(event.target.value)}
          />
          <datalist id={`${id}-options`}>
            {field.options.map(option => (
              <option key={option} value={option} />
            ))}
          </datalist>
        </>
      );
    default:
      return (
        <input
          {...common}
          type="text"
          className="jp-MLStudio-input"
          placeholder={placeholderOf(field)}
          value={String(value)}
          onChange={event => onChange(event.target.value)}
        />
      );
  }
}

export function DataRow(props: {
  model: TrainingFormModel;
  channel: DataChannel;
  id: string;
}): JSX.Element {
  const { model, channel, id } = props;
  const train = channel === 'train';
  return (
    <FormRow
      id={id}
      label={train ? 'Training data' : 'Validation data (optional)'}
      error={model.fieldError(channel)}
      help={
        train
          ? `A ${DATA_EXTENSIONS.join(', ')} file, relative to the server's root folder.`
          : 'Scored instead of a split of the training data when given.'
      }
    >
      <div className="jp-MLStudio-pathInput">
        <input
          id={id}
          className="jp-MLStudio-input jp-MLStudio-mono"
          data-testid={`mls-form-${channel}`}
          type="text"
          value={model.path(channel)}
          placeholder={train ? 'data/train.csv' : 'data/validation.csv'}
          aria-invalid={model.fieldError(channel) !== null}
          onChange={event => model.setPath(channel, event.target.value)}
        />
        {model.canUseSelection && (
          <button
            type="button"
            className="jp-MLStudio-button"
            data-testid={`mls-form-use-${channel}`}
            title="Use the file selected in the file browser"
            onClick={() => model.useSelection(channel)}
          >
            <fileIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
            <span>Use file selected in the file browser</span>
          </button>
        )}
      </div>
    </FormRow>
  );
}

export function TargetRow(props: {
  model: TrainingFormModel;
  id: string;
}): JSX.Element {
  const { model, id } = props;
  const needsTarget = model.algorithm?.needs_target ?? true;
  const columns = model.columns;
  let placeholder = 'Choose a column';
  if (!needsTarget) {
    placeholder = 'Not used by this algorithm';
  } else if (model.columnsLoading) {
    placeholder = 'Reading the columns…';
  } else if (columns === null) {
    placeholder = 'Choose the training data first';
  }
  return (
    <FormRow
      id={id}
      label="Target column"
      error={needsTarget ? model.fieldError('target') : null}
      help={
        needsTarget
          ? 'The column the model learns to predict.'
          : `${model.algorithm?.title ?? 'This algorithm'} learns without a target column.`
      }
    >
      <select
        id={id}
        className="jp-MLStudio-select jp-MLStudio-input"
        data-testid="mls-form-target"
        disabled={!needsTarget || !columns || columns.length === 0}
        value={needsTarget ? model.target : ''}
        onChange={event => model.setTarget(event.target.value)}
      >
        <option value="">{placeholder}</option>
        {needsTarget &&
          columns?.map(column => (
            <option key={column} value={column}>
              {column}
            </option>
          ))}
      </select>
    </FormRow>
  );
}

/**
 * The feature picker: a checkbox per column of the training data; ticked
 * columns are left out of the features (`exclude_columns`). Columns named
 * like identifiers start ticked, with a note saying so.
 */
export function ExcludeRow(props: {
  model: TrainingFormModel;
  id: string;
}): JSX.Element {
  const { model, id } = props;
  const columns = model.columns;
  const excluded = model.excludedColumns;
  const suggested = model.suggestedExclusions;
  const count =
    columns === null
      ? ''
      : ` (${excluded.length} of ${columns.length} excluded)`;
  return (
    <div className="jp-MLStudio-formRow jp-MLStudio-excludeRow">
      <span className="jp-MLStudio-formLabel" id={`${id}-label`}>
        Exclude from the features{count}
      </span>
      {columns === null ? (
        <div className="jp-MLStudio-muted">
          {model.columnsLoading
            ? 'Reading the columns…'
            : 'Choose the training data first.'}
        </div>
      ) : (
        <div
          className="jp-MLStudio-excludeList"
          role="group"
          aria-labelledby={`${id}-label`}
          data-testid="mls-form-exclude"
        >
          {columns.map(column => {
            const isTarget = column === model.target;
            return (
              <label
                key={column}
                className="jp-MLStudio-excludeOption"
                data-testid="mls-form-exclude-option"
                data-column={column}
                title={
                  isTarget
                    ? 'The target column is never a feature'
                    : `Leave ${column} out of the features`
                }
              >
                <input
                  type="checkbox"
                  checked={!isTarget && model.isExcluded(column)}
                  disabled={isTarget}
                  onChange={event =>
                    model.setExcluded(column, event.target.checked)
                  }
                />
                <span className="jp-MLStudio-mono">{column}</span>
                {isTarget && <span className="jp-MLStudio-muted">target</span>}
              </label>
            );
          })}
        </div>
      )}
      <div className="jp-MLStudio-formHelp">
        Identifiers and free text describe nothing a model can learn from.
        {suggested.length > 0 && (
          <span data-testid="mls-form-exclude-note">
            {' '}
            Pre-ticked because the name looks like an identifier:{' '}
            <strong>{suggested.join(', ')}</strong>. Untick to use it as a
            feature.
          </span>
        )}{' '}
        The algorithms also leave out columns with a distinct value on every
        row, and say so in the job log.
      </div>
    </div>
  );
}
