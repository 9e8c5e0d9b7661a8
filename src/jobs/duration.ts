/**
 * How long a job ran: from its start to its end once ended, and from its
 * start to now (re-read every second by the views) while it runs. The
 * server's `duration_seconds` is `updated_at − started_at` for a running job
 * (the last status write, not now), so it is only a fallback for an ended
 * job whose end time is missing.
 */
import { isActive } from '../api/jobs';
import type { Job } from '../api/types';
import { formatDuration } from '../ui/format';

type JobTimes = Pick<
  Job,
  'status' | 'started_at' | 'ended_at' | 'duration_seconds'
>;

/** Milliseconds the job ran (or has run so far); `null` before it started. */
export function jobDuration(job: JobTimes, now: number): number | null {
  const start = job.started_at ? Date.parse(job.started_at) : NaN;
  if (isNaN(start)) {
    return null;
  }
  const end = job.ended_at ? Date.parse(job.ended_at) : NaN;
  if (!isNaN(end)) {
    return Math.max(0, end - start);
  }
  if (isActive(job)) {
    return Math.max(0, now - start);
  }
  return job.duration_seconds !== null ? job.duration_seconds * 1000 : null;
}

/** `12.3s`, `4m 05s`; `—` before the job started. */
export function formatJobDuration(job: JobTimes, now: number): string {
  return formatDuration(jobDuration(job, now)) || '—';
}
