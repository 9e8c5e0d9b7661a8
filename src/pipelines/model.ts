/**
 * The state of one open `.pipeline`: the document (kept in the JupyterLab
 * document context's text model, so saving, the dirty mark and reverting
 * are JupyterLab's own), an undo/redo history, the selected step, the step
 * type catalog and the latest validation.
 *
 * A file that is not a readable pipeline is never rewritten: the model keeps
 * `parseError` and the raw text until the file is fixed in another editor.
 */
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api/request';
import {
  IPipelineIssue,
  IStepType,
  loadStepTypes,
  validatePipeline
} from './api';
import {
  cloneJSON,
  COLUMN_WIDTH,
  downstreamOf,
  IPipelineDocument,
  IPipelineParameter,
  IPipelineStep,
  parsePipeline,
  placeSteps,
  renameInReferences,
  ROW_HEIGHT,
  serializePipeline,
  STEP_NAME,
  uniqueStepName
} from './document';

const HISTORY_LIMIT = 200;
/** After the first validation, edits validate again after this pause (ms). */
const REVALIDATE_DELAY = 400;
/** Typing in one field within this pause (ms) is one undo step. */
const COALESCE_MS = 1500;

export class PipelineEditorModel implements IDisposable {
  constructor(
    context: DocumentRegistry.Context,
    serverSettings?: ServerConnection.ISettings
  ) {
    this.context = context;
    this._settings = serverSettings;
    context.model.contentChanged.connect(this._onContentChanged, this);
    void context.ready.then(() => {
      this._loaded = true;
      this._readFromContext();
    });
    loadStepTypes(serverSettings)
      .then(items => {
        this._typeList = items;
        this._types = new Map(items.map(t => [t.type, t]));
        this._catalogError = null;
        this._changed.emit();
      })
      .catch(reason => {
        this._catalogError = errorMessage(reason);
        this._changed.emit();
      });
  }

  readonly context: DocumentRegistry.Context;

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get serverSettings(): ServerConnection.ISettings | undefined {
    return this._settings;
  }
  get isDisposed(): boolean {
    return this._isDisposed;
  }
  get loaded(): boolean {
    return this._loaded;
  }
  get document(): IPipelineDocument | null {
    return this._document;
  }
  get parseError(): string | null {
    return this._parseError;
  }
  get rawText(): string {
    return this._rawText;
  }
  /** The step types by name (empty until the catalog arrives). */
  get types(): ReadonlyMap<string, IStepType> {
    return this._types;
  }
  get typeList(): ReadonlyArray<IStepType> {
    return this._typeList;
  }
  /** Why the step types could not be read (no pipeline routes on the server). */
  get catalogError(): string | null {
    return this._catalogError;
  }
  get selected(): string | null {
    return this._selected;
  }
  get selectedStep(): IPipelineStep | null {
    return this._document?.steps.find(s => s.name === this._selected) ?? null;
  }
  /** The latest validation's issues; null before the first validation. */
  get issues(): ReadonlyArray<IPipelineIssue> | null {
    return this._issues;
  }
  get validating(): boolean {
    return this._validating;
  }
  /** Why the last validation request failed (not the document's issues). */
  get validationError(): string | null {
    return this._validationError;
  }
  get canUndo(): boolean {
    return this._undo.length > 0;
  }
  get canRedo(): boolean {
    return this._redo.length > 0;
  }

  /** The issues of one step (null: the document's own). */
  issuesOf(step: string | null): IPipelineIssue[] {
    return (this._issues ?? []).filter(i => i.step === step);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearTimeout(this._timer);
    this._abort?.abort();
    this.context.model.contentChanged.disconnect(this._onContentChanged, this);
    Signal.clearData(this);
  }

  select(name: string | null): void {
    if (name !== this._selected) {
      this._selected = name;
      this._changed.emit();
    }
  }

  // -- edits --------------------------------------------------------------------

  /** Add a step of `type` (at `position`, or after the selected step). */
  addStep(type: string, position?: { x: number; y: number }): string | null {
    const doc = this._document;
    if (!doc) {
      return null;
    }
    const name = uniqueStepName(doc, type);
    const at = position ?? this._freePosition();
    this.edit(d => {
      d.steps.push({
        name,
        type,
        arguments: {},
        depends_on: [],
        ui: { x: Math.round(at.x), y: Math.round(at.y) }
      });
    });
    this._selected = name;
    this._changed.emit();
    return name;
  }

  /** Remove a step and the explicit edges and branch entries naming it. */
  deleteStep(name: string): void {
    this.edit(doc => {
      doc.steps = doc.steps.filter(s => s.name !== name);
      for (const step of doc.steps) {
        if (step.depends_on) {
          step.depends_on = step.depends_on.filter(d => d !== name);
        }
        for (const key of ['if_steps', 'else_steps']) {
          const list = step.arguments[key];
          if (step.type === 'Condition' && Array.isArray(list)) {
            step.arguments[key] = list.filter(m => m !== name);
          }
        }
      }
    });
    if (this._selected === name) {
      this._selected = null;
      this._changed.emit();
    }
  }

  /**
   * Rename a step and every reference to it; returns why not (a name in
   * use or not of the allowed shape) or null.
   */
  renameStep(from: string, to: string): string | null {
    const doc = this._document;
    if (!doc || from === to) {
      return null;
    }
    if (!STEP_NAME.test(to)) {
      return 'A step name is 1 to 64 letters, digits, - or _.';
    }
    if (doc.steps.some(s => s.name === to)) {
      return `A step is already named "${to}".`;
    }
    this.edit(d => {
      for (const step of d.steps) {
        if (step.name === from) {
          step.name = to;
        }
        step.depends_on = step.depends_on?.map(n => (n === from ? to : n));
        step.arguments = renameInReferences(step.arguments, from, to) as Record<
          string,
          unknown
        >;
        for (const key of ['if_steps', 'else_steps']) {
          const list = step.arguments[key];
          if (step.type === 'Condition' && Array.isArray(list)) {
            step.arguments[key] = list.map(m => (m === from ? to : m));
          }
        }
      }
    });
    if (this._selected === from) {
      this._selected = to;
      this._changed.emit();
    }
    return null;
  }

  /**
   * Change one step (the properties panel). Edits with the same `coalesce`
   * key in a row (typing in one field) are one undo step.
   */
  updateStep(
    name: string,
    mutate: (step: IPipelineStep) => void,
    coalesce?: string
  ): void {
    this.edit(doc => {
      const step = doc.steps.find(s => s.name === name);
      if (step) {
        mutate(step);
      }
    }, coalesce);
  }

  /** A dragged connection: `target` runs after `source`. Returns why not. */
  connect(source: string, target: string): string | null {
    const doc = this._document;
    if (!doc || source === target) {
      return null;
    }
    if (downstreamOf(doc, target).has(source)) {
      return `"${source}" already runs after "${target}": the steps would form a cycle.`;
    }
    this.updateStep(target, step => {
      const deps = step.depends_on ?? [];
      if (!deps.includes(source)) {
        step.depends_on = [...deps, source];
      }
    });
    return null;
  }

  /** Remove an explicit dependency (a selected depends_on edge, Delete). */
  disconnect(source: string, target: string): void {
    this.updateStep(target, step => {
      step.depends_on = (step.depends_on ?? []).filter(d => d !== source);
    });
  }

  moveSteps(positions: ReadonlyArray<{ name: string; x: number; y: number }>) {
    this.edit(doc => {
      for (const { name, x, y } of positions) {
        const step = doc.steps.find(s => s.name === name);
        if (step) {
          step.ui = { ...(step.ui ?? {}), x: Math.round(x), y: Math.round(y) };
        }
      }
    });
  }

  setParameters(parameters: IPipelineParameter[], coalesce?: string): void {
    this.edit(doc => {
      doc.parameters = parameters;
    }, coalesce);
  }

  setMeta(
    meta: { name?: string; description?: string; max_parallel?: number },
    coalesce?: string
  ): void {
    this.edit(doc => {
      Object.assign(doc, meta);
    }, coalesce);
  }

  /** Change the document: one undo step, written to the context's model. */
  edit(mutate: (doc: IPipelineDocument) => void, coalesce?: string): void {
    if (!this._document) {
      return;
    }
    const before = serializePipeline(this._document);
    const next = cloneJSON(this._document);
    mutate(next);
    const after = serializePipeline(next);
    if (after === before) {
      return;
    }
    const now = Date.now();
    const same =
      coalesce !== undefined &&
      coalesce === this._coalesce &&
      now - this._coalescedAt < COALESCE_MS &&
      this._undo.length > 0;
    this._coalesce = coalesce;
    this._coalescedAt = now;
    if (!same) {
      this._undo.push(before);
      if (this._undo.length > HISTORY_LIMIT) {
        this._undo.shift();
      }
    }
    this._redo = [];
    this._setDocument(next, after);
  }

  undo(): void {
    const text = this._undo.pop();
    if (text !== undefined && this._document) {
      this._redo.push(serializePipeline(this._document));
      this._restore(text);
    }
  }

  redo(): void {
    const text = this._redo.pop();
    if (text !== undefined && this._document) {
      this._undo.push(serializePipeline(this._document));
      this._restore(text);
    }
  }

  // -- validation ---------------------------------------------------------------

  /** Ask the server to validate the document as edited. */
  async validate(): Promise<void> {
    const doc = this._document;
    if (!doc || this._isDisposed) {
      return;
    }
    window.clearTimeout(this._timer);
    this._abort?.abort();
    const abort = new AbortController();
    this._abort = abort;
    this._validating = true;
    this._changed.emit();
    try {
      const result = await validatePipeline(doc, this._settings, abort.signal);
      if (abort.signal.aborted || this._isDisposed) {
        return;
      }
      this._issues = result.errors;
      this._validationError = null;
    } catch (reason) {
      if (abort.signal.aborted || this._isDisposed) {
        return;
      }
      this._validationError = errorMessage(reason);
    }
    this._validating = false;
    this._changed.emit();
  }

  // -- private ------------------------------------------------------------------

  private _freePosition(): { x: number; y: number } {
    const placed = placeSteps(this._document!);
    const base = this._selected ? placed.get(this._selected) : undefined;
    const x = base ? base.x + COLUMN_WIDTH : 0;
    let y = base ? base.y : 0;
    const taken = [...placed.values()];
    while (taken.some(p => Math.abs(p.x - x) < 60 && Math.abs(p.y - y) < 60)) {
      y += ROW_HEIGHT;
    }
    return { x, y };
  }

  private _restore(text: string): void {
    const parsed = parsePipeline(text);
    if (parsed.document) {
      this._setDocument(parsed.document, text);
      if (this._selected && !this.selectedStep) {
        this._selected = null;
        this._changed.emit();
      }
    }
  }

  private _setDocument(doc: IPipelineDocument, text: string): void {
    this._document = doc;
    this._rawText = text;
    this._writing = true;
    try {
      this.context.model.fromString(text);
      // Text models do not track edits themselves: the editor marks them.
      this.context.model.dirty = true;
    } finally {
      this._writing = false;
    }
    this._changed.emit();
    this._scheduleValidation();
  }

  private _scheduleValidation(): void {
    if (this._issues === null && this._validationError === null) {
      return; // not validated yet: the Validate button starts it
    }
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(
      () => void this.validate(),
      REVALIDATE_DELAY
    );
  }

  private _onContentChanged(): void {
    if (!this._writing && this._loaded) {
      this._readFromContext();
    }
  }

  /** (Re)read the document from the file's text: on load, revert, outside edits. */
  private _readFromContext(): void {
    const text = this.context.model.toString();
    if (this._document && text === this._rawText) {
      return;
    }
    this._rawText = text;
    const parsed = parsePipeline(text);
    this._parseError = parsed.error;
    this._document = parsed.document;
    if (this._selected && !this.selectedStep) {
      this._selected = null;
    }
    this._changed.emit();
    if (parsed.document) {
      this._scheduleValidation();
    }
  }

  private _abort: AbortController | null = null;
  private _coalesce: string | undefined = undefined;
  private _coalescedAt = 0;
  private _catalogError: string | null = null;
  private _changed = new Signal<this, void>(this);
  private _document: IPipelineDocument | null = null;
  private _isDisposed = false;
  private _issues: IPipelineIssue[] | null = null;
  private _loaded = false;
  private _parseError: string | null = null;
  private _rawText = '';
  private _redo: string[] = [];
  private _selected: string | null = null;
  private _settings?: ServerConnection.ISettings;
  private _timer = 0;
  private _typeList: IStepType[] = [];
  private _types = new Map<string, IStepType>();
  private _undo: string[] = [];
  private _validating = false;
  private _validationError: string | null = null;
  private _writing = false;
}
