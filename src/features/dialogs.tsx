/**
 * The Feature Store's dialogs: ingest a data file into a group, create a
 * group from a data file (columns and types inferred by the server from
 * every row, the id and event-time columns guessed from the header and
 * picked by the user), and confirm a deletion.
 *
 * A dialog that the server refuses opens again with what the user entered
 * and the server's message, so nothing typed is lost.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { Contents, ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import {
  createFeatureGroup,
  deleteFeatureGroup,
  FEATURE_GROUP_NAME_PATTERN,
  FEATURE_TYPES,
  inferFeatures,
  ingestFeatureGroupFile,
  ingestFeatureGroupFileAsJob
} from '../api/features';
import type {
  FeatureGroup,
  FeatureIngestResult,
  FeatureType,
  Job
} from '../api/types';
import { errorOf } from '../ui/errors';
import { Checkbox, Field, FormError, runForm } from '../ui/form';
import { DataFileInput } from './data-file-input';

/** Files the dialogs offer (what the server's ingestion reads). */
const DATA_FILE = /\.(csv|tsv|parquet|pq|jsonl|ndjson)$/i;

/** Whether a path looks like a data file the Feature Store ingests. */
export function isFeatureDataFile(path: string): boolean {
  return DATA_FILE.test(path);
}

interface IIngestState {
  path: string;
  /** Ingest in a processing job (big files) instead of in the request. */
  asJob: boolean;
  error: string | null;
}

/** Ask for a file and ingest it into `ref`; the result, or `null`. */
export function ingestDialog(
  ref: string,
  path: string,
  settings?: ServerConnection.ISettings
): Promise<FeatureIngestResult | Job | null> {
  return runForm<IIngestState, FeatureIngestResult | Job>({
    title: `Ingest into ${ref}`,
    accept: 'Ingest',
    state: { path, asJob: false, error: null },
    render: (state, update) => (
      <div data-testid="mls-feature-ingest-dialog">
        <FormError state={state} update={update} />
        <Field
          label="Data file"
          help="CSV, TSV, Parquet or JSON lines, relative to the server's root folder; every feature must be a column."
        >
          <input
            type="text"
            className="jp-MLStudio-input jp-MLStudio-mono"
            data-testid="mls-feature-ingest-path"
            placeholder="data/customers.csv"
            value={state.path}
            onChange={event => {
              state.path = event.target.value;
              update();
            }}
          />
        </Field>
        <Checkbox
          testId="mls-feature-ingest-as-job"
          label="Run as a job (big files: progress in the job's log, status in Jobs)"
          checked={state.asJob}
          onChange={checked => {
            state.asJob = checked;
            update();
          }}
        />
      </div>
    ),
    submit: state =>
      state.asJob
        ? ingestFeatureGroupFileAsJob(
            ref,
            { path: state.path.trim() },
            settings
          )
        : ingestFeatureGroupFile(ref, { path: state.path.trim() }, settings)
  });
}

interface ICreateState {
  path: string;
  name: string;
  description: string;
  /** The file's columns, once read. */
  columns: string[] | null;
  types: Record<string, FeatureType>;
  recordId: string;
  eventTime: string;
  online: boolean;
  ingest: boolean;
  reading: boolean;
  error: string | null;
}

/**
 * Create a feature group from a data file: the group, then (if asked) the
 * file ingested into it. Resolves the group, or `null` if cancelled.
 */
export function createGroupDialog(
  path: string,
  _contents: Contents.IManager,
  settings?: ServerConnection.ISettings
): Promise<{
  group: FeatureGroup;
  ingested: FeatureIngestResult | null;
} | null> {
  const state: ICreateState = {
    path,
    name: nameFromPath(path),
    description: '',
    columns: null,
    types: {},
    recordId: '',
    eventTime: '',
    online: true,
    ingest: true,
    reading: false,
    error: null
  };
  const read = async (update: () => void) => {
    state.reading = true;
    state.error = null;
    update();
    try {
      const file = state.path.trim();
      // Types inferred by the server from every row, the id and event-time
      // columns guessed from the header.
      const inferred = await inferFeatures({ path: file }, settings);
      const columns = inferred.features.map(f => f.name);
      state.types = Object.fromEntries(
        inferred.features.map(f => [f.name, f.type])
      );
      const guessedId = inferred.record_identifier;
      const guessedTime = inferred.event_time_feature;
      state.columns = columns;
      state.recordId = columns.includes(state.recordId)
        ? state.recordId
        : (guessedId ?? columns[0] ?? '');
      state.eventTime = columns.includes(state.eventTime)
        ? state.eventTime
        : (guessedTime ??
          columns.find(c => state.types[c] === 'timestamp') ??
          columns[1] ??
          '');
      if (!state.name) {
        state.name = nameFromPath(file);
      }
    } catch (reason) {
      state.columns = null;
      state.error = errorOf(reason).message;
    } finally {
      state.reading = false;
      update();
    }
  };
  let first = true;
  return runForm({
    title: 'New Feature Group from a File',
    accept: 'Create',
    state,
    render: (s, update) => {
      if (first && s.path && s.columns === null) {
        first = false;
        void read(update);
      }
      return <CreateForm state={s} update={update} read={() => read(update)} />;
    },
    submit: async s => {
      if (!s.columns) {
        throw new Error('Read the file’s columns first.');
      }
      const types = { ...s.types, [s.eventTime]: 'timestamp' as FeatureType };
      const group = await createFeatureGroup(
        {
          name: s.name.trim(),
          description: s.description.trim(),
          record_identifier: s.recordId,
          event_time_feature: s.eventTime,
          online_enabled: s.online,
          features: s.columns.map(name => ({
            name,
            type: types[name] ?? 'string'
          }))
        },
        settings
      );
      let ingested: FeatureIngestResult | null = null;
      if (s.ingest) {
        try {
          ingested = await ingestFeatureGroupFile(
            group.ref,
            { path: s.path.trim() },
            settings
          );
        } catch (reason) {
          // Nothing half-made: the group goes, the dialog shows why.
          await deleteFeatureGroup(group.ref, settings).catch(() => undefined);
          throw reason;
        }
      }
      return { group, ingested };
    }
  });
}

function CreateForm(props: {
  state: ICreateState;
  update: () => void;
  read: () => void;
}): JSX.Element {
  const { state, update } = props;
  const set = (change: Partial<ICreateState>) => {
    Object.assign(state, change);
    update();
  };
  const nameOk = FEATURE_GROUP_NAME_PATTERN.test(state.name.trim());
  const columns = state.columns ?? [];
  return (
    <div
      className="jp-MLStudio-featureCreate"
      data-testid="mls-feature-create-dialog"
    >
      <FormError state={state} update={update} />
      <Field label="Data file" help="Relative to the server's root folder.">
        <DataFileInput
          className="jp-MLStudio-pathInput"
          testId="mls-feature-create-path"
          readTestId="mls-feature-read-columns"
          placeholder="data/customers.csv"
          value={state.path}
          onChange={path => set({ path, columns: null })}
          onRead={props.read}
          busy={state.reading}
          reading={state.reading}
        />
      </Field>
      <Field
        label="Group name"
        help={
          nameOk || state.name === ''
            ? 'Letters, digits, - and _.'
            : 'Use letters, digits, - and _ (up to 64, starting with a letter or digit).'
        }
      >
        <input
          type="text"
          className="jp-MLStudio-input"
          data-testid="mls-feature-create-name"
          value={state.name}
          aria-invalid={!nameOk}
          onChange={event => set({ name: event.target.value })}
        />
      </Field>
      <Field label="Description">
        <input
          type="text"
          className="jp-MLStudio-input"
          data-testid="mls-feature-create-description"
          value={state.description}
          onChange={event => set({ description: event.target.value })}
        />
      </Field>
      {columns.length > 0 && (
        <>
          <div className="jp-MLStudio-featureCreateKeys">
            <Field label="Record id column">
              <select
                className="jp-MLStudio-select"
                data-testid="mls-feature-create-id"
                value={state.recordId}
                onChange={event => set({ recordId: event.target.value })}
              >
                {columns.map(c => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Event time column">
              <select
                className="jp-MLStudio-select"
                data-testid="mls-feature-create-event-time"
                value={state.eventTime}
                onChange={event => set({ eventTime: event.target.value })}
              >
                {columns.map(c => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div className="jp-MLStudio-featureCreateTypes">
            <table
              className="jp-MLStudio-table"
              data-testid="mls-feature-create-types"
            >
              <thead>
                <tr>
                  <th>Feature</th>
                  <th>Type</th>
                </tr>
              </thead>
              <tbody>
                {columns.map(c => (
                  <tr key={c} data-feature={c}>
                    <th scope="row">
                      <code>{c}</code>
                    </th>
                    <td>
                      <select
                        className="jp-MLStudio-select"
                        aria-label={`Type of ${c}`}
                        value={
                          c === state.eventTime ? 'timestamp' : state.types[c]
                        }
                        disabled={c === state.eventTime}
                        onChange={event => {
                          state.types[c] = event.target.value as FeatureType;
                          update();
                        }}
                      >
                        {FEATURE_TYPES.map(t => (
                          <option key={t} value={t}>
                            {t}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Checkbox
            label="Online store (look records up by id)"
            checked={state.online}
            onChange={online => set({ online })}
          />
          <Checkbox
            testId="mls-feature-create-ingest"
            label="Ingest the file into the new group"
            checked={state.ingest}
            onChange={ingest => set({ ingest })}
          />
        </>
      )}
    </div>
  );
}

/** Ask whether to delete the shown version (`false`), every version (`true`) or nothing (`null`). */
export async function confirmDeleteGroup(
  group: FeatureGroup,
  versions: number
): Promise<boolean | null> {
  const buttons = [
    Dialog.cancelButton({ label: 'Cancel' }),
    Dialog.warnButton({
      label: versions > 1 ? `Delete v${group.version}` : 'Delete'
    })
  ];
  if (versions > 1) {
    buttons.push(
      Dialog.warnButton({ label: `Delete all ${versions} versions` })
    );
  }
  const result = await showDialog({
    title: 'Delete Feature Group',
    body:
      versions > 1
        ? `Delete version ${group.version} of "${group.name}" with its offline and online records, or every version? This cannot be undone.`
        : `Delete the feature group "${group.name}" with its offline and online records? This cannot be undone.`,
    buttons
  });
  if (!result.button.accept) {
    return null;
  }
  return result.button.label.startsWith('Delete all');
}

/** A group name made from a file name (`data/Customers 2.csv` → `customers_2`). */
function nameFromPath(path: string): string {
  const base = path.split('/').pop() ?? '';
  return base
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+/, '')
    .slice(0, 64);
}
