/**
 * A pipeline's schedules and triggers (issue 21): the list with each one's
 * next fire time and last fire, Enable/Disable and Delete, and a form that
 * adds a schedule (rate()/cron()) or a trigger on a model approval or a
 * monitor violation. Opened from the Pipelines panel.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { ServerConnection } from '@jupyterlab/services';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { errorMessage, requestAPI } from '../api/request';
import type { components } from '../api/schema';

type ISchedule = components['schemas']['PipelineSchedule'];
type Kind = ISchedule['kind'];

const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'Schedule', label: 'On a schedule' },
  { kind: 'ModelApproved', label: 'When a model version is approved' },
  { kind: 'MonitorViolation', label: 'When a monitor finds violations' }
];

const FIELDS: Record<Kind, string> = {
  Schedule: 'scheduled_time',
  ModelApproved: 'model_name, model_version, model_version_id, actor, comment',
  MonitorViolation:
    'monitor_name, monitor_execution_id, violations, endpoint, output, scheduled_time'
};

function describe(s: ISchedule): string {
  if (s.kind === 'Schedule') {
    return s.expression ?? '';
  }
  return s.kind === 'ModelApproved'
    ? `model ${s.source} approved`
    : `monitor ${s.source} violations`;
}

function parseObject(text: string, what: string): Record<string, unknown> {
  if (!text.trim()) {
    return {};
  }
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} is a JSON object, e.g. {"name": "value"}.`);
  }
  return value as Record<string, unknown>;
}

export class SchedulesBody extends ReactWidget {
  constructor(
    private readonly _pipeline: string,
    private readonly _settings?: ServerConnection.ISettings
  ) {
    super();
    this.addClass('jp-MLStudio-pipelineSchedules');
    this.node.dataset.testid = 'mls-pipeline-schedules';
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const list = await requestAPI<{ items: ISchedule[] }>(
        this._path(),
        {},
        this._settings
      );
      this._items = list.items;
      this._loaded = true;
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this.update();
  }

  private _path(id?: string): string {
    const base = `pipelines/${encodeURIComponent(this._pipeline)}/schedules`;
    return id ? `${base}/${encodeURIComponent(id)}` : base;
  }

  private async _act(work: () => Promise<unknown>): Promise<void> {
    this._error = null;
    try {
      await work();
      await this.refresh();
    } catch (reason) {
      this._error = errorMessage(reason);
      this.update();
    }
  }

  private _add(): Promise<void> {
    return this._act(async () => {
      const body: Record<string, unknown> = {
        kind: this._kind,
        parameters: parseObject(this._parameters, 'Parameters'),
        event_parameters: parseObject(this._mapping, 'Event parameters')
      };
      if (this._kind === 'Schedule') {
        body.expression = this._expression.trim();
      } else {
        body.source = this._source.trim();
      }
      await requestAPI(
        this._path(),
        { method: 'POST', body: JSON.stringify(body) },
        this._settings
      );
      // added: an empty form for the next one
      this._expression = this._source = this._parameters = this._mapping = '';
    });
  }

  protected render(): JSX.Element {
    const kind = this._kind;
    return (
      <div>
        {this._error && (
          <div className="jp-MLStudio-pipelineIssues" role="alert">
            {this._error}
          </div>
        )}
        {!this._loaded ? (
          <div className="jp-MLStudio-pipelineHint">Loading…</div>
        ) : this._items.length === 0 ? (
          <div className="jp-MLStudio-pipelineHint">
            No schedules or triggers: this pipeline runs when you run it.
          </div>
        ) : (
          <table className="jp-MLStudio-pipelineSchedulesTable">
            <thead>
              <tr>
                <th>When</th>
                <th>Parameters</th>
                <th>Next</th>
                <th>Last fired</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {this._items.map(s => (
                <tr
                  key={s.id}
                  data-testid="mls-pipeline-schedule"
                  data-kind={s.kind}
                  data-enabled={String(s.enabled)}
                >
                  <td>
                    {describe(s)}
                    {!s.enabled && (
                      <span className="jp-MLStudio-pipelineHint"> (off)</span>
                    )}
                  </td>
                  <td>
                    <code>
                      {JSON.stringify({
                        ...s.parameters,
                        ...Object.fromEntries(
                          Object.entries(s.event_parameters).map(([k, v]) => [
                            k,
                            `<${v}>`
                          ])
                        )
                      })}
                    </code>
                  </td>
                  <td>
                    {s.next_fire_time
                      ? new Date(s.next_fire_time).toLocaleString()
                      : '—'}
                  </td>
                  <td>
                    {s.last_fire
                      ? `${new Date(s.last_fire.fired_at).toLocaleString()}${
                          s.last_fire.error ? ` (${s.last_fire.error})` : ''
                        }`
                      : 'never'}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="jp-MLStudio-pipelineSmallButton"
                      data-testid="mls-pipeline-schedule-toggle"
                      onClick={() =>
                        void this._act(() =>
                          requestAPI(
                            this._path(s.id),
                            {
                              method: 'PATCH',
                              body: JSON.stringify({ enabled: !s.enabled })
                            },
                            this._settings
                          )
                        )
                      }
                    >
                      {s.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button
                      type="button"
                      className="jp-MLStudio-pipelineSmallButton"
                      data-testid="mls-pipeline-schedule-delete"
                      onClick={() =>
                        void this._act(() =>
                          requestAPI(
                            this._path(s.id),
                            { method: 'DELETE' },
                            this._settings
                          )
                        )
                      }
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <fieldset className="jp-MLStudio-pipelineScheduleForm">
          <legend>Add</legend>
          <div className="jp-MLStudio-pipelineGrid">
            <label htmlFor="mls-schedule-kind">Run</label>
            <select
              id="mls-schedule-kind"
              className="jp-MLStudio-input"
              value={kind}
              onChange={e => {
                this._kind = e.target.value as Kind;
                this.update();
              }}
            >
              {KINDS.map(k => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
            {kind === 'Schedule' ? (
              <>
                <label htmlFor="mls-schedule-expression">Expression</label>
                <input
                  id="mls-schedule-expression"
                  className="jp-MLStudio-input"
                  placeholder="cron(0 3 * * ? *) or rate(1 day), UTC"
                  value={this._expression}
                  onChange={e => {
                    this._expression = e.target.value;
                    this.update();
                  }}
                />
              </>
            ) : (
              <>
                <label htmlFor="mls-schedule-source">
                  {kind === 'ModelApproved' ? 'Model' : 'Monitor'}
                </label>
                <input
                  id="mls-schedule-source"
                  className="jp-MLStudio-input"
                  value={this._source}
                  onChange={e => {
                    this._source = e.target.value;
                    this.update();
                  }}
                />
              </>
            )}
            <label htmlFor="mls-schedule-parameters">Parameters</label>
            <input
              id="mls-schedule-parameters"
              className="jp-MLStudio-input"
              placeholder='{"threshold": 0.8}'
              value={this._parameters}
              onChange={e => {
                this._parameters = e.target.value;
                this.update();
              }}
            />
            <label htmlFor="mls-schedule-mapping">Event parameters</label>
            <input
              id="mls-schedule-mapping"
              className="jp-MLStudio-input"
              placeholder='{"version": "model_version"}'
              title={`Pipeline parameter → event field: ${FIELDS[kind]}`}
              value={this._mapping}
              onChange={e => {
                this._mapping = e.target.value;
                this.update();
              }}
            />
          </div>
          <div className="jp-MLStudio-pipelineHint">
            Event fields: {FIELDS[kind]}
          </div>
          <button
            type="button"
            className="jp-MLStudio-pipelineSmallButton"
            data-testid="mls-pipeline-schedule-add"
            onClick={() => void this._add()}
          >
            Add
          </button>
        </fieldset>
      </div>
    );
  }

  private _error: string | null = null;
  private _expression = '';
  private _items: ISchedule[] = [];
  private _kind: Kind = 'Schedule';
  private _loaded = false;
  private _mapping = '';
  private _parameters = '';
  private _source = '';
}

/** The schedules dialog of ``pipeline``. */
export async function openSchedules(
  pipeline: string,
  settings?: ServerConnection.ISettings
): Promise<void> {
  await showDialog({
    title: `Schedules and triggers of ${pipeline}`,
    body: new SchedulesBody(pipeline, settings),
    buttons: [Dialog.okButton({ label: 'Close' })]
  });
}
