/**
 * The model card of the version view: rendered in place as Markdown
 * (sanitized by JupyterLab's rendermime), and on demand a full-width editor
 * of its five fields with Save and Cancel. Export Markdown downloads the
 * saved card as the server renders it.
 */
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { downloadIcon, editIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CARD_FIELDS, CardField } from '../api/registry';
import type { ModelVersionModel } from './version-model';
import { ActionButton } from '../ui/components';
import { downloadText } from '../ui/download';
import { RenderedMarkdown } from '../ui/markdown';

const CARD_LABELS: Record<CardField, string> = {
  intended_use: 'Intended use',
  training_data: 'Training data',
  evaluation: 'Evaluation',
  caveats: 'Caveats and limitations',
  owner: 'Owner'
};

/** The saved card as one Markdown document: a section per field. */
export function cardMarkdown(card: Partial<Record<CardField, string>>): string {
  return CARD_FIELDS.map(field => {
    const text = keepLineBreaks((card[field] ?? '').trim());
    return `#### ${CARD_LABELS[field]}\n\n${text || '_Not given._'}\n`;
  }).join('\n');
}

/**
 * A line break typed in a card field stays one when rendered (Markdown
 * would join the lines): a hard break at the end of each line followed by
 * another, outside code fences.
 */
function keepLineBreaks(text: string): string {
  let fenced = false;
  const lines = text.split('\n');
  return lines
    .map((line, i) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return line;
      }
      const next = lines[i + 1];
      return fenced || next === undefined || !line.trim() || !next.trim()
        ? line
        : `${line.replace(/\s+$/, '')}  `;
    })
    .join('\n');
}

export function CardSection(props: {
  model: ModelVersionModel;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { model } = props;
  const data = model.data;
  const dirty = model.cardDirty;
  const editing = model.editingCard;
  const exportCard = async () => {
    const text = await model.cardMarkdown();
    if (text !== null && data) {
      downloadText(`${data.name}-v${data.version}-model-card.md`, text);
    }
  };
  return (
    <section
      className="jp-MLStudio-pageSection jp-MLStudio-card"
      aria-label="Model card"
      data-testid="mls-model-card"
      data-editing={editing}
    >
      <div className="jp-MLStudio-sectionHeader">
        <h3 className="jp-MLStudio-sectionTitle">
          Model card
          {dirty && (
            <span
              className="jp-MLStudio-dirty"
              data-testid="mls-card-dirty"
              title="The card has changes that are not saved"
            >
              Unsaved changes
            </span>
          )}
        </h3>
        <div className="jp-MLStudio-toolbar">
          {editing ? (
            <>
              <button
                type="button"
                className="jp-MLStudio-button jp-mod-accept"
                data-testid="mls-card-save"
                disabled={!dirty || model.busy}
                onClick={() => void model.saveCard()}
              >
                Save
              </button>
              <button
                type="button"
                className="jp-MLStudio-button"
                data-testid="mls-card-cancel"
                disabled={model.busy}
                title="Drop the changes and show the saved card"
                onClick={() => model.cancelCardEdit()}
              >
                Cancel
              </button>
            </>
          ) : (
            <ActionButton
              testId="mls-card-edit"
              icon={editIcon}
              label="Edit"
              title="Edit the model card"
              onClick={() => model.editCard()}
            />
          )}
          <ActionButton
            testId="mls-card-export"
            icon={downloadIcon}
            label="Export Markdown"
            title={
              dirty
                ? 'Download the saved card as Markdown (save to include your changes)'
                : 'Download the card as Markdown'
            }
            onClick={() => void exportCard()}
          />
        </div>
      </div>
      {editing ? (
        <CardEditor model={model} />
      ) : (
        <RenderedMarkdown
          text={cardMarkdown(data?.card ?? {})}
          rendermime={props.rendermime}
          className="jp-MLStudio-cardRendered"
          plainClassName="jp-MLStudio-cardPlain"
          testId="mls-card-rendered"
        />
      )}
    </section>
  );
}

/** The five fields, full width; the long ones grow with their text. */
function CardEditor(props: { model: ModelVersionModel }): JSX.Element {
  const { model } = props;
  return (
    <div className="jp-MLStudio-cardFields">
      <span className="jp-MLStudio-formHelp">
        Markdown is rendered when you save.
      </span>
      {CARD_FIELDS.map((field, index) =>
        field === 'owner' ? (
          <label key={field} className="jp-MLStudio-formRow">
            <span className="jp-MLStudio-formLabel">{CARD_LABELS[field]}</span>
            <input
              className="jp-MLStudio-input"
              data-testid={`mls-card-${field}`}
              data-card-field={field}
              value={model.cardValue(field)}
              onChange={event => model.setCardValue(field, event.target.value)}
            />
          </label>
        ) : (
          <label key={field} className="jp-MLStudio-formRow">
            <span className="jp-MLStudio-formLabel">{CARD_LABELS[field]}</span>
            <textarea
              className="jp-MLStudio-input jp-MLStudio-textarea jp-MLStudio-cardText"
              data-testid={`mls-card-${field}`}
              data-card-field={field}
              autoFocus={index === 0}
              rows={Math.min(
                20,
                Math.max(6, model.cardValue(field).split('\n').length + 1)
              )}
              value={model.cardValue(field)}
              onChange={event => model.setCardValue(field, event.target.value)}
            />
          </label>
        )
      )}
    </div>
  );
}
