/**
 * The one base of the main-area resource views (job, run, experiment,
 * model, version, comparison, endpoint, home, forms): a `MainAreaWidget`
 * without toolbar, with a closable tab titled from the resource, around a
 * React panel that re-renders on model changes and disposes the model with
 * itself.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import {
  type LabIcon,
  ReactWidget,
  UseSignal
} from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import type { Widget } from '@lumino/widgets';
import * as React from 'react';

/** What a view needs of its model. */
export interface IViewModel extends IDisposable {
  readonly changed: ISignal<unknown, void>;
}

/**
 * The scrolling React panel of a view: `renderContent` is called again on
 * every `model.changed`; the model is disposed with the panel.
 */
export abstract class ResourcePanel<M extends IViewModel> extends ReactWidget {
  constructor(model: M, testId: string) {
    super();
    this.addClass('jp-MLStudio-scrollPanel');
    this.node.dataset.testid = testId;
    this.model = model;
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
  protected abstract renderContent(): JSX.Element;
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
