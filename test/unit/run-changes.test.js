// The runs table's live-update bookkeeping (src/experiments/runs/live.ts).
const { test } = require('node:test');
const assert = require('node:assert/strict');

const {
  RunChangeQueue,
  hasNewKeys,
  MAX_LOOKUPS,
  MAX_SINGLE_UPDATES
} = require('../../build/unit/experiments/runs/live');

function run(id, fields = {}) {
  return {
    id,
    experiment_id: 'exp-1',
    lifecycle: 'active',
    metrics: {},
    params: {},
    tags: {},
    ...fields
  };
}

test('updates of rows are re-fetched, deletions reload', () => {
  const queue = new RunChangeQueue();
  assert.equal(queue.add({ id: 'a', action: 'updated' }, true), true);
  assert.equal(queue.add({ id: 'a', action: 'updated' }, true), true);
  let next = queue.take();
  assert.deepEqual(next.updated, ['a']);
  assert.equal(next.reload, false);
  assert.equal(queue.add({ id: 'a', action: 'deleted' }, true), true);
  next = queue.take();
  assert.deepEqual(next.updated, []);
  assert.equal(next.reload, true);
  // Taken: the next update has nothing to do.
  assert.deepEqual(queue.take(), {
    updated: [],
    unknown: [],
    reload: false,
    more: false
  });
});

test('a deleted run the table never showed schedules nothing', () => {
  const queue = new RunChangeQueue();
  assert.equal(queue.add({ id: 'x', action: 'deleted' }, false), false);
  assert.deepEqual(queue.take().unknown, []);
});

test('many updated rows at once become one reload', () => {
  const queue = new RunChangeQueue();
  for (let i = 0; i <= MAX_SINGLE_UPDATES; i++) {
    queue.add({ id: `r${i}`, action: 'updated' }, true);
  }
  assert.equal(queue.take().reload, true);
});

test('unknown runs are looked up in batches, the rest wait', () => {
  const queue = new RunChangeQueue();
  for (let i = 0; i < MAX_LOOKUPS + 3; i++) {
    queue.add({ id: `n${i}`, action: 'created' }, false);
  }
  const first = queue.take();
  assert.equal(first.unknown.length, MAX_LOOKUPS);
  assert.equal(first.more, true);
  const second = queue.take();
  assert.deepEqual(second.unknown, ['n50', 'n51', 'n52']);
  assert.equal(second.more, false);
});

test('runs of other experiments are ignored from then on', () => {
  const queue = new RunChangeQueue();
  queue.add({ id: 'other', action: 'created' }, false);
  assert.deepEqual(queue.take().unknown, ['other']);
  assert.equal(
    queue.classify(run('other', { experiment_id: 'exp-2' }), 'exp-1'),
    false
  );
  assert.equal(queue.add({ id: 'other', action: 'updated' }, false), false);
});

test('a new run of this experiment reloads; one the filter hides is then ignored', () => {
  const queue = new RunChangeQueue();
  assert.equal(queue.classify(run('mine'), 'exp-1'), true);
  assert.equal(
    queue.classify(run('trashed', { lifecycle: 'deleted' }), 'exp-1'),
    false
  );
  // The reload did not bring it: the filter hides it.
  queue.settle(() => false);
  assert.equal(queue.add({ id: 'mine', action: 'updated' }, false), false);
  // A new filter may show it again.
  queue.filterChanged();
  assert.equal(queue.add({ id: 'mine', action: 'updated' }, false), true);
});

test('a run shown after the reload is not marked filtered out', () => {
  const queue = new RunChangeQueue();
  queue.classify(run('shown'), 'exp-1');
  queue.settle(id => id === 'shown');
  assert.equal(queue.add({ id: 'shown', action: 'updated' }, true), true);
  assert.deepEqual(queue.take().updated, ['shown']);
});

test('hasNewKeys: a metric, param or tag the keys lack', () => {
  const keys = { metrics: ['auc'], params: ['lr'], tags: ['team'] };
  assert.equal(hasNewKeys(null, run('a', { metrics: { f1: 1 } })), false);
  assert.equal(
    hasNewKeys(keys, run('a', { metrics: { auc: 1 }, params: { lr: '1' } })),
    false
  );
  assert.equal(hasNewKeys(keys, run('a', { metrics: { f1: 1 } })), true);
  assert.equal(hasNewKeys(keys, run('a', { params: { depth: '3' } })), true);
  assert.equal(hasNewKeys(keys, run('a', { tags: { owner: 'x' } })), true);
});
