/**
 * The production variants: model versions, traffic weights and live figures.
 */
import * as React from 'react';

import type { Endpoint } from '../../api/types';
import { formatNumber } from '../../experiments/runs/columns';
import { trafficShare } from '../components';
import { formatMs } from '../../ui/format';
import { CommandIDs } from '../../command-ids';
import type { IContentProps } from './props';
import { LinkButton, PageSection, ScrollTable } from '../../ui/components';

export function VariantsSection(
  props: IContentProps & { endpoint: Endpoint }
): JSX.Element {
  const { model, endpoint, commands } = props;
  const metrics = model.metrics;
  return (
    <PageSection title="Variants">
      <ScrollTable
        testId="mls-endpoint-variants"
        size="short"
        head={
          <>
            <th>Variant</th>
            <th>Model</th>
            <th className="jp-mod-numeric">Weight</th>
            <th className="jp-mod-numeric">Traffic</th>
            <th className="jp-mod-numeric">Instances</th>
            <th className="jp-mod-numeric">Requests</th>
            <th className="jp-mod-numeric">Errors</th>
            <th className="jp-mod-numeric">p50</th>
            <th className="jp-mod-numeric">p99</th>
          </>
        }
      >
        {endpoint.variants.map(variant => {
          const live = metrics?.variants.get(variant.name);
          return (
            <tr
              key={variant.name}
              data-testid="mls-variant-row"
              data-variant={variant.name}
            >
              <th scope="row">{variant.name}</th>
              <td>
                <LinkButton
                  data-testid="mls-variant-model"
                  title={`Open ${variant.model} v${variant.version}`}
                  onClick={() =>
                    void commands.execute(CommandIDs.openModelVersion, {
                      name: variant.model,
                      version: variant.version
                    })
                  }
                >
                  {variant.model}:{variant.version}
                </LinkButton>
              </td>
              <td className="jp-mod-numeric" data-testid="mls-variant-weight">
                {formatNumber(variant.weight)}
              </td>
              <td className="jp-mod-numeric">
                {Math.round(trafficShare(variant.weight, endpoint.variants))}%
              </td>
              <td className="jp-mod-numeric">{variant.instances}</td>
              <td className="jp-mod-numeric" data-testid="mls-variant-requests">
                {live ? live.requests : '—'}
              </td>
              <td className="jp-mod-numeric">
                {live ? live.errors4xx + live.errors5xx : '—'}
              </td>
              <td className="jp-mod-numeric">{formatMs(live?.p50)}</td>
              <td className="jp-mod-numeric">{formatMs(live?.p99)}</td>
            </tr>
          );
        })}
      </ScrollTable>
    </PageSection>
  );
}
