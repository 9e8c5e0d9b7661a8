/**
 * The base of the chart-bearing main-area panels (compare, run view,
 * endpoint, insights): a `ResourcePanel` that also redraws in new colours
 * when the theme changes.
 */
import * as React from 'react';

import { type IViewModel, ResourcePanel } from '../ui/view';
import { IThemeColors, readThemeColors, ThemeWatcher } from './theme';

export type { IViewModel };

export class ThemedPanel<M extends IViewModel> extends ResourcePanel<M> {
  /**
   * @param render - the content for the model state and the theme colours
   * (or override `renderThemed`).
   */
  constructor(
    model: M,
    theme: ThemeWatcher,
    testId: string,
    render?: (model: M, colors: IThemeColors) => JSX.Element
  ) {
    super(model, testId);
    this._theme = theme;
    this._renderThemed = render ?? null;
    theme.changed.connect(this._onThemeChanged, this);
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._theme.changed.disconnect(this._onThemeChanged, this);
    }
    super.dispose();
  }

  protected renderContent(): JSX.Element {
    return this.renderThemed(this._colors);
  }

  /** The panel's content for the current model state and theme colours. */
  protected renderThemed(colors: IThemeColors): JSX.Element {
    return this._renderThemed ? this._renderThemed(this.model, colors) : <></>;
  }

  /** New colours make every chart redraw in the new theme. */
  private _onThemeChanged(): void {
    this._colors = readThemeColors();
    this.update();
  }

  private _colors: IThemeColors = readThemeColors();
  private _renderThemed:
    ((model: M, colors: IThemeColors) => JSX.Element) | null;
  private _theme: ThemeWatcher;
}
