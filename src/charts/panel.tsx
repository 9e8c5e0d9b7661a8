/**
 * The base of the chart-bearing main-area panels (compare, run view,
 * endpoint, insights): a `ResourcePanel` that also redraws in new colours
 * when the theme changes.
 */

import { type IViewModel, ResourcePanel } from '../ui/view';
import { IThemeColors, readThemeColors, ThemeWatcher } from './theme';

export type { IViewModel };

export abstract class ThemedPanel<
  M extends IViewModel
> extends ResourcePanel<M> {
  constructor(model: M, theme: ThemeWatcher, testId: string) {
    super(model, testId);
    this._theme = theme;
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
  protected abstract renderThemed(colors: IThemeColors): JSX.Element;

  /** New colours make every chart redraw in the new theme. */
  private _onThemeChanged(): void {
    this._colors = readThemeColors();
    this.update();
  }

  private _colors: IThemeColors = readThemeColors();
  private _theme: ThemeWatcher;
}
