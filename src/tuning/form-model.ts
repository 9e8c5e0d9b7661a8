/**
 * TuningFormModel: the "New tuning job" form. The base training job (the
 * algorithm, its hyperparameters, the data and target) is the training
 * form's own model; on top, each hyperparameter is either fixed (the
 * training form's value) or searched over a range or a list of values,
 * plus the strategy, early stopping, the objective and the limits.
 *
 * Server refusals (400/409) are shown in the form, the input kept; a
 * message naming a hyperparameter is also put next to it.
 */
import type { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';

import {
  CategoricalValue,
  createTuningJob,
  Direction,
  EarlyStopping,
  ParameterRange,
  Scaling,
  Strategy,
  TrainingSpec,
  TuningJob,
  TuningJobCreate,
  TuningJobSpec
} from './api';
import { TrainingFormModel } from '../jobs/form-model';
import {
  IHyperparameterField,
  initialValue,
  parseValue
} from '../jobs/hyperparameters';
import type { IModelError } from '../tokens';
import { FormSubmission } from '../ui/form-submission';

/** How one hyperparameter takes part: fixed, a numeric range, or a list of values. */
export type ParamMode = 'fixed' | 'range' | 'values';

export interface IParamSearch {
  readonly mode: ParamMode;
  readonly min: string;
  readonly max: string;
  readonly scaling: Scaling;
  /** Comma-separated values (`values` mode). */
  readonly values: string;
}

export const STRATEGIES: ReadonlyArray<Strategy> = [
  'Bayesian',
  'Random',
  'Grid',
  'Hyperband',
  'GP',
  'CMA-ES'
];

export const STRATEGY_LABELS: Record<Strategy, string> = {
  Bayesian: 'Bayesian (TPE)',
  Random: 'Random',
  Grid: 'Grid (categorical values only)',
  Hyperband: 'Hyperband (stops poor trials early)',
  GP: 'Gaussian process',
  'CMA-ES': 'CMA-ES'
};

export const SCALINGS: ReadonlyArray<Scaling> = [
  'Auto',
  'Linear',
  'Logarithmic',
  'ReverseLogarithmic'
];

/** Metrics where smaller is better. */
const MINIMIZED = /(^|:)(rmse|mae|log_loss|inertia|loss|error)$/;

/** The direction that suits a metric (losses and errors are minimized). */
export function directionOf(metric: string): Direction {
  return MINIMIZED.test(metric) ? 'Minimize' : 'Maximize';
}

/** Which modes a field can be searched in. */
export function modesOf(field: IHyperparameterField): ParamMode[] {
  const modes: ParamMode[] = ['fixed'];
  if (field.numeric.length > 0) {
    modes.push('range');
  }
  if (field.kind !== 'intList') {
    modes.push('values');
  }
  return modes;
}

/** A starting range for a numeric field: around its default, within its bounds. */
export function suggestRange(field: IHyperparameterField): {
  min: string;
  max: string;
} {
  const branch = field.numeric[0];
  if (!branch) {
    return { min: '', max: '' };
  }
  const lo = branch.minimum ?? branch.exclusiveMinimum;
  const hi = branch.maximum ?? branch.exclusiveMaximum;
  const fallback = branch.integer ? Math.max(lo ?? 1, 1) : 0.1;
  const d =
    typeof field.default === 'number' && field.default > 0
      ? field.default
      : fallback;
  let min = branch.integer ? Math.max(1, Math.floor(d / 2)) : d / 10;
  let max = branch.integer ? Math.max(d * 2, min + 1) : d * 10;
  if (field.default === null && branch.integer) {
    min = Math.max(lo ?? 1, 1);
    max = min * 16;
  }
  if (lo !== undefined) {
    min = Math.max(min, lo);
  }
  if (hi !== undefined) {
    max = Math.min(max, hi);
  }
  if (branch.exclusiveMinimum !== undefined && min <= branch.exclusiveMinimum) {
    min = branch.integer
      ? branch.exclusiveMinimum + 1
      : branch.exclusiveMinimum + (max - branch.exclusiveMinimum) / 100;
  }
  if (branch.exclusiveMaximum !== undefined && max >= branch.exclusiveMaximum) {
    max = branch.integer
      ? branch.exclusiveMaximum - 1
      : branch.exclusiveMaximum - (branch.exclusiveMaximum - min) / 100;
  }
  const text = (v: number) => String(Number(v.toPrecision(6)));
  return { min: text(min), max: text(max) };
}

/** The values a field suggests for a list: its options, or true/false. */
function suggestValues(field: IHyperparameterField, current: string): string {
  if (field.kind === 'boolean') {
    return 'true, false';
  }
  if (field.options.length > 0) {
    return field.options.join(', ');
  }
  return current;
}

export namespace TuningFormModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    selectedFiles?: () => ReadonlyArray<string>;
    /** Start from a training job's spec (Tune… on a job). */
    training?: TrainingSpec;
    /** Start from a tuning job's spec (Clone, Warm-start from this). */
    spec?: TuningJobSpec;
    /** Tuning jobs to warm-start from. */
    warmStart?: ReadonlyArray<string>;
  }
}

export class TuningFormModel implements IDisposable {
  constructor(options: TuningFormModel.IOptions = {}) {
    this._settings = options.serverSettings;
    this.training = new TrainingFormModel({
      serverSettings: options.serverSettings,
      selectedFiles: options.selectedFiles
    });
    this.training.changed.connect(this._onTrainingChanged, this);
    this._prefill = options.spec ?? null;
    this._prefillTraining = options.training ?? options.spec?.training ?? null;
    this._warmStart = (
      options.warmStart ??
      options.spec?.warm_start ??
      []
    ).join(', ');
  }

  /** The base training job's part of the form. */
  readonly training: TrainingFormModel;

  get changed(): Signal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** How a hyperparameter is searched (fixed unless changed). */
  search(name: string): IParamSearch {
    return this._search[name] ?? FIXED;
  }

  /** The hyperparameters searched (not fixed). */
  get searched(): string[] {
    return this.training.fields
      .map(f => f.name)
      .filter(name => this.search(name).mode !== 'fixed');
  }

  get name(): string {
    return this._name;
  }

  get strategy(): Strategy {
    return this._strategy;
  }

  get earlyStopping(): EarlyStopping {
    return this._earlyStopping;
  }

  get objective(): string {
    return this._objective;
  }

  get direction(): Direction {
    return this._direction;
  }

  /** A second objective (`''`: none): NSGA-II searches the Pareto front. */
  get secondObjective(): string {
    return this._second;
  }

  get secondDirection(): Direction {
    return this._secondDirection;
  }

  /** The objectives the selected algorithm logs (from the server's catalogue). */
  get metrics(): string[] {
    return this.training.algorithm?.metrics ?? [];
  }

  get maxTrials(): string {
    return this._maxTrials;
  }

  get maxParallel(): string {
    return this._maxParallel;
  }

  get maxRuntime(): string {
    return this._maxRuntime;
  }

  get warmStart(): string {
    return this._warmStart;
  }

  get submitting(): boolean {
    return this._submission.submitting;
  }

  get error(): IModelError | null {
    return this._submission.error;
  }

  /** The message of a field of this form (a hyperparameter's range, `maxTrials`, …). */
  fieldError(name: string): string | null {
    return this._errors[name] ?? null;
  }

  /** Load the algorithms, then apply the spec the form started from. */
  async start(): Promise<void> {
    await this.training.start();
    const training = this._prefillTraining;
    if (training?.algorithm) {
      this._applyTraining(training);
    }
    const spec = this._prefill;
    if (spec) {
      this._applySpec(spec);
    }
    if (!this._objective) {
      this._defaultObjective();
    }
    this._emit();
  }

  setMode(name: string, mode: ParamMode): void {
    const field = this.training.fields.find(f => f.name === name);
    if (!field) {
      return;
    }
    const current = this.search(name);
    let next: IParamSearch = { ...current, mode };
    if (mode === 'range' && current.min === '' && current.max === '') {
      next = { ...next, ...suggestRange(field) };
    }
    if (mode === 'values' && current.values === '') {
      const value = this.training.value(name);
      next = {
        ...next,
        values: suggestValues(field, typeof value === 'string' ? value : '')
      };
    }
    this._search = { ...this._search, [name]: next };
    this._setError(name, null);
    this._emit();
  }

  setSearch(name: string, change: Partial<Omit<IParamSearch, 'mode'>>): void {
    this._search = {
      ...this._search,
      [name]: { ...this.search(name), ...change }
    };
    this._setError(name, null);
    this._emit();
  }

  setName(name: string): void {
    this._name = name;
    this._emit();
  }

  setStrategy(strategy: Strategy): void {
    this._strategy = strategy;
    this._emit();
  }

  setEarlyStopping(value: EarlyStopping): void {
    this._earlyStopping = value;
    this._emit();
  }

  setObjective(metric: string): void {
    this._objective = metric;
    this._direction = directionOf(metric);
    this._emit();
  }

  setDirection(direction: Direction): void {
    this._direction = direction;
    this._emit();
  }

  setSecondObjective(metric: string): void {
    this._second = metric;
    this._secondDirection = directionOf(metric);
    this._setError('secondObjective', null);
    this._emit();
  }

  setSecondDirection(direction: Direction): void {
    this._secondDirection = direction;
    this._emit();
  }

  setLimit(which: 'maxTrials' | 'maxParallel' | 'maxRuntime', value: string) {
    if (which === 'maxTrials') {
      this._maxTrials = value;
    } else if (which === 'maxParallel') {
      this._maxParallel = value;
    } else {
      this._maxRuntime = value;
    }
    this._setError(which, null);
    this._emit();
  }

  setWarmStart(value: string): void {
    this._warmStart = value;
    this._emit();
  }

  dismissError(): void {
    this._submission.dismiss();
  }

  /**
   * Check everything, then start the tuning job. Resolves to it, or `null`
   * when a check or the server refused (see `error` and `fieldError`).
   */
  async submit(): Promise<TuningJob | null> {
    if (this._submission.submitting) {
      return null;
    }
    return this._submission.send(
      this.body(),
      body => createTuningJob(body, this._settings),
      error => {
        // "search_space['n_estimators']: …" also goes next to that field
        const match = /^search_space\['([^']+)'\]: (.*)$/.exec(error.message);
        if (match) {
          this._setError(match[1], match[2]);
        }
      }
    );
  }

  /** The request body, or `null` (with field errors set) if a check fails. */
  body(): TuningJobCreate | null {
    const errors: Record<string, string> = {};
    const searched = new Set(this.searched);
    const training = this.training.body(searched);
    const space: Record<string, ParameterRange> = {};
    for (const field of this.training.fields) {
      if (!searched.has(field.name)) {
        continue;
      }
      const result = this._range(field);
      if (typeof result === 'string') {
        errors[field.name] = result;
      } else {
        space[field.name] = result;
      }
    }
    if (this.training.algorithm && searched.size === 0) {
      errors.space =
        'Search at least one hyperparameter: set it to a range or values.';
    }
    const maxTrials = wholeNumber(this._maxTrials, 1);
    const maxParallel = wholeNumber(this._maxParallel, 1);
    if (maxTrials === null) {
      errors.maxTrials = 'Must be a whole number ≥ 1.';
    }
    if (maxParallel === null) {
      errors.maxParallel = 'Must be a whole number ≥ 1.';
    } else if (maxTrials !== null && maxParallel > maxTrials) {
      errors.maxParallel = 'Cannot be more than the maximum number of trials.';
    }
    let maxRuntime: number | null = null;
    if (this._maxRuntime.trim()) {
      maxRuntime = Number(this._maxRuntime);
      if (!(maxRuntime > 0)) {
        errors.maxRuntime = 'Must be a number of seconds > 0, or empty.';
      }
    }
    if (!this._objective.trim()) {
      errors.objective = 'Choose the metric to optimize.';
    }
    const second = this._second.trim();
    if (second && second === this._objective.trim()) {
      errors.secondObjective = 'Choose a metric other than the objective.';
    }
    this._errors = errors;
    if (!training || Object.keys(errors).length > 0) {
      return null;
    }
    const body: TuningJobCreate = {
      training: training as TrainingSpec,
      search_space: space,
      objective: { metric: this._objective.trim(), direction: this._direction },
      strategy: this._strategy,
      // Hyperband stops early by itself; two objectives cannot stop early
      early_stopping:
        this._strategy === 'Hyperband' || second ? 'Off' : this._earlyStopping,
      limits: {
        max_trials: maxTrials ?? 1,
        max_parallel_trials: maxParallel ?? 1,
        max_runtime_seconds: maxRuntime
      }
    };
    if (second) {
      body.second_objective = {
        metric: second,
        direction: this._secondDirection
      };
    }
    if (this._name.trim()) {
      body.name = this._name.trim();
    }
    const warm = this._warmStart
      .split(/[\s,]+/)
      .map(s => s.trim())
      .filter(Boolean);
    if (warm.length > 0) {
      body.warm_start = warm;
    }
    return body;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.training.dispose();
    Signal.clearData(this);
  }

  /** A field's range, or a message saying what to fix. */
  private _range(field: IHyperparameterField): ParameterRange | string {
    const search = this.search(field.name);
    if (search.mode === 'values') {
      const tokens = search.values
        .split(',')
        .map(t => t.trim())
        .filter(t => t !== '');
      if (tokens.length === 0) {
        return 'Enter at least one value, separated by commas.';
      }
      const values: CategoricalValue[] = [];
      for (const token of tokens) {
        const parsed = parseValue(field, token);
        if (!parsed.ok) {
          return `"${token}": ${parsed.message}`;
        }
        const value = parsed.value;
        if (value === null || Array.isArray(value)) {
          return `"${token}" cannot be one of the values searched.`;
        }
        values.push(value);
      }
      return { type: 'categorical', values };
    }
    const integer = field.numeric.every(b => b.integer);
    const min = Number(search.min);
    const max = Number(search.max);
    if (search.min.trim() === '' || !Number.isFinite(min)) {
      return 'Enter the minimum.';
    }
    if (search.max.trim() === '' || !Number.isFinite(max)) {
      return 'Enter the maximum.';
    }
    if (integer && (!Number.isInteger(min) || !Number.isInteger(max))) {
      return 'The bounds of an integer range are whole numbers.';
    }
    if (min >= max) {
      return 'The minimum must be below the maximum.';
    }
    if (search.scaling === 'Logarithmic' && min <= 0) {
      return 'Logarithmic scaling needs a minimum above 0.';
    }
    return integer
      ? {
          type: 'integer',
          min_value: min,
          max_value: max,
          scaling: search.scaling
        }
      : {
          type: 'continuous',
          min_value: min,
          max_value: max,
          scaling: search.scaling
        };
  }

  private _applyTraining(spec: TrainingSpec): void {
    const form = this.training;
    if (spec.algorithm) {
      form.setAlgorithm(spec.algorithm);
    }
    const fields = form.fields;
    for (const [name, value] of Object.entries(spec.hyperparameters ?? {})) {
      const field = fields.find(f => f.name === name);
      if (field) {
        form.setValue(name, asFieldValue(field, value));
      }
    }
    if (spec.experiment) {
      form.setExperiment(spec.experiment);
    }
    const channels = spec.channels ?? {};
    if (channels.train) {
      form.setPath('train', channels.train);
    }
    if (channels.validation) {
      form.setPath('validation', channels.validation);
    }
    if (spec.target) {
      form.setTarget(spec.target);
      this._pendingTarget = spec.target;
    }
    if (spec.validation_fraction !== undefined) {
      form.setValidationFraction(String(spec.validation_fraction));
    }
    this._pendingExcluded = spec.exclude_columns ?? null;
  }

  private _applySpec(spec: TuningJobSpec): void {
    for (const [name, range] of Object.entries(spec.search_space ?? {})) {
      if (range.type === 'categorical') {
        this._search[name] = {
          ...FIXED,
          mode: 'values',
          values: range.values.map(v => String(v)).join(', ')
        };
      } else {
        this._search[name] = {
          ...FIXED,
          mode: 'range',
          min: String(range.min_value),
          max: String(range.max_value),
          scaling: range.scaling ?? 'Auto'
        };
      }
    }
    this._objective = spec.objective.metric;
    this._direction = spec.objective.direction ?? directionOf(this._objective);
    if (spec.second_objective) {
      this._second = spec.second_objective.metric;
      this._secondDirection =
        spec.second_objective.direction ?? directionOf(this._second);
    }
    this._strategy = spec.strategy ?? 'Bayesian';
    this._earlyStopping = spec.early_stopping ?? 'Off';
    const limits = spec.limits ?? {};
    if (limits.max_trials !== undefined) {
      this._maxTrials = String(limits.max_trials);
    }
    if (limits.max_parallel_trials !== undefined) {
      this._maxParallel = String(limits.max_parallel_trials);
    }
    this._maxRuntime =
      limits.max_runtime_seconds !== null &&
      limits.max_runtime_seconds !== undefined
        ? String(limits.max_runtime_seconds)
        : '';
  }

  private _defaultObjective(): void {
    const metrics = this.metrics;
    const preferred =
      metrics.find(m => m === 'validation:accuracy') ??
      metrics.find(m => m === 'validation:r2') ??
      metrics[0];
    if (preferred) {
      this._objective = preferred;
      this._direction = directionOf(preferred);
    }
  }

  /**
   * Follow the training form: a new algorithm resets the search (its
   * hyperparameters are other ones) and the objective; once the columns of
   * prefilled data are read, the target and exclusions of the spec apply.
   */
  private _onTrainingChanged(): void {
    const algorithm = this.training.algorithm?.name ?? '';
    if (algorithm !== this._algorithm) {
      const first = this._algorithm === '';
      this._algorithm = algorithm;
      if (!first || !this._prefill) {
        this._search = {};
        this._errors = {};
        this._second = '';
      }
      if (!this.metrics.includes(this._objective) && !this._prefill) {
        this._defaultObjective();
      }
    }
    const form = this.training;
    if (form.columns !== null && !form.columnsLoading) {
      if (this._pendingTarget) {
        const target = this._pendingTarget;
        this._pendingTarget = null;
        if (form.target !== target && form.columns.includes(target)) {
          form.setTarget(target);
        }
      }
      if (this._pendingExcluded) {
        const excluded = new Set(this._pendingExcluded);
        this._pendingExcluded = null;
        for (const column of form.columns) {
          if (form.isExcluded(column) !== excluded.has(column)) {
            form.setExcluded(column, excluded.has(column));
          }
        }
      }
    }
    this._emit();
  }

  private _setError(name: string, message: string | null): void {
    const rest = { ...this._errors };
    if (message) {
      rest[name] = message;
    } else {
      delete rest[name];
    }
    this._errors = rest;
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _algorithm = '';
  private _changed = new Signal<this, void>(this);
  private _direction: Direction = 'Maximize';
  private _earlyStopping: EarlyStopping = 'Auto';
  private _errors: Record<string, string> = {};
  private _isDisposed = false;
  private _maxParallel = '2';
  private _maxRuntime = '';
  private _maxTrials = '10';
  private _name = '';
  private _objective = '';
  private _pendingExcluded: ReadonlyArray<string> | null = null;
  private _pendingTarget: string | null = null;
  private _prefill: TuningJobSpec | null;
  private _prefillTraining: TrainingSpec | null;
  private _search: Record<string, IParamSearch> = {};
  private _second = '';
  private _secondDirection: Direction = 'Maximize';
  private _settings: ServerConnection.ISettings | undefined;
  private _strategy: Strategy = 'Bayesian';
  private _submission = new FormSubmission(() => this._emit());
  private _warmStart: string;
}

const FIXED: IParamSearch = {
  mode: 'fixed',
  min: '',
  max: '',
  scaling: 'Auto',
  values: ''
};

/** A whole number ≥ `min` from text, else `null`. */
function wholeNumber(text: string, min: number): number | null {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) && value >= min
    ? value
    : null;
}

/** A spec's hyperparameter value as the training form's field shows it. */
function asFieldValue(
  field: IHyperparameterField,
  value: unknown
): string | boolean {
  if (field.kind === 'boolean') {
    return value === true;
  }
  if (value === null || value === undefined) {
    return initialValue({ ...field, default: null });
  }
  if (Array.isArray(value)) {
    return value.join(', ');
  }
  return String(value);
}
