/**
 * Charts for one monitor execution (drift over time, histograms, model quality).
 * Placeholder while the charts are built.
 */
import * as React from 'react';

export function ExecutionCharts(props: {
  executionId: string;
  monitorId: string;
}): JSX.Element {
  return (
    <div
      className="jp-mlstudio-monitor-charts"
      data-execution={props.executionId}
    >
      Charts for execution {props.executionId}
    </div>
  );
}
