/**
 * Small pieces the Tuning sidebar and the tuning-job view share: the status
 * badge, the trials progress and how the best value reads.
 */
import * as React from 'react';

import type { TuningJob, TuningJobStatus } from './api';
import { formatNumber } from '../experiments/runs/columns';
import { JobProgress } from '../jobs/components';
import { StatusBadge } from '../ui/components';

/** A tuning job's status, coloured like a job's. */
export function TuningStatusBadge(props: {
  status: TuningJobStatus;
  testId?: string;
}): JSX.Element {
  return (
    <StatusBadge
      className="jp-MLStudio-jobStatus"
      status={props.status}
      testId={props.testId ?? 'mls-tuning-status'}
    />
  );
}

/** `12 / 30 trials · 2 running · 3 pruned · 1 failed` */
export function progressText(job: TuningJob): string {
  const p = job.progress;
  const parts = [`${p.done} / ${p.max_trials} trials`];
  if (p.running > 0) {
    parts.push(`${p.running} running`);
  }
  if (p.pruned > 0) {
    parts.push(`${p.pruned} pruned`);
  }
  if (p.failed > 0) {
    parts.push(`${p.failed} failed`);
  }
  return parts.join(' · ');
}

/** The share of the trials that ended (0..1). */
export function progressOf(job: TuningJob): number {
  const { done, max_trials: max } = job.progress;
  return max > 0 ? Math.min(1, done / max) : 0;
}

/** The objective as it reads next to a value: `validation:accuracy ↑`. */
export function objectiveLabel(job: TuningJob): string {
  const objective = job.objectives[0];
  if (!objective) {
    return 'objective';
  }
  return `${objective.metric} ${objective.direction === 'Maximize' ? '↑' : '↓'}`;
}

/** The best value so far, or `—`. */
export function bestText(job: TuningJob): string {
  return job.best_value === null ? '—' : formatNumber(job.best_value);
}

/** The trials progress bar with its counts. */
export function TuningProgress(props: {
  job: TuningJob;
  compact?: boolean;
}): JSX.Element | null {
  return (
    <JobProgress
      progress={progressOf(props.job)}
      message={progressText(props.job)}
      compact={props.compact}
    />
  );
}
