/**
 * Asynchronous inference (an endpoint deployed with `async_config`): queue a
 * payload — an uploaded file or typed JSON/CSV —, follow it from Queued
 * through InProgress to Completed (its output shown, with a download) or
 * Failed (its error), and the recent requests with their times and attempts.
 */
import { downloadIcon, runIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { isServing } from '../../api/endpoints';
import type { Endpoint } from '../../api/types';
import {
  ErrorBanner,
  LinkButton,
  PageSection,
  RelativeTime,
  ScrollTable,
  StatusBadge
} from '../../ui/components';
import { formatBytes, formatDuration } from '../../ui/format';
import { choicesOf, LabeledSelect } from '../../ui/fields';
import { AsyncInference, AsyncStatus, isFinished } from '../async-api';
import type { AsyncPayloadType, AsyncRequestsModel } from '../async-model';

const PAYLOAD_LABELS: Record<AsyncPayloadType, string> = {
  csv: 'CSV (text/csv)',
  json: 'JSON (application/json)'
};

/** The job badge colours: queued, running, completed, failed. */
const STATUS_MOD: Record<AsyncStatus, string> = {
  Queued: 'pending',
  InProgress: 'running',
  Completed: 'completed',
  Failed: 'failed'
};

export function AsyncSection(props: {
  requests: AsyncRequestsModel;
  endpoint: Endpoint;
}): JSX.Element {
  const { requests, endpoint } = props;
  const settings = endpoint.async_config ?? {};
  const concurrency = Number(settings.max_concurrent_invocations ?? 1);
  return (
    <PageSection
      title="Async inference"
      testId="mls-async-section"
      aside={
        <span className="jp-MLStudio-muted" data-testid="mls-async-settings">
          {concurrency} concurrent
          {settings.notification_webhook ? ' · webhook' : ''}
          {settings.output_path
            ? ` · output to ${String(settings.output_path)}`
            : ''}
        </span>
      }
    >
      <div className="jp-MLStudio-asyncColumns">
        <AsyncForm requests={requests} serving={isServing(endpoint)} />
        <AsyncResult requests={requests} />
      </div>
      <AsyncTable requests={requests} />
    </PageSection>
  );
}

function AsyncForm(props: {
  requests: AsyncRequestsModel;
  serving: boolean;
}): JSX.Element {
  const { requests, serving } = props;
  const { draft } = requests;
  const fileInput = React.useRef<HTMLInputElement>(null);
  const ready = draft.file !== null || draft.text.trim() !== '';
  return (
    <div className="jp-MLStudio-asyncForm">
      <div className="jp-MLStudio-endpointTestOptions">
        <label className="jp-MLStudio-asyncFile">
          <span>Payload file</span>
          <input
            ref={fileInput}
            type="file"
            data-testid="mls-async-file"
            onChange={event =>
              requests.setDraft({ file: event.target.files?.[0] ?? null })
            }
          />
        </label>
        {draft.file && (
          <LinkButton
            data-testid="mls-async-clear-file"
            title="Send the typed payload instead"
            onClick={() => {
              if (fileInput.current) {
                fileInput.current.value = '';
              }
              requests.setDraft({ file: null });
            }}
          >
            Clear file
          </LinkButton>
        )}
        <LabeledSelect
          label="Content type"
          testId="mls-async-content-type"
          value={draft.contentType}
          choices={choicesOf(
            Object.keys(PAYLOAD_LABELS) as AsyncPayloadType[],
            type => PAYLOAD_LABELS[type]
          )}
          onChange={value =>
            requests.setDraft({ contentType: value as AsyncPayloadType })
          }
        />
      </div>
      {draft.file ? (
        <div className="jp-MLStudio-muted" data-testid="mls-async-file-note">
          Sends {draft.file.name} ({formatBytes(draft.file.size)}).
        </div>
      ) : (
        <textarea
          className="jp-MLStudio-input jp-MLStudio-textarea jp-MLStudio-mono jp-MLStudio-asyncBody"
          data-testid="mls-async-body"
          aria-label="Async request payload"
          spellCheck={false}
          rows={5}
          value={draft.text}
          placeholder={
            draft.contentType === 'csv'
              ? '5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3'
              : '{"dataframe_split": {"columns": [...], "data": [[...]]}}'
          }
          onChange={event => requests.setDraft({ text: event.target.value })}
        />
      )}
      <div className="jp-MLStudio-toolbar">
        <button
          type="button"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid="mls-async-submit"
          disabled={!serving || !ready || requests.submitting}
          title={
            serving
              ? 'Queue the payload: the endpoint answers when a slot is free'
              : 'The endpoint is not serving'
          }
          onClick={() => void requests.submit()}
        >
          <runIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
          <span>{requests.submitting ? 'Queueing…' : 'Queue request'}</span>
        </button>
      </div>
      {requests.error && (
        <ErrorBanner
          message={requests.error}
          onDismiss={() => requests.dismissError()}
        />
      )}
    </div>
  );
}

function AsyncResult(props: { requests: AsyncRequestsModel }): JSX.Element {
  const { requests } = props;
  const request = requests.selected;
  if (!request) {
    return (
      <div
        className="jp-MLStudio-asyncResult jp-MLStudio-muted"
        data-testid="mls-async-no-result"
      >
        Queue a request: its status and output appear here.
      </div>
    );
  }
  const output = requests.output;
  const failed = request.status === 'Failed';
  return (
    <div
      className={`jp-MLStudio-asyncResult jp-MLStudio-endpointResult${failed ? ' jp-mod-error' : ''}`}
      data-testid="mls-async-result"
      data-status={request.status}
    >
      <div className="jp-MLStudio-endpointResultMeta">
        <AsyncBadge request={request} testId="mls-async-result-status" />
        <span className="jp-MLStudio-mono" title={request.inference_id}>
          {request.inference_id.slice(0, 12)}
        </span>
        {output?.blob && (
          <LinkButton
            data-testid="mls-async-download"
            title={`Download ${failed ? request.failure_location : request.output_location}`}
            onClick={() => download(output.blob!, request)}
          >
            <downloadIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
            Download
          </LinkButton>
        )}
      </div>
      {!isFinished(request) ? (
        <div className="jp-MLStudio-muted" data-testid="mls-async-waiting">
          {request.status === 'Queued'
            ? 'Waiting for a free slot…'
            : 'The model is working on it…'}
        </div>
      ) : failed ? (
        <div className="jp-MLStudio-errorMessage" data-testid="mls-async-error">
          {request.error ?? output?.text}
        </div>
      ) : output?.error ? (
        <div className="jp-MLStudio-errorMessage">{output.error}</div>
      ) : (
        <pre className="jp-MLStudio-previewText" data-testid="mls-async-output">
          {output ? output.text + (output.truncated ? '\n…' : '') : '…'}
        </pre>
      )}
      <div
        className="jp-MLStudio-muted jp-MLStudio-asyncLocation"
        title="Where the endpoint writes the result"
      >
        {failed ? request.failure_location : request.output_location}
      </div>
    </div>
  );
}

function AsyncTable(props: { requests: AsyncRequestsModel }): JSX.Element {
  const { requests } = props;
  const selected = requests.selected?.inference_id;
  if (requests.items.length === 0) {
    return (
      <div className="jp-MLStudio-muted" data-testid="mls-async-empty">
        {requests.loaded ? 'No asynchronous requests yet.' : 'Loading…'}
      </div>
    );
  }
  return (
    <ScrollTable
      testId="mls-async-table"
      size="short"
      head={
        <>
          <th>Inference id</th>
          <th>Status</th>
          <th>Queued</th>
          <th className="jp-mod-numeric">Waited</th>
          <th className="jp-mod-numeric">Took</th>
          <th className="jp-mod-numeric">Attempts</th>
        </>
      }
    >
      {requests.items.map(request => (
        <tr
          key={request.inference_id}
          data-testid="mls-async-row"
          data-status={request.status}
          className={
            request.inference_id === selected ? 'jp-mod-selected' : undefined
          }
          onClick={() => requests.select(request.inference_id)}
          title="Show this request's output"
        >
          <td className="jp-MLStudio-mono">
            {request.inference_id.slice(0, 12)}
          </td>
          <td>
            <AsyncBadge request={request} testId="mls-async-row-status" />
          </td>
          <td>
            <RelativeTime iso={request.created_at} />
          </td>
          <td className="jp-mod-numeric">
            {formatDuration(between(request.created_at, request.started_at))}
          </td>
          <td className="jp-mod-numeric">
            {formatDuration(between(request.started_at, request.ended_at))}
          </td>
          <td className="jp-mod-numeric">{request.attempts}</td>
        </tr>
      ))}
    </ScrollTable>
  );
}

function AsyncBadge(props: {
  request: AsyncInference;
  testId: string;
}): JSX.Element {
  const { request } = props;
  return (
    <StatusBadge
      className="jp-MLStudio-jobStatus"
      status={request.status}
      mod={STATUS_MOD[request.status]}
      label={request.status === 'InProgress' ? 'In progress' : request.status}
      testId={props.testId}
      title={request.error ?? undefined}
    />
  );
}

/** Milliseconds from one time to another; `null` until both are known. */
function between(from: string | null, to: string | null): number | null {
  if (!from || !to) {
    return null;
  }
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

function download(blob: Blob, request: AsyncInference): void {
  const failed = request.status === 'Failed';
  const location = failed ? request.failure_location : request.output_location;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download =
    location.split('/').pop() ||
    `${request.inference_id}.${failed ? 'error' : 'out'}`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
