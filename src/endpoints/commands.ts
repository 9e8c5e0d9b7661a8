/**
 * The endpoint commands (reused by the Endpoints sidebar, the model version
 * view's Deploy button, the palette and the main menu), and the view's
 * actions that ask before they act.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ServerConnection } from '@jupyterlab/services';
import { addIcon } from '@jupyterlab/ui-components';

import { createEndpoint } from '../api/endpoints';
import {
  codeTrustedAtRegister,
  inferenceCodeOf,
  listModels,
  listModelVersions
} from '../api/registry';
import type { ModelVersion } from '../api/types';
import { endpointIcon } from '../icons';
import {
  addListCommands,
  addOpenCommand,
  iconOutsidePalette,
  textArg
} from '../ui/commands';
import { errorOf } from '../ui/errors';
import {
  askDeploy,
  askVersions,
  askWeights,
  confirmDeleteEndpoint,
  IDeployValue
} from './dialogs';
import type { EndpointModel } from './endpoint-model';
import { findFlowFiles } from './flow-files';
import type { EndpointsModel } from './model';
import type { IEndpointActions } from './view';
import type { EndpointViews } from './views';
import { CommandIDs, ENDPOINTS_SIDEBAR_ID } from '../command-ids';

export interface IEndpointCommandOptions {
  app: JupyterFrontEnd;
  model: EndpointsModel;
  views: EndpointViews;
  serverSettings?: ServerConnection.ISettings;
}

export function addEndpointCommands(options: IEndpointCommandOptions): void {
  const { app, model, views, serverSettings } = options;
  const { commands } = app;

  addListCommands(app, {
    what: 'Endpoints',
    about: 'the deployed models',
    icon: endpointIcon,
    sidebarId: ENDPOINTS_SIDEBAR_ID,
    model,
    ids: {
      open: CommandIDs.openEndpoints,
      refresh: CommandIDs.refreshEndpoints
    }
  });

  addOpenCommand(app, CommandIDs.openEndpoint, {
    label: 'Open Endpoint',
    caption: 'Show an endpoint: status, test form, live metrics and log',
    icon: endpointIcon,
    arg: 'name',
    open: name => views.openEndpoint(name)
  });

  commands.addCommand(CommandIDs.deployModel, {
    label: args =>
      args.version ? `Deploy v${String(args.version)}…` : 'Deploy Model…',
    caption: 'Deploy a registered model version as an endpoint',
    icon: iconOutsidePalette(addIcon),
    execute: async args => {
      const version =
        typeof args.version === 'number' && args.version > 0
          ? args.version
          : null;
      const modelNames = await listModels({ maxItems: 1000 }, serverSettings)
        .then(page => page.items.map(group => group.name))
        .catch(() => []);
      const flowFiles = await findFlowFiles(app.serviceManager.contents);
      let initial: Partial<IDeployValue> = {
        model: textArg(args.name) || undefined,
        version
      };
      let error: string | undefined;
      // The server's answer is shown in the dialog again, the input kept.
      for (;;) {
        const versionsOf = initial.model ?? '';
        const found = versionsOf
          ? await versionsOfModel(versionsOf, serverSettings)
          : [];
        const versions = found.map(v => v.version);
        // The version offered first: its code needs trusting when nobody did.
        const offered =
          found.find(v => v.version === initial.version) ?? found[0];
        const untrustedCode =
          offered && !codeTrustedAtRegister(offered)
            ? inferenceCodeOf(offered)
            : null;
        const value = await askDeploy({
          initial,
          modelNames,
          versions,
          untrustedCode,
          flowFiles,
          error
        });
        if (!value) {
          return null;
        }
        if (value.model !== versionsOf && versionsOf) {
          // Another model: its versions are offered next.
          initial = { ...value, version: null };
          error = `Choose a version of “${value.model}”.`;
          continue;
        }
        const chosen = found.find(v => v.version === value.version);
        const code =
          chosen && !codeTrustedAtRegister(chosen)
            ? inferenceCodeOf(chosen)
            : null;
        if (code && !value.trustCode && chosen !== offered) {
          // Another version than the one offered runs code: ask again.
          initial = value;
          error = `v${chosen?.version} runs inference code (${code}): tick “Trust this model's code” to deploy it.`;
          continue;
        }
        try {
          const endpoint = await createEndpoint(
            {
              name: value.name,
              variants: [
                {
                  name: 'primary',
                  model: value.model,
                  version: value.version,
                  instances: value.instances,
                  trust_code: value.trustCode
                }
              ],
              ...(value.multiModel ? { multi_model: value.multiModel } : {}),
              capture: value.capture ? { enabled: true } : null,
              async_config: value.asyncConfig,
              autoscaling: value.autoscaling,
              scale_to_zero_after: value.scaleToZeroAfter,
              preprocess: value.preprocess ? { flow: value.preprocess } : null
            },
            serverSettings
          );
          void model.refresh();
          return views.openEndpoint(endpoint.name);
        } catch (reason) {
          initial = value;
          error = errorOf(reason).message;
        }
      }
    }
  });
}

/** A model's versions, newest first (none if they cannot be read). */
async function versionsOfModel(
  model: string,
  settings?: ServerConnection.ISettings
): Promise<ModelVersion[]> {
  try {
    const list = await listModelVersions(model, settings);
    return [...list.items].sort((a, b) => b.version - a.version);
  } catch {
    return [];
  }
}

/** The endpoint view's actions: each asks, then acts through the model. */
export function endpointActions(
  list: EndpointsModel,
  serverSettings?: ServerConnection.ISettings
): IEndpointActions {
  return {
    async editWeights(model: EndpointModel): Promise<void> {
      const endpoint = model.endpoint;
      if (!endpoint) {
        return;
      }
      const weights = await askWeights(endpoint.variants);
      if (weights && (await model.updateWeights(weights))) {
        void list.refresh();
      }
    },
    async updateVersions(model: EndpointModel): Promise<void> {
      const endpoint = model.endpoint;
      if (!endpoint) {
        return;
      }
      const models = [...new Set(endpoint.variants.map(v => v.model))];
      const versions = new Map<string, number[]>();
      await Promise.all(
        models.map(async name =>
          versions.set(
            name,
            (await versionsOfModel(name, serverSettings)).map(v => v.version)
          )
        )
      );
      const chosen = await askVersions(endpoint.variants, versions);
      if (!chosen) {
        return;
      }
      if (endpoint.variants.every(v => chosen[v.name] === v.version)) {
        return;
      }
      const ok = await model.updateVariants(
        endpoint.variants.map(v => ({
          name: v.name,
          model: v.model,
          version: chosen[v.name] ?? v.version,
          weight: v.weight,
          instances: v.instances
        }))
      );
      if (ok) {
        void list.refresh();
      }
    },
    async remove(model: EndpointModel): Promise<void> {
      if ((await confirmDeleteEndpoint(model.name)) && (await model.remove())) {
        void list.refresh();
      }
    }
  };
}
