/**
 * "Run": validate the document, ask for the parameters' values, store the
 * document as the pipeline's latest version and start an execution.
 */
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { ServerConnection } from '@jupyterlab/services';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { errorMessage } from '../api/request';
import { savePipeline, startExecution } from './api';
import type { IPipelineParameter } from './document';
import type { PipelineEditorModel } from './model';

/** The run dialog's body: one input per parameter, its default filled in. */
class ParametersBody
  extends ReactWidget
  implements Dialog.IBodyWidget<Record<string, unknown>>
{
  constructor(private readonly _params: IPipelineParameter[]) {
    super();
    this.addClass('jp-MLStudio-pipelineRunDialog');
    for (const p of _params) {
      this._values[p.name] =
        p.default === null || p.default === undefined ? '' : String(p.default);
    }
  }

  getValue(): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const p of this._params) {
      const text = this._values[p.name];
      if (text === '') {
        continue; // the default
      }
      values[p.name] =
        p.type === 'Boolean'
          ? text === 'true'
          : p.type === 'Integer' || p.type === 'Float'
            ? Number(text)
            : text;
    }
    return values;
  }

  protected render(): JSX.Element {
    return (
      <div
        className="jp-MLStudio-pipelineGrid"
        data-testid="mls-pipeline-run-parameters"
      >
        {this._params.map(p => (
          <React.Fragment key={p.name}>
            <label htmlFor={`mls-run-${p.name}`}>
              {p.name}{' '}
              <span className="jp-MLStudio-pipelineHint">({p.type})</span>
            </label>
            <input
              id={`mls-run-${p.name}`}
              className="jp-MLStudio-input"
              data-param={p.name}
              defaultValue={this._values[p.name]}
              onChange={event => {
                this._values[p.name] = event.target.value;
              }}
            />
          </React.Fragment>
        ))}
      </div>
    );
  }

  private _values: Record<string, string> = {};
}

/** Run the pipeline as edited; returns the new execution's id, or null. */
export async function runPipeline(
  model: PipelineEditorModel,
  settings?: ServerConnection.ISettings
): Promise<string | null> {
  await model.validate();
  const doc = model.document;
  if (!doc) {
    return null;
  }
  if (model.validationError) {
    await showErrorMessage('Run pipeline', model.validationError);
    return null;
  }
  const issues = model.issues ?? [];
  if (issues.length) {
    await showErrorMessage(
      'Run pipeline',
      `Fix the ${issues.length} issue${issues.length === 1 ? '' : 's'} shown on the steps first.`
    );
    return null;
  }
  let parameters: Record<string, unknown> = {};
  if (doc.parameters.length) {
    const result = await showDialog({
      title: `Run ${doc.name}`,
      body: new ParametersBody(doc.parameters),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })]
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    parameters = result.value;
  }
  try {
    if (model.context.model.dirty) {
      await model.context.save();
    }
    await savePipeline(doc, settings);
    // the document's relative paths are relative to its own folder
    const folder = PathExt.dirname(model.context.localPath);
    const execution = await startExecution(
      doc.name,
      parameters,
      settings,
      folder
    );
    return execution.id;
  } catch (reason) {
    await showErrorMessage('Run pipeline', errorMessage(reason));
    return null;
  }
}
