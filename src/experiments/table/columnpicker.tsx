/**
 * The column picker: a button that opens a searchable list of the
 * experiment's metrics, params and tags with a checkbox each.
 */
import { caretDownIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ColumnKind, IRunColumn, KIND_TITLES } from '../runs/columns';
import type { RunsTableModel } from '../runs/model';
import { LinkButton } from '../../ui/components';

const KINDS: ReadonlyArray<Exclude<ColumnKind, 'attribute'>> = [
  'metric',
  'param',
  'tag'
];

export function ColumnPicker(props: { model: RunsTableModel }): JSX.Element {
  const { model } = props;
  const [open, setOpen] = React.useState(false);
  const [query, setQuery] = React.useState('');
  const root = React.useRef<HTMLDivElement>(null);

  // Close on a click outside or on Escape.
  React.useEffect(() => {
    if (!open) {
      return;
    }
    const onPointer = (event: MouseEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onPointer, true);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onPointer, true);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);

  const shown = new Set(model.keyColumns.map(c => c.id));
  const toggle = (column: IRunColumn) => {
    const ids = model.keyColumns.map(c => c.id);
    model.setKeyColumns(
      shown.has(column.id)
        ? ids.filter(id => id !== column.id)
        : [...ids, column.id]
    );
  };
  const needle = query.trim().toLowerCase();
  const available = model.availableColumns.filter(
    c => !needle || c.key.toLowerCase().includes(needle)
  );

  return (
    <div className="jp-MLStudio-columnPickerRoot" ref={root}>
      <button
        type="button"
        className="jp-MLStudio-button"
        data-testid="mls-column-picker"
        title="Choose the metric, param and tag columns"
        aria-haspopup="true"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <span>Columns ({shown.size})</span>
        <caretDownIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
      </button>
      {open && (
        <div
          className="jp-MLStudio-columnPicker"
          data-testid="mls-column-picker-menu"
          role="dialog"
          aria-label="Columns"
        >
          <input
            type="search"
            className="jp-mod-styled"
            placeholder="Search keys"
            aria-label="Search keys"
            autoFocus
            value={query}
            onChange={event => setQuery(event.target.value)}
          />
          <div className="jp-MLStudio-columnPickerList">
            {KINDS.map(kind => {
              const columns = available.filter(c => c.kind === kind);
              if (columns.length === 0) {
                return null;
              }
              return (
                <fieldset key={kind}>
                  <legend>{KIND_TITLES[kind]}</legend>
                  {columns.map(column => (
                    <label
                      key={column.id}
                      className="jp-MLStudio-columnOption"
                      data-testid="mls-column-option"
                      data-column-id={column.id}
                      title={column.id}
                    >
                      <input
                        type="checkbox"
                        checked={shown.has(column.id)}
                        onChange={() => toggle(column)}
                      />
                      <span>{column.key}</span>
                    </label>
                  ))}
                </fieldset>
              );
            })}
            {available.length === 0 && (
              <div className="jp-MLStudio-muted">
                {model.keys ? 'No matching keys' : 'Loading keys…'}
              </div>
            )}
          </div>
          <div className="jp-MLStudio-columnPickerActions">
            <LinkButton onClick={() => model.resetKeyColumns()}>
              Defaults
            </LinkButton>
            <LinkButton
              onClick={() =>
                model.setKeyColumns(
                  model.availableColumns
                    .filter(c => c.kind !== 'tag')
                    .map(c => c.id)
                )
              }
            >
              All metrics and params
            </LinkButton>
            <LinkButton onClick={() => model.setKeyColumns([])}>
              None
            </LinkButton>
          </div>
        </div>
      )}
    </div>
  );
}
