/**
 * The presentational pieces every view repeats: buttons, the error banner,
 * loading and server-missing notices, relative times, the copy button and
 * the log pane. They render props only.
 */
import { Clipboard } from '@jupyterlab/apputils';
import { Time } from '@jupyterlab/coreutils';
import {
  closeIcon,
  copyIcon,
  LabIcon,
  refreshIcon,
  stopIcon
} from '@jupyterlab/ui-components';
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

/** The Stop button of a page whose resource runs (a job, a tuning job). */
export function StopButton(props: {
  testId: string;
  title: string;
  disabled: boolean;
  onClick: () => void;
}): JSX.Element {
  return <ActionButton icon={stopIcon} label="Stop" warn {...props} />;
}

/**
 * A button that looks like a link (opens a resource, toggles a list);
 * `className` adds to `jp-MLStudio-link`, other props go to the button.
 */
export function LinkButton(
  props: React.ButtonHTMLAttributes<HTMLButtonElement>
): JSX.Element {
  const { className, ...rest } = props;
  return (
    <button
      type="button"
      {...rest}
      className={
        className ? `jp-MLStudio-link ${className}` : 'jp-MLStudio-link'
      }
    />
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

/** "2 minutes ago" (local time in the tooltip). */
export function RelativeTime(props: { iso: string }): JSX.Element {
  return (
    <span title={Time.format(props.iso)}>{Time.formatHuman(props.iso)}</span>
  );
}

/**
 * The current time, re-read every `interval` ms while `active`, so running
 * durations and "x minutes ago" stay current between server updates.
 */
export function useNow(active: boolean, interval = 1000): number {
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    if (!active) {
      return;
    }
    const timer = window.setInterval(() => setNow(Date.now()), interval);
    return () => window.clearInterval(timer);
  }, [active, interval]);
  return active ? now : Date.now();
}

/** A button copying `text`; it says "Copied" for a moment. */
export function CopyButton(props: {
  text: string;
  what: string;
  testId?: string;
}): JSX.Element {
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="jp-MLStudio-iconButton jp-MLStudio-copyButton"
      data-testid={props.testId}
      data-copied={copied}
      title={copied ? 'Copied' : `Copy the ${props.what}`}
      aria-label={`Copy the ${props.what}`}
      onClick={() => {
        Clipboard.copyToSystem(props.text);
        setCopied(true);
      }}
    >
      <copyIcon.react tag="span" />
      {copied && <span className="jp-MLStudio-copied">Copied</span>}
    </button>
  );
}

/**
 * A status badge coloured by what the status means (`jp-mod-<mod>`, the
 * status in lower case unless `mod` says otherwise).
 */
export function StatusBadge(props: {
  /** The class naming what the status is of, e.g. `jp-MLStudio-jobStatus`. */
  className: string;
  status: string;
  testId: string;
  label?: string;
  mod?: string;
  title?: string;
}): JSX.Element {
  const mod = props.mod ?? props.status.toLowerCase();
  return (
    <span
      className={`jp-MLStudio-badge ${props.className} jp-mod-${mod}`}
      data-testid={props.testId}
      data-status={props.status}
      title={props.title}
    >
      {props.label ?? props.status}
    </span>
  );
}

/**
 * A log pane. It follows new output while scrolled to the bottom; once the
 * user scrolls up it stays where it is.
 */
export function LogPane(props: {
  text: string;
  /** Shown while there is no text. */
  placeholder: string;
  testId: string;
  label: string;
  className?: string;
}): JSX.Element {
  const pane = React.useRef<HTMLPreElement>(null);
  const follow = React.useRef(true);
  const text = props.text;
  React.useLayoutEffect(() => {
    const node = pane.current;
    if (node && follow.current) {
      node.scrollTop = node.scrollHeight;
    }
  }, [text]);
  const onScroll = () => {
    const node = pane.current;
    if (node) {
      follow.current =
        node.scrollTop + node.clientHeight >= node.scrollHeight - 8;
    }
  };
  return (
    <pre
      ref={pane}
      className={['jp-MLStudio-jobLog', props.className ?? ''].join(' ').trim()}
      data-testid={props.testId}
      tabIndex={0}
      aria-label={props.label}
      onScroll={onScroll}
    >
      {text || props.placeholder}
    </pre>
  );
}

/**
 * A titled section of a page. `aside` (controls, a state) stands next to
 * the title in the section's header.
 */
export function PageSection(props: {
  title: React.ReactNode;
  /** The section's accessible name (default: the title, if a string). */
  label?: string;
  aside?: React.ReactNode;
  testId?: string;
  children?: React.ReactNode;
}): JSX.Element {
  const { title, aside } = props;
  const heading = <h3 className="jp-MLStudio-sectionTitle">{title}</h3>;
  return (
    <section
      className="jp-MLStudio-pageSection"
      aria-label={
        props.label ?? (typeof title === 'string' ? title : undefined)
      }
      data-testid={props.testId}
    >
      {aside !== undefined ? (
        <div className="jp-MLStudio-sectionHeader">
          {heading}
          {aside}
        </div>
      ) : (
        heading
      )}
      {props.children}
    </section>
  );
}

/**
 * A table in a box that scrolls; `size` caps the box's height. `head` is
 * the cells of the header row, the children are the body's rows.
 */
export function ScrollTable(props: {
  testId?: string;
  /** More classes of the table, e.g. `jp-MLStudio-compareTable`. */
  className?: string;
  size?: 'short' | 'tall';
  head?: React.ReactNode;
  children?: React.ReactNode;
}): JSX.Element {
  const box = props.size ? ` jp-mod-${props.size}` : '';
  const table = props.className ? ` ${props.className}` : '';
  return (
    <div className={`jp-MLStudio-tableScroll${box}`}>
      <table className={`jp-MLStudio-table${table}`} data-testid={props.testId}>
        {props.head !== undefined && (
          <thead>
            <tr>{props.head}</tr>
          </thead>
        )}
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A section listing string values by key (params, tags), sorted by key. */
export function KeyValueSection(props: {
  title: string;
  testId: string;
  values: Record<string, string>;
  numeric?: boolean;
}): JSX.Element {
  const entries = Object.entries(props.values).sort(([a], [b]) =>
    a.localeCompare(b)
  );
  return (
    <PageSection title={props.title}>
      {entries.length === 0 ? (
        <div className="jp-MLStudio-muted">None</div>
      ) : (
        <ScrollTable testId={props.testId} size="short">
          {entries.map(([key, value]) => (
            <tr key={key} data-key={key}>
              <th scope="row">{key}</th>
              <td className={props.numeric ? 'jp-mod-numeric' : undefined}>
                {value}
              </td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </PageSection>
  );
}

/** What the page pieces need of a model: its last error, and dismissing it. */
export interface IErrorSource {
  readonly error: { message: string } | null;
  dismissError(): void;
}

/** The banner of a model's last error, while it has one. */
export function ModelError(props: { model: IErrorSource }): JSX.Element | null {
  const { model } = props;
  return model.error ? (
    <ErrorBanner
      message={model.error.message}
      onDismiss={() => model.dismissError()}
    />
  ) : null;
}

/** The Refresh button of a page or list: `title` says what it reloads. */
export function RefreshButton(props: {
  testId: string;
  title: string;
  onClick: () => void;
}): JSX.Element {
  return (
    <ActionButton
      testId={props.testId}
      icon={refreshIcon}
      label="Refresh"
      title={props.title}
      onClick={props.onClick}
    />
  );
}

/**
 * The header of a page: the icon and the heading (name, badges), then the
 * toolbar with the Refresh button first and the page's own buttons after.
 */
export function PageHeader(props: {
  icon: LabIcon;
  heading: React.ReactNode;
  refresh?: { testId: string; title: string; onClick: () => void };
  /** The page's own toolbar buttons. */
  children?: React.ReactNode;
}): JSX.Element {
  const { refresh } = props;
  return (
    <header className="jp-MLStudio-pageHeader">
      <h2>
        <props.icon.react tag="span" className="jp-MLStudio-headerIcon" />
        {props.heading}
      </h2>
      {(refresh || props.children) && (
        <div className="jp-MLStudio-toolbar">
          {refresh && <RefreshButton {...refresh} />}
          {props.children}
        </div>
      )}
    </header>
  );
}

/** A page heading of a resource's name (under `testId`) and its status badge. */
export function NamedHeading(props: {
  name: string;
  testId: string;
  badge: React.ReactNode;
}): JSX.Element {
  return (
    <>
      <span data-testid={props.testId}>{props.name}</span>
      {props.badge}
    </>
  );
}

/**
 * What a resource view shows until its resource is there: that it was
 * deleted (when the model says so), the error of the load, or that it is
 * loading.
 */
export function PagePlaceholder(props: {
  /** What loads: `job`, `model version`. */
  what: string;
  model: IErrorSource & { readonly deleted?: boolean };
  /** What to say once the resource was deleted. */
  deleted?: { testId: string; message: React.ReactNode };
}): JSX.Element {
  const { model } = props;
  const deleted = model.deleted ? props.deleted : undefined;
  return (
    <div className="jp-MLStudio-page">
      {deleted ? (
        <div
          className="jp-MLStudio-serverMissing"
          data-testid={deleted.testId}
          role="status"
        >
          {deleted.message}
        </div>
      ) : model.error ? (
        <ModelError model={model} />
      ) : (
        <div className="jp-MLStudio-muted">Loading {props.what}…</div>
      )}
    </div>
  );
}
