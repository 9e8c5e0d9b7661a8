/**
 * Colours for canvas and plotly drawing, read from JupyterLab's --jp-*
 * theme variables, and a signal that says when the theme changed.
 */
import type { IThemeManager } from '@jupyterlab/apputils';
import type { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

/** The theme colours the charts and the runs grid use. */
export interface IThemeColors {
  readonly isLight: boolean;
  /** Main-area background. */
  readonly background: string;
  /** Panel background (headers, toolbars). */
  readonly panel: string;
  readonly foreground: string;
  readonly foregroundMuted: string;
  readonly border: string;
  readonly gridLine: string;
  readonly accent: string;
  /** Background of selected rows. */
  readonly selection: string;
  /** Text on the accent colour. */
  readonly accentForeground: string;
  readonly error: string;
  readonly uiFont: string;
  readonly uiFontSize: string;
  readonly gridFont: string;
  readonly gridFontSize: string;
}

/** Read the current theme's colours (call again after a theme change). */
export function readThemeColors(): IThemeColors {
  const style = getComputedStyle(document.body);
  const get = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    isLight: document.body.dataset.jpThemeLight !== 'false',
    background: get('--jp-layout-color0', '#fff'),
    panel: get('--jp-layout-color2', '#eee'),
    foreground: get('--jp-ui-font-color1', '#212121'),
    foregroundMuted: get('--jp-ui-font-color2', '#757575'),
    border: get('--jp-border-color1', '#bdbdbd'),
    gridLine: get('--jp-border-color2', '#e0e0e0'),
    accent: get('--jp-brand-color1', '#1976d2'),
    selection: get('--jp-notebook-multiselected-color', '#e3f2fd'),
    accentForeground: get('--jp-ui-inverse-font-color1', '#fff'),
    error: get('--jp-error-color1', '#d32f2f'),
    uiFont: get('--jp-ui-font-family', 'sans-serif'),
    uiFontSize: get('--jp-ui-font-size1', '13px'),
    gridFont: get('--jp-datagrid-font-family', 'sans-serif'),
    gridFontSize: get('--jp-datagrid-font-size', '12px')
  };
}

/**
 * Announces theme changes. JupyterLab swaps the theme's stylesheet before it
 * emits `themeChanged`; one animation frame later the new variables apply.
 */
export class ThemeWatcher implements IDisposable {
  constructor(themeManager: IThemeManager | null) {
    this._manager = themeManager;
    this._manager?.themeChanged.connect(this._onThemeChanged, this);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._manager?.themeChanged.disconnect(this._onThemeChanged, this);
    Signal.clearData(this);
  }

  private _onThemeChanged(): void {
    requestAnimationFrame(() => {
      if (!this._isDisposed) {
        this._changed.emit();
      }
    });
  }

  private _changed = new Signal<this, void>(this);
  private _isDisposed = false;
  private _manager: IThemeManager | null;
}
