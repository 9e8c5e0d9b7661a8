/**
 * The command shapes every feature repeats: reading a command's arguments,
 * the Open and Refresh commands of a sidebar list, and the command that opens
 * the view of one resource named by an argument.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { type LabIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

/** A string argument (`''` when it is missing or not a string). */
export function textArg(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The strings of a list argument. */
export function textsArg(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** A positive whole-number argument, else `null`. */
export function countArg(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
    ? value
    : null;
}

/** The positive whole numbers of a list argument. */
export function countsArg(value: unknown): number[] {
  return Array.isArray(value)
    ? value.map(countArg).filter((n): n is number => n !== null)
    : [];
}

/** An icon everywhere but in the palette (whose items show none). */
export function iconOutsidePalette(
  icon: LabIcon
): (args: ReadonlyPartialJSONObject) => LabIcon | undefined {
  return args => (args.isPalette ? undefined : icon);
}

/**
 * The command that reloads a sidebar's list: "Refresh Jobs", "Reload the
 * jobs from the server".
 */
export function addRefreshCommand(
  app: JupyterFrontEnd,
  id: string,
  what: string,
  model: { refresh(): Promise<void> }
): void {
  app.commands.addCommand(id, {
    label: `Refresh ${what}`,
    caption: `Reload the ${what.toLowerCase()} from the server`,
    icon: iconOutsidePalette(refreshIcon),
    execute: () => model.refresh()
  });
}

/**
 * The two commands of a sidebar list: "Open Jobs" shows the sidebar
 * (`about` says what it lists), "Refresh Jobs" reloads the list.
 */
export function addListCommands(
  app: JupyterFrontEnd,
  options: {
    what: string;
    about: string;
    icon: LabIcon;
    sidebarId: string;
    model: { refresh(): Promise<void> };
    ids: { open: string; refresh: string };
  }
): void {
  const { what, sidebarId } = options;
  app.commands.addCommand(options.ids.open, {
    label: `Open ${what}`,
    caption: `Show the ${what} sidebar: ${options.about}`,
    icon: iconOutsidePalette(options.icon),
    execute: () => app.shell.activateById(sidebarId)
  });
  addRefreshCommand(app, options.ids.refresh, what, options.model);
}

/**
 * A command that opens the view of one resource, named by the string
 * argument `arg` (else by `fallback`, e.g. the selection); it is enabled
 * while there is one to open.
 */
export function addOpenCommand(
  app: JupyterFrontEnd,
  id: string,
  options: {
    label: string;
    caption: string;
    icon: LabIcon | ((args: ReadonlyPartialJSONObject) => LabIcon | undefined);
    arg: 'id' | 'name';
    open: (key: string) => Promise<unknown>;
    fallback?: () => string | undefined;
  }
): void {
  const key = (args: ReadonlyPartialJSONObject) =>
    textArg(args[options.arg]) || options.fallback?.() || '';
  app.commands.addCommand(id, {
    label: options.label,
    caption: options.caption,
    icon: options.icon,
    isEnabled: args => key(args) !== '',
    execute: args => {
      const value = key(args);
      return value ? options.open(value) : null;
    }
  });
}
