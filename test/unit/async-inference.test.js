// Asynchronous inference in the endpoint view (src/endpoints/async-api.ts,
// async-model.ts): the server's event ids, a payload file's content type, and
// which statuses are final (the list is polled only while some request is not).
const { test } = require('node:test');
const assert = require('node:assert/strict');

const {
  isFinished,
  parseAsyncEventId
} = require('../../build/unit/endpoints/async-api');
const { contentTypeOf } = require('../../build/unit/endpoints/async-model');

test('an async-inference event id names the endpoint and the request', () => {
  assert.deepEqual(parseAsyncEventId('iris-q/0123abcd'), {
    endpoint: 'iris-q',
    inferenceId: '0123abcd'
  });
  // endpoint names may hold dots, dashes and underscores, never a slash
  assert.deepEqual(parseAsyncEventId('a.b_c-d/ff'), {
    endpoint: 'a.b_c-d',
    inferenceId: 'ff'
  });
  for (const bad of ['', 'no-slash', '/id', 'endpoint/']) {
    assert.equal(parseAsyncEventId(bad), null, bad);
  }
});

test("a payload file's extension decides its content type", () => {
  assert.equal(contentTypeOf({ name: 'rows.CSV' }, 'json'), 'csv');
  assert.equal(contentTypeOf({ name: 'body.json' }, 'csv'), 'json');
  assert.equal(contentTypeOf({ name: 'data.bin' }, 'json'), 'json');
  assert.equal(contentTypeOf(null, 'csv'), 'csv');
});

test('only Completed and Failed are final', () => {
  assert.equal(isFinished({ status: 'Queued' }), false);
  assert.equal(isFinished({ status: 'InProgress' }), false);
  assert.equal(isFinished({ status: 'Completed' }), true);
  assert.equal(isFinished({ status: 'Failed' }), true);
});
