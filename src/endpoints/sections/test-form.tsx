/**
 * The test form, prefilled from the model's input example, and its result.
 */
import { runIcon as playIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { isServing } from '../../api/endpoints';
import type { Endpoint } from '../../api/types';
import type { EndpointModel } from '../endpoint-model';
import type { TestContentType } from '../payload';
import { formatMs } from '../../ui/format';
import { LinkButton, PageSection } from '../../ui/components';
import { choicesOf, LabeledSelect } from '../../ui/fields';
import { TestImageInput } from './test-image';

const CONTENT_TYPE_LABELS: Record<TestContentType, string> = {
  json: 'JSON (application/json)',
  csv: 'CSV (text/csv)',
  image: 'Image (PNG, JPEG …)'
};

export function TestSection(props: {
  model: EndpointModel;
  endpoint: Endpoint;
}): JSX.Element {
  const { model, endpoint } = props;
  const test = model.test;
  const serving = isServing(endpoint);
  const image = test.contentType === 'image';
  const ready = image ? test.image !== null : test.body.trim() !== '';
  return (
    <PageSection
      title="Test"
      aside={
        <LinkButton
          data-testid="mls-test-reset"
          title="Put the model's input example back"
          onClick={() => void model.resetTest()}
        >
          Use the input example
        </LinkButton>
      }
    >
      <div className="jp-MLStudio-endpointTestOptions">
        <LabeledSelect
          label="Content type"
          testId="mls-test-content-type"
          value={test.contentType}
          choices={choicesOf(
            Object.keys(CONTENT_TYPE_LABELS) as TestContentType[],
            type => CONTENT_TYPE_LABELS[type]
          )}
          onChange={value =>
            model.setTest({ contentType: value as TestContentType })
          }
        />
        <LabeledSelect
          label="Variant"
          testId="mls-test-variant"
          value={test.variant}
          all="By weight"
          choices={choicesOf(endpoint.variants.map(variant => variant.name))}
          onChange={value => model.setTest({ variant: value })}
        />
      </div>
      {image ? (
        <TestImageInput
          image={test.image}
          onChange={file => model.setTestImage(file)}
        />
      ) : (
        <textarea
          className="jp-MLStudio-input jp-MLStudio-textarea jp-MLStudio-mono jp-MLStudio-endpointBody"
          data-testid="mls-test-body"
          aria-label="Request body"
          spellCheck={false}
          rows={8}
          value={test.body}
          placeholder={
            test.contentType === 'csv'
              ? 'col_a,col_b\n1.0,2.0'
              : '{"dataframe_split": {"columns": [...], "data": [[...]]}}'
          }
          onChange={event => model.setTest({ body: event.target.value })}
        />
      )}
      <div className="jp-MLStudio-toolbar">
        <button
          type="button"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid="mls-test-send"
          disabled={!serving || model.sending || !ready}
          title={
            serving
              ? 'POST the body to /invocations through Jupyter'
              : 'The endpoint is not serving'
          }
          onClick={() => void model.send()}
        >
          <playIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
          <span>{model.sending ? 'Sending…' : 'Send'}</span>
        </button>
      </div>
      <TestResult model={model} />
    </PageSection>
  );
}

function TestResult(props: { model: EndpointModel }): JSX.Element | null {
  const { model } = props;
  const result = model.result;
  if (model.resultError) {
    return (
      <div
        className="jp-MLStudio-jobFailure"
        data-testid="mls-test-error"
        role="alert"
      >
        <strong>No answer: </strong>
        {model.resultError}
      </div>
    );
  }
  if (!result) {
    return null;
  }
  const predictions = result.predictions;
  return (
    <div
      className={`jp-MLStudio-endpointResult${result.ok ? '' : ' jp-mod-error'}`}
      data-testid="mls-test-result"
      data-ok={result.ok}
    >
      <div className="jp-MLStudio-endpointResultMeta">
        <span
          className={`jp-MLStudio-badge ${result.ok ? 'jp-mod-finished' : 'jp-mod-failed'}`}
          data-testid="mls-test-status"
        >
          HTTP {result.status}
        </span>
        <span data-testid="mls-test-latency">{formatMs(result.latencyMs)}</span>
        {result.variant && (
          <span>
            variant{' '}
            <strong data-testid="mls-test-variant-used">
              {result.variant}
            </strong>
          </span>
        )}
      </div>
      {result.ok ? (
        <pre
          className="jp-MLStudio-previewText"
          data-testid="mls-test-predictions"
        >
          {predictions ? formatPredictions(predictions) : result.body}
        </pre>
      ) : null}
      {result.ok ? (
        <TopProbability body={result.body} />
      ) : (
        <div
          className="jp-MLStudio-errorMessage"
          data-testid="mls-test-message"
        >
          {result.error}
        </div>
      )}
    </div>
  );
}

/**
 * For a one-row answer with `probabilities` and `classes` (a classifier's
 * inference code, or `return_probabilities`): how sure the model is.
 */
function TopProbability(props: { body: string }): JSX.Element | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(props.body);
  } catch {
    return null;
  }
  const answer = parsed as { probabilities?: unknown; classes?: unknown };
  const rows = answer?.probabilities;
  const classes = answer?.classes;
  if (!Array.isArray(rows) || rows.length !== 1 || !Array.isArray(classes)) {
    return null;
  }
  const row = rows[0];
  if (!Array.isArray(row) || row.length !== classes.length || !row.length) {
    return null;
  }
  const values = row.map(Number);
  const best = values.indexOf(Math.max(...values));
  return (
    <div
      className="jp-MLStudio-testProbability"
      data-testid="mls-test-probability"
    >
      Most likely <strong>{String(classes[best])}</strong> with probability{' '}
      {values[best].toFixed(2)}
    </div>
  );
}

/** One line for plain values (`[0, 2, 1]`), indented JSON for objects. */
function formatPredictions(predictions: unknown[]): string {
  const plain = predictions.every(p => p === null || typeof p !== 'object');
  return plain
    ? JSON.stringify(predictions).replace(/,/g, ', ')
    : JSON.stringify(predictions, null, 1);
}
