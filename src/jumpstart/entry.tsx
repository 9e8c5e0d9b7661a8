/**
 * A catalog entry's page (main area): what it is (description, the README
 * rendered as Markdown, data, licence, resources with the resource check's
 * warnings, what launching creates, the pre-built model's metrics) and what
 * to do with it: Launch with the parameter form (a solution), or Deploy,
 * "Send example request" and "Fine-tune on my data…" (a pre-built model).
 */
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { ServerConnection } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CommandIDs } from '../command-ids';
import { jumpstartIcon } from '../icons';
import {
  LinkButton,
  ModelError,
  PageHeader,
  PageSection,
  PagePlaceholder,
  ScrollTable,
  StatusBadge
} from '../ui/components';
import { RenderedMarkdown } from '../ui/markdown';
import { ResourcePanel, ResourceView } from '../ui/view';
import type { ICatalogEntry, ICatalogLaunch, ICatalogParameter } from './api';
import { EntryModel } from './entry-model';
import { costLabel, taskLabel } from './logic';

export interface IEntryViewOptions {
  name: string;
  settings?: ServerConnection.ISettings;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
  docManager: IDocumentManager | null;
  /** A launch started from the page (the plugin opens its view). */
  onLaunched: (launch: ICatalogLaunch) => void;
}

export class EntryView extends ResourceView<EntryModel> {
  constructor(options: IEntryViewOptions) {
    const model = new EntryModel(options.name, options.settings);
    super({
      content: new ResourcePanel(model, 'mls-jumpstart-entry', m => (
        <EntryPage model={m} options={options} />
      )),
      id: `mlstudio-jumpstart-entry-${options.name}`,
      className: 'jp-MLStudio-jumpstartEntryView',
      icon: jumpstartIcon,
      label: `JumpStart: ${options.name}`,
      caption: `JumpStart catalog entry ${options.name}`
    });
    this.followTitle(m =>
      m.entry
        ? { label: `JumpStart: ${m.entry.title}`, caption: m.entry.name }
        : null
    );
  }
}

function EntryPage(props: {
  model: EntryModel;
  options: IEntryViewOptions;
}): JSX.Element {
  const { model, options } = props;
  const entry = model.entry;
  if (!entry) {
    return <PagePlaceholder what="the catalog entry" model={model} />;
  }
  return (
    <div
      className="jp-MLStudio-page jp-MLStudio-jumpstartEntry"
      data-name={entry.name}
      data-kind={entry.kind}
    >
      <PageHeader
        icon={jumpstartIcon}
        heading={
          <>
            <span data-testid="mls-jumpstart-entry-title">{entry.title}</span>
            <span
              className={`jp-MLStudio-jumpstartKindBadge jp-mod-${entry.kind}`}
            >
              {entry.kind === 'model' ? 'Pre-built model' : 'Solution'}
            </span>
          </>
        }
      />
      <p className="jp-MLStudio-jumpstartLead">
        <span className="jp-MLStudio-jumpstartCardTask">
          {taskLabel(entry.task)}
        </span>{' '}
        {entry.description}
      </p>
      <ModelError model={model} />
      <div className="jp-MLStudio-jumpstartColumns">
        <div className="jp-MLStudio-jumpstartMain">
          {entry.kind === 'model' ? (
            <DeploySection model={model} options={options} />
          ) : (
            <LaunchSection model={model} options={options} />
          )}
          {entry.readme.trim() && (
            <PageSection title="About">
              <RenderedMarkdown
                text={entry.readme}
                rendermime={options.rendermime}
                className="jp-MLStudio-jumpstartReadme"
                plainClassName="jp-MLStudio-jumpstartCode"
                testId="mls-jumpstart-readme"
              />
            </PageSection>
          )}
        </div>
        <Facts entry={entry} />
      </div>
    </div>
  );
}

/** Data, licence, resources (with the check), what it creates, metrics. */
function Facts(props: { entry: ICatalogEntry }): JSX.Element {
  const { entry } = props;
  const check = entry.resource_check;
  const rows: Array<[string, React.ReactNode]> = [
    ['Data', entry.data?.source ?? '—'],
    [
      'Size',
      [
        entry.data?.rows ? `${entry.data.rows.toLocaleString()} rows` : '',
        entry.data?.size_mb ? `${entry.data.size_mb} MB` : ''
      ]
        .filter(Boolean)
        .join(' · ') || '—'
    ],
    ['Licence', entry.licence],
    ['Catalog', entry.source],
    ['Tags', entry.tags.join(', ') || '—']
  ];
  return (
    <aside className="jp-MLStudio-jumpstartFacts" aria-label="Facts">
      <PageSection title="Details">
        <ScrollTable testId="mls-jumpstart-facts">
          {rows.map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td>{value}</td>
            </tr>
          ))}
        </ScrollTable>
      </PageSection>
      <PageSection title="Resources" testId="mls-jumpstart-resources">
        <div>
          {costLabel(entry.resources)} · {entry.resources.disk_mb} MB disk
        </div>
        {check && (
          <div
            className={`jp-MLStudio-jumpstartCheck${check.ok ? '' : ' jp-mod-warn'}`}
            data-testid="mls-jumpstart-resource-check"
            data-ok={check.ok ? 'true' : 'false'}
            role={check.ok ? 'status' : 'alert'}
          >
            {check.ok ? 'This machine has enough free memory and disk.' : ''}
            {check.warnings.map(w => (
              <div key={w}>{w}</div>
            ))}
            {(check.free_ram_mb !== undefined ||
              check.free_disk_mb !== undefined) && (
              <div className="jp-MLStudio-muted">
                Free now: {fmtMb(check.free_ram_mb)} RAM,{' '}
                {fmtMb(check.free_disk_mb)} disk
              </div>
            )}
          </div>
        )}
      </PageSection>
      {entry.creates.length > 0 && (
        <PageSection
          title={
            entry.kind === 'model' ? 'Deploying creates' : 'Launching creates'
          }
        >
          <ul
            className="jp-MLStudio-jumpstartCreates"
            data-testid="mls-jumpstart-creates"
          >
            {entry.creates.map(item => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </PageSection>
      )}
      {entry.metrics && Object.keys(entry.metrics).length > 0 && (
        <PageSection title="Metrics">
          <ScrollTable testId="mls-jumpstart-metrics" size="short">
            {Object.entries(entry.metrics).map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td className="jp-mod-numeric">
                  {typeof value === 'number' ? fmtMetric(value) : String(value)}
                </td>
              </tr>
            ))}
          </ScrollTable>
        </PageSection>
      )}
    </aside>
  );
}

function LaunchSection(props: {
  model: EntryModel;
  options: IEntryViewOptions;
}): JSX.Element {
  const { model, options } = props;
  const entry = model.entry!;
  const launch = async () => {
    const started = await model.launch();
    if (started) {
      options.onLaunched(started);
    }
  };
  return (
    <PageSection title="Launch" testId="mls-jumpstart-launch-section">
      <div className="jp-MLStudio-muted">
        Copies the solution into a new folder, generates its data and runs its
        pipeline
        {entry.endpoint_name ? ` to the endpoint ${entry.endpoint_name}` : ''}.
      </div>
      {entry.parameters.length > 0 && (
        <div
          className="jp-MLStudio-jumpstartForm"
          data-testid="mls-jumpstart-parameters"
        >
          {entry.parameters.map(p => (
            <ParameterField
              key={p.name}
              parameter={p}
              text={model.texts[p.name] ?? ''}
              error={model.fieldErrors[p.name] ?? null}
              onChange={text => model.setText(p.name, text)}
            />
          ))}
        </div>
      )}
      <div className="jp-MLStudio-jumpstartActions">
        <button
          type="button"
          className="jp-MLStudio-button jp-mod-accept"
          data-testid="mls-jumpstart-launch"
          disabled={!!model.busy}
          onClick={() => void launch()}
        >
          {model.busy ?? 'Launch'}
        </button>
      </div>
    </PageSection>
  );
}

function ParameterField(props: {
  parameter: ICatalogParameter;
  text: string;
  error: string | null;
  onChange: (text: string) => void;
}): JSX.Element {
  const { parameter: p, text, error } = props;
  const id = `mls-jumpstart-param-${p.name}`;
  let input: JSX.Element;
  if (p.type === 'Boolean') {
    input = (
      <input
        id={id}
        type="checkbox"
        data-param={p.name}
        checked={text === 'true'}
        onChange={event => props.onChange(String(event.target.checked))}
      />
    );
  } else if (p.choices?.length) {
    input = (
      <select
        id={id}
        className="jp-MLStudio-input"
        data-param={p.name}
        value={text}
        onChange={event => props.onChange(event.target.value)}
      >
        {p.choices.map(choice => (
          <option key={String(choice)} value={String(choice)}>
            {String(choice)}
          </option>
        ))}
      </select>
    );
  } else {
    const numeric = p.type === 'Integer' || p.type === 'Float';
    input = (
      <input
        id={id}
        className="jp-MLStudio-input"
        data-param={p.name}
        type={numeric ? 'number' : 'text'}
        step={p.type === 'Integer' ? 1 : numeric ? 'any' : undefined}
        min={p.minimum ?? undefined}
        max={p.maximum ?? undefined}
        value={text}
        aria-invalid={error ? true : undefined}
        onChange={event => props.onChange(event.target.value)}
      />
    );
  }
  return (
    <div className="jp-MLStudio-jumpstartField" data-param={p.name}>
      <label htmlFor={id}>
        {p.name} <span className="jp-MLStudio-muted">({p.type})</span>
      </label>
      <div className="jp-MLStudio-jumpstartFieldInput">
        {input}
        {p.description && (
          <small className="jp-MLStudio-muted">{p.description}</small>
        )}
        {error && (
          <small
            className="jp-MLStudio-jumpstartFieldError"
            data-testid="mls-jumpstart-field-error"
            role="alert"
          >
            {error}
          </small>
        )}
      </div>
    </div>
  );
}

function DeploySection(props: {
  model: EntryModel;
  options: IEntryViewOptions;
}): JSX.Element {
  const { model, options } = props;
  const entry = model.entry!;
  const [endpointName, setEndpointName] = React.useState('');
  const deployment = model.deployment;
  const endpoint = model.endpoint;
  const serving = endpoint?.status === 'InService';
  const answer = model.answer;
  return (
    <>
      <PageSection title="Deploy" testId="mls-jumpstart-deploy-section">
        <div className="jp-MLStudio-muted">
          Registers the pre-built model
          {entry.model_name ? ` as ${entry.model_name}` : ''} and deploys it to
          a real-time endpoint.
        </div>
        <div className="jp-MLStudio-jumpstartActions">
          <input
            className="jp-MLStudio-input jp-MLStudio-jumpstartEndpointName"
            data-testid="mls-jumpstart-endpoint-name"
            aria-label="Endpoint name"
            placeholder={entry.endpoint_name ?? entry.name}
            value={endpointName}
            onChange={event => setEndpointName(event.target.value)}
          />
          <button
            type="button"
            className="jp-MLStudio-button jp-mod-accept"
            data-testid="mls-jumpstart-deploy"
            disabled={!!model.busy}
            onClick={() => void model.deploy(endpointName)}
          >
            {model.busy === 'Deploying…' ? 'Deploying…' : 'Deploy'}
          </button>
        </div>
        {deployment && (
          <div
            className="jp-MLStudio-jumpstartDeployed"
            data-testid="mls-jumpstart-deployed"
          >
            <span>
              Endpoint{' '}
              <LinkButton
                data-testid="mls-jumpstart-open-endpoint"
                onClick={() =>
                  void options.commands.execute(CommandIDs.openEndpoint, {
                    name: deployment.endpoint_name
                  })
                }
              >
                {deployment.endpoint_name}
              </LinkButton>
            </span>
            <StatusBadge
              className="jp-MLStudio-endpointStatus"
              status={endpoint?.status ?? 'Creating'}
              testId="mls-jumpstart-endpoint-status"
            />
            <span>
              model{' '}
              <LinkButton
                data-testid="mls-jumpstart-open-model"
                onClick={() =>
                  void options.commands.execute(CommandIDs.openModelVersion, {
                    name: deployment.model_name,
                    version: deployment.model_version
                  })
                }
              >
                {deployment.model_name} v{deployment.model_version}
              </LinkButton>
            </span>
          </div>
        )}
        {deployment && (
          <div className="jp-MLStudio-jumpstartActions">
            <button
              type="button"
              className="jp-MLStudio-button"
              data-testid="mls-jumpstart-send-example"
              disabled={!serving || !!model.busy}
              title={
                serving
                  ? "Send the entry's input example to the endpoint"
                  : 'Wait until the endpoint is InService'
              }
              onClick={() => void model.sendExample()}
            >
              {model.busy === 'Sending…' ? 'Sending…' : 'Send example request'}
            </button>
          </div>
        )}
        {deployment && entry.input_example !== undefined && (
          <details className="jp-MLStudio-jumpstartExample">
            <summary>Example request</summary>
            <pre className="jp-MLStudio-jumpstartCode">
              {JSON.stringify(entry.input_example, null, 2)}
            </pre>
          </details>
        )}
        {answer && (
          <div
            className={`jp-MLStudio-jumpstartAnswer${answer.ok ? '' : ' jp-mod-warn'}`}
            data-testid="mls-jumpstart-answer"
            data-ok={answer.ok ? 'true' : 'false'}
          >
            <div className="jp-MLStudio-muted">
              HTTP {answer.status} · {Math.round(answer.latencyMs)} ms
            </div>
            <pre
              className="jp-MLStudio-jumpstartCode"
              data-testid="mls-jumpstart-answer-body"
            >
              {answer.ok
                ? answer.predictions
                  ? JSON.stringify({ predictions: answer.predictions }, null, 2)
                  : answer.body
                : answer.error}
            </pre>
          </div>
        )}
      </PageSection>
      <FineTuneSection model={model} options={options} />
    </>
  );
}

function FineTuneSection(props: {
  model: EntryModel;
  options: IEntryViewOptions;
}): JSX.Element {
  const { model, options } = props;
  const [data, setData] = React.useState('');
  const [target, setTarget] = React.useState('');
  const [open, setOpen] = React.useState(false);
  const pick = async () => {
    const manager = options.docManager;
    if (!manager) {
      setOpen(true);
      return;
    }
    const result = await FileDialog.getOpenFiles({
      manager,
      title: 'Fine-tune on a data file'
    });
    const chosen = result.button.accept ? result.value?.[0] : undefined;
    if (chosen) {
      setData(chosen.path);
    }
    setOpen(true);
  };
  const start = async () => {
    const job = await model.fineTune(data, target);
    if (job) {
      void options.commands.execute(CommandIDs.openJob, { id: job });
    }
  };
  return (
    <PageSection title="Fine-tune" testId="mls-jumpstart-finetune-section">
      <div className="jp-MLStudio-muted">
        Train this model again on your own data (a CSV or Parquet file) with the
        entry's hyperparameters, as a training job.
      </div>
      <div className="jp-MLStudio-jumpstartActions">
        <button
          type="button"
          className="jp-MLStudio-button"
          data-testid="mls-jumpstart-finetune"
          onClick={() => void pick()}
        >
          Fine-tune on my data…
        </button>
      </div>
      {open && (
        <div className="jp-MLStudio-jumpstartForm">
          <div className="jp-MLStudio-jumpstartField">
            <label htmlFor="mls-jumpstart-ft-data">Data file</label>
            <input
              id="mls-jumpstart-ft-data"
              className="jp-MLStudio-input jp-MLStudio-mono"
              data-testid="mls-jumpstart-finetune-data"
              placeholder="path/to/data.csv (relative to the Jupyter root)"
              value={data}
              onChange={event => setData(event.target.value)}
            />
          </div>
          <div className="jp-MLStudio-jumpstartField">
            <label htmlFor="mls-jumpstart-ft-target">Target column</label>
            <input
              id="mls-jumpstart-ft-target"
              className="jp-MLStudio-input"
              data-testid="mls-jumpstart-finetune-target"
              placeholder="the model's own target (optional)"
              value={target}
              onChange={event => setTarget(event.target.value)}
            />
          </div>
          <div className="jp-MLStudio-jumpstartActions">
            <button
              type="button"
              className="jp-MLStudio-button jp-mod-accept"
              data-testid="mls-jumpstart-finetune-start"
              disabled={!data.trim() || !!model.busy}
              onClick={() => void start()}
            >
              Start fine-tuning
            </button>
            {model.fineTuneJob && (
              <LinkButton
                data-testid="mls-jumpstart-finetune-job"
                data-job={model.fineTuneJob}
                onClick={() =>
                  void options.commands.execute(CommandIDs.openJob, {
                    id: model.fineTuneJob
                  })
                }
              >
                Open job {model.fineTuneJob}
              </LinkButton>
            )}
          </div>
        </div>
      )}
    </PageSection>
  );
}

function fmtMb(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '?';
  }
  return value >= 1000 ? `${(value / 1000).toFixed(1)} GB` : `${value} MB`;
}

function fmtMetric(value: number): string {
  return Math.abs(value) >= 1000 || Number.isInteger(value)
    ? String(value)
    : value.toFixed(4);
}
