/**
 * The "Experiments" section: list and details of the selected experiment.
 */
import { Time } from '@jupyterlab/coreutils';
import * as React from 'react';

import type { Experiment } from '../api/types';
import { experimentIcon } from '../icons';

export function ExperimentList(props: {
  experiments: ReadonlyArray<Experiment>;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Open the experiment's view (double-click). */
  onOpen: (id: string) => void;
}): JSX.Element {
  return (
    <ul className="jp-MLStudio-list" role="listbox" aria-label="Experiments">
      {props.experiments.map(experiment => {
        const selected = experiment.id === props.selectedId;
        const select = () => props.onSelect(experiment.id);
        return (
          <li
            key={experiment.id}
            className={`jp-MLStudio-item${selected ? ' jp-mod-selected' : ''}`}
            data-testid="mls-experiment-item"
            role="option"
            aria-selected={selected}
            tabIndex={0}
            title={experiment.description || experiment.name}
            onClick={select}
            onDoubleClick={() => props.onOpen(experiment.id)}
            onKeyDown={event => {
              if (event.key === 'Enter' && selected) {
                event.preventDefault();
                props.onOpen(experiment.id);
              } else if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                select();
              }
            }}
          >
            <experimentIcon.react tag="span" className="jp-MLStudio-itemIcon" />
            <span className="jp-MLStudio-itemName">{experiment.name}</span>
            <span
              className="jp-MLStudio-itemDate"
              title={Time.format(experiment.created_at)}
            >
              {formatDate(experiment.created_at)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export function ExperimentDetails(props: {
  experiment: Experiment;
  actions: React.ReactNode;
}): JSX.Element {
  const { experiment } = props;
  const tags = Object.entries(experiment.tags ?? {});
  return (
    <section
      className="jp-MLStudio-details"
      data-testid="mls-experiment-details"
      aria-label="Experiment details"
    >
      <h3 className="jp-MLStudio-sectionTitle">Details</h3>
      <dl className="jp-MLStudio-fields">
        <dt>Name</dt>
        <dd>{experiment.name}</dd>
        <dt>ID</dt>
        <dd className="jp-MLStudio-mono">{experiment.id}</dd>
        <dt>Description</dt>
        <dd>
          {experiment.description || (
            <span className="jp-MLStudio-muted">No description</span>
          )}
        </dd>
        <dt>Tags</dt>
        <dd>
          {tags.length === 0 ? (
            <span className="jp-MLStudio-muted">None</span>
          ) : (
            <ul className="jp-MLStudio-tags">
              {tags.map(([key, value]) => (
                <li key={key} className="jp-MLStudio-tag">
                  {key}: {value}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Created</dt>
        <dd>{Time.format(experiment.created_at)}</dd>
        <dt>Updated</dt>
        <dd>{Time.format(experiment.updated_at)}</dd>
      </dl>
      <div className="jp-MLStudio-actions">{props.actions}</div>
    </section>
  );
}

/** A short local date for list rows. */
function formatDate(iso: string): string {
  const date = new Date(iso);
  return isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}
