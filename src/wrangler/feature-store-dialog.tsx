/**
 * Export → Feature Store: the flow runs on its full data on the server and
 * its result is ingested into a feature group, a new one (features inferred
 * from the result's types) or a new batch of an existing group of the same
 * schema. The id and event-time columns are picked from the flow's output
 * columns; a refusal (missing column, schema mismatch, name taken) is shown
 * in the dialog, which opens again with what was entered.
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { listFeatureGroups } from '../api/features';
import type { FeatureGroup } from '../api/types';
import {
  exportFlowToFeatureStore,
  IExportRequest,
  IFeatureStoreExportResponse
} from '../api/wrangler';
import { Field, FormError, runForm } from '../ui/form';
import { errorOf } from '../ui/errors';

interface IExportState {
  mode: 'new' | 'existing';
  name: string;
  description: string;
  recordId: string;
  eventTime: string;
  /** Existing groups, once listed (for "existing"). */
  groups: FeatureGroup[] | null;
  /** Run the saved flow over its whole source in a processing job. */
  asJob: boolean;
  error: string | null;
}

/** Ask where to export and do it; the answer, or `null` if cancelled. */
export function exportToFeatureStoreDialog(options: {
  request: Omit<IExportRequest, 'format' | 'feature_store'>;
  columns: Array<{ name: string; dtype: string }>;
  defaultName: string;
  settings?: ServerConnection.ISettings;
}): Promise<IFeatureStoreExportResponse | null> {
  const names = options.columns.map(c => c.name);
  const state: IExportState = {
    mode: 'new',
    name: options.defaultName,
    description: '',
    recordId: names.find(n => /(^|_)id$/i.test(n)) ?? names[0] ?? '',
    eventTime:
      options.columns.find(c => /date|time/i.test(c.dtype))?.name ??
      names.find(n => /time|date|^ts$/i.test(n)) ??
      names[1] ??
      '',
    groups: null,
    asJob: false,
    error: null
  };
  const loadGroups = async (update: () => void) => {
    try {
      const page = await listFeatureGroups({ maxItems: 100 }, options.settings);
      state.groups = page.items;
    } catch (reason) {
      state.groups = [];
      state.error = errorOf(reason).message;
    }
    update();
  };
  return runForm({
    title: 'Export to Feature Store',
    accept: 'Export',
    state,
    render: (s, update) => (
      <ExportForm
        state={s}
        columns={names}
        update={update}
        loadGroups={() => void loadGroups(update)}
      />
    ),
    submit: s =>
      exportFlowToFeatureStore(
        {
          ...options.request,
          feature_store: {
            group: s.name.trim(),
            record_identifier: s.recordId,
            event_time_feature: s.eventTime,
            description: s.description.trim() || null,
            new_group: s.mode === 'new',
            as_job: s.asJob
          }
        },
        options.settings
      )
  });
}

function ColumnSelect(props: {
  testId: string;
  columns: string[];
  value: string;
  onChange: (value: string) => void;
}): JSX.Element {
  return (
    <select
      className="jp-MLStudio-select"
      data-testid={props.testId}
      value={props.value}
      onChange={event => props.onChange(event.target.value)}
    >
      {props.columns.map(c => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}

function ExportForm(props: {
  state: IExportState;
  columns: string[];
  update: () => void;
  loadGroups: () => void;
}): JSX.Element {
  const { state, update, columns } = props;
  const set = (change: Partial<IExportState>) => {
    Object.assign(state, change);
    update();
  };
  const pickGroup = (name: string) => {
    const group = state.groups?.find(g => g.name === name);
    set({
      name,
      recordId: group?.record_identifier ?? state.recordId,
      eventTime: group?.event_time_feature ?? state.eventTime
    });
  };
  const groups = state.groups ?? [];
  return (
    <div
      className="jp-MLStudio-featureCreate"
      data-testid="mls-wrangler-feature-export-dialog"
    >
      <FormError state={state} update={update} />
      <div
        className="jp-MLStudio-featureExportMode"
        role="radiogroup"
        aria-label="Feature group"
      >
        <label>
          <input
            type="radio"
            name="mls-feature-export-mode"
            data-testid="mls-feature-export-new"
            checked={state.mode === 'new'}
            onChange={() => set({ mode: 'new' })}
          />
          New feature group
        </label>
        <label>
          <input
            type="radio"
            name="mls-feature-export-mode"
            data-testid="mls-feature-export-existing"
            checked={state.mode === 'existing'}
            onChange={() => {
              set({ mode: 'existing' });
              if (state.groups === null) {
                props.loadGroups();
              }
            }}
          />
          New batch of an existing group
        </label>
      </div>
      {state.mode === 'new' ? (
        <>
          <Field
            label="Group name"
            help="Letters, digits, - and _. Features are inferred from the flow's result."
          >
            <input
              type="text"
              className="jp-MLStudio-input"
              data-testid="mls-feature-export-name"
              value={state.name}
              onChange={event => set({ name: event.target.value })}
            />
          </Field>
          <Field label="Description">
            <input
              type="text"
              className="jp-MLStudio-input"
              data-testid="mls-feature-export-description"
              value={state.description}
              onChange={event => set({ description: event.target.value })}
            />
          </Field>
        </>
      ) : (
        <Field
          label="Feature group"
          help="Its newest version; the flow's result must have its schema."
        >
          <select
            className="jp-MLStudio-select"
            data-testid="mls-feature-export-group"
            value={state.name}
            onChange={event => pickGroup(event.target.value)}
          >
            {state.groups === null && <option value="">Loading…</option>}
            {!groups.some(g => g.name === state.name) && (
              <option value={state.name}>{state.name || '—'}</option>
            )}
            {groups.map(g => (
              <option key={g.name} value={g.name}>
                {g.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <div className="jp-MLStudio-featureCreateKeys">
        <Field label="Record id column">
          <ColumnSelect
            testId="mls-feature-export-id"
            columns={columns}
            value={state.recordId}
            onChange={recordId => set({ recordId })}
          />
        </Field>
        <Field label="Event time column">
          <ColumnSelect
            testId="mls-feature-export-event-time"
            columns={columns}
            value={state.eventTime}
            onChange={eventTime => set({ eventTime })}
          />
        </Field>
      </div>
      <label className="jp-MLStudio-checkbox">
        <input
          type="checkbox"
          data-testid="mls-feature-export-as-job"
          checked={state.asJob}
          onChange={event => set({ asJob: event.target.checked })}
        />
        <span>
          Run the saved flow over the whole file as a processing job and ingest
          the result
        </span>
      </label>
      <small className="jp-MLStudio-formHelp">
        {state.asJob
          ? 'The job runs the flow as last saved (save first); the group is created now from the sample, the rows arrive when the job ends.'
          : 'The flow runs on its full data first; the export writes every row.'}
      </small>
    </div>
  );
}
