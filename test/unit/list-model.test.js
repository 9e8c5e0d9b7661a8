// The sidebar list model (src/ui/list-model.ts): live reloads on the
// server's resource_changed events, coalesced loads, load errors.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Signal } = require('@lumino/signaling');

const { ResourceListModel } = require('../../build/unit/ui/list-model');
const { RESOURCE_CHANGED_SCHEMA } = require('../../build/unit/tokens');

/** A list whose "server" is an array the test changes. */
class Items extends ResourceListModel {
  constructor(events, updateInterval) {
    super({ events }, { resource: 'jobs', updateInterval });
    this.server = [];
    this.fetches = 0;
    this.failWith = null;
  }
  async fetchPage() {
    this.fetches++;
    await new Promise(resolve => setTimeout(resolve, 5));
    if (this.failWith) {
      throw this.failWith;
    }
    return { items: [...this.server], hasMore: false };
  }
}

function eventManager() {
  const manager = {};
  manager.stream = new Signal(manager);
  return manager;
}

function announce(events, resource, action = 'updated', id = 'x') {
  events.stream.emit({
    schema_id: RESOURCE_CHANGED_SCHEMA,
    resource,
    action,
    id
  });
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

test('an event of its resource reloads the list; others do not', async () => {
  const events = eventManager();
  const list = new Items(events);
  list.server = ['a'];
  await list.refresh();
  assert.deepEqual(list.items, ['a']);
  assert.equal(list.loaded, true);
  list.server = ['a', 'b'];
  announce(events, 'endpoints');
  await sleep(30);
  assert.deepEqual(list.items, ['a']);
  announce(events, 'jobs', 'created', 'b');
  await sleep(30);
  assert.deepEqual(list.items, ['a', 'b']);
  list.dispose();
});

test('a burst of events within the interval is one reload', async () => {
  const events = eventManager();
  const list = new Items(events, 50);
  await list.refresh();
  const before = list.fetches;
  for (let i = 0; i < 10; i++) {
    announce(events, 'jobs', 'updated', `j${i}`);
  }
  await sleep(120);
  assert.equal(list.fetches - before, 1);
  list.dispose();
});

test('a refresh during a load queues exactly one more load', async () => {
  const list = new Items(null);
  list.server = ['old'];
  const first = list.refresh();
  list.server = ['new'];
  const second = list.refresh();
  const third = list.refresh();
  await Promise.all([first, second, third]);
  assert.equal(list.fetches, 2);
  assert.deepEqual(list.items, ['new']);
  list.dispose();
});

test('a failed load keeps the items and shows the message until a load succeeds', async () => {
  const list = new Items(null);
  list.server = ['a'];
  await list.refresh();
  list.failWith = new Error('database is locked');
  await list.refresh();
  assert.deepEqual(list.items, ['a']);
  assert.deepEqual(list.error, {
    code: 'UNKNOWN',
    message: 'database is locked'
  });
  list.failWith = null;
  await list.refresh();
  assert.equal(list.error, null);
  list.dispose();
});

test('a disposed list ignores events', async () => {
  const events = eventManager();
  const list = new Items(events);
  list.dispose();
  announce(events, 'jobs');
  await sleep(30);
  assert.equal(list.fetches, 0);
});
