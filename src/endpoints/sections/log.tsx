/**
 * The endpoint's log.
 */
import * as React from 'react';

import type { EndpointModel } from '../endpoint-model';
import { LogPane, PageSection } from '../../ui/components';

export function LogSection(props: { model: EndpointModel }): JSX.Element {
  const { model } = props;
  return (
    <PageSection
      title="Log"
      aside={
        model.logTruncated && (
          <span className="jp-MLStudio-muted">
            Earlier lines were dropped to keep the page fast.
          </span>
        )
      }
    >
      <LogPane
        text={model.log}
        placeholder="No output yet."
        className="jp-MLStudio-endpointLog"
        testId="mls-endpoint-log"
        label="Endpoint log"
      />
    </PageSection>
  );
}
