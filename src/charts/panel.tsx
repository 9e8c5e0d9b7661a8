/**
 * The base of the chart-bearing main-area panels (compare, run view): it
 * re-renders on model changes and redraws in new colours when the theme
 * changes, and disposes the model with the panel.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { IThemeColors, readThemeColors, ThemeWatcher } from './theme';

/** What a themed panel needs of its model. */
export interface IViewModel extends IDisposable {
  readonly changed: ISignal<unknown, void>;
}

export abstract class ThemedPanel<M extends IViewModel> extends ReactWidget {
  constructor(model: M, theme: ThemeWatcher, testId: string) {
    super();
    this.addClass('jp-MLStudio-scrollPanel');
    this.node.dataset.testid = testId;
    this.model = model;
    this._theme = theme;
    theme.changed.connect(this._onThemeChanged, this);
  }

  readonly model: M;

  dispose(): void {
    if (!this.isDisposed) {
      this._theme.changed.disconnect(this._onThemeChanged, this);
      this.model.dispose();
    }
    super.dispose();
  }

  protected render(): JSX.Element {
    const colors = this._colors;
    return (
      <UseSignal signal={this.model.changed}>
        {() => this.renderContent(colors)}
      </UseSignal>
    );
  }

  /** The panel's content for the current model state and theme colours. */
  protected abstract renderContent(colors: IThemeColors): JSX.Element;

  /** New colours make every chart redraw in the new theme. */
  private _onThemeChanged(): void {
    this._colors = readThemeColors();
    this.update();
  }

  private _colors: IThemeColors = readThemeColors();
  private _theme: ThemeWatcher;
}
