/**
 * The output renderer of `%mls wrangle df`: the kernel displays
 * `application/vnd.mlstudio.open-flow+json` with `{"path": ...}` (relative to
 * the server root). The renderer opens that flow in the Data Wrangler once,
 * the first time the output renders in this browser, and shows an
 * "Open in Data Wrangler" button for later.
 *
 * "Once" is remembered per flow path in localStorage: `%mls wrangle` writes a
 * new flow each time, so reopening the notebook later does not reopen flows.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

export const OPEN_FLOW_MIME = 'application/vnd.mlstudio.open-flow+json';

const STORAGE_KEY = 'jupyter-mlstudio:wrangler-auto-opened';
const REMEMBERED = 200;

export class OpenFlowRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly _commands: CommandRegistry,
    private readonly _openCommand: string
  ) {
    super();
    this.addClass('jp-MLStudio-openFlow');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[OPEN_FLOW_MIME] as
      { path?: unknown; absolute_path?: unknown } | undefined;
    const path = typeof data?.path === 'string' ? data.path : '';
    this.node.textContent = '';
    if (!path) {
      const where =
        typeof data?.absolute_path === 'string' ? data.absolute_path : '';
      this.node.textContent = where
        ? `New flow ${where}: it is outside the folder JupyterLab serves, so it cannot be opened here.`
        : 'No flow path in this output.';
      return;
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-Button jp-mod-styled jp-mod-accept';
    button.textContent = 'Open in Data Wrangler';
    button.dataset.testid = 'mls-open-flow';
    button.onclick = () => void this._open(path);
    const label = document.createElement('span');
    label.className = 'jp-MLStudio-openFlowPath';
    label.textContent = path;
    this.node.append(button, label);
    if (model.trusted && claimFirstOpen(path)) {
      await this._open(path);
    }
  }

  private async _open(path: string): Promise<void> {
    try {
      await this._commands.execute(this._openCommand, { path });
    } catch (reason) {
      console.warn('jupyter-mlstudio: could not open the flow', reason);
    }
  }
}

/** True the first time a path is seen in this browser. */
function claimFirstOpen(path: string): boolean {
  let seen: string[] = [];
  try {
    seen = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? '[]');
    if (!Array.isArray(seen)) {
      seen = [];
    }
  } catch {
    seen = [];
  }
  if (seen.includes(path)) {
    return false;
  }
  seen.push(path);
  try {
    window.localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify(seen.slice(-REMEMBERED))
    );
  } catch {
    // Storage full or disabled: opening twice is harmless.
  }
  return true;
}
