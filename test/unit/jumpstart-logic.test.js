// The JumpStart panel's pure logic (src/jumpstart/logic.ts): which cards the
// filters keep, the launch form's typed values and messages, and which
// parameter a server message names.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const {
  costLabel,
  filterEntries,
  launchMod,
  parameterOfMessage,
  parseForm,
  taskLabel,
  tasksOf
} = require('../../build/unit/jumpstart/logic');

const entry = (name, kind, task, extra = {}) => ({
  name,
  kind,
  task,
  title: name,
  description: '',
  tags: [],
  licence: 'BSD-3-Clause',
  source: 'builtin',
  data: { source: 'generated' },
  resources: { ram_mb: 500, disk_mb: 10, minutes: 1 },
  ...extra
});

const ENTRIES = [
  entry('customer-churn', 'solution', 'classification', {
    title: 'Customer churn prediction',
    tags: ['tabular', 'xgboost']
  }),
  entry('demand-forecasting', 'solution', 'forecasting'),
  entry('breast-cancer-classifier', 'model', 'classification', {
    description: 'A pre-built scikit-learn model'
  }),
  entry('team-risk', 'solution', 'classification', { source: 'team-hub' })
];

const names = list => list.map(e => e.name);

test('the task, kind and search filters combine', () => {
  const all = { task: '', kind: '', query: '' };
  assert.equal(filterEntries(ENTRIES, all).length, 4);
  assert.deepEqual(
    names(filterEntries(ENTRIES, { ...all, task: 'classification' })),
    ['customer-churn', 'breast-cancer-classifier', 'team-risk']
  );
  assert.deepEqual(
    names(
      filterEntries(ENTRIES, { ...all, task: 'classification', kind: 'model' })
    ),
    ['breast-cancer-classifier']
  );
  // every word must match somewhere: title, tags, description, source
  assert.deepEqual(names(filterEntries(ENTRIES, { ...all, query: 'CHURN xgboost' })), [
    'customer-churn'
  ]);
  assert.deepEqual(names(filterEntries(ENTRIES, { ...all, query: 'scikit' })), [
    'breast-cancer-classifier'
  ]);
  assert.deepEqual(names(filterEntries(ENTRIES, { ...all, query: 'team-hub' })), [
    'team-risk'
  ]);
  assert.deepEqual(filterEntries(ENTRIES, { ...all, query: 'churn forecasting' }), []);
});

test('task chips come from the server, else from the entries', () => {
  assert.deepEqual(tasksOf(['regression', 'clustering'], ENTRIES), [
    'clustering',
    'regression'
  ]);
  assert.deepEqual(tasksOf([], ENTRIES), ['classification', 'forecasting']);
  assert.equal(taskLabel('anomaly-detection'), 'Anomaly detection');
  assert.equal(taskLabel('image-classification'), 'Image classification');
});

test('a card states time and memory', () => {
  assert.equal(costLabel({ ram_mb: 1000, minutes: 1 }), '~1 min · 1 GB RAM');
  assert.equal(costLabel({ ram_mb: 1500, minutes: 2.5 }), '~2.5 min · 1.5 GB RAM');
  assert.equal(costLabel({ ram_mb: 300, minutes: 0.5 }), '<1 min · 300 MB RAM');
});

test('the launch form types its values and reports bad ones by parameter', () => {
  const params = [
    { name: 'min_auc', type: 'Float', default: 0.75, minimum: 0, maximum: 1 },
    { name: 'rounds', type: 'Integer', default: 20, minimum: 1 },
    { name: 'tune', type: 'Boolean', default: false },
    { name: 'model', type: 'String', default: 'xgboost', choices: ['xgboost', 'lightgbm'] }
  ];
  // the defaults
  assert.deepEqual(parseForm(params, {}), {
    values: { min_auc: 0.75, rounds: 20, tune: false, model: 'xgboost' },
    errors: {}
  });
  const good = parseForm(params, {
    min_auc: '0.8',
    rounds: '5',
    tune: 'true',
    model: 'lightgbm'
  });
  assert.deepEqual(good.values, {
    min_auc: 0.8,
    rounds: 5,
    tune: true,
    model: 'lightgbm'
  });
  const bad = parseForm(params, {
    min_auc: '1.5',
    rounds: '2.5',
    model: 'catboost'
  });
  assert.deepEqual(Object.keys(bad.errors).sort(), ['min_auc', 'model', 'rounds']);
  assert.match(bad.errors.min_auc, /at most 1/);
  assert.match(bad.errors.rounds, /whole number/);
  assert.match(bad.errors.model, /one of xgboost, lightgbm/);
  assert.match(parseForm(params, { rounds: 'abc' }).errors.rounds, /number/);
  // an emptied input leaves the parameter to its default on the server
  assert.deepEqual(parseForm(params, { rounds: '' }).values.rounds, undefined);
});

test("a server message's parameter is found by whole name", () => {
  const params = [{ name: 'min_auc' }, { name: 'min_auc_gap' }, { name: 'tune' }];
  assert.equal(
    parameterOfMessage(params, "Parameter 'min_auc_gap' must be a number"),
    'min_auc_gap'
  );
  assert.equal(parameterOfMessage(params, 'min_auc: above the maximum 1'), 'min_auc');
  assert.equal(parameterOfMessage(params, 'untuned is not a parameter'), null);
});

test('launch statuses use the job badge colours', () => {
  assert.equal(launchMod({ status: 'Preparing' }), 'pending');
  assert.equal(launchMod({ status: 'Running' }), 'running');
  assert.equal(launchMod({ status: 'Completed' }), 'completed');
  assert.equal(launchMod({ status: 'Failed' }), 'failed');
});
