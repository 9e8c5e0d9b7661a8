/**
 * TrainingFormModel: the state of the "New training job" form, its
 * client-side checks and the submission. The form keeps everything the user
 * entered when the server refuses the job, so a 400/409 is fixed in place.
 */
import type { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Debouncer } from '@lumino/polling';
import { Signal } from '@lumino/signaling';

import { createTrainingJob, getDataColumns, listAlgorithms } from '../api/jobs';
import type { Algorithm, Job, TrainingJobCreate } from '../api/types';
import type { IModelError } from '../tokens';
import { errorOf } from '../ui/errors';
import { FormSubmission } from '../ui/form-submission';
import {
  fieldsOf,
  FieldValue,
  IHyperparameterField,
  initialValue,
  isDefault,
  parseValue,
  WireValue
} from './hyperparameters';

/** Data files the built-in algorithms read. */
export const DATA_EXTENSIONS: ReadonlyArray<string> = [
  '.csv',
  '.tsv',
  '.parquet',
  '.jsonl'
];

/** The server's job-name rule. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const DEFAULT_VALIDATION_FRACTION = '0.2';

/**
 * Column names that say a column identifies rows instead of describing them
 * (the same names the built-in algorithms drop, jupyter_mlstudio/jobs/builtin.py):
 * `id`, `customer_id`, `customerId`, `uuid`, `key`, an index, or personal data.
 */
const ID_NAME =
  /(^|[_\s.-])(id|uuid|guid|key)$|^(id|uuid|guid|index|unnamed: ?\d+)$/i;
const CAMEL_ID = /[a-z0-9](Id|ID)$/;
const PERSONAL_NAMES = new Set([
  'name',
  'firstname',
  'lastname',
  'fullname',
  'surname',
  'givenname',
  'familyname',
  'username',
  'customername',
  'email',
  'emailaddress',
  'phone',
  'phonenumber',
  'telephone'
]);

/** Whether a column's name says it identifies a row (or a person). */
export function looksLikeIdentifier(column: string): boolean {
  return (
    ID_NAME.test(column) ||
    CAMEL_ID.test(column) ||
    PERSONAL_NAMES.has(column.replace(/[\s_.-]+/g, '').toLowerCase())
  );
}

/** Whether a path names a data file the built-in algorithms read. */
export function isDataFile(path: string): boolean {
  const lower = path.toLowerCase();
  return DATA_EXTENSIONS.some(ext => lower.endsWith(ext));
}

/** The two data inputs of the form. */
export type DataChannel = 'train' | 'validation';

export namespace TrainingFormModel {
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    /** Paths of the files selected in the file browser. */
    selectedFiles?: () => ReadonlyArray<string>;
    /** Training data to start with (e.g. from the file browser's menu). */
    trainPath?: string;
    /** The experiment to log to (e.g. from an experiment without runs). */
    experiment?: string;
  }
}

export class TrainingFormModel implements IDisposable {
  constructor(options: TrainingFormModel.IOptions = {}) {
    this._settings = options.serverSettings;
    this._selectedFiles = options.selectedFiles ?? null;
    this._columnLoader = new Debouncer(() => this._loadColumns(), 400);
    if (options.trainPath) {
      this.setPath('train', options.trainPath);
    }
    this._experiment = options.experiment ?? '';
  }

  get changed(): Signal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The built-in algorithms, once loaded. */
  get algorithms(): ReadonlyArray<Algorithm> {
    return this._algorithms;
  }

  get algorithmsLoaded(): boolean {
    return this._algorithmsLoaded;
  }

  get algorithm(): Algorithm | null {
    return this._algorithms.find(a => a.name === this._algorithmName) ?? null;
  }

  /** The selected algorithm's hyperparameter fields. */
  get fields(): ReadonlyArray<IHyperparameterField> {
    return this._fields;
  }

  /** Whether the job can be submitted from the file browser's selection. */
  get canUseSelection(): boolean {
    return this._selectedFiles !== null;
  }

  value(name: string): FieldValue {
    return this._values[name] ?? '';
  }

  /** The message of a field (hyperparameter name, or `name`, `train` …). */
  fieldError(name: string): string | null {
    return this._fieldErrors[name] ?? null;
  }

  get name(): string {
    return this._name;
  }

  get experiment(): string {
    return this._experiment;
  }

  path(channel: DataChannel): string {
    return this._paths[channel];
  }

  get target(): string {
    return this._target;
  }

  get validationFraction(): string {
    return this._validationFraction;
  }

  /** Dask workers a distributed algorithm trains on ("1": one host). */
  get instanceCount(): string {
    return this._instanceCount;
  }

  /** Columns of the training data; `null` until read. */
  get columns(): ReadonlyArray<string> | null {
    return this._columns;
  }

  get columnsLoading(): boolean {
    return this._columnsLoading;
  }

  /** The columns never used as features (`exclude_columns`), in data order. */
  get excludedColumns(): ReadonlyArray<string> {
    return (this._columns ?? []).filter(c => this._excluded.has(c));
  }

  /** The columns ticked for exclusion because their names look like ids. */
  get suggestedExclusions(): ReadonlyArray<string> {
    return this._suggested;
  }

  isExcluded(column: string): boolean {
    return this._excluded.has(column);
  }

  /** Use a column as a feature or not. */
  setExcluded(column: string, excluded: boolean): void {
    this._excluded = new Set(this._excluded);
    if (excluded && column !== this._target) {
      this._excluded.add(column);
    } else {
      this._excluded.delete(column);
    }
    this._emit();
  }

  get submitting(): boolean {
    return this._submission.submitting;
  }

  /** The server's refusal, or a summary of the fields to fix. */
  get error(): IModelError | null {
    return this._submission.error;
  }

  /** Load the algorithms; the first classification one is selected. */
  async start(): Promise<void> {
    try {
      const list = await listAlgorithms(this._settings);
      this._algorithms = list.items;
      this._algorithmsLoaded = true;
      if (!this.algorithm && list.items.length > 0) {
        this.setAlgorithm(
          (list.items.find(a => a.task === 'classification') ?? list.items[0])
            .name
        );
      }
    } catch (reason) {
      this._submission.fail(reason);
    }
    this._emit();
  }

  /** Choose an algorithm: its fields start at their defaults. */
  setAlgorithm(name: string): void {
    // The previous algorithm's field messages go with its fields.
    for (const field of this._fields) {
      this._setFieldError(field.name, null);
    }
    this._algorithmName = name;
    this._fields = fieldsOf(this.algorithm?.hyperparameters);
    this._values = {};
    for (const field of this._fields) {
      this._values[field.name] = initialValue(field);
    }
    this._checkTarget();
    this._emit();
  }

  setValue(name: string, value: FieldValue): void {
    this._values[name] = value;
    const field = this._fields.find(f => f.name === name);
    if (field) {
      const result = parseValue(field, value);
      this._setFieldError(name, result.ok ? null : result.message);
    }
    this._emit();
  }

  setName(name: string): void {
    this._name = name;
    this._setFieldError('name', nameError(name));
    this._emit();
  }

  setExperiment(experiment: string): void {
    this._experiment = experiment;
    this._emit();
  }

  setPath(channel: DataChannel, path: string): void {
    this._paths[channel] = path;
    this._setFieldError(channel, pathError(path, channel === 'train'));
    if (channel === 'train') {
      this._columns = null;
      this._columnsLoading = isDataFile(path.trim());
      void this._columnLoader.invoke();
    }
    this._emit();
  }

  /**
   * Use the file selected in the file browser as training or validation
   * data; an inline message says what to select otherwise.
   */
  useSelection(channel: DataChannel): void {
    const files = this._selectedFiles?.() ?? [];
    const file = files.find(isDataFile);
    if (file === undefined) {
      this._setFieldError(
        channel,
        files.length === 0
          ? `Select a ${extensionList()} file in the file browser first.`
          : `The selected file is not a ${extensionList()} file.`
      );
      this._emit();
      return;
    }
    this.setPath(channel, file);
  }

  setTarget(target: string): void {
    this._target = target;
    // The target is never a feature anyway.
    if (this._excluded.has(target)) {
      this._excluded = new Set(this._excluded);
      this._excluded.delete(target);
    }
    this._checkTarget();
    this._emit();
  }

  setValidationFraction(value: string): void {
    this._validationFraction = value;
    this._setFieldError('validationFraction', fractionError(value));
    this._emit();
  }

  setInstanceCount(value: string): void {
    this._instanceCount = value;
    this._setFieldError('instanceCount', instanceCountError(value));
    this._emit();
  }

  dismissError(): void {
    this._submission.dismiss();
  }

  /**
   * Check everything, then start the job. Resolves to the new job, or `null`
   * when a check or the server refused it (see `error` and `fieldError`).
   */
  async submit(): Promise<Job | null> {
    if (this._submission.submitting) {
      return null;
    }
    return this._submission.send(this.body(), body =>
      createTrainingJob(body, this._settings)
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._columnsAbort?.abort();
    this._columnLoader.dispose();
    Signal.clearData(this);
  }

  /**
   * The request body, or `null` (with field errors set) if a check fails.
   * Hyperparameters in `skip` are left out unchecked (the tuning form
   * searches them instead of fixing them).
   */
  body(skip: ReadonlySet<string> = new Set()): TrainingJobCreate | null {
    const algorithm = this.algorithm;
    const errors: Record<string, string> = {};
    const hyperparameters: Record<string, WireValue> = {};
    for (const field of this._fields) {
      if (skip.has(field.name)) {
        continue;
      }
      const result = parseValue(field, this.value(field.name));
      if (!result.ok) {
        errors[field.name] = result.message;
      } else if (!isDefault(field, result.value)) {
        // Defaults are the server's to fill in: the spec shows what changed.
        hyperparameters[field.name] = result.value;
      }
    }
    const name = this._name.trim();
    const train = this._paths.train.trim();
    const validation = this._paths.validation.trim();
    const checks: Record<string, string | null> = {
      algorithm: algorithm ? null : 'Choose an algorithm.',
      name: nameError(name),
      train: pathError(train, true),
      validation: pathError(validation, false),
      target:
        algorithm?.needs_target && !this._target
          ? 'Choose the column to predict.'
          : null,
      validationFraction: validation
        ? null
        : fractionError(this._validationFraction),
      instanceCount: algorithm?.distributed
        ? instanceCountError(this._instanceCount)
        : null
    };
    for (const [key, message] of Object.entries(checks)) {
      if (message) {
        errors[key] = message;
      }
    }
    this._fieldErrors = errors;
    if (!algorithm || Object.keys(errors).length > 0) {
      return null;
    }
    const body: TrainingJobCreate = {
      algorithm: algorithm.name,
      hyperparameters,
      channels: validation ? { train, validation } : { train }
    };
    if (name) {
      body.name = name;
    }
    if (this._experiment.trim()) {
      body.experiment = this._experiment.trim();
    }
    if (algorithm.needs_target) {
      body.target = this._target;
    }
    if (!validation) {
      body.validation_fraction = Number(this._validationFraction);
    }
    if (algorithm.distributed && Number(this._instanceCount) > 1) {
      body.instance_count = Number(this._instanceCount);
    }
    const excluded = this.excludedColumns.filter(c => c !== this._target);
    if (excluded.length > 0) {
      body.exclude_columns = excluded;
    }
    return body;
  }

  private async _loadColumns(): Promise<void> {
    const path = this._paths.train.trim();
    this._columnsAbort?.abort();
    if (!isDataFile(path)) {
      this._columnsLoading = false;
      this._emit();
      return;
    }
    const abort = new AbortController();
    this._columnsAbort = abort;
    this._columnsLoading = true;
    this._emit();
    try {
      const result = await getDataColumns(path, this._settings, abort.signal);
      if (abort.signal.aborted || this._isDisposed) {
        return;
      }
      this._columns = result.columns;
      // A new file: its id-like columns start excluded, the user decides.
      this._suggested = result.columns.filter(
        c => c !== this._target && looksLikeIdentifier(c)
      );
      this._excluded = new Set(this._suggested);
      this._setFieldError('train', null);
    } catch (reason) {
      if (abort.signal.aborted || this._isDisposed) {
        return;
      }
      this._columns = null;
      this._setFieldError('train', errorOf(reason).message);
    }
    this._columnsLoading = false;
    this._checkTarget();
    this._emit();
  }

  /** Keep the target only if the data has that column. */
  private _checkTarget(): void {
    if (this._columns && !this._columns.includes(this._target)) {
      this._target = '';
    }
    if (this._target) {
      this._setFieldError('target', null);
    }
  }

  private _setFieldError(name: string, message: string | null): void {
    if (message) {
      this._fieldErrors = { ...this._fieldErrors, [name]: message };
    } else if (name in this._fieldErrors) {
      const rest = { ...this._fieldErrors };
      delete rest[name];
      this._fieldErrors = rest;
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _algorithmName = '';
  private _algorithms: Algorithm[] = [];
  private _algorithmsLoaded = false;
  private _changed = new Signal<this, void>(this);
  private _columnLoader: Debouncer<void>;
  private _columns: ReadonlyArray<string> | null = null;
  private _columnsAbort: AbortController | null = null;
  private _columnsLoading = false;
  private _excluded = new Set<string>();
  private _experiment = '';
  private _fieldErrors: Record<string, string> = {};
  private _fields: IHyperparameterField[] = [];
  private _isDisposed = false;
  private _name = '';
  private _paths: Record<DataChannel, string> = { train: '', validation: '' };
  private _selectedFiles: (() => ReadonlyArray<string>) | null;
  private _settings: ServerConnection.ISettings | undefined;
  private _submission = new FormSubmission(() => this._emit());
  private _suggested: string[] = [];
  private _target = '';
  private _validationFraction = DEFAULT_VALIDATION_FRACTION;
  private _instanceCount = '1';
  private _values: Record<string, FieldValue> = {};
}

function nameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '' || NAME_PATTERN.test(trimmed)) {
    return null;
  }
  return 'Use letters, digits, ".", "_" or "-" (starting with a letter or digit), at most 128 characters.';
}

function pathError(path: string, required: boolean): string | null {
  const trimmed = path.trim();
  if (trimmed === '') {
    return required ? 'Enter the path of the training data.' : null;
  }
  if (trimmed.startsWith('/')) {
    return "Give the path relative to the server's root folder, as the file browser shows it.";
  }
  return isDataFile(trimmed) ? null : `Must be a ${extensionList()} file.`;
}

function fractionError(value: string): string | null {
  const number = Number(value);
  return value.trim() !== '' && number > 0 && number < 1
    ? null
    : 'Must be a number between 0 and 1 (exclusive).';
}

function instanceCountError(value: string): string | null {
  const number = Number(value);
  return value.trim() !== '' &&
    Number.isInteger(number) &&
    number >= 1 &&
    number <= 256
    ? null
    : 'Must be a whole number from 1 to 256.';
}

function extensionList(): string {
  return `${DATA_EXTENSIONS.slice(0, -1).join(', ')} or ${DATA_EXTENSIONS[DATA_EXTENSIONS.length - 1]}`;
}
