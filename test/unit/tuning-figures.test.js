// The tuning-job plots (src/tuning/figures.ts) and the trials table's
// sorting (src/tuning/trials-table.tsx): pure functions of the trials list.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const figures = require('../../build/unit/tuning/figures');
const trialValues = require('../../build/unit/tuning/trial-values');
const { sortTrials } = require('../../build/unit/tuning/trials');

function trial(number, state, value, params = {}, extra = {}) {
  return {
    number,
    state,
    params,
    value: value ?? null,
    values: value === null || value === undefined ? null : [value],
    intermediate_values: {},
    pruned_step: null,
    duration_seconds: null,
    ...extra
  };
}

test('the best-so-far line follows the direction and skips unfinished trials', () => {
  const trials = [
    trial(0, 'Completed', 0.5),
    trial(1, 'Pruned', null),
    trial(2, 'Completed', 0.7),
    trial(3, 'Completed', 0.6),
    trial(4, 'Running', null),
    trial(5, 'Failed', null)
  ];
  assert.deepEqual(trialValues.bestSoFar(trials, 'Maximize'), [
    [0, 0.5],
    [2, 0.7],
    [3, 0.7]
  ]);
  assert.deepEqual(trialValues.bestSoFar(trials, 'Minimize'), [
    [0, 0.5],
    [2, 0.5],
    [3, 0.5]
  ]);
  assert.equal(trialValues.bestTrial(trials, 'Maximize').number, 2);
  const history = figures.historyFigure(
    trials,
    'validation:accuracy',
    'Maximize'
  );
  assert.deepEqual(history.data[0].x, [0, 2, 3]);
  assert.deepEqual(history.data[1].y, [0.5, 0.7, 0.7]);
});

test('intermediate values: one trace per state, gaps between trials, pruned stops marked', () => {
  const trials = [
    trial(
      0,
      'Completed',
      0.9,
      {},
      { intermediate_values: { 1: 0.5, 0: 0.3, 2: 0.9 } }
    ),
    trial(1, 'Completed', 0.8, {}, { intermediate_values: { 0: 0.2, 1: 0.8 } }),
    trial(
      2,
      'Pruned',
      null,
      {},
      { intermediate_values: { 0: 0.1 }, pruned_step: 0 }
    )
  ];
  const figure = figures.intermediateFigure(trials, 'objective');
  const names = figure.data.map(d => d.name);
  assert.deepEqual(names, ['Completed', 'Pruned', 'Stopped here']);
  // steps sorted within a trial, null between trials
  assert.deepEqual(figure.data[0].x, [0, 1, 2, null, 0, 1, null]);
  assert.deepEqual(figure.data[2].x, [0]);
  assert.match(figure.data[2].text[0], /Trial 2 pruned at step 0/);
});

test('log-scaled ranges: Auto resolves like the server (min > 0, three decades)', () => {
  assert.equal(
    figures.isLogScale({
      type: 'continuous',
      min_value: 1e-4,
      max_value: 1,
      scaling: 'Auto'
    }),
    true
  );
  assert.equal(
    figures.isLogScale({
      type: 'continuous',
      min_value: 0,
      max_value: 1000,
      scaling: 'Auto'
    }),
    false
  );
  assert.equal(
    figures.isLogScale({
      type: 'integer',
      min_value: 10,
      max_value: 200,
      scaling: 'Auto'
    }),
    false
  );
  assert.equal(
    figures.isLogScale({
      type: 'integer',
      min_value: 10,
      max_value: 200,
      scaling: 'Logarithmic'
    }),
    true
  );
});

test('categorical parameters are placed by index in the order of the range', () => {
  const trials = [
    trial(0, 'Completed', 0.5, { criterion: 'gini', bootstrap: true }),
    trial(1, 'Completed', 0.6, { criterion: 'entropy', bootstrap: false })
  ];
  const axis = figures.axisOf('criterion', trials, {
    type: 'categorical',
    values: ['entropy', 'gini', 'log_loss']
  });
  assert.equal(axis.categorical, true);
  assert.deepEqual(axis.categories, ['entropy', 'gini', 'log_loss']);
  assert.equal(axis.position('gini'), 1);
  const bools = figures.axisOf('bootstrap', trials);
  assert.deepEqual(bools.categories, ['true', 'false']);
  const slice = figures.sliceFigure(trials, ['criterion', 'bootstrap'], 'acc');
  assert.equal(slice.data.length, 2);
  assert.equal(slice.data[1].xaxis, 'x2');
  assert.deepEqual(slice.layout.xaxis.ticktext, ['gini', 'entropy']); // as first seen
});

test('contour: the trials averaged on a grid, parallel coordinates on log axes', () => {
  const trials = [];
  for (let i = 0; i < 40; i++) {
    trials.push(
      trial(i, 'Completed', i / 40, {
        lr: 10 ** (-4 + (i % 5)),
        depth: 1 + (i % 7)
      })
    );
  }
  const space = {
    lr: {
      type: 'continuous',
      min_value: 1e-4,
      max_value: 1,
      scaling: 'Logarithmic'
    },
    depth: { type: 'integer', min_value: 1, max_value: 7 }
  };
  const contour = figures.contourFigure(
    trials,
    'lr',
    'depth',
    'acc',
    space,
    10
  );
  assert.equal(contour.data[0].type, 'contour');
  assert.equal(contour.layout.xaxis.type, 'log');
  const z = contour.data[0].z.flat().filter(v => v !== null);
  assert.ok(z.length > 0 && z.every(v => v >= 0 && v < 1));
  assert.equal(contour.data[1].x.length, 40);
  const parallel = figures.parallelFigure(
    trials,
    ['lr', 'depth'],
    'acc',
    space
  );
  const lr = parallel.data[0].dimensions[1];
  assert.equal(lr.label, 'lr (log)');
  assert.deepEqual(lr.values.slice(0, 3), [-4, -3, -2]);
});

test('Pareto front: no trial on it is beaten on both objectives', () => {
  const two = (number, a, b) => ({
    ...trial(number, 'Completed', a),
    values: [a, b]
  });
  const trials = [
    two(0, 0.9, 10),
    two(1, 0.8, 5),
    two(2, 0.7, 6),
    two(3, 0.95, 20),
    two(4, 0.85, 5)
  ];
  // maximize accuracy, minimize latency
  const front = trialValues
    .paretoFront(trials, ['Maximize', 'Minimize'])
    .map(t => t.number);
  assert.deepEqual(front, [3, 0, 4]);
  const figure = figures.paretoFigure(
    trials,
    ['acc', 'latency'],
    ['Maximize', 'Minimize']
  );
  assert.deepEqual(figure.data[1].customdata, [3, 0, 4]);
  assert.deepEqual(figure.data[0].customdata.sort(), [1, 2]);
});

test('importances: bars sorted with the most important on top', () => {
  const figure = figures.importancesFigure({ a: 0.1, b: 0.7, c: 0.2 });
  assert.deepEqual(figure.data[0].y, ['a', 'c', 'b']);
});

test('figures of 2,000 trials are built fast', () => {
  const trials = [];
  for (let i = 0; i < 2000; i++) {
    const state = i % 10 === 0 ? 'Pruned' : 'Completed';
    const steps = {};
    for (let s = 0; s < 10; s++) {
      steps[s] = Math.random();
    }
    trials.push(
      trial(
        i,
        state,
        state === 'Completed' ? Math.random() : null,
        {
          n_estimators: 10 + (i % 190),
          max_depth: 1 + (i % 30),
          criterion: i % 2 ? 'gini' : 'entropy'
        },
        { intermediate_values: steps }
      )
    );
  }
  const params = ['n_estimators', 'max_depth', 'criterion'];
  const start = Date.now();
  figures.historyFigure(trials, 'acc', 'Maximize');
  const inter = figures.intermediateFigure(trials, 'acc');
  figures.parallelFigure(trials, params, 'acc');
  figures.sliceFigure(trials, params, 'acc');
  figures.contourFigure(trials, 'n_estimators', 'max_depth', 'acc');
  sortTrials(trials, 'value0', true, null);
  const elapsed = Date.now() - start;
  // a handful of traces, not one per trial
  assert.ok(inter.data.length <= 5, `${inter.data.length} traces`);
  assert.ok(elapsed < 500, `${elapsed} ms`);
});

test('the trials table sorts by value with trials without one last, and filters by state', () => {
  const trials = [
    trial(0, 'Completed', 0.5),
    trial(1, 'Pruned', null),
    trial(2, 'Completed', 0.7),
    trial(3, 'Completed', 0.6, {}, {})
  ];
  assert.deepEqual(
    sortTrials(trials, 'value0', true, null).map(t => t.number),
    [2, 3, 0, 1]
  );
  assert.deepEqual(
    sortTrials(trials, 'value0', false, null).map(t => t.number),
    [0, 3, 2, 1]
  );
  assert.deepEqual(
    sortTrials(trials, 'number', false, 'Pruned').map(t => t.number),
    [1]
  );
});
