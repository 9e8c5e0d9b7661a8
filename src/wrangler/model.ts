/**
 * The state of one open flow: the document (kept in the JupyterLab
 * document context's text model, so saving, dirty state and reverting are
 * JupyterLab's own), an undo/redo history of document snapshots, the
 * selected node, the step being edited in the form, and the latest preview.
 *
 * A file that is not a readable flow is never rewritten: the model keeps
 * `parseError` and the raw text until the file is fixed (in another editor).
 */
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { ServerConnection } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api/request';
import {
  IPreview,
  IStepStatus,
  ITransformInfo,
  listTransforms,
  previewFlow
} from '../api/wrangler';
import {
  cloneJSON,
  COLUMN_WIDTH,
  defaultParams,
  downstreamOf,
  IFlowDocument,
  IFlowSource,
  IFlowStep,
  ISampleSpec,
  outputsOf,
  parseFlow,
  placeNodes,
  ROW_HEIGHT,
  serializeFlow,
  sourceForFile,
  splitRef,
  uniqueId
} from './document';

/** Rows the preview grid asks for. */
export const PREVIEW_ROWS = 200;
/** Wait this long after an edit before asking for a new preview. */
const PREVIEW_DELAY = 250;
const HISTORY_LIMIT = 200;

/** The step the form edits: an existing step, or a new one not added yet. */
export interface IDraft {
  step: IFlowStep;
  isNew: boolean;
}

let catalog: Promise<ITransformInfo[]> | null = null;

/** The transform catalog, fetched once per page. */
export function loadTransforms(
  settings?: ServerConnection.ISettings
): Promise<ITransformInfo[]> {
  if (!catalog) {
    catalog = listTransforms(settings).then(list => list.items);
    catalog.catch(() => {
      catalog = null;
    });
  }
  return catalog;
}

/** The dtype family of a pandas dtype string, as transforms name them. */
export function dtypeKind(dtype: string): string {
  const d = dtype.toLowerCase();
  if (d.startsWith('bool')) {
    return 'boolean';
  }
  if (/^(u?int|float|complex)/.test(d)) {
    return 'numeric';
  }
  if (d.startsWith('datetime') || d.startsWith('timedelta')) {
    return 'datetime';
  }
  if (d === 'object' || d.startsWith('string') || d === 'category') {
    return 'text';
  }
  return 'other';
}

export class FlowEditorModel implements IDisposable {
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
    loadTransforms(serverSettings)
      .then(items => {
        this._transforms = new Map(items.map(t => [t.name, t]));
        this._transformList = items;
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

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  /** The document, or null while loading or when the file is not a flow. */
  get document(): IFlowDocument | null {
    return this._document;
  }

  /** Why the file could not be read as a flow (the file is left as it is). */
  get parseError(): string | null {
    return this._parseError;
  }

  get rawText(): string {
    return this._rawText;
  }

  get transforms(): ReadonlyMap<string, ITransformInfo> {
    return this._transforms;
  }

  get transformList(): ReadonlyArray<ITransformInfo> {
    return this._transformList;
  }

  get catalogError(): string | null {
    return this._catalogError;
  }

  get selected(): string | null {
    return this._selected;
  }

  get draft(): IDraft | null {
    return this._draft;
  }

  get statuses(): ReadonlyMap<string, IStepStatus> {
    return this._statuses;
  }

  get preview(): IPreview | null {
    return this._preview;
  }

  /** The failed/blocked node's message, or the document's validation error. */
  get previewError(): string | null {
    return this._previewError;
  }

  get loading(): boolean {
    return this._loading;
  }

  get canUndo(): boolean {
    return this._undo.length > 0;
  }

  get canRedo(): boolean {
    return this._redo.length > 0;
  }

  /** The folder of the .flow file (relative to the server root). */
  get folder(): string {
    const path = this.localPath;
    const at = path.lastIndexOf('/');
    return at < 0 ? '' : path.slice(0, at);
  }

  /** The .flow path without a drive prefix. */
  get localPath(): string {
    return this.context.localPath ?? this.context.path;
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

  // -- selection and the form ---------------------------------------------------

  select(nodeId: string | null): void {
    if (nodeId === this._selected && !this._draft?.isNew) {
      return;
    }
    this._selected = nodeId;
    const step = this._document?.steps.find(s => s.id === nodeId);
    this._draft = step ? { step: cloneJSON(step), isNew: false } : null;
    this._changed.emit();
    this.schedulePreview(0);
  }

  /** Open the form for a new step reading the selected node's output. */
  startStep(transformName: string): void {
    const doc = this._document;
    const transform = this._transforms.get(transformName);
    if (!doc || !transform) {
      return;
    }
    const upstream = this._selected ?? this.lastNode();
    const inputs: string[] = [];
    if (upstream) {
      const outputs = outputsOf(doc, upstream, this._transforms);
      const isSource = doc.sources.some(s => s.id === upstream);
      inputs.push(
        outputs.length > 1 && !isSource ? `${upstream}:${outputs[0]}` : upstream
      );
    }
    while (inputs.length < transform.inputs.length) {
      inputs.push(upstream ?? '');
    }
    const position = this._positionAfter(upstream);
    this._draft = {
      step: {
        id: uniqueId(doc, transformName),
        transform: transformName,
        params: defaultParams(transform.params_schema),
        inputs,
        position
      },
      isNew: true
    };
    this._changed.emit();
  }

  /** Update the form's draft (nothing is applied to the document yet). */
  updateDraft(step: IFlowStep): void {
    if (this._draft) {
      this._draft = { ...this._draft, step };
      this._changed.emit();
    }
  }

  cancelDraft(): void {
    if (this._draft?.isNew) {
      this._draft = null;
    } else if (this._draft) {
      const step = this._document?.steps.find(
        s => s.id === this._draft?.step.id
      );
      this._draft = step ? { step: cloneJSON(step), isNew: false } : null;
    }
    this._changed.emit();
  }

  /** Apply the form: add the new step, or replace the edited one. */
  applyDraft(): void {
    const draft = this._draft;
    if (!draft) {
      return;
    }
    const step = cloneJSON(draft.step);
    this.edit(doc => {
      if (draft.isNew) {
        doc.steps.push(step);
      } else {
        const at = doc.steps.findIndex(s => s.id === step.id);
        if (at >= 0) {
          doc.steps[at] = step;
        }
      }
    });
    this._selected = step.id;
    this._draft = { step: cloneJSON(step), isNew: false };
    this._changed.emit();
  }

  /**
   * Remove a step; steps reading it read its first input instead. Refused
   * (returns a message) for a step other steps read through several outputs.
   */
  deleteStep(stepId: string): string | null {
    const doc = this._document;
    const step = doc?.steps.find(s => s.id === stepId);
    if (!doc || !step) {
      return null;
    }
    const replacement = step.inputs[0] ?? null;
    const readers = doc.steps.filter(s =>
      s.inputs.some(ref => splitRef(ref).node === stepId)
    );
    if (readers.length > 0 && replacement === null) {
      return `Steps ${readers.map(s => s.id).join(', ')} read this step.`;
    }
    this.edit(d => {
      d.steps = d.steps.filter(s => s.id !== stepId);
      for (const s of d.steps) {
        s.inputs = s.inputs.map(ref =>
          splitRef(ref).node === stepId ? (replacement as string) : ref
        );
      }
    });
    this._selected = splitRef(replacement ?? '').node || this.lastNode();
    this._draft = null;
    this.select(this._selected);
    return null;
  }

  /** Add a file source (the empty flow's "pick a data file"). */
  addSource(pathFromFlow: string): void {
    const doc = this._document;
    if (!doc) {
      return;
    }
    const id = doc.sources.length ? uniqueId(doc, 'source') : 'source';
    const source = sourceForFile(pathFromFlow, id);
    if (doc.sources.some(s => s.name === source.name)) {
      source.name = id.replace(/[^A-Za-z0-9_]/g, '_');
    }
    source.position = { x: 0, y: doc.sources.length * 140 };
    this.edit(d => {
      d.sources.push(source);
    });
    this.select(id);
  }

  updateSource(source: IFlowSource): void {
    this.edit(doc => {
      const at = doc.sources.findIndex(s => s.id === source.id);
      if (at >= 0) {
        doc.sources[at] = source;
      }
    });
  }

  updateSample(sample: ISampleSpec): void {
    this.edit(doc => {
      doc.sample = sample;
    });
  }

  /** Save node positions moved in the graph (one undo step). */
  moveNodes(positions: ReadonlyArray<{ id: string; x: number; y: number }>) {
    this.edit(doc => {
      for (const { id, x, y } of positions) {
        const node =
          doc.sources.find(s => s.id === id) ??
          doc.steps.find(s => s.id === id);
        if (node) {
          node.position = { x: Math.round(x), y: Math.round(y) };
        }
      }
    });
  }

  /** Point a step's input port at another node output (a graph edge). */
  connect(stepId: string, port: number, ref: string): void {
    if (stepId === splitRef(ref).node) {
      return;
    }
    if (downstreamOf(this._document!, stepId).has(splitRef(ref).node)) {
      return; // would form a cycle
    }
    this.edit(doc => {
      const step = doc.steps.find(s => s.id === stepId);
      if (step && port < step.inputs.length) {
        step.inputs[port] = ref;
      }
    });
  }

  // -- the document and its history -----------------------------------------------

  /** Change the document: one undo step, written to the context's model. */
  edit(mutate: (doc: IFlowDocument) => void): void {
    if (!this._document) {
      return;
    }
    const before = serializeFlow(this._document);
    const next = cloneJSON(this._document);
    mutate(next);
    const after = serializeFlow(next);
    if (after === before) {
      return;
    }
    this._undo.push(before);
    if (this._undo.length > HISTORY_LIMIT) {
      this._undo.shift();
    }
    this._redo = [];
    this._setDocument(next, after);
  }

  undo(): void {
    const text = this._undo.pop();
    if (text === undefined || !this._document) {
      return;
    }
    this._redo.push(serializeFlow(this._document));
    this._restore(text);
  }

  redo(): void {
    const text = this._redo.pop();
    if (text === undefined || !this._document) {
      return;
    }
    this._undo.push(serializeFlow(this._document));
    this._restore(text);
  }

  /** The last node in file order (what a preview of "the flow" shows). */
  lastNode(): string | null {
    const doc = this._document;
    if (!doc) {
      return null;
    }
    const last = doc.steps[doc.steps.length - 1] ?? doc.sources[0];
    return last?.id ?? null;
  }

  /**
   * Column names (and dtypes) a step's input port sees: the upstream
   * node's output in the latest preview run.
   */
  columnsOf(ref: string | undefined): Array<{ name: string; dtype: string }> {
    if (!ref) {
      return [];
    }
    const { node, output } = splitRef(ref);
    const status = this._statuses.get(node);
    if (status) {
      const info =
        status.outputs.find(o => o.name === output) ?? status.outputs[0];
      if (info) {
        return Object.entries(info.dtypes).map(([name, dtype]) => ({
          name,
          dtype
        }));
      }
    }
    if (this._preview?.node === node) {
      return this._preview.columns.map(c => ({ name: c.name, dtype: c.dtype }));
    }
    return [];
  }

  /** Ask for a new preview of the selected node after `delay` ms. */
  schedulePreview(delay = PREVIEW_DELAY): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => void this.refreshPreview(), delay);
  }

  async refreshPreview(): Promise<void> {
    const doc = this._document;
    if (!doc || this._isDisposed) {
      return;
    }
    this._abort?.abort();
    if (doc.sources.length === 0) {
      this._statuses = new Map();
      this._preview = null;
      this._previewError = null;
      this._loading = false;
      this._changed.emit();
      return;
    }
    const abort = new AbortController();
    this._abort = abort;
    const request = ++this._request;
    this._loading = true;
    this._changed.emit();
    // The upstream columns are needed by the form of a new step as well.
    const node = this._selected ?? this.lastNode();
    const { node: nodeId, output } = splitRef(node ?? '');
    try {
      const result = await previewFlow(
        {
          path: this.localPath,
          flow: doc,
          node: nodeId || null,
          output,
          rows: PREVIEW_ROWS
        },
        this._settings,
        abort.signal
      );
      if (request !== this._request || this._isDisposed) {
        return;
      }
      // Keep statuses of nodes this run did not need (other branches).
      const statuses = new Map(this._statuses);
      for (const id of [...statuses.keys()]) {
        if (
          !doc.sources.some(s => s.id === id) &&
          !doc.steps.some(s => s.id === id)
        ) {
          statuses.delete(id);
        }
      }
      for (const status of result.statuses) {
        statuses.set(status.id, status);
      }
      this._statuses = statuses;
      this._preview = result.preview;
      this._previewError = result.error;
    } catch (reason) {
      if (request !== this._request || this._isDisposed) {
        return;
      }
      if (abort.signal.aborted) {
        return;
      }
      this._preview = null;
      this._previewError = errorMessage(reason);
    }
    this._loading = false;
    this._changed.emit();
  }

  // -- private ------------------------------------------------------------------

  private _positionAfter(nodeId: string | null): { x: number; y: number } {
    // Where the graph draws the nodes, saved or laid out (a hand-written
    // flow has no positions: a new step must not land on one of its nodes).
    const placed = placeNodes(this._document!);
    const base = (nodeId ? placed.get(nodeId) : undefined) ?? { x: 0, y: 0 };
    const x = base.x + COLUMN_WIDTH;
    let y = base.y;
    // A branch off a node that already has a reader goes below it.
    const taken = [...placed.values()];
    while (taken.some(p => Math.abs(p.x - x) < 40 && Math.abs(p.y - y) < 40)) {
      y += ROW_HEIGHT;
    }
    return { x, y };
  }

  private _restore(text: string): void {
    const parsed = parseFlow(text);
    if (parsed.document) {
      this._setDocument(parsed.document, text);
      if (this._selected && !this._hasNode(this._selected)) {
        this._selected = this.lastNode();
      }
      const step = parsed.document.steps.find(s => s.id === this._selected);
      this._draft = step ? { step: cloneJSON(step), isNew: false } : null;
      this._changed.emit();
    }
  }

  private _hasNode(id: string): boolean {
    const doc = this._document;
    return !!doc && [...doc.sources, ...doc.steps].some(n => n.id === id);
  }

  private _setDocument(doc: IFlowDocument, text: string): void {
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
    this.schedulePreview();
  }

  private _onContentChanged(): void {
    if (this._writing || !this._loaded) {
      return;
    }
    this._readFromContext();
  }

  /** (Re)read the document from the file's text: on load, revert, or outside edits. */
  private _readFromContext(): void {
    const text = this.context.model.toString();
    if (this._document && text === this._rawText) {
      return;
    }
    this._rawText = text;
    const parsed = parseFlow(text);
    this._parseError = parsed.error;
    if (parsed.document) {
      const first = this._document === null;
      this._document = parsed.document;
      if (!this._selected || !this._hasNode(this._selected)) {
        this._selected = this.lastNode();
      }
      const step = parsed.document.steps.find(s => s.id === this._selected);
      if (first || !this._draft?.isNew) {
        this._draft = step ? { step: cloneJSON(step), isNew: false } : null;
      }
      this.schedulePreview(0);
    } else {
      this._document = null;
    }
    this._changed.emit();
  }

  private _abort: AbortController | null = null;
  private _catalogError: string | null = null;
  private _changed = new Signal<this, void>(this);
  private _document: IFlowDocument | null = null;
  private _draft: IDraft | null = null;
  private _isDisposed = false;
  private _loaded = false;
  private _loading = false;
  private _parseError: string | null = null;
  private _preview: IPreview | null = null;
  private _previewError: string | null = null;
  private _rawText = '';
  private _redo: string[] = [];
  private _request = 0;
  private _selected: string | null = null;
  private _settings?: ServerConnection.ISettings;
  private _statuses = new Map<string, IStepStatus>();
  private _timer = 0;
  private _transformList: ITransformInfo[] = [];
  private _transforms = new Map<string, ITransformInfo>();
  private _undo: string[] = [];
  private _writing = false;
}
