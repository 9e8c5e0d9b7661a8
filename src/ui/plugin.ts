/**
 * What every feature plugin does in `activate` besides its own wiring: add
 * its sidebar, restore its open views after a reload, and put its commands
 * in the palette and launcher under one category.
 */
import type { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import type { ILauncher } from '@jupyterlab/launcher';
import type { Widget } from '@lumino/widgets';

/** The palette and launcher category of the ML Studio commands. */
export const CATEGORY = 'ML Studio';

/** Add a sidebar to the left area (by `rank`), restored after a reload. */
export function addSidebar(
  app: JupyterFrontEnd,
  sidebar: Widget,
  rank: number,
  restorer: ILayoutRestorer | null
): void {
  app.shell.add(sidebar, 'left', { rank });
  restorer?.add(sidebar, sidebar.id);
}

/**
 * Reopen the tracked views after a reload with `command`, whose argument
 * `arg` names the view's resource (`key`).
 */
export function restoreViews<T extends Widget>(
  restorer: ILayoutRestorer | null,
  tracker: WidgetTracker<T>,
  command: string,
  arg: 'id' | 'name',
  key: (view: T) => string
): void {
  void restorer?.restore(tracker, {
    command,
    args: view => ({ [arg]: key(view) }),
    name: key
  });
}

/** Put commands in the palette (they show their palette label there). */
export function addToPalette(
  palette: ICommandPalette | null,
  commands: ReadonlyArray<string>
): void {
  for (const command of commands) {
    palette?.addItem({
      command,
      category: CATEGORY,
      args: { isPalette: true }
    });
  }
}

/** Add a launcher card for `command` at `rank`. */
export function addToLauncher(
  launcher: ILauncher | null,
  command: string,
  rank: number
): void {
  launcher?.add({
    command,
    category: CATEGORY,
    rank,
    args: { isLauncher: true }
  });
}
