/**
 * The model card editor of the version view: the five fields, Save with a
 * dirty state, Revert, and Export Markdown (the saved card, as the server
 * renders it).
 */
import { downloadIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CARD_FIELDS, CardField } from '../api/models';
import { ActionButton } from '../sidebar/components';
import { downloadText } from './components';
import type { ModelVersionModel } from './version-model';

const CARD_LABELS: Record<CardField, string> = {
  intended_use: 'Intended use',
  training_data: 'Training data',
  evaluation: 'Evaluation',
  caveats: 'Caveats and limitations',
  owner: 'Owner'
};

export function CardSection(props: { model: ModelVersionModel }): JSX.Element {
  const { model } = props;
  const data = model.data;
  const dirty = model.cardDirty;
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
            data-testid="mls-card-revert"
            disabled={!dirty || model.busy}
            onClick={() => model.revertCard()}
          >
            Revert
          </button>
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
      <div className="jp-MLStudio-cardFields">
        {CARD_FIELDS.map(field => (
          <label key={field} className="jp-MLStudio-formRow">
            <span className="jp-MLStudio-formLabel">{CARD_LABELS[field]}</span>
            <textarea
              className="jp-MLStudio-input jp-MLStudio-textarea"
              data-testid={`mls-card-${field}`}
              data-card-field={field}
              rows={field === 'owner' ? 1 : 4}
              value={model.cardValue(field)}
              onChange={event => model.setCardValue(field, event.target.value)}
            />
          </label>
        ))}
      </div>
    </section>
  );
}
