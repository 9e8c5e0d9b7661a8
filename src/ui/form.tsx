/**
 * Modal forms: `runForm` shows a form in a dialog until it is cancelled or
 * its submission succeeds (a refusal is shown in the form, which opens again
 * with what the user entered), with `Field` rows and a dismissable
 * `FormError`. The Feature Store, Spark and Wrangler dialogs use them.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ErrorBanner } from './components';
import { errorOf } from './errors';

/** A dialog body whose form state lives outside it (kept across retries). */
class FormBody<S> extends ReactWidget implements Dialog.IBodyWidget<S> {
  constructor(
    private readonly _state: S,
    private readonly _render: (state: S, update: () => void) => JSX.Element
  ) {
    super();
    this.addClass('jp-MLStudio-featureDialog');
  }

  getValue(): S {
    return this._state;
  }

  protected render(): JSX.Element {
    return this._render(this._state, () => this.update());
  }
}

/**
 * Show a form until it is cancelled or `submit` succeeds; a refusal is
 * shown in the form (`state.error`) and the form opens again.
 */
export async function runForm<S extends { error: string | null }, R>(options: {
  title: string;
  accept: string;
  state: S;
  render: (state: S, update: () => void) => JSX.Element;
  submit: (state: S) => Promise<R>;
}): Promise<R | null> {
  const { state } = options;
  for (;;) {
    const result = await showDialog<S>({
      title: options.title,
      body: new FormBody(state, options.render),
      buttons: [
        Dialog.cancelButton({ label: 'Cancel' }),
        Dialog.okButton({ label: options.accept })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept) {
      return null;
    }
    try {
      return await options.submit(state);
    } catch (reason) {
      state.error = errorOf(reason).message;
    }
  }
}

export function FormError(props: {
  state: { error: string | null };
  update: () => void;
}): JSX.Element | null {
  const { state, update } = props;
  return state.error ? (
    <div data-testid="mls-feature-dialog-error">
      <ErrorBanner
        message={state.error}
        onDismiss={() => {
          state.error = null;
          update();
        }}
      />
    </div>
  ) : null;
}

export function Field(props: {
  label: string;
  help?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <label className="jp-MLStudio-formField">
      <span>{props.label}</span>
      {props.children}
      {props.help && (
        <small className="jp-MLStudio-formHelp">{props.help}</small>
      )}
    </label>
  );
}

/** A checkbox with its label after it. */
export function Checkbox(props: {
  label: React.ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
}): JSX.Element {
  return (
    <label className="jp-MLStudio-checkbox">
      <input
        type="checkbox"
        data-testid={props.testId}
        checked={props.checked}
        onChange={event => props.onChange(event.target.checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}
