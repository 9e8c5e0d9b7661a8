// A job's Duration (src/jobs/duration.ts): start → now while it runs, start →
// end once ended; never the server's `updated_at − started_at` while running.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const {
  jobDuration,
  formatJobDuration
} = require('../../build/unit/jobs/duration');

const START = '2026-12-05T14:00:00.000Z';
const t0 = Date.parse(START);

function job(fields) {
  return {
    status: 'Running',
    started_at: START,
    ended_at: null,
    duration_seconds: null,
    ...fields
  };
}

test('a running job ticks from its start to now, not to its last update', () => {
  // The server's figure is updated_at − started_at: 151 ms for a Spark job
  // whose last status write came just after it started.
  const running = job({ duration_seconds: 0.151 });
  assert.equal(jobDuration(running, t0 + 5_000), 5_000);
  assert.equal(jobDuration(running, t0 + 6_000), 6_000);
  assert.equal(formatJobDuration(running, t0 + 6_000), '6.0s');
  assert.equal(jobDuration(job({ status: 'Stopping' }), t0 + 7_000), 7_000);
});

test('an ended job shows ended − started, whatever now is', () => {
  const ended = job({
    status: 'Completed',
    ended_at: '2026-12-05T14:01:05.000Z',
    duration_seconds: 65
  });
  assert.equal(jobDuration(ended, t0 + 3_600_000), 65_000);
  assert.equal(formatJobDuration(ended, t0 + 3_600_000), '1m 05s');
});

test('before the start there is no duration; an ended job without an end time falls back to the server', () => {
  assert.equal(
    jobDuration(job({ status: 'Pending', started_at: null }), t0),
    null
  );
  assert.equal(
    formatJobDuration(job({ status: 'Pending', started_at: null }), t0),
    '—'
  );
  assert.equal(
    jobDuration(job({ status: 'Failed', duration_seconds: 2.5 }), t0 + 60_000),
    2_500
  );
  // A clock behind the start never gives a negative duration.
  assert.equal(jobDuration(job({}), t0 - 1_000), 0);
});
