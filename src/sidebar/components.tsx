/**
 * Small presentational pieces of the sidebar. They render props only.
 */
import { closeIcon, LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

/** A compact button with an icon and a label. */
export function ActionButton(props: {
  testId: string;
  icon: LabIcon;
  label: string;
  title: string;
  onClick: () => void;
  disabled?: boolean;
  warn?: boolean;
}): JSX.Element {
  const classes = ['jp-MLStudio-button'];
  if (props.warn) {
    classes.push('jp-mod-warn');
  }
  return (
    <button
      type="button"
      className={classes.join(' ')}
      data-testid={props.testId}
      title={props.title}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <props.icon.react tag="span" className="jp-MLStudio-buttonIcon" />
      <span>{props.label}</span>
    </button>
  );
}

/** The dismissible banner for the last error. */
export function ErrorBanner(props: {
  message: string;
  onDismiss: () => void;
}): JSX.Element {
  return (
    <div className="jp-MLStudio-error" data-testid="mls-error" role="alert">
      <span className="jp-MLStudio-errorMessage">{props.message}</span>
      <button
        type="button"
        className="jp-MLStudio-dismiss"
        title="Dismiss"
        aria-label="Dismiss"
        onClick={props.onDismiss}
      >
        <closeIcon.react tag="span" />
      </button>
    </div>
  );
}

/**
 * Shown instead of the content when the server extension is missing;
 * `feature` says what needs it (default: the whole extension).
 */
export function ServerMissing(props: {
  feature?: string;
  testId?: string;
}): JSX.Element {
  return (
    <div
      className="jp-MLStudio-serverMissing"
      data-testid={props.testId ?? 'mls-server-missing'}
      role="alert"
    >
      {props.feature
        ? `${props.feature} need${props.feature.endsWith('s') ? '' : 's'} the jupyter_mlstudio server extension, which is not running.`
        : 'The jupyter_mlstudio server extension is not running.'}{' '}
      Install the package with pip in the environment that runs JupyterLab and
      restart.
    </div>
  );
}

/**
 * A thin indeterminate progress bar. Background refreshes overlay it on the
 * section edge so the list does not jump; the first load also says so.
 */
export function Loading(props: {
  firstLoad: boolean;
  /** What the first load says it loads (default: experiments). */
  what?: string;
  testId?: string;
}): JSX.Element {
  const className = props.firstLoad
    ? 'jp-MLStudio-loading'
    : 'jp-MLStudio-loading jp-mod-background';
  return (
    <div
      className={className}
      data-testid={props.testId ?? 'mls-loading'}
      role="status"
    >
      <div className="jp-MLStudio-progress" />
      {props.firstLoad && <span>Loading {props.what ?? 'experiments'}…</span>}
    </div>
  );
}
