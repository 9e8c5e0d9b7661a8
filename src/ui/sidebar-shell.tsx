/**
 * The skeleton every ML Studio sidebar shares: a widget that re-renders on
 * its model's `changed`, and a panel with the header, the error banner, one
 * section with a toolbar, the loading and "server extension missing"
 * states, and the list (or what to say when it is empty).
 */
import {
  addIcon,
  LabIcon,
  ReactWidget,
  refreshIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { ISignal } from '@lumino/signaling';
import * as React from 'react';

import type { IModelError } from '../tokens';
import {
  ActionButton,
  ErrorBanner,
  Loading,
  ServerMissing
} from './components';

export namespace ListSidebar {
  export interface IOptions {
    id: string;
    /**
     * The sidebar's own class, besides `jp-MLStudio-listSidebar` (not
     * `jp-MLStudio-sidebar`, unless it is the ML Studio sidebar).
     */
    className: string;
    icon: LabIcon;
    caption: string;
  }
}

/**
 * A left sidebar that renders `model` anew whenever it changes, in the
 * `SidebarShell` headed by its icon and caption.
 */
export abstract class ListSidebar<
  M extends IListState & { readonly changed: ISignal<M, void> }
> extends ReactWidget {
  constructor(
    protected readonly model: M,
    protected readonly commands: CommandRegistry,
    options: ListSidebar.IOptions
  ) {
    super();
    this._options = options;
    this.id = options.id;
    this.addClass('jp-MLStudio-listSidebar');
    this.addClass(options.className);
    this.title.icon = options.icon;
    this.title.caption = options.caption;
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this.renderPanel()}
      </UseSignal>
    );
  }

  /** The panel for the model's current state (see `head`). */
  protected abstract renderPanel(): JSX.Element;

  /** The shell's model, icon and title (the caption): `<SidebarShell {...this.head}>`. */
  protected get head(): Pick<ISidebarShellProps, 'model' | 'icon' | 'title'> {
    const { icon, caption } = this._options;
    return { model: this.model, icon, title: caption };
  }

  private _options: ListSidebar.IOptions;
}

/** What the shell shows of a list model. */
export interface IListState {
  readonly error: IModelError | null;
  readonly serverMissing: boolean;
  readonly isLoading: boolean;
  readonly loaded: boolean;
  dismissError(): void;
  refresh(): Promise<void>;
}

/** What a sidebar list's panel shows (see `SidebarShell`). */
export interface ISidebarShellProps {
  model: IListState;
  icon: LabIcon;
  /** The header's title. */
  title: string;
  /** Buttons at the end of the header (e.g. the ML Studio sidebar's Home). */
  headerActions?: React.ReactNode;
  /** The section's label (default: `title`). */
  section?: string;
  /** A heading above the section's toolbar. */
  sectionTitle?: string;
  /** The toolbar's buttons (before `create` and `refresh`). */
  toolbar?: React.ReactNode;
  /** A button that adds an item, disabled while the server is missing. */
  create?: {
    testId: string;
    label: string;
    title: string;
    onClick: () => void;
  };
  /** The test id of an icon-only button that refreshes the list. */
  refreshTestId?: string;
  /** Filters, search: between the toolbar and the list. */
  filters?: React.ReactNode;
  /** What the first load says it loads, and the loading bar's test id. */
  loading?: { what?: string; testId?: string };
  /** What needs the server extension, and the message's test id. */
  serverMissing?: { feature?: string; testId?: string };
  /** Shown instead of the list once loaded, if not `null`. */
  empty?: React.ReactNode;
  /** The list. */
  children?: React.ReactNode;
  /** After the list, in the section. */
  footer?: React.ReactNode;
  /** After the section (details of a selection), unless the server is missing. */
  details?: React.ReactNode;
}

/** The panel of a sidebar list. */
export function SidebarShell(props: ISidebarShellProps): JSX.Element {
  const { model, icon: Icon, create } = props;
  const empty = props.empty ?? null;
  return (
    <div className="jp-MLStudio-content">
      <header className="jp-MLStudio-header">
        <Icon.react tag="span" className="jp-MLStudio-headerIcon" />
        <h2>{props.title}</h2>
        {props.headerActions && (
          <div className="jp-MLStudio-headerActions">{props.headerActions}</div>
        )}
      </header>
      {model.error && !model.serverMissing && (
        <ErrorBanner
          message={model.error.message}
          onDismiss={() => model.dismissError()}
        />
      )}
      <section
        className="jp-MLStudio-section"
        aria-label={props.section ?? props.title}
      >
        <div className="jp-MLStudio-sectionHeader">
          {props.sectionTitle && (
            <h3 className="jp-MLStudio-sectionTitle">{props.sectionTitle}</h3>
          )}
          <div className="jp-MLStudio-toolbar">
            {props.toolbar}
            {create && (
              <ActionButton
                testId={create.testId}
                icon={addIcon}
                label={create.label}
                title={create.title}
                disabled={model.serverMissing}
                onClick={create.onClick}
              />
            )}
            {props.refreshTestId && (
              <RefreshButton
                what={props.title}
                testId={props.refreshTestId}
                onClick={() => void model.refresh()}
              />
            )}
          </div>
        </div>
        {props.filters}
        {model.isLoading && (
          <Loading
            firstLoad={!model.loaded}
            what={props.loading?.what}
            testId={props.loading?.testId}
          />
        )}
        {model.serverMissing ? (
          <ServerMissing
            feature={props.serverMissing?.feature}
            testId={props.serverMissing?.testId}
          />
        ) : model.loaded && empty !== null ? (
          empty
        ) : (
          props.children
        )}
        {props.footer}
      </section>
      {!model.serverMissing && props.details}
    </div>
  );
}

/** The toolbar's icon-only refresh button. */
function RefreshButton(props: {
  /** What it refreshes, as in "Refresh Jobs". */
  what: string;
  testId: string;
  onClick: () => void;
}): JSX.Element {
  const label = `Refresh ${props.what}`;
  return (
    <button
      type="button"
      className="jp-MLStudio-button"
      data-testid={props.testId}
      title={label}
      aria-label={label}
      onClick={props.onClick}
    >
      <refreshIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
    </button>
  );
}

/** An entry of a sidebar list: a button that opens the item. */
export function ListItem(props: {
  testId: string;
  title: string;
  onOpen: () => void;
  /** What tests and styles read off the entry, e.g. `data-status`. */
  data?: Record<`data-${string}`, string>;
  /** A class for the feature's own rules. */
  className?: string;
  /** The entry's lines (`ItemLine`). */
  children: React.ReactNode;
}): JSX.Element {
  const className = ['jp-MLStudio-listItem', props.className ?? '']
    .join(' ')
    .trim();
  return (
    <button
      type="button"
      className={className}
      data-testid={props.testId}
      {...props.data}
      title={props.title}
      onClick={props.onOpen}
    >
      {props.children}
    </button>
  );
}

/** A line of a list entry; `meta` lines are smaller and muted. */
export function ItemLine(props: {
  meta?: boolean;
  className?: string;
  children: React.ReactNode;
}): JSX.Element {
  const classes = ['jp-MLStudio-listItemRow'];
  if (props.meta) {
    classes.push('jp-MLStudio-listItemMeta');
  }
  if (props.className) {
    classes.push(props.className);
  }
  return <span className={classes.join(' ')}>{props.children}</span>;
}

/**
 * An empty sidebar list: `filteredMessage` when filters hide everything,
 * otherwise `children` (how to make the first one).
 */
export function EmptyList(props: {
  testId: string;
  filtered: boolean;
  filteredMessage: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <div className="jp-MLStudio-empty" data-testid={props.testId}>
      {props.filtered ? props.filteredMessage : props.children}
    </div>
  );
}

/** Under a list that holds only the first page: how many it shows. */
export function NewestNote(props: { count: number; what: string }) {
  return (
    <div className="jp-MLStudio-empty">
      Showing the newest {props.count} {props.what}.
    </div>
  );
}
