/**
 * The trials table: sortable by any column, filtered by state, with links to
 * each trial's run and training job. Only the rows in view are rendered, so
 * thousands of trials scroll smoothly.
 */
import * as React from 'react';

import { TRIAL_STATES, TrialInfo, TrialState } from './api';
import { labelOf } from './figures';
import { SortKey, sortTrials } from './trials';
import { formatNumber } from '../experiments/runs/columns';
import { LinkButton } from '../ui/components';
import { formatDuration } from '../ui/format';
import { choicesOf, LabeledSelect } from '../ui/fields';

/** Pixels per row (fixed, so the rows in view follow from the scroll offset). */
export const ROW_HEIGHT = 28;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 10;
/** Height of the scrolling box. */
const BOX_HEIGHT = 360;

export interface ITrialsTableProps {
  trials: ReadonlyArray<TrialInfo>;
  /** The objectives' metric names (one or two). */
  objectives: ReadonlyArray<string>;
  /** The searched hyperparameters, in column order. */
  params: ReadonlyArray<string>;
  bestNumber: number | null;
  onOpenRun: (runId: string) => void;
  onOpenJob: (jobId: string) => void;
}

export function TrialsTable(props: ITrialsTableProps): JSX.Element {
  const { trials, objectives, params } = props;
  const [sort, setSort] = React.useState<{ key: SortKey; desc: boolean }>({
    key: 'number',
    desc: false
  });
  const [state, setState] = React.useState<TrialState | null>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const rows = React.useMemo(
    () => sortTrials(trials, sort.key, sort.desc, state),
    [trials, sort, state]
  );
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const count = Math.ceil(BOX_HEIGHT / ROW_HEIGHT) + 2 * OVERSCAN;
  const shown = rows.slice(first, first + count);
  const columns = 5 + objectives.length + params.length;

  const header = (key: SortKey, label: string, numeric = false) => {
    const active = sort.key === key;
    return (
      <th
        key={key}
        scope="col"
        className={numeric ? 'jp-mod-numeric' : undefined}
        aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}
      >
        <button
          type="button"
          className="jp-MLStudio-sortButton"
          data-testid="mls-trials-sort"
          data-sort-key={key}
          title={`Sort by ${label}`}
          onClick={() =>
            setSort({
              key,
              desc: active ? !sort.desc : key.startsWith('value')
            })
          }
        >
          {label}
          {active && <span aria-hidden="true">{sort.desc ? ' ▼' : ' ▲'}</span>}
        </button>
      </th>
    );
  };

  return (
    <div className="jp-MLStudio-trials">
      <div className="jp-MLStudio-jobFilters">
        <LabeledSelect
          label="State"
          testId="mls-trials-state"
          value={state ?? ''}
          all="All"
          choices={choicesOf(TRIAL_STATES)}
          onChange={value => setState((value || null) as TrialState | null)}
        />
        <span className="jp-MLStudio-muted" data-testid="mls-trials-count">
          {rows.length === trials.length
            ? `${trials.length} trials`
            : `${rows.length} of ${trials.length} trials`}
        </span>
      </div>
      <div
        className="jp-MLStudio-tableScroll jp-MLStudio-trialsScroll"
        style={{
          // shrink to few rows; the header row is about one row high
          height: Math.min(
            BOX_HEIGHT,
            (Math.max(rows.length, 2) + 1) * ROW_HEIGHT + 8
          )
        }}
        onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
      >
        <table
          className="jp-MLStudio-table jp-MLStudio-trialsTable"
          data-testid="mls-trials-table"
          aria-rowcount={rows.length + 1}
        >
          <thead>
            <tr>
              {header('number', '#', true)}
              {header('state', 'State')}
              {objectives.map((name, i) => header(`value${i}`, name, true))}
              {params.map(name => header(`param:${name}`, name, true))}
              {header('duration', 'Duration', true)}
              <th scope="col">Run</th>
              <th scope="col">Job</th>
            </tr>
          </thead>
          <tbody>
            {first > 0 && (
              <tr aria-hidden="true" style={{ height: first * ROW_HEIGHT }}>
                <td colSpan={columns} />
              </tr>
            )}
            {shown.map((trial, i) => (
              <TrialRow
                key={trial.number}
                trial={trial}
                index={first + i}
                objectives={objectives.length}
                params={params}
                best={trial.number === props.bestNumber}
                onOpenRun={props.onOpenRun}
                onOpenJob={props.onOpenJob}
              />
            ))}
            {first + shown.length < rows.length && (
              <tr
                aria-hidden="true"
                style={{
                  height: (rows.length - first - shown.length) * ROW_HEIGHT
                }}
              >
                <td colSpan={columns} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && (
          <div className="jp-MLStudio-muted jp-MLStudio-trialsEmpty">
            {trials.length === 0
              ? 'No trials yet.'
              : 'No trials in this state.'}
          </div>
        )}
      </div>
    </div>
  );
}

const TrialRow = React.memo(
  (props: {
    trial: TrialInfo;
    index: number;
    objectives: number;
    params: ReadonlyArray<string>;
    best: boolean;
    onOpenRun: (runId: string) => void;
    onOpenJob: (jobId: string) => void;
  }): JSX.Element => {
    const { trial } = props;
    const { run_id: runId, job_id: jobId } = trial;
    const values = Array.from({ length: props.objectives }, (_, i) => {
      const value = trial.values?.[i];
      return typeof value === 'number' ? formatNumber(value) : '—';
    });
    const title =
      trial.failure_reason ??
      (trial.state === 'Pruned' && trial.pruned_step !== null
        ? `Pruned at step ${trial.pruned_step}`
        : trial.warm_start_from
          ? `Copied from ${trial.warm_start_from}`
          : undefined);
    return (
      <tr
        style={{ height: ROW_HEIGHT }}
        aria-rowindex={props.index + 2}
        data-testid="mls-trial-row"
        data-trial={trial.number}
        data-state={trial.state}
        className={props.best ? 'jp-mod-best' : undefined}
      >
        <td className="jp-mod-numeric">
          {trial.number}
          {props.best && (
            <span className="jp-MLStudio-bestMark" title="Best trial">
              {' '}
              ★
            </span>
          )}
        </td>
        <td title={title}>
          <span
            className={`jp-MLStudio-trialState jp-mod-${trial.state.toLowerCase()}`}
          >
            {trial.state}
            {trial.state === 'Pruned' &&
              trial.pruned_step !== null &&
              ` @${trial.pruned_step}`}
            {trial.warm_start && ' (warm start)'}
          </span>
        </td>
        {values.map((value, i) => (
          <td
            key={`v${i}`}
            className="jp-mod-numeric"
            data-testid="mls-trial-value"
          >
            {value}
          </td>
        ))}
        {props.params.map(name => {
          const value = trial.params[name];
          return (
            <td key={name} className="jp-mod-numeric jp-MLStudio-mono">
              {value === undefined || value === null
                ? '—'
                : typeof value === 'number'
                  ? formatNumber(value)
                  : labelOf(value)}
            </td>
          );
        })}
        <td className="jp-mod-numeric">
          {formatDuration(
            trial.duration_seconds === null
              ? null
              : trial.duration_seconds * 1000
          ) || '—'}
        </td>
        <td>
          {runId ? (
            <LinkButton
              data-testid="mls-trial-run"
              title="Open the trial's run"
              onClick={() => props.onOpenRun(runId)}
            >
              run
            </LinkButton>
          ) : (
            '—'
          )}
        </td>
        <td>
          {jobId ? (
            <LinkButton
              data-testid="mls-trial-job"
              title={`Open the training job ${trial.job_name ?? ''}`.trim()}
              onClick={() => props.onOpenJob(jobId)}
            >
              job
            </LinkButton>
          ) : (
            '—'
          )}
        </td>
      </tr>
    );
  }
);
