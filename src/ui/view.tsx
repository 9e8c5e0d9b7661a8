/**
 * The one base of the main-area resource views (job, run, experiment,
 * model, version, comparison, endpoint, home, forms): a `MainAreaWidget`
 * without toolbar, with a closable tab titled from the resource, around a
 * React panel that re-renders on model changes and disposes the model with
 * itself.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, type WidgetTracker } from '@jupyterlab/apputils';
import {
  type LabIcon,
  ReactWidget,
  UseSignal
} from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';
import type { Message } from '@lumino/messaging';
import type { ISignal } from '@lumino/signaling';
import type { Widget } from '@lumino/widgets';
import * as React from 'react';

/** What a view needs of its model. */
export interface IViewModel extends IDisposable {
  readonly changed: ISignal<unknown, void>;
  /**
   * Told whether the view is shown, for a model that reads live data only
   * while someone looks at it.
   */
  setVisible?(visible: boolean): void;
}

/**
 * The scrolling React panel of a view: its content (`render`, or an
 * override of `renderContent`) is rendered again on every `model.changed`;
 * the model hears whether the panel is shown and is disposed with it.
 */
export class ResourcePanel<M extends IViewModel> extends ReactWidget {
  constructor(model: M, testId: string, render?: (model: M) => JSX.Element) {
    super();
    this.addClass('jp-MLStudio-scrollPanel');
    this.node.dataset.testid = testId;
    this.model = model;
    this._render = render ?? null;
  }

  readonly model: M;

  dispose(): void {
    if (!this.isDisposed) {
      this.model.dispose();
    }
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this.renderContent()}
      </UseSignal>
    );
  }

  /** The panel's content for the current model state. */
  protected renderContent(): JSX.Element {
    return this._render ? this._render(this.model) : <></>;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.setVisible?.(true);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this.model.setVisible?.(true);
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.setVisible?.(false);
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.setVisible?.(false);
    super.onBeforeDetach(msg);
  }

  private _render: ((model: M) => JSX.Element) | null;
}

/** The title of a view's tab. */
export interface IViewTitle {
  label: string;
  caption?: string;
}

export namespace ResourceView {
  export interface IOptions<P> extends IViewTitle {
    content: P;
    /** The id an open view is found again by. */
    id?: string;
    /** The view's class, e.g. `jp-MLStudio-jobView`. */
    className: string;
    icon: LabIcon;
  }
}

/** A main-area view of one resource, showing its `ResourcePanel`. */
export class ResourceView<
  M extends IViewModel,
  P extends Widget & { readonly model: M } = ResourcePanel<M>
> extends MainAreaWidget<P> {
  constructor(options: ResourceView.IOptions<P>) {
    super({ content: options.content });
    if (options.id !== undefined) {
      this.id = options.id;
    }
    this.addClass(options.className);
    this.toolbar.hide();
    this.title.icon = options.icon;
    this.title.closable = true;
    this.setTitle(options);
  }

  get model(): M {
    return this.content.model;
  }

  /**
   * Keep the tab title in step with the model: `title` is asked on every
   * change and returns the new title, or `null` to keep the current one.
   */
  protected followTitle(title: (model: M) => IViewTitle | null): void {
    this.model.changed.connect(() => {
      const next = title(this.model);
      if (next) {
        this.setTitle(next);
      }
    });
  }

  private setTitle(title: IViewTitle): void {
    this.title.label = title.label;
    if (title.caption !== undefined) {
      this.title.caption = title.caption;
    }
  }
}

/** What `showView` needs of a view's model. */
export interface IStartable extends IViewModel {
  /** The first load, once the view is shown. */
  start(): Promise<void>;
}

/**
 * Show a view: `open`, a view already open, is activated again; otherwise
 * the view `create` makes is added to the main area, tracked (so the layout
 * restorer brings it back) and activated, and its model started.
 */
export async function showView<
  V extends ResourceView<IStartable, Widget & { readonly model: IStartable }>
>(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<V>,
  open: V | null | undefined,
  create: () => V
): Promise<V> {
  if (open) {
    app.shell.activateById(open.id);
    return open;
  }
  const view = create();
  app.shell.add(view, 'main');
  await tracker.add(view);
  app.shell.activateById(view.id);
  void view.model.start();
  return view;
}
