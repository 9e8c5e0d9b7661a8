/**
 * The endpoint's log.
 */
import * as React from 'react';

import type { EndpointModel } from '../endpoint-model';
import { LogPane } from '../../ui/components';

export function LogSection(props: { model: EndpointModel }): JSX.Element {
  const { model } = props;
  return (
    <section className="jp-MLStudio-pageSection" aria-label="Log">
      <div className="jp-MLStudio-sectionHeader">
        <h3 className="jp-MLStudio-sectionTitle">Log</h3>
        {model.logTruncated && (
          <span className="jp-MLStudio-muted">
            Earlier lines were dropped to keep the page fast.
          </span>
        )}
      </div>
      <LogPane
        text={model.log}
        placeholder="No output yet."
        className="jp-MLStudio-endpointLog"
        testId="mls-endpoint-log"
        label="Endpoint log"
      />
    </section>
  );
}
