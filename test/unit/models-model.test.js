// The Models sidebar's list (src/registry/model.ts) against a real HTTP
// server: the error of a failed "New model" stays until dismissed, even
// when the list reloads after it.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { ServerConnection } = require('@jupyterlab/services');

const { ModelsModel } = require('../../build/unit/registry/model');

/** A registry server with one model; creating it again is a 409. */
async function registryServer() {
  const server = http.createServer((request, response) => {
    response.setHeader('Content-Type', 'application/json');
    if (request.method === 'POST') {
      response.statusCode = 409;
      response.end(
        JSON.stringify({
          error: {
            code: 'ALREADY_EXISTS',
            message: 'A model named churn already exists.'
          }
        })
      );
      return;
    }
    response.end(
      JSON.stringify({
        items: [{ name: 'churn', description: '', aliases: {} }],
        next_token: null
      })
    );
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const settings = ServerConnection.makeSettings({
    baseUrl: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token: '',
    init: { cache: 'no-store', credentials: 'omit' }
  });
  return { server, settings };
}

test('a failed create keeps its error across a reload of the list', async () => {
  const { server, settings } = await registryServer();
  const model = new ModelsModel({ serverSettings: settings });
  try {
    await model.refresh();
    assert.equal(model.error, null);
    assert.equal(await model.create('churn', ''), null);
    assert.match(model.error.message, /already exists/);
    // A reload (an event of another change, the search) must not hide it.
    await model.refresh();
    assert.match(model.error?.message ?? '', /already exists/);
    model.dismissError();
    assert.equal(model.error, null);
  } finally {
    model.dispose();
    server.close();
  }
});
