/**
 * The theme colours for components mounted without a `ThemedPanel` around
 * them (the monitor charts are mounted by the monitor view with ids only):
 * read once, and again when JupyterLab switches the theme (it sets
 * `data-jp-theme-name` on the body once the new variables apply).
 */
import * as React from 'react';

import { IThemeColors, readThemeColors } from '../charts/theme';

export function useThemeColors(): IThemeColors {
  const [colors, setColors] = React.useState<IThemeColors>(readThemeColors);
  React.useEffect(() => {
    if (typeof MutationObserver === 'undefined') {
      return;
    }
    let frame = 0;
    const observer = new MutationObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setColors(readThemeColors()));
    });
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, []);
  return colors;
}
