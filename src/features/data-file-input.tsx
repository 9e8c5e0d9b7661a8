/**
 * A data file's path with a "Read columns" button beside it: the feature
 * group dialog's source file and the training set builder's entity file.
 */
import * as React from 'react';

export function DataFileInput(props: {
  /** The row's class (its layout differs between a dialog and a page). */
  className: string;
  testId: string;
  readTestId: string;
  value: string;
  placeholder: string;
  onChange: (path: string) => void;
  onRead: () => void;
  /** The button is off while this is true (an empty path turns it off too). */
  busy: boolean;
  /** Say "Reading…" on the button while the columns are read. */
  reading?: boolean;
  ariaLabel?: string;
}): JSX.Element {
  return (
    <div className={props.className}>
      <input
        type="text"
        className="jp-MLStudio-input jp-MLStudio-mono"
        data-testid={props.testId}
        aria-label={props.ariaLabel}
        placeholder={props.placeholder}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      />
      <button
        type="button"
        className="jp-MLStudio-button"
        data-testid={props.readTestId}
        disabled={props.value.trim() === '' || props.busy}
        onClick={props.onRead}
      >
        {props.reading ? 'Reading…' : 'Read columns'}
      </button>
    </div>
  );
}
