/**
 * The endpoint's Monitor section: its monitors with their last execution,
 * links into the monitor view and "Create monitor" (the form with this
 * endpoint filled in). Without data capture there is nothing to monitor:
 * it says so and points to the Data capture section.
 */
import * as React from 'react';

import type { Endpoint } from '../../api/types';
import { errorMessage } from '../../api/request';
import type { EndpointModel } from '../endpoint-model';
import { CommandIDs } from '../../command-ids';
import { PageSection } from '../../ui/components';
import { IMonitorSummary, listMonitors } from '../../monitor/api';
import { LastExecution } from '../../monitor/sidebar';
import type { IContentProps } from './props';

export function MonitorSection(
  props: IContentProps & { endpoint: Endpoint }
): JSX.Element {
  const { endpoint, commands, model } = props;
  const [items, setItems] = React.useState<IMonitorSummary[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [tick, setTick] = React.useState(0);
  React.useEffect(() => {
    let cancelled = false;
    listMonitors(endpoint.name, props.settings)
      .then(found => !cancelled && setItems(found))
      .catch(reason => !cancelled && setError(errorMessage(reason)));
    const timer = window.setTimeout(() => setTick(t => t + 1), 10000);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [endpoint.name, tick]);
  const capturing = captures(model);
  return (
    <PageSection
      title="Monitor"
      testId="mls-endpoint-monitor-section"
      aside={
        <button
          type="button"
          className="jp-MLStudio-button"
          data-testid="mls-endpoint-create-monitor"
          disabled={!capturing}
          title={
            capturing
              ? 'Check this endpoint’s captured traffic on a schedule'
              : 'Turn on data capture first'
          }
          onClick={() =>
            void commands.execute(CommandIDs.newMonitor, {
              endpoint: endpoint.name
            })
          }
        >
          Create monitor
        </button>
      }
    >
      {!capturing && (
        <p
          className="jp-MLStudio-note"
          data-testid="mls-endpoint-monitor-no-capture"
        >
          This endpoint captures nothing, so a monitor has no traffic to check:
          tick <strong>Capture requests and responses</strong> in Data capture
          above and save.
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      {items && items.length === 0 && capturing && (
        <p data-testid="mls-endpoint-monitors-empty">
          No monitors yet: <strong>Create monitor</strong> checks data quality
          and drift against the model's training data.
        </p>
      )}
      {items && items.length > 0 && (
        <ul
          className="jp-MLStudio-endpointMonitors"
          data-testid="mls-endpoint-monitors"
        >
          {items.map(item => (
            <li key={item.monitor.id}>
              <button
                type="button"
                className="jp-MLStudio-link"
                data-testid="mls-endpoint-monitor-link"
                data-monitor-id={item.monitor.id}
                onClick={() =>
                  void commands.execute(CommandIDs.openMonitor, {
                    id: item.monitor.id
                  })
                }
              >
                {item.monitor.name}
              </button>
              <span className="jp-MLStudio-meta">
                {item.monitor.kind} · {item.monitor.schedule ?? 'run now only'}
              </span>
              <LastExecution item={item} />
            </li>
          ))}
        </ul>
      )}
    </PageSection>
  );
}

function captures(model: EndpointModel): boolean {
  return Boolean(model.capture?.enabled);
}
