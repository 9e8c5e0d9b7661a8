/**
 * Drop-down pieces of the editor's toolbar: a generic menu button, the
 * searchable "Add step" menu grouped by transform group, and the sample
 * settings.
 */
import {
  addIcon,
  caretDownIcon,
  LabIcon,
  tableRowsIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import type { ISampleSpec } from './document';
import type { FlowEditorModel } from './model';

/** Open/close state that closes on outside clicks and Escape. */
function usePopup(): [
  boolean,
  (open: boolean) => void,
  React.RefObject<HTMLDivElement>
] {
  const [open, setOpen] = React.useState(false);
  const ref = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    if (!open) {
      return;
    }
    const onDown = (event: MouseEvent) => {
      if (ref.current && !ref.current.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown, true);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onDown, true);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  return [open, setOpen, ref];
}

function MenuButton(props: {
  testId: string;
  label: string;
  icon: LabIcon;
  disabled?: boolean;
  open: boolean;
  onClick(): void;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-MLStudio-wranglerTool"
      data-testid={props.testId}
      aria-haspopup="menu"
      aria-expanded={props.open}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <props.icon.react tag="span" className="jp-MLStudio-buttonIcon" />
      <span>{props.label}</span>
      <caretDownIcon.react tag="span" className="jp-MLStudio-buttonIcon" />
    </button>
  );
}

export function Dropdown(props: {
  testId: string;
  label: string;
  icon: LabIcon;
  caret: LabIcon;
  disabled?: boolean;
  items: Array<{ id: string; label: string }>;
  onSelect(id: string): void;
}): JSX.Element {
  const [open, setOpen, ref] = usePopup();
  return (
    <div className="jp-MLStudio-wranglerMenuHost" ref={ref}>
      <MenuButton
        testId={props.testId}
        label={props.label}
        icon={props.icon}
        disabled={props.disabled}
        open={open}
        onClick={() => setOpen(!open)}
      />
      {open && (
        <div className="jp-MLStudio-wranglerMenu" role="menu">
          {props.items.map(item => (
            <button
              key={item.id}
              type="button"
              role="menuitem"
              className="jp-MLStudio-wranglerMenuItem"
              data-id={item.id}
              onClick={() => {
                setOpen(false);
                props.onSelect(item.id);
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** "Add step": every transform, grouped, with a search box. */
export function AddStepMenu(props: {
  model: FlowEditorModel;
  disabled?: boolean;
}): JSX.Element {
  const { model } = props;
  const [open, setOpen, ref] = usePopup();
  const [query, setQuery] = React.useState('');
  const q = query.trim().toLowerCase();
  const matches = model.transformList.filter(
    t =>
      !q ||
      t.title.toLowerCase().includes(q) ||
      t.name.includes(q) ||
      t.group_title.toLowerCase().includes(q) ||
      t.description.toLowerCase().includes(q)
  );
  const groups = new Map<string, typeof matches>();
  for (const t of matches) {
    groups.set(t.group_title, [...(groups.get(t.group_title) ?? []), t]);
  }
  return (
    <div className="jp-MLStudio-wranglerMenuHost" ref={ref}>
      <MenuButton
        testId="mls-wrangler-add-step"
        label="Add step"
        icon={addIcon}
        disabled={props.disabled || model.transformList.length === 0}
        open={open}
        onClick={() => {
          setQuery('');
          setOpen(!open);
        }}
      />
      {open && (
        <div
          className="jp-MLStudio-wranglerMenu jp-mod-transforms"
          role="menu"
          data-testid="mls-wrangler-transforms"
        >
          <input
            type="search"
            className="jp-mod-styled"
            placeholder="Search transforms"
            autoFocus
            value={query}
            onChange={e => setQuery(e.target.value)}
          />
          <div className="jp-MLStudio-wranglerMenuScroll">
            {[...groups.entries()].map(([group, items]) => (
              <div key={group} className="jp-MLStudio-wranglerMenuGroup">
                <div className="jp-MLStudio-wranglerMenuGroupTitle">
                  {group}
                </div>
                {items.map(t => (
                  <button
                    key={t.name}
                    type="button"
                    role="menuitem"
                    className="jp-MLStudio-wranglerMenuItem"
                    data-transform={t.name}
                    title={t.description}
                    onClick={() => {
                      setOpen(false);
                      model.startStep(t.name);
                    }}
                  >
                    {t.title}
                  </button>
                ))}
              </div>
            ))}
            {matches.length === 0 && (
              <div className="jp-MLStudio-wranglerHint">
                No transform matches.
              </div>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

/** How previews sample the data (exports and jobs read everything). */
export function SampleMenu(props: { model: FlowEditorModel }): JSX.Element {
  const { model } = props;
  const current: ISampleSpec = model.document?.sample ?? {};
  const [open, setOpen, ref] = usePopup();
  const [draft, setDraft] = React.useState<ISampleSpec>(current);
  const method = current.method ?? 'first';
  const label = `Sample: ${method} ${(current.size ?? 5000).toLocaleString()}`;
  const columns = model.columnsOf(model.document?.sources[0]?.id);
  return (
    <div className="jp-MLStudio-wranglerMenuHost" ref={ref}>
      <MenuButton
        testId="mls-wrangler-sample"
        label={label}
        icon={tableRowsIcon}
        open={open}
        onClick={() => {
          setDraft(current);
          setOpen(!open);
        }}
      />
      {open && (
        <form
          className="jp-MLStudio-wranglerMenu jp-mod-right jp-MLStudio-wranglerSample"
          onSubmit={e => {
            e.preventDefault();
            const sample = { ...draft };
            if (sample.method !== 'stratified') {
              delete sample.stratify_by;
            }
            model.updateSample(sample);
            setOpen(false);
          }}
        >
          <label>
            Method
            <select
              className="jp-mod-styled"
              value={draft.method ?? 'first'}
              onChange={e =>
                setDraft({
                  ...draft,
                  method: e.target.value as ISampleSpec['method']
                })
              }
            >
              <option value="first">First rows</option>
              <option value="random">Random</option>
              <option value="stratified">Stratified</option>
            </select>
          </label>
          <label>
            Rows
            <input
              type="number"
              className="jp-mod-styled"
              min={1}
              value={draft.size ?? 5000}
              onChange={e =>
                setDraft({ ...draft, size: Number(e.target.value) })
              }
            />
          </label>
          <label>
            Seed
            <input
              type="number"
              className="jp-mod-styled"
              value={draft.seed ?? 0}
              onChange={e =>
                setDraft({ ...draft, seed: Number(e.target.value) })
              }
            />
          </label>
          {draft.method === 'stratified' && (
            <label>
              Stratify by
              <select
                className="jp-mod-styled"
                value={draft.stratify_by ?? ''}
                onChange={e =>
                  setDraft({ ...draft, stratify_by: e.target.value || null })
                }
              >
                <option value="">Choose a column…</option>
                {columns.map(c => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button
            type="submit"
            className="jp-Button jp-mod-styled jp-mod-accept"
          >
            Apply
          </button>
        </form>
      )}
    </div>
  );
}
