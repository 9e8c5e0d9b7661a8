/**
 * Small form fields the sidebars and sections share.
 */
import * as React from 'react';

/** One choice of a `LabeledSelect`. */
export interface IChoice {
  value: string;
  label: string;
}

/**
 * A drop-down with its label in front (the sidebars' filters, the endpoint
 * test and capture options). `all` adds a first choice with the value `''`.
 */
export function LabeledSelect(props: {
  label: string;
  testId: string;
  value: string;
  choices: ReadonlyArray<IChoice>;
  all?: string;
  onChange: (value: string) => void;
}): JSX.Element {
  return (
    <label className="jp-MLStudio-jobFilter">
      <span>{props.label}</span>
      <select
        className="jp-MLStudio-select"
        data-testid={props.testId}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      >
        {props.all !== undefined && <option value="">{props.all}</option>}
        {props.choices.map(choice => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Choices whose label is made from the value. */
export function choicesOf<T extends string>(
  values: ReadonlyArray<T>,
  label: (value: T) => string = value => value
): IChoice[] {
  return values.map(value => ({ value, label: label(value) }));
}

/**
 * The Status drop-down of a sidebar's filters: "All" (`null`) or one of
 * `statuses`.
 */
export function StatusFilter<S extends string>(props: {
  testId: string;
  value: S | null;
  statuses: ReadonlyArray<S>;
  label?: (status: S) => string;
  onChange: (status: S | null) => void;
}): JSX.Element {
  return (
    <LabeledSelect
      label="Status"
      testId={props.testId}
      value={props.value ?? ''}
      all="All"
      choices={choicesOf(props.statuses, props.label)}
      onChange={value => props.onChange((value || null) as S | null)}
    />
  );
}
