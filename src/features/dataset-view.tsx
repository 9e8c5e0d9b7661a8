/**
 * The training set builder: an entity file (ids and event times), the
 * features picked from the catalog, then Preview (the point-in-time join's
 * SQL, counts and first rows) and Write (a Parquet or CSV file under the
 * server root).
 */
import * as React from 'react';

import { formatNumber, formatTime } from '../experiments/runs/columns';
import { featureStoreIcon } from '../icons';
import {
  ModelError,
  PageHeader,
  PageSection,
  ScrollTable
} from '../ui/components';
import { LabeledSelect } from '../ui/fields';
import { Checkbox, Field } from '../ui/form';
import { ResourcePanel, ResourceView } from '../ui/view';
import { DataFileInput } from './data-file-input';
import { DatasetBuilderModel, valueFeatures } from './dataset-model';

/** The main-area widget of the training set builder. */
export class DatasetBuilderView extends ResourceView<DatasetBuilderModel> {
  constructor(model: DatasetBuilderModel) {
    super({
      content: new ResourcePanel(model, 'mls-feature-dataset-view', m => (
        <Builder model={m} />
      )),
      className: 'jp-MLStudio-featureDatasetView',
      icon: featureStoreIcon,
      label: 'Training Set Builder',
      caption: 'Build a point-in-time-correct training set from feature groups'
    });
  }
}

function Builder(props: { model: DatasetBuilderModel }): JSX.Element {
  const { model } = props;
  const columns = model.entityColumns;
  const canBuild =
    !model.busy &&
    columns !== null &&
    model.eventTime !== '' &&
    model.features.length > 0;
  const result = model.result;
  return (
    <div className="jp-MLStudio-page">
      <PageHeader
        icon={featureStoreIcon}
        heading={<span>Training Set Builder</span>}
      />
      <ModelError model={model} />
      <PageSection title="Entity data">
        <DataFileInput
          className="jp-MLStudio-featureLookup"
          testId="mls-dataset-entity-path"
          readTestId="mls-dataset-read-entity"
          ariaLabel="Entity data file"
          placeholder="data/entities.csv (record ids and an event-time column)"
          value={model.entityPath}
          onChange={path => model.setEntityPath(path)}
          onRead={() => void model.readEntityColumns()}
          busy={model.busy}
        />
        {columns && (
          <LabeledSelect
            label="Event time column"
            testId="mls-dataset-event-time"
            value={model.eventTime}
            choices={columns.map(c => ({ value: c, label: c }))}
            onChange={value => model.setEventTime(value)}
          />
        )}
      </PageSection>
      <PageSection title="Features">
        {model.groups.length === 0 ? (
          <div className="jp-MLStudio-muted">No feature groups yet.</div>
        ) : (
          <ul className="jp-MLStudio-featurePicker">
            {model.groups.map(group => (
              <li key={group.id} data-group={group.name}>
                <label className="jp-MLStudio-checkbox">
                  <input
                    type="checkbox"
                    data-testid="mls-dataset-group"
                    checked={model.isWhole(group.ref)}
                    onChange={event =>
                      model.setWhole(group.ref, event.target.checked)
                    }
                  />
                  <strong>{group.ref}</strong>
                  <span className="jp-MLStudio-muted">
                    all features · joined on{' '}
                    <code>{group.record_identifier}</code>
                  </span>
                </label>
                <div className="jp-MLStudio-featurePickerItems">
                  {valueFeatures(group).map(feature => (
                    <label
                      key={feature.name}
                      className="jp-MLStudio-checkbox"
                      data-feature={feature.name}
                    >
                      <input
                        type="checkbox"
                        checked={model.isPicked(group.ref, feature.name)}
                        onChange={event =>
                          model.setPicked(
                            group,
                            feature.name,
                            event.target.checked
                          )
                        }
                      />
                      <code>{feature.name}</code>
                    </label>
                  ))}
                </div>
              </li>
            ))}
          </ul>
        )}
      </PageSection>
      <PageSection title="Options">
        <div className="jp-MLStudio-featureOptions">
          <Field label="As of (ignore later ingestions)">
            <input
              type="datetime-local"
              className="jp-MLStudio-input"
              data-testid="mls-dataset-as-of"
              value={model.asOf}
              onChange={event => model.setAsOf(event.target.value)}
            />
          </Field>
          <Field label="Feature records from (event time)">
            <input
              type="datetime-local"
              className="jp-MLStudio-input"
              data-testid="mls-dataset-event-start"
              value={model.eventStart}
              onChange={event =>
                model.setEventRange(event.target.value, model.eventEnd)
              }
            />
          </Field>
          <Field label="Feature records until (event time)">
            <input
              type="datetime-local"
              className="jp-MLStudio-input"
              data-testid="mls-dataset-event-end"
              value={model.eventEnd}
              onChange={event =>
                model.setEventRange(model.eventStart, event.target.value)
              }
            />
          </Field>
          <Checkbox
            testId="mls-dataset-duplicates"
            label="Include duplicated records (every ingestion of an id and time)"
            checked={model.includeDuplicated}
            onChange={checked => model.setIncludeDuplicated(checked)}
          />
          <Checkbox
            testId="mls-dataset-deleted"
            label="Include deleted records (ignore tombstones)"
            checked={model.includeDeleted}
            onChange={checked => model.setIncludeDeleted(checked)}
          />
          <Field label="Write to (.parquet or .csv)">
            <input
              type="text"
              className="jp-MLStudio-input jp-MLStudio-mono"
              data-testid="mls-dataset-output"
              placeholder="data/training.parquet"
              value={model.outputPath}
              onChange={event => model.setOutputPath(event.target.value)}
            />
          </Field>
        </div>
        <div className="jp-MLStudio-toolbar jp-MLStudio-featureActions">
          <button
            type="button"
            className="jp-MLStudio-button"
            data-testid="mls-dataset-preview"
            disabled={!canBuild}
            onClick={() => void model.build(false)}
          >
            Preview
          </button>
          <button
            type="button"
            className="jp-MLStudio-button jp-mod-accept"
            data-testid="mls-dataset-write"
            disabled={!canBuild || model.outputPath.trim() === ''}
            onClick={() => void model.build(true)}
          >
            Write dataset
          </button>
        </div>
      </PageSection>
      {result && (
        <PageSection title="Dataset" testId="mls-dataset-result">
          <p data-testid="mls-dataset-summary">
            {result.rows} rows from {result.entity_rows} entity rows ·{' '}
            {result.features.length} features from {result.groups.join(', ')}
            {result.as_of && ` · as of ${formatTime(result.as_of)}`}
            {result.output_path && (
              <>
                {' '}
                · written to{' '}
                <code data-testid="mls-dataset-written">
                  {result.output_path}
                </code>
              </>
            )}
          </p>
          <pre className="jp-MLStudio-featureSql" data-testid="mls-dataset-sql">
            {result.sql}
          </pre>
          <ScrollTable
            testId="mls-dataset-preview-table"
            size="short"
            head={result.preview.columns.map(c => (
              <th key={c}>{c}</th>
            ))}
          >
            {result.preview.rows.map((row, i) => (
              <tr key={i}>
                {row.map((value, j) => (
                  <td key={j}>
                    {value === null || value === undefined
                      ? ''
                      : typeof value === 'number'
                        ? formatNumber(value)
                        : String(value)}
                  </td>
                ))}
              </tr>
            ))}
          </ScrollTable>
        </PageSection>
      )}
    </div>
  );
}
