/**
 * What the endpoint view's header and sections get.
 */
import type { ServerConnection } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';

import type { IThemeColors } from '../../charts/theme';
import type { EndpointModel } from '../endpoint-model';
import type { IEndpointActions } from '../view';

export interface IContentProps {
  model: EndpointModel;
  colors: IThemeColors;
  commands: CommandRegistry;
  actions: IEndpointActions;
  settings?: ServerConnection.ISettings;
}
