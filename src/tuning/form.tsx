/**
 * The "New tuning job" form: the training form's algorithm, data and
 * hyperparameter inputs, where each hyperparameter is fixed or searched
 * (a range with its scaling, or a list of values); then the strategy,
 * early stopping, the objective and the limits.
 */
import * as React from 'react';

import type { Direction, EarlyStopping, Strategy, TuningJob } from './api';
import {
  modesOf,
  ParamMode,
  SCALINGS,
  STRATEGIES,
  STRATEGY_LABELS,
  TuningFormModel
} from './form-model';
import {
  AlgorithmPicker,
  DataRows,
  FormFooter,
  FormPage,
  FormRow,
  FormSection,
  HyperparameterInput,
  TextRow
} from '../jobs/form';
import { allowed, IHyperparameterField } from '../jobs/hyperparameters';
import { tuningIcon } from '../icons';
import { ResourcePanel, ResourceView } from '../ui/view';

export namespace TuningFormView {
  export interface IOptions {
    model: TuningFormModel;
    /** Called with the tuning job the server started. */
    onSubmitted: (job: TuningJob) => void;
    /** The tab's label (e.g. "Tune iris-forest"). */
    label?: string;
  }
}

let formCount = 0;

/** The main-area widget of the form. */
export class TuningFormView extends ResourceView<TuningFormModel> {
  constructor(options: TuningFormView.IOptions) {
    const count = ++formCount;
    super({
      content: new ResourcePanel(options.model, 'mls-tuning-form', model => (
        <TuningForm
          model={model}
          prefix={`mls-tuning-form-${count}`}
          onSubmitted={options.onSubmitted}
          onCancel={() => this.close()}
        />
      )),
      id: `mlstudio-tuning-form-${count}`,
      className: 'jp-MLStudio-tuningFormView',
      icon: tuningIcon,
      label: options.label ?? 'New Tuning Job'
    });
  }
}

const MODE_LABELS: Record<ParamMode, string> = {
  fixed: 'Fixed',
  range: 'Range',
  values: 'Values'
};

function TuningForm(props: {
  model: TuningFormModel;
  prefix: string;
  onSubmitted: (job: TuningJob) => void;
  onCancel: () => void;
}): JSX.Element {
  const { model, prefix } = props;
  const training = model.training;
  const algorithm = training.algorithm;
  const searched = model.searched.length;
  return (
    <FormPage
      icon={tuningIcon}
      heading="New tuning job"
      intro="Run many training jobs of one algorithm, each with hyperparameters chosen by the search strategy, and keep the best. Every trial is a training job logged as a child run of the tuning job's run."
      className="jp-MLStudio-tuningForm"
      submit={() => model.submit()}
      onSubmitted={props.onSubmitted}
    >
      <FormSection title="Tuning job">
        <div className="jp-MLStudio-formGrid">
          <TextRow
            id={`${prefix}-name`}
            label="Tuning job name"
            help="Optional; a unique name is generated when left empty."
            testId="mls-tuning-form-name"
            value={model.name}
            placeholder="generated"
            onChange={value => model.setName(value)}
          />
          <TextRow
            id={`${prefix}-experiment`}
            label="Experiment"
            help="The experiment of the tuning job's run; created if missing."
            testId="mls-tuning-form-experiment"
            value={training.experiment}
            placeholder="Jobs"
            onChange={value => training.setExperiment(value)}
          />
          <TextRow
            id={`${prefix}-warm-start`}
            label="Warm start from"
            help="Optional: earlier tuning jobs (names, comma-separated) whose trials seed this one."
            testId="mls-tuning-form-warm-start"
            value={model.warmStart}
            placeholder="none"
            onChange={value => model.setWarmStart(value)}
          />
        </div>
      </FormSection>

      <FormSection title="Algorithm">
        <AlgorithmPicker model={training} id={`${prefix}-algorithm`} />
      </FormSection>

      {algorithm && (
        <FormSection title="Hyperparameters">
          <p className="jp-MLStudio-muted jp-MLStudio-formIntro">
            Fix a hyperparameter, or search it over a range (with its scaling)
            or a list of values.{' '}
            <span data-testid="mls-tuning-form-searched">
              {searched === 0
                ? 'Nothing is searched yet.'
                : `${searched} searched.`}
            </span>
          </p>
          {model.fieldError('space') && (
            <div
              className="jp-MLStudio-fieldError"
              data-testid="mls-field-error"
              role="alert"
            >
              {model.fieldError('space')}
            </div>
          )}
          <div
            className="jp-MLStudio-tuningParams"
            data-testid="mls-tuning-form-params"
          >
            {training.fields.map(field => (
              <ParamRow
                key={`${algorithm.name}:${field.name}`}
                model={model}
                field={field}
                id={`${prefix}-hp-${field.name}`}
              />
            ))}
          </div>
        </FormSection>
      )}

      <FormSection title="Data">
        <div className="jp-MLStudio-formGrid jp-mod-wide">
          <DataRows model={training} prefix={prefix} />
        </div>
      </FormSection>

      <FormSection title="Search">
        <div className="jp-MLStudio-formGrid">
          <FormRow
            id={`${prefix}-strategy`}
            label="Strategy"
            help="Bayesian (optuna's TPE) learns from earlier trials; Hyperband stops poor trials early."
          >
            <select
              id={`${prefix}-strategy`}
              className="jp-MLStudio-select jp-MLStudio-input"
              data-testid="mls-tuning-form-strategy"
              value={model.strategy}
              onChange={event =>
                model.setStrategy(event.target.value as Strategy)
              }
            >
              {STRATEGIES.map(s => (
                <option key={s} value={s}>
                  {STRATEGY_LABELS[s]}
                </option>
              ))}
            </select>
          </FormRow>
          <FormRow
            id={`${prefix}-early`}
            label="Early stopping"
            help={
              model.strategy === 'Hyperband'
                ? 'Hyperband always stops poor trials early.'
                : model.secondObjective
                  ? 'Not with two objectives.'
                  : 'Auto stops a trial that is worse than the median of earlier trials at the same step.'
            }
          >
            <select
              id={`${prefix}-early`}
              className="jp-MLStudio-select jp-MLStudio-input"
              data-testid="mls-tuning-form-early-stopping"
              disabled={
                model.strategy === 'Hyperband' || model.secondObjective !== ''
              }
              value={
                model.strategy === 'Hyperband'
                  ? 'Auto'
                  : model.secondObjective
                    ? 'Off'
                    : model.earlyStopping
              }
              onChange={event =>
                model.setEarlyStopping(event.target.value as EarlyStopping)
              }
            >
              <option value="Off">Off</option>
              <option value="Auto">Auto</option>
            </select>
          </FormRow>
          <FormRow
            id={`${prefix}-objective`}
            label="Objective metric"
            help={
              algorithm
                ? `The metrics ${algorithm.title} logs.`
                : 'A metric every trial logs.'
            }
            error={model.fieldError('objective')}
          >
            <select
              id={`${prefix}-objective`}
              className="jp-MLStudio-select jp-MLStudio-input"
              data-testid="mls-tuning-form-objective"
              value={model.objective}
              onChange={event => model.setObjective(event.target.value)}
            >
              {!model.metrics.includes(model.objective) && (
                <option value={model.objective}>
                  {model.objective || 'Choose a metric'}
                </option>
              )}
              {model.metrics.map(metric => (
                <option key={metric} value={metric}>
                  {metric}
                </option>
              ))}
            </select>
          </FormRow>
          <FormRow id={`${prefix}-direction`} label="Direction">
            <select
              id={`${prefix}-direction`}
              className="jp-MLStudio-select jp-MLStudio-input"
              data-testid="mls-tuning-form-direction"
              value={model.direction}
              onChange={event =>
                model.setDirection(event.target.value as Direction)
              }
            >
              <option value="Maximize">Maximize</option>
              <option value="Minimize">Minimize</option>
            </select>
          </FormRow>
          <FormRow
            id={`${prefix}-second`}
            label="Second objective (optional)"
            help="Two objectives: the search finds the Pareto front (NSGA-II) instead of one best trial."
            error={model.fieldError('secondObjective')}
          >
            <div className="jp-MLStudio-tuningParamBody">
              <select
                id={`${prefix}-second`}
                className="jp-MLStudio-select jp-MLStudio-input"
                data-testid="mls-tuning-form-second-objective"
                value={model.secondObjective}
                onChange={event => model.setSecondObjective(event.target.value)}
              >
                <option value="">None</option>
                {model.metrics
                  .filter(metric => metric !== model.objective)
                  .map(metric => (
                    <option key={metric} value={metric}>
                      {metric}
                    </option>
                  ))}
              </select>
              <select
                className="jp-MLStudio-select jp-MLStudio-input"
                data-testid="mls-tuning-form-second-direction"
                aria-label="Direction of the second objective"
                disabled={!model.secondObjective}
                value={model.secondDirection}
                onChange={event =>
                  model.setSecondDirection(event.target.value as Direction)
                }
              >
                <option value="Maximize">Maximize</option>
                <option value="Minimize">Minimize</option>
              </select>
            </div>
          </FormRow>
        </div>
      </FormSection>

      <FormSection title="Limits">
        <div className="jp-MLStudio-formGrid">
          {LIMITS.map(limit => (
            <NumberRow
              key={limit.field}
              id={`${prefix}-${limit.slug}`}
              label={limit.label}
              help={limit.help}
              testId={`mls-tuning-form-${limit.slug}`}
              value={model[limit.field]}
              placeholder={limit.placeholder}
              error={model.fieldError(limit.field)}
              onChange={value => model.setLimit(limit.field, value)}
            />
          ))}
        </div>
      </FormSection>

      <FormFooter
        error={model.error?.message ?? null}
        onDismiss={() => model.dismissError()}
        submitting={model.submitting}
        disabled={!algorithm}
        submitLabel="Start tuning job"
        testIdPrefix="mls-tuning-form"
        onCancel={props.onCancel}
      />
    </FormPage>
  );
}

/** The limits section's rows, in order. */
const LIMITS: ReadonlyArray<{
  field: 'maxTrials' | 'maxParallel' | 'maxRuntime';
  slug: string;
  label: string;
  help: string;
  placeholder?: string;
}> = [
  {
    field: 'maxTrials',
    slug: 'max-trials',
    label: 'Maximum trials',
    help: 'Training jobs in all.'
  },
  {
    field: 'maxParallel',
    slug: 'max-parallel',
    label: 'Parallel trials',
    help: 'Training jobs running at the same time.'
  },
  {
    field: 'maxRuntime',
    slug: 'max-runtime',
    label: 'Maximum runtime (seconds)',
    help: 'Optional: stop the tuning job after this long.',
    placeholder: 'no limit'
  }
];

function NumberRow(props: {
  id: string;
  label: string;
  help: string;
  testId: string;
  value: string;
  placeholder?: string;
  error: string | null;
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
        className="jp-MLStudio-input jp-mod-number"
        data-testid={props.testId}
        type="number"
        min={1}
        step={1}
        placeholder={props.placeholder}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      />
    </FormRow>
  );
}

/** The minimum or maximum of a searched range. */
function RangeBound(props: {
  id?: string;
  bound: 'min' | 'max';
  model: TuningFormModel;
  field: string;
}): JSX.Element {
  const { bound, model, field } = props;
  return (
    <input
      id={props.id}
      className="jp-MLStudio-input jp-mod-number"
      data-testid={`mls-tuning-range-${bound}`}
      aria-label={`${bound === 'min' ? 'Minimum' : 'Maximum'} of ${field}`}
      type="number"
      step="any"
      value={model.search(field)[bound]}
      onChange={event =>
        model.setSearch(field, { [bound]: event.target.value })
      }
    />
  );
}

/** One hyperparameter: fixed (the training form's input), a range or values. */
function ParamRow(props: {
  model: TuningFormModel;
  field: IHyperparameterField;
  id: string;
}): JSX.Element {
  const { model, field, id } = props;
  const search = model.search(field.name);
  const training = model.training;
  const error =
    search.mode === 'fixed'
      ? training.fieldError(field.name)
      : model.fieldError(field.name);
  const modes = modesOf(field);
  return (
    <div
      className={`jp-MLStudio-tuningParam${error ? ' jp-mod-invalid' : ''}`}
      data-testid="mls-tuning-param"
      data-param={field.name}
      data-mode={search.mode}
    >
      <div className="jp-MLStudio-tuningParamHead">
        <label
          htmlFor={`${id}-${search.mode}`}
          className="jp-MLStudio-formLabel jp-MLStudio-mono"
          title={field.label}
        >
          {field.name}
        </label>
        <div
          className="jp-MLStudio-segmented"
          role="radiogroup"
          aria-label={`How ${field.name} is set`}
        >
          {modes.map(mode => (
            <button
              key={mode}
              type="button"
              role="radio"
              aria-checked={mode === search.mode}
              className={mode === search.mode ? 'jp-mod-active' : undefined}
              data-testid="mls-tuning-param-mode"
              data-mode={mode}
              onClick={() => model.setMode(field.name, mode)}
            >
              {MODE_LABELS[mode]}
            </button>
          ))}
        </div>
      </div>
      <div className="jp-MLStudio-tuningParamBody">
        {search.mode === 'fixed' && (
          <HyperparameterInput
            field={field}
            id={`${id}-fixed`}
            value={training.value(field.name)}
            invalid={error !== null}
            onChange={value => training.setValue(field.name, value)}
          />
        )}
        {search.mode === 'range' && (
          <>
            <RangeBound
              id={`${id}-range`}
              bound="min"
              model={model}
              field={field.name}
            />
            <span className="jp-MLStudio-muted">to</span>
            <RangeBound bound="max" model={model} field={field.name} />
            <select
              className="jp-MLStudio-select jp-MLStudio-input"
              data-testid="mls-tuning-range-scaling"
              aria-label={`Scaling of ${field.name}`}
              value={search.scaling}
              onChange={event =>
                model.setSearch(field.name, {
                  scaling: event.target.value as (typeof SCALINGS)[number]
                })
              }
            >
              {SCALINGS.map(s => (
                <option key={s} value={s}>
                  {s === 'ReverseLogarithmic' ? 'Reverse logarithmic' : s}
                </option>
              ))}
            </select>
          </>
        )}
        {search.mode === 'values' && (
          <input
            id={`${id}-values`}
            className="jp-MLStudio-input"
            data-testid="mls-tuning-values"
            aria-label={`Values of ${field.name}`}
            type="text"
            placeholder="comma-separated values"
            value={search.values}
            onChange={event =>
              model.setSearch(field.name, { values: event.target.value })
            }
          />
        )}
      </div>
      {error && (
        <div
          className="jp-MLStudio-fieldError"
          data-testid="mls-field-error"
          role="alert"
        >
          {error}
        </div>
      )}
      <div className="jp-MLStudio-formHelp">
        {field.description}
        {field.kind !== 'boolean' && (
          <span className="jp-MLStudio-formAllowed">
            {' '}
            Allowed: {allowed(field)}.
          </span>
        )}
      </div>
    </div>
  );
}
