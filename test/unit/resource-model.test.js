// The detail-view model base (src/ui/resource-model.ts): first load, live
// reloads of its own resource, deletion, failed loads and user actions.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Signal } = require('@lumino/signaling');

const { ResourceModel, tailOf } = require('../../build/unit/ui/resource-model');
const { resourceChange } = require('../../build/unit/events');
const { RESOURCE_CHANGED_SCHEMA } = require('../../build/unit/tokens');

/** One job, whose "server" copy the test changes. */
class JobLike extends ResourceModel {
  constructor(events, id) {
    super({ events }, 40);
    this.id = id;
    this.server = { id, status: 'Running' };
    this.fetches = 0;
    this.failWith = null;
    this.loadingSeen = [];
    this.changed.connect(() => this.loadingSeen.push(this.isLoading));
  }
  start() {
    return this.loadShown();
  }
  async fetch() {
    this.fetches++;
    await new Promise(resolve => setTimeout(resolve, 5));
    if (this.failWith) {
      throw this.failWith;
    }
    return { ...this.server };
  }
  async update() {
    await this.load();
    this.emit();
  }
  onEvent(emission) {
    const change = resourceChange(emission, 'jobs');
    if (change && change.id === this.id) {
      this.followChange(change.action);
    }
  }
  stop(fail) {
    return this.act(
      async () => {
        if (fail) {
          throw new Error('the job already finished');
        }
        this.server.status = 'Stopped';
      },
      { busy: true }
    );
  }
}

function eventManager() {
  const manager = {};
  manager.stream = new Signal(manager);
  return manager;
}

function announce(events, id, action = 'updated') {
  events.stream.emit({
    schema_id: RESOURCE_CHANGED_SCHEMA,
    resource: 'jobs',
    action,
    id
  });
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

test('the first load is shown as loading and brings the data', async () => {
  const job = new JobLike(null, 'j1');
  assert.equal(await job.start(), true);
  assert.deepEqual(job.data, { id: 'j1', status: 'Running' });
  assert.deepEqual(job.loadingSeen, [true, false]);
  job.dispose();
});

test('events of its own resource reload it, coalesced; others are ignored', async () => {
  const events = eventManager();
  const job = new JobLike(events, 'j1');
  await job.start();
  const before = job.fetches;
  job.server.status = 'Completed';
  announce(events, 'other');
  for (let i = 0; i < 5; i++) {
    announce(events, 'j1');
  }
  await sleep(120);
  assert.equal(job.fetches - before, 1);
  assert.equal(job.data.status, 'Completed');
  job.dispose();
});

test('a deleted event marks it deleted without a request', async () => {
  const events = eventManager();
  const job = new JobLike(events, 'j1');
  await job.start();
  const before = job.fetches;
  announce(events, 'j1', 'deleted');
  assert.equal(job.deleted, true);
  await sleep(60);
  assert.equal(job.fetches, before);
  job.dispose();
});

test('a failed reload keeps the last data and says why', async () => {
  const job = new JobLike(null, 'j1');
  await job.start();
  job.failWith = new Error('connection refused');
  await job.update();
  assert.deepEqual(job.data, { id: 'j1', status: 'Running' });
  assert.equal(job.error.message, 'connection refused');
  job.failWith = null;
  await job.update();
  assert.equal(job.error, null);
  job.dispose();
});

test('an action is busy while it runs and records its failure', async () => {
  const job = new JobLike(null, 'j1');
  await job.start();
  const stopping = job.stop(false);
  assert.equal(job.busy, true);
  assert.equal(await stopping, true);
  assert.equal(job.busy, false);
  assert.equal(await job.stop(true), false);
  assert.equal(job.error.message, 'the job already finished');
  job.dispose();
});

test('tailOf cuts a long log at a line start', () => {
  assert.deepEqual(tailOf('short', 10), { text: 'short', truncated: false });
  assert.deepEqual(tailOf('line one\nline two\nline three\n', 15), {
    text: 'line three\n',
    truncated: true
  });
});
