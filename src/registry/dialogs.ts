/**
 * The dialogs of the registry: new model, register a run's model, approve
 * or reject, delete. They only ask; the caller acts on the answer. The form
 * dialog itself (`askForm`) is shared with the endpoint dialogs.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type { ApprovalStatus, ModelGroup } from '../api/types';

/** One control of a dialog form. */
export interface IField {
  name: string;
  label: string;
  multiline?: boolean;
  /** A number input or a checkbox (its value is 'true' or 'false'). */
  type?: 'text' | 'number' | 'checkbox' | 'password';
  /** A heading shown above the first field of each group. */
  group?: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  /** A drop-down of these values instead of a text input. */
  choices?: ReadonlyArray<{ value: string; label: string }>;
  required?: boolean;
  /** An `<input pattern>`: the whole value must match. */
  pattern?: string;
  placeholder?: string;
  value?: string;
  help?: string;
  /** Suggestions offered as the user types. */
  suggestions?: ReadonlyArray<string>;
}

export type FormValue = Record<string, string>;

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

let datalistCount = 0;

/**
 * A dialog body of labelled inputs. The Dialog disables its accept button
 * while a control is `:invalid`; a required field holding only whitespace
 * counts as invalid here too.
 */
class FormBody extends Widget implements Dialog.IBodyWidget<FormValue> {
  constructor(fields: ReadonlyArray<IField>, options: { error?: string }) {
    super();
    this.addClass('jp-MLStudio-form');
    this.addClass('jp-MLStudio-modelForm');
    if (options.error) {
      const error = document.createElement('div');
      error.className = 'jp-MLStudio-error jp-MLStudio-dialogError';
      error.dataset.testid = 'mls-dialog-error';
      error.setAttribute('role', 'alert');
      error.textContent = options.error;
      this.node.appendChild(error);
    }
    let group: string | undefined;
    for (const field of fields) {
      if (field.group && field.group !== group) {
        const heading = document.createElement('div');
        heading.className = 'jp-MLStudio-formGroup';
        heading.textContent = field.group;
        this.node.appendChild(heading);
      }
      group = field.group;
      this.node.appendChild(this._control(field));
    }
  }

  getValue(): FormValue {
    const value: FormValue = {};
    this._controls.forEach((control, name) => {
      value[name] =
        control instanceof HTMLInputElement && control.type === 'checkbox'
          ? String(control.checked)
          : control.value.trim();
    });
    return value;
  }

  protected onAfterAttach(): void {
    // The Dialog re-validates on `input` events only; announce one so the
    // accept button starts disabled when a required field is empty.
    requestAnimationFrame(() => this._revalidate());
  }

  private _control(field: IField): HTMLLabelElement {
    const control = field.choices
      ? this._select(field.choices)
      : field.multiline
        ? document.createElement('textarea')
        : document.createElement('input');
    control.name = field.name;
    control.className = 'jp-mod-styled';
    control.value = field.value ?? '';
    control.required = field.required === true;
    control.dataset.testid = `mls-dialog-${field.name}`;
    if (control instanceof HTMLTextAreaElement) {
      control.rows = 3;
      control.placeholder = field.placeholder ?? '';
    } else if (control instanceof HTMLInputElement) {
      control.placeholder = field.placeholder ?? '';
      control.type = field.type ?? 'text';
      control.autocomplete = 'off';
      if (field.pattern) {
        control.pattern = field.pattern;
      }
      if (field.min !== undefined) {
        control.min = String(field.min);
      }
      if (field.max !== undefined) {
        control.max = String(field.max);
      }
      if (field.step !== undefined) {
        control.step = String(field.step);
      }
      if (field.type === 'checkbox') {
        control.checked = field.value === 'true';
      }
    }
    const label = document.createElement('label');
    label.className = 'jp-MLStudio-formField';
    const caption = document.createElement('span');
    caption.textContent = field.required ? `${field.label} *` : field.label;
    if (field.type === 'checkbox') {
      label.classList.add('jp-mod-checkbox');
      label.append(control, caption);
    } else {
      label.append(caption, control);
    }
    if (field.suggestions && control instanceof HTMLInputElement) {
      const list = document.createElement('datalist');
      list.id = `jp-MLStudio-datalist-${++datalistCount}`;
      for (const suggestion of field.suggestions) {
        const option = document.createElement('option');
        option.value = suggestion;
        list.appendChild(option);
      }
      control.setAttribute('list', list.id);
      label.appendChild(list);
    }
    if (field.help) {
      const help = document.createElement('span');
      help.className = 'jp-MLStudio-formHelp';
      help.textContent = field.help;
      label.appendChild(help);
    }
    if (field.required && !(control instanceof HTMLSelectElement)) {
      control.addEventListener('input', () => this._checkBlank(control));
      this._checkBlank(control);
    }
    this._controls.set(field.name, control);
    return label;
  }

  private _select(
    choices: ReadonlyArray<{ value: string; label: string }>
  ): HTMLSelectElement {
    const select = document.createElement('select');
    for (const choice of choices) {
      const option = document.createElement('option');
      option.value = choice.value;
      option.textContent = choice.label;
      select.appendChild(option);
    }
    return select;
  }

  /** Mark a whitespace-only required value invalid, and tell the Dialog. */
  private _checkBlank(control: HTMLInputElement | HTMLTextAreaElement): void {
    const blank = control.value !== '' && control.value.trim() === '';
    if (blank === (control.dataset.blank === 'true')) {
      return;
    }
    control.dataset.blank = String(blank);
    control.setCustomValidity(blank ? 'This field is required.' : '');
    // The Dialog validated before this listener ran: let it check again.
    if (this.isAttached) {
      this._revalidate();
    }
  }

  private _revalidate(): void {
    this.node.dispatchEvent(new Event('input', { bubbles: true }));
  }

  private _controls = new Map<string, Control>();
}

/** Show a form dialog; its values (trimmed) or `null` if cancelled. */
export async function askForm(
  title: string,
  accept: string,
  fields: ReadonlyArray<IField>,
  options: { error?: string; warn?: boolean } = {}
): Promise<FormValue | null> {
  const result = await showDialog<FormValue>({
    title,
    body: new FormBody(fields, options),
    buttons: [
      Dialog.cancelButton({ label: 'Cancel' }),
      options.warn
        ? Dialog.warnButton({ label: accept })
        : Dialog.okButton({ label: accept })
    ],
    focusNodeSelector: 'input, textarea, select'
  });
  return result.button.accept ? result.value : null;
}

/**
 * The server's model name rule as an `<input pattern>` (compiled with the
 * `v` flag, where a literal '-' in a class must be escaped).
 */
const MODEL_NAME_INPUT_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}';

const NAME_HELP =
  "Letters, digits, '.', '_' and '-'; starts with a letter or digit.";

/** Ask for a new model's name and description. */
export async function askNewModel(): Promise<{
  name: string;
  description: string;
} | null> {
  const value = await askForm('New Model', 'Create', [
    {
      name: 'name',
      label: 'Name',
      required: true,
      pattern: MODEL_NAME_INPUT_PATTERN,
      placeholder: 'e.g. churn-classifier',
      help: NAME_HELP
    },
    {
      name: 'description',
      label: 'Description',
      multiline: true,
      placeholder: 'Optional description'
    }
  ]);
  return value?.name
    ? { name: value.name, description: value.description ?? '' }
    : null;
}

/** What the register dialog returns. */
export interface IRegisterValue {
  name: string;
  description: string;
  runId: string;
}

/**
 * Ask which model a run's model becomes a version of. Without a run, the
 * dialog asks for the run id too. `error` (the server's answer to the last
 * try) is shown above the fields, which keep `initial`.
 */
export async function askRegister(options: {
  runId: string | null;
  runLabel?: string;
  modelNames: ReadonlyArray<string>;
  initial?: Partial<IRegisterValue>;
  error?: string;
}): Promise<IRegisterValue | null> {
  const fields: IField[] = [];
  if (!options.runId) {
    fields.push({
      name: 'runId',
      label: 'Run ID',
      required: true,
      value: options.initial?.runId,
      placeholder: 'The id of a run that logged a model',
      help: 'Tip: the run view has a Register model button.'
    });
  }
  fields.push(
    {
      name: 'name',
      label: 'Model name',
      required: true,
      pattern: MODEL_NAME_INPUT_PATTERN,
      value: options.initial?.name,
      suggestions: options.modelNames,
      placeholder: 'A new or an existing model',
      help: `An existing model gets a new version; a new name creates the model. ${NAME_HELP}`
    },
    {
      name: 'description',
      label: 'Version description',
      multiline: true,
      value: options.initial?.description,
      placeholder: 'Optional: what is new in this version'
    }
  );
  const title = options.runLabel
    ? `Register Model from ${options.runLabel}`
    : 'Register Model';
  const value = await askForm(title, 'Register', fields, {
    error: options.error
  });
  if (!value?.name) {
    return null;
  }
  return {
    name: value.name,
    description: value.description ?? '',
    runId: options.runId ?? value.runId ?? ''
  };
}

/** Ask for the comment of an approval change; `null` if cancelled. */
export async function askApprovalComment(
  status: ApprovalStatus,
  label: string
): Promise<string | null> {
  const approve = status === 'Approved';
  const value = await askForm(
    approve ? `Approve ${label}` : `Reject ${label}`,
    approve ? 'Approve' : 'Reject',
    [
      {
        name: 'comment',
        label: 'Comment',
        multiline: true,
        required: true,
        placeholder: approve
          ? 'Why this version is fit for use'
          : 'Why this version must not be used',
        help: 'Required: it is kept in the approval history.'
      }
    ],
    { warn: !approve }
  );
  return value?.comment || null;
}

/** Confirm deleting a model; says so when its versions go too. */
export async function confirmDeleteModel(
  group: ModelGroup,
  versionCount: number
): Promise<boolean> {
  const versions =
    versionCount === 1 ? 'its version' : `all ${versionCount} of its versions`;
  const body =
    versionCount > 0
      ? `Delete the model "${group.name}" and ${versions} with their artifacts? This cannot be undone.`
      : `Delete the model "${group.name}"? This cannot be undone.`;
  const result = await showDialog({
    title: 'Delete Model',
    body,
    buttons: [
      Dialog.cancelButton({ label: 'Cancel' }),
      Dialog.warnButton({ label: 'Delete' })
    ]
  });
  return result.button.accept;
}
