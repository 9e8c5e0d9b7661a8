/**
 * Editor of a monitor baseline's constraints.json. Placeholder while it is built.
 */
import * as React from 'react';

export function ConstraintEditor(props: { monitorId: string }): JSX.Element {
  return (
    <div
      className="jp-mlstudio-constraint-editor"
      data-monitor={props.monitorId}
    >
      Constraints of monitor {props.monitorId}
    </div>
  );
}
