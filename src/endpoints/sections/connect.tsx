/**
 * How to call the endpoint: its URLs and ready-made curl and Python snippets.
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { proxyUrl } from '../../api/endpoints';
import type { Endpoint } from '../../api/types';
import { formatTime } from '../../experiments/runs/columns';
import { CopyButton, PageSection } from '../../ui/components';

export function ConnectSection(props: {
  endpoint: Endpoint;
  settings?: ServerConnection.ISettings;
}): JSX.Element {
  const { endpoint, settings } = props;
  const invocations = proxyUrl(endpoint.name, 'invocations', settings);
  const curl = [
    `curl -X POST '${invocations}' \\`,
    '  -H "Authorization: token $JUPYTER_TOKEN" \\',
    "  -H 'Content-Type: application/json' \\",
    '  --data @request.json'
  ].join('\n');
  return (
    <PageSection title="Connect">
      <dl className="jp-MLStudio-fields jp-MLStudio-endpointUrls">
        <dt>Through Jupyter</dt>
        <dd>
          <span
            className="jp-MLStudio-mono jp-MLStudio-endpointUrl"
            data-testid="mls-endpoint-proxy-url"
            title={invocations}
          >
            {invocations}
          </span>
          <CopyButton
            text={invocations}
            what="proxy URL"
            testId="mls-copy-proxy-url"
          />
          <span className="jp-MLStudio-muted"> uses your Jupyter login</span>
        </dd>
        <dt>Direct</dt>
        <dd>
          {endpoint.url ? (
            <>
              <span
                className="jp-MLStudio-mono jp-MLStudio-endpointUrl"
                data-testid="mls-endpoint-url"
                title={endpoint.url}
              >
                {endpoint.url}
              </span>
              <CopyButton text={endpoint.url} what="endpoint URL" />
              <span className="jp-MLStudio-muted">
                {' '}
                {endpoint.token
                  ? 'needs the endpoint token (mls.get_endpoint)'
                  : 'no token needed'}
              </span>
            </>
          ) : (
            <span className="jp-MLStudio-muted">Not serving: no port yet.</span>
          )}
        </dd>
        <dt>Answers</dt>
        <dd data-testid="mls-endpoint-answers">
          {endpoint.return_probabilities
            ? 'predictions, probabilities and classes'
            : 'predictions'}
        </dd>
        {endpoint.features.length > 0 && (
          <>
            <dt>Looks up</dt>
            <dd data-testid="mls-endpoint-features">
              <span className="jp-MLStudio-mono">
                {endpoint.features.join(', ')}
              </span>
              <span className="jp-MLStudio-muted">
                {' '}
                · online features, by the record ids in each request
              </span>
            </dd>
          </>
        )}
        <dt>Updated</dt>
        <dd>
          {formatTime(endpoint.updated_at)}
          <span className="jp-MLStudio-muted">
            {' '}
            · generation {endpoint.generation} · {endpoint.instances} worker
            {endpoint.instances === 1 ? '' : 's'}
          </span>
        </dd>
      </dl>
      <div className="jp-MLStudio-endpointCurl">
        <pre
          className="jp-MLStudio-previewText"
          data-testid="mls-endpoint-curl"
        >
          {curl}
        </pre>
        <CopyButton text={curl} what="curl example" testId="mls-copy-curl" />
      </div>
    </PageSection>
  );
}
