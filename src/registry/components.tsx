/**
 * Small presentational pieces shared by the Models sidebar and the model,
 * version and comparison views.
 */
import { closeIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { ApprovalStatus } from '../api/types';
import { StatusBadge } from '../ui/components';

const APPROVAL_LABELS: Record<ApprovalStatus, string> = {
  PendingManualApproval: 'Pending approval',
  Approved: 'Approved',
  Rejected: 'Rejected'
};

export function approvalLabel(status: ApprovalStatus): string {
  return APPROVAL_LABELS[status] ?? status;
}

/** A version's approval status, coloured by what it means. */
export function ApprovalBadge(props: {
  status: ApprovalStatus;
  testId?: string;
}): JSX.Element {
  return (
    <StatusBadge
      className="jp-MLStudio-approval"
      status={props.status}
      label={approvalLabel(props.status)}
      mod={
        props.status === 'PendingManualApproval'
          ? 'pending'
          : props.status.toLowerCase()
      }
      testId={props.testId ?? 'mls-approval-status'}
    />
  );
}

/**
 * Alias chips; with `onRemove` each gets a × button. `versions` adds the
 * version an alias points to (for a model's alias map).
 */
export function AliasChips(props: {
  aliases: ReadonlyArray<string>;
  versions?: Readonly<Record<string, number>>;
  onRemove?: (alias: string) => void;
  disabled?: boolean;
}): JSX.Element | null {
  const { aliases, versions, onRemove } = props;
  if (aliases.length === 0) {
    return null;
  }
  return (
    <ul className="jp-MLStudio-aliases" aria-label="Aliases">
      {[...aliases]
        .sort((a, b) => a.localeCompare(b))
        .map(alias => (
          <li
            key={alias}
            className="jp-MLStudio-alias"
            data-testid="mls-alias-chip"
            data-alias={alias}
            title={
              versions?.[alias] !== undefined
                ? `${alias} → version ${versions[alias]}`
                : alias
            }
          >
            <span>{alias}</span>
            {versions?.[alias] !== undefined && (
              <span className="jp-MLStudio-aliasVersion">
                v{versions[alias]}
              </span>
            )}
            {onRemove && (
              <button
                type="button"
                className="jp-MLStudio-aliasRemove"
                data-testid="mls-alias-remove"
                title={`Remove the alias ${alias}`}
                aria-label={`Remove the alias ${alias}`}
                disabled={props.disabled}
                onClick={() => onRemove(alias)}
              >
                <closeIcon.react tag="span" />
              </button>
            )}
          </li>
        ))}
    </ul>
  );
}
