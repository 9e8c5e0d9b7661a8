/**
 * The data capture settings.
 */
import * as React from 'react';

import { ICaptureSettings } from '../../api/endpoints';
import type { Endpoint } from '../../api/types';
import type { EndpointModel } from '../endpoint-model';
import { PageSection } from '../../ui/components';
import { LabeledSelect } from '../../ui/fields';

/** The file formats captured data can be written in. */
const FORMATS = [
  { value: 'jsonl', label: 'JSON Lines' },
  { value: 'parquet', label: 'Parquet' }
];

export function CaptureSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
}): JSX.Element {
  const { model, endpoint } = props;
  const saved = model.capture;
  const [draft, setDraft] = React.useState<ICaptureSettings | null>(null);
  // The draft stays until the rolling update applied it (or another change
  // arrived): the settings shown are never the old ones in between.
  const savedKey = JSON.stringify(saved);
  React.useEffect(() => setDraft(null), [savedKey]);
  if (!saved) {
    return <></>;
  }
  const value = draft ?? saved;
  const dirty = draft !== null && JSON.stringify(draft) !== savedKey;
  const sampling = value.samplingPercent;
  const samplingValid = isFinite(sampling) && sampling >= 0 && sampling <= 100;
  const canSave =
    dirty && samplingValid && endpoint.status === 'InService' && !model.busy;
  const change = (patch: Partial<ICaptureSettings>) =>
    setDraft({ ...value, ...patch });
  return (
    <PageSection title="Data capture">
      <div className="jp-MLStudio-endpointCapture">
        <label className="jp-MLStudio-endpointCheck">
          <input
            type="checkbox"
            className="jp-MLStudio-checkbox"
            data-testid="mls-capture-enabled"
            checked={value.enabled}
            onChange={event => change({ enabled: event.target.checked })}
          />
          <span>Capture requests and responses</span>
        </label>
        <label className="jp-MLStudio-jobFilter">
          <span>Sampling %</span>
          <input
            type="number"
            className="jp-MLStudio-input jp-mod-number"
            data-testid="mls-capture-sampling"
            min={0}
            max={100}
            step="any"
            value={Number.isNaN(sampling) ? '' : sampling}
            onChange={event =>
              change({ samplingPercent: parseFloat(event.target.value) })
            }
          />
        </label>
        <LabeledSelect
          label="Format"
          testId="mls-capture-format"
          value={value.format}
          choices={FORMATS}
          onChange={format =>
            change({ format: format === 'parquet' ? 'parquet' : 'jsonl' })
          }
        />
        {!samplingValid && (
          <span className="jp-MLStudio-fieldError">
            Sampling is a percentage from 0 to 100.
          </span>
        )}
        <div className="jp-MLStudio-toolbar">
          <button
            type="button"
            className="jp-MLStudio-button jp-mod-accept"
            data-testid="mls-capture-save"
            disabled={!canSave}
            title={
              endpoint.status === 'InService'
                ? 'Apply with a rolling update'
                : 'Only an endpoint in service can be updated'
            }
            onClick={() => void model.saveCapture(value)}
          >
            Save
          </button>
          <button
            type="button"
            className="jp-MLStudio-button"
            data-testid="mls-capture-revert"
            disabled={!dirty}
            onClick={() => setDraft(null)}
          >
            Revert
          </button>
        </div>
      </div>
      <div className="jp-MLStudio-muted" data-testid="mls-capture-stats">
        {saved.enabled
          ? `Captured ${model.metrics?.totals.captured ?? 0} · dropped ${model.metrics?.totals.dropped ?? 0}, written to the endpoint's capture folder in the artifact store.`
          : 'Off: requests are not recorded.'}
      </div>
    </PageSection>
  );
}
