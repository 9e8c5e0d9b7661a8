/**
 * Small presentational pieces shared by the Jobs sidebar and the job view,
 * and the formatting of job times.
 */
import * as React from 'react';

import type { Job, JobStatus } from '../api/types';
import { StatusBadge } from '../ui/components';

/** A job's status, coloured by what it means. */
export function JobStatusBadge(props: {
  status: JobStatus;
  testId?: string;
}): JSX.Element {
  return (
    <StatusBadge
      className="jp-MLStudio-jobStatus"
      status={props.status}
      testId={props.testId ?? 'mls-job-status'}
    />
  );
}

/** A determinate progress bar (0..1), with an optional message. */
export function JobProgress(props: {
  progress: number | null;
  message?: string | null;
  compact?: boolean;
}): JSX.Element | null {
  const { progress, message } = props;
  if (progress === null && !message) {
    return null;
  }
  const percent =
    progress === null
      ? null
      : Math.round(Math.min(1, Math.max(0, progress)) * 100);
  return (
    <div
      className={`jp-MLStudio-jobProgress${props.compact ? ' jp-mod-compact' : ''}`}
      data-testid="mls-job-progress"
    >
      {percent !== null && (
        <div
          className="jp-MLStudio-jobProgressTrack"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-label="Progress"
        >
          <div
            className="jp-MLStudio-jobProgressFill"
            style={{ width: `${percent}%` }}
          />
        </div>
      )}
      {!props.compact && (percent !== null || message) && (
        <span className="jp-MLStudio-jobProgressText">
          {percent !== null && `${percent}%`}
          {percent !== null && message ? ' · ' : ''}
          {message}
        </span>
      )}
    </div>
  );
}

/** How a job kind is shown: `Training`, `Processing`, `Batch transform`. */
export function kindLabel(kind: string): string {
  const text = kind.replace(/-/g, ' ');
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** What a job runs: the algorithm, script or notebook name; for a batch
 * transform the model (`name v2`, `name@alias`). */
export function jobSource(job: Job): string {
  const spec = job.spec;
  if (job.kind === 'batch-transform' && typeof spec.model === 'string') {
    if (typeof spec.version === 'number') {
      return `${spec.model} v${spec.version}`;
    }
    return typeof spec.alias === 'string' && spec.alias
      ? `${spec.model}@${spec.alias}`
      : spec.model;
  }
  for (const key of ['algorithm', 'entry_point', 'code']) {
    const value = spec[key];
    if (typeof value === 'string' && value) {
      return key === 'algorithm' ? value : (value.split('/').pop() ?? value);
    }
  }
  return '';
}
