/**
 * The endpoint dialogs: deploy a model version, edit the traffic weights,
 * serve other versions, confirm a delete. They only ask; the caller acts on
 * the answer.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';

import { ENDPOINT_NAME_INPUT_PATTERN } from '../api/endpoints';
import type { EndpointVariant } from '../api/types';
import { askForm, IField } from '../registry/dialogs';
import {
  type IMultiModelSettings,
  multiModelFields,
  multiModelValue
} from './multi-model-api';

const NAME_HELP =
  "Letters, digits, '.', '_' and '-'; starts with a letter or digit. It is part of the endpoint's URL.";

/** What the deploy dialog returns. */
export interface IDeployValue {
  name: string;
  model: string;
  /** `null`: the newest version. */
  version: number | null;
  instances: number;
  capture: boolean;
  /** The version's inference code may run (SageMaker handlers). */
  trustCode: boolean;
  /** A multi-model endpoint's settings; `null`: a plain endpoint. */
  multiModel?: IMultiModelSettings | null;
  /** Asynchronous inference settings; `null`: none. */
  asyncConfig: IAsyncSettings | null;
  /** Target tracking of the variant; `null`: a fixed instance count. */
  autoscaling: IAutoscalingSettings | null;
  /** Seconds idle before every worker stops; `null`: never. */
  scaleToZeroAfter: number | null;
  /** An inference pipeline's .flow file (from the root); `null`: none. */
  preprocess: string | null;
}

/** The deploy dialog's asynchronous inference group. */
export interface IAsyncSettings {
  max_concurrent_invocations: number;
  output_path?: string;
  notification_webhook?: string;
  notification_secret?: string;
}

/** A default endpoint name for a model: `iris-rf` serves `iris-rf`. */
export function endpointNameFor(model: string): string {
  const name = model
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return name || 'endpoint';
}

/**
 * Ask how to deploy a model version. With `versions` (newest first) the
 * version is a drop-down; `error` (the server's answer to the last try) is
 * shown above the fields, which keep `initial`.
 */
export async function askDeploy(options: {
  initial: Partial<IDeployValue>;
  modelNames: ReadonlyArray<string>;
  versions: ReadonlyArray<number>;
  /**
   * The inference code of the version offered first when nobody trusted it
   * at register: the dialog then requires “Trust this model's code”.
   */
  untrustedCode?: string | null;
  /** .flow files offered for the preprocessing stage (paths from the root). */
  flowFiles?: ReadonlyArray<string>;
  error?: string;
}): Promise<IDeployValue | null> {
  const { initial, versions } = options;
  const model = initial.model ?? '';
  const versionField: IField =
    versions.length > 0
      ? {
          name: 'version',
          label: 'Version',
          value: String(initial.version ?? versions[0]),
          choices: versions.map((v, i) => ({
            value: String(v),
            label: i === 0 ? `v${v} (newest)` : `v${v}`
          }))
        }
      : {
          name: 'version',
          label: 'Version',
          type: 'number',
          min: 1,
          step: 1,
          value: initial.version ? String(initial.version) : '',
          placeholder: 'The newest',
          help: 'Leave empty to deploy the newest version.'
        };
  const title = model
    ? `Deploy ${model}${initial.version ? ` v${initial.version}` : ''}`
    : 'Deploy Model';
  const value = await askForm(
    title,
    'Deploy',
    [
      {
        name: 'name',
        label: 'Endpoint name',
        required: true,
        pattern: ENDPOINT_NAME_INPUT_PATTERN,
        value: initial.name ?? (model ? endpointNameFor(model) : ''),
        placeholder: 'e.g. churn-api',
        help: NAME_HELP
      },
      {
        name: 'model',
        label: 'Model',
        required: true,
        value: model,
        suggestions: options.modelNames,
        placeholder: 'A registered model'
      },
      versionField,
      {
        name: 'instances',
        label: 'Instances',
        type: 'number',
        min: 1,
        max: 64,
        step: 1,
        required: true,
        value: String(initial.instances ?? 1),
        help: 'Worker processes serving the model.'
      },
      {
        name: 'capture',
        label: 'Capture requests and responses',
        type: 'checkbox',
        value: String(initial.capture ?? false)
      },
      ...multiModelFields(initial.multiModel ?? null, options.modelNames),
      preprocessField(initial.preprocess ?? null, options.flowFiles ?? []),
      ...asyncFields(initial.asyncConfig ?? null),
      ...autoscalingFields(initial),
      ...(options.untrustedCode
        ? [
            {
              name: 'trust_code',
              label: "Trust this model's code",
              type: 'checkbox' as const,
              required: true,
              value: String(initial.trustCode ?? false),
              help: `This version runs inference code (${options.untrustedCode}): serving it runs that Python code in the endpoint's workers.`
            }
          ]
        : [])
    ],
    { error: options.error }
  );
  if (!value?.name || !value.model) {
    return null;
  }
  const version = parseInt(value.version ?? '', 10);
  const instances = parseInt(value.instances ?? '', 10);
  return {
    name: value.name,
    model: value.model,
    version: isFinite(version) && version > 0 ? version : null,
    instances: isFinite(instances) && instances > 0 ? instances : 1,
    capture: value.capture === 'true',
    multiModel: multiModelValue(value, value.model),
    trustCode: value.trust_code === 'true',
    asyncConfig: asyncValue(value),
    preprocess: value.preprocess?.trim() || null,
    ...autoscalingValue(value)
  };
}

/**
 * The inference pipeline field: a Data Wrangler flow whose fitted steps run
 * on each request's raw rows before the model (offered from `flowFiles`).
 */
function preprocessField(
  initial: string | null,
  flowFiles: ReadonlyArray<string>
): IField {
  return {
    name: 'preprocess',
    label: 'Preprocessing flow',
    group: 'Inference pipeline',
    value: initial ?? '',
    pattern: '.*\\.flow',
    suggestions: flowFiles,
    placeholder: flowFiles[0] ?? 'e.g. prep/churn.flow (optional)',
    help: "A Data Wrangler .flow: its steps are fitted on the flow's data and run on each request's raw rows before the model (train/serve parity). Leave empty to send the model's own columns."
  };
}

const ASYNC_GROUP = 'Asynchronous inference';

/** The async group of the deploy dialog, filled from `initial`. */
function asyncFields(initial: IAsyncSettings | null): IField[] {
  return [
    {
      name: 'async',
      label: 'Queue requests (asynchronous inference)',
      type: 'checkbox',
      group: ASYNC_GROUP,
      value: String(initial !== null),
      help: 'Requests to …/async-invocations are queued durably and answered in the background; their results go to the output path.'
    },
    {
      name: 'async_max_concurrent',
      label: 'Max concurrent invocations',
      type: 'number',
      group: ASYNC_GROUP,
      min: 1,
      max: 1000,
      step: 1,
      value: String(initial?.max_concurrent_invocations ?? 1)
    },
    {
      name: 'async_output_path',
      label: 'Output path',
      group: ASYNC_GROUP,
      value: initial?.output_path ?? '',
      placeholder: 'The artifact store'
    },
    {
      name: 'async_webhook',
      label: 'Notification webhook URL',
      group: ASYNC_GROUP,
      value: initial?.notification_webhook ?? '',
      placeholder: 'Optional: https://… gets each result'
    },
    {
      name: 'async_secret',
      label: 'Webhook secret',
      type: 'password',
      group: ASYNC_GROUP,
      value: initial?.notification_secret ?? '',
      placeholder: 'Optional: signs the webhook (HMAC)'
    }
  ];
}

function asyncValue(value: Record<string, string>): IAsyncSettings | null {
  if (value.async !== 'true') {
    return null;
  }
  const concurrent = parseInt(value.async_max_concurrent ?? '', 10);
  const settings: IAsyncSettings = {
    max_concurrent_invocations:
      isFinite(concurrent) && concurrent > 0 ? concurrent : 1
  };
  if (value.async_output_path) {
    settings.output_path = value.async_output_path;
  }
  if (value.async_webhook) {
    settings.notification_webhook = value.async_webhook;
  }
  if (value.async_secret) {
    settings.notification_secret = value.async_secret;
  }
  return settings;
}

/** Ask for new traffic weights, one per variant; `null` if cancelled. */
export async function askWeights(
  variants: ReadonlyArray<EndpointVariant>,
  error?: string
): Promise<Record<string, number> | null> {
  const value = await askForm(
    'Edit Traffic Weights',
    'Update',
    variants.map(v => ({
      name: `weight:${v.name}`,
      label: `${v.name} (${v.model} v${v.version})`,
      type: 'number' as const,
      min: 0,
      step: 'any' as const,
      required: true,
      value: String(v.weight),
      help: 'Requests are split in proportion to the weights.'
    })),
    { error }
  );
  if (!value) {
    return null;
  }
  const weights: Record<string, number> = {};
  for (const v of variants) {
    const weight = Number(value[`weight:${v.name}`]);
    weights[v.name] = isFinite(weight) && weight >= 0 ? weight : v.weight;
  }
  return weights;
}

/**
 * Ask which version each variant serves, from `versions` (per model, newest
 * first). Returns the new version by variant name; `null` if cancelled.
 */
export async function askVersions(
  variants: ReadonlyArray<EndpointVariant>,
  versions: ReadonlyMap<string, ReadonlyArray<number>>
): Promise<Record<string, number> | null> {
  const value = await askForm(
    'Update Model Version',
    'Update',
    variants.map(v => {
      const known = versions.get(v.model) ?? [];
      const choices = (
        known.includes(v.version) ? known : [v.version, ...known]
      )
        .slice()
        .sort((a, b) => b - a);
      return {
        name: `version:${v.name}`,
        label: `${v.name}: ${v.model}`,
        value: String(v.version),
        choices: choices.map(n => ({
          value: String(n),
          label: n === v.version ? `v${n} (serving)` : `v${n}`
        })),
        help: 'A rolling update: the new workers start before the old ones stop.'
      };
    })
  );
  if (!value) {
    return null;
  }
  const chosen: Record<string, number> = {};
  for (const v of variants) {
    const version = parseInt(value[`version:${v.name}`] ?? '', 10);
    chosen[v.name] = isFinite(version) ? version : v.version;
  }
  return chosen;
}

/** Confirm deleting an endpoint. */
export async function confirmDeleteEndpoint(name: string): Promise<boolean> {
  const result = await showDialog({
    title: 'Delete Endpoint',
    body: `Stop the endpoint "${name}" and delete it? Requests in flight finish first; captured data stays in the artifact store.`,
    buttons: [
      Dialog.cancelButton({ label: 'Cancel' }),
      Dialog.warnButton({ label: 'Delete' })
    ]
  });
  return result.button.accept;
}

/** The deploy dialog's autoscaling group (serving/autoscaling.py). */
export interface IAutoscalingSettings {
  min_instances: number;
  max_instances: number;
  target_invocations_per_instance: number;
  scale_out_cooldown?: number;
  scale_in_cooldown?: number;
}

const SCALING_GROUP = 'Autoscaling';

function autoscalingFields(initial: Partial<IDeployValue>): IField[] {
  const policy = initial.autoscaling ?? null;
  const number = (
    name: string,
    label: string,
    value: number | undefined,
    extra: Partial<IField> = {}
  ): IField => ({
    name,
    label,
    type: 'number',
    group: SCALING_GROUP,
    min: 0,
    step: 1,
    value: value === undefined ? '' : String(value),
    ...extra
  });
  return [
    {
      name: 'autoscale',
      label: 'Autoscale the instances (target tracking)',
      type: 'checkbox',
      group: SCALING_GROUP,
      value: String(policy !== null),
      help: 'Between min and max instances, as many as keep each at the target invocations per minute; Instances above is the count it starts with.'
    },
    number('scale_min', 'Min instances', policy?.min_instances ?? 1, {
      min: 1,
      max: 64
    }),
    number('scale_max', 'Max instances', policy?.max_instances ?? 4, {
      min: 1,
      max: 64
    }),
    number(
      'scale_target',
      'Target invocations / instance / min',
      policy?.target_invocations_per_instance ?? 600,
      { min: 1 }
    ),
    number(
      'scale_out_cooldown',
      'Scale-out cooldown (s)',
      policy?.scale_out_cooldown ?? 60
    ),
    number(
      'scale_in_cooldown',
      'Scale-in cooldown (s)',
      policy?.scale_in_cooldown ?? 300
    ),
    number(
      'scale_to_zero_after',
      'Scale to zero after (s idle)',
      initial.scaleToZeroAfter ?? undefined,
      {
        min: 1,
        placeholder: 'Never',
        help: 'No request for this long stops every worker; the next request starts one (a cold start). Empty: never.'
      }
    )
  ];
}

function autoscalingValue(
  value: Record<string, string>
): Pick<IDeployValue, 'autoscaling' | 'scaleToZeroAfter'> {
  const read = (name: string): number | null => {
    const parsed = parseFloat(value[name] ?? '');
    return isFinite(parsed) ? parsed : null;
  };
  const zero = read('scale_to_zero_after');
  const scaleToZeroAfter = zero !== null && zero > 0 ? zero : null;
  if (value.autoscale !== 'true') {
    return { autoscaling: null, scaleToZeroAfter };
  }
  // the server checks min <= max and the target, and says what is wrong
  const autoscaling: IAutoscalingSettings = {
    min_instances: Math.round(read('scale_min') ?? 1),
    max_instances: Math.round(read('scale_max') ?? 4),
    target_invocations_per_instance: read('scale_target') ?? 600
  };
  const out = read('scale_out_cooldown');
  const inward = read('scale_in_cooldown');
  if (out !== null) {
    autoscaling.scale_out_cooldown = out;
  }
  if (inward !== null) {
    autoscaling.scale_in_cooldown = inward;
  }
  return { autoscaling, scaleToZeroAfter };
}
