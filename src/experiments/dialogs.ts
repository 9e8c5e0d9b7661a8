/**
 * The create / rename / delete dialogs. They only ask the user; the caller
 * acts on the answer through the model.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import type { Experiment } from '../api/types';

/** What the experiment form returns. */
export interface IExperimentFormValue {
  name: string;
  description: string;
}

/**
 * Dialog body with a required `name` input and, for creation, an optional
 * `description` textarea.
 */
class ExperimentForm
  extends Widget
  implements Dialog.IBodyWidget<IExperimentFormValue>
{
  constructor(options: { name?: string; withDescription: boolean }) {
    super();
    this.addClass('jp-MLStudio-form');

    this._name = document.createElement('input');
    this._name.name = 'name';
    this._name.type = 'text';
    this._name.required = true;
    // Whitespace-only names are invalid too; the Dialog disables its accept
    // button while any field matches `:invalid`.
    this._name.pattern = '.*\\S.*';
    this._name.autofocus = true;
    this._name.value = options.name ?? '';
    this._name.className = 'jp-mod-styled';
    this._name.placeholder = 'Experiment name';
    this.node.appendChild(labelled('Name', this._name));

    if (options.withDescription) {
      this._description = document.createElement('textarea');
      this._description.name = 'description';
      this._description.rows = 3;
      this._description.className = 'jp-mod-styled';
      this._description.placeholder = 'Optional description';
      this.node.appendChild(labelled('Description', this._description));
    }
  }

  getValue(): IExperimentFormValue {
    return {
      name: this._name.value.trim(),
      description: this._description?.value.trim() ?? ''
    };
  }

  protected onAfterAttach(): void {
    // The Dialog re-validates on `input` events only; announce one so the
    // accept button starts disabled when the name is empty.
    requestAnimationFrame(() => {
      this._name.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }

  private _name: HTMLInputElement;
  private _description: HTMLTextAreaElement | null = null;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  label.className = 'jp-MLStudio-formField';
  const caption = document.createElement('span');
  caption.textContent = text;
  label.append(caption, control);
  return label;
}

/** Ask until the user gives a non-empty name or cancels. */
async function askForm(
  title: string,
  accept: string,
  options: { name?: string; withDescription: boolean }
): Promise<IExperimentFormValue | null> {
  for (;;) {
    const result = await showDialog<IExperimentFormValue>({
      title,
      body: new ExperimentForm(options),
      buttons: [
        Dialog.cancelButton({ label: 'Cancel' }),
        Dialog.okButton({ label: accept })
      ],
      focusNodeSelector: 'input[name="name"]'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    if (result.value.name !== '') {
      return result.value;
    }
  }
}

/** Ask for a new experiment's name and description. */
export function askNewExperiment(): Promise<IExperimentFormValue | null> {
  return askForm('New Experiment', 'Create', { withDescription: true });
}

/** Ask for a new name; `null` if cancelled or unchanged. */
export async function askRename(
  experiment: Experiment
): Promise<string | null> {
  const value = await askForm('Rename Experiment', 'Rename', {
    name: experiment.name,
    withDescription: false
  });
  return value && value.name !== experiment.name ? value.name : null;
}

/** Ask the user to confirm deleting an experiment. */
export async function confirmDelete(experiment: Experiment): Promise<boolean> {
  const result = await showDialog({
    title: 'Delete Experiment',
    body: `Delete the experiment "${experiment.name}"? This cannot be undone.`,
    buttons: [
      Dialog.cancelButton({ label: 'Cancel' }),
      Dialog.warnButton({ label: 'Delete' })
    ]
  });
  return result.button.accept;
}
