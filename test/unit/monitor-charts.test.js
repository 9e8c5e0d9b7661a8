// The monitor charts' pure helpers (src/monitor/charts-data.ts): a report's
// untyped JSON narrowed to the histograms, features sorted by drift in the
// selected execution, and the plotly figures (p-values on a log axis, the
// severity scale when the test changed, bins past the baseline's range,
// CBPE's estimate next to realized quality, R² on its own axis).
const { test } = require('node:test');
const assert = require('node:assert/strict');

const {
  describePoint,
  driftFigure,
  histogramFigure,
  qualityFigure,
  qualityMetrics,
  reportFeatures,
  sortByDrift
} = require('../../build/unit/monitor/charts-data');

const colors = {
  isLight: true,
  background: '#fff',
  panel: '#eee',
  foreground: '#000',
  foregroundMuted: '#777',
  border: '#bbb',
  gridLine: '#ddd',
  accent: '#1976d2',
  selection: '#e3f2fd',
  accentForeground: '#fff',
  error: '#d32f2f',
  uiFont: 'sans-serif',
  uiFontSize: '13px',
  gridFont: 'sans-serif',
  gridFontSize: '12px'
};

const point = (id, method, statistic, p, threshold, drifted, severity) => ({
  execution_id: id,
  time: `2026-12-05T0${id.slice(1)}:00:00Z`,
  method,
  statistic,
  p_value: p,
  threshold,
  drifted,
  severity
});

test('a report narrows to its features and histograms; junk is skipped', () => {
  const features = reportFeatures({
    features: [
      {
        name: 'income',
        kind: 'numerical',
        method: 'ks',
        statistic: 0.4,
        p_value: 1e-9,
        threshold: 0.05,
        drifted: true,
        histogram: {
          edges: [0, 1, 2],
          reference: [0.5, 0.5],
          current: [0.2, 0.6],
          current_below: 0,
          current_above: 0.2
        }
      },
      {
        name: 'plan',
        histogram: { categories: ['a'], reference: [1], current: 'x' }
      },
      { nameless: true },
      'not a feature'
    ]
  });
  assert.equal(features.length, 2);
  assert.equal(features[0].histogram.currentAbove, 0.2);
  assert.equal(features[0].pValue, 1e-9);
  assert.equal(features[1].histogram, null); // current is not a list of numbers
  assert.equal(features[1].drifted, false);
  assert.deepEqual(reportFeatures(null), []);
  assert.deepEqual(reportFeatures({ quality: {} }), []);
});

test('features sort by their severity in the selected execution', () => {
  const a = {
    name: 'a',
    points: [point('e1', 'ks', 0.1, 0.5, 0.05, false, 0.2)]
  };
  const b = {
    name: 'b',
    points: [
      point('e1', 'psi', 0.5, null, 0.1, true, 5),
      point('e2', 'psi', 0.01, null, 0.1, false, 0.1)
    ]
  };
  const c = { name: 'c', points: [] }; // not tested: last
  assert.deepEqual(
    sortByDrift([a, b, c], 'e1').map(f => f.name),
    ['b', 'a', 'c']
  );
  assert.deepEqual(
    sortByDrift([c, a, b], 'e2').map(f => f.name),
    ['b', 'c', 'a']
  );
  assert.equal(describePoint(b.points[0]), 'psi = 0.500');
  assert.equal(
    describePoint(point('e1', 'ks', 0.9, 3e-20, 0.05, true, 9)),
    'ks p = 3.0e-20'
  );
});

test('p-values draw on a log axis, 0 floored; the selected execution is ringed', () => {
  const feature = {
    name: 'income',
    points: [
      point('e1', 'ks', 0.1, 0.4, 0.05, false, 0.3),
      point('e2', 'ks', 0.9, 0, 0.05, true, 230)
    ]
  };
  const { data, layout } = driftFigure(feature, 'e2', colors);
  assert.equal(layout.yaxis.type, 'log');
  assert.deepEqual(data[0].y, [0.4, 1e-16]);
  assert.deepEqual(data[0].marker.color, [colors.accent, colors.error]);
  assert.deepEqual(data[1].y, [0.05, 0.05]); // the threshold
  assert.deepEqual(data[2].x, ['2026-12-05T02:00:00Z']);
});

test('a test changed between executions draws the severity, threshold 1', () => {
  const feature = {
    name: 'plan',
    points: [
      point('e1', 'chisquare', 3, 0.2, 0.05, false, 0.5),
      point('e2', 'psi', 0.3, null, 0.2, true, 1.5)
    ]
  };
  const { data, layout } = driftFigure(feature, 'e1', colors);
  assert.equal(layout.yaxis.type, 'linear');
  assert.deepEqual(data[0].y, [0.5, 1.5]);
  assert.deepEqual(data[1].y, [1, 1]);
  assert.match(layout.yaxis.title.text, /Severity/);
});

test('a numeric histogram adds bars for current values outside the baseline', () => {
  const { data } = histogramFigure({
    edges: [0, 7718.59, 20000],
    categories: null,
    reference: [0.5, 0.5],
    current: [0.3, 0.3],
    currentBelow: 0.1,
    currentAbove: 0.3
  });
  assert.deepEqual(data[0].x, ['< 0', '0–7720', '7720–20000', '> 20000']);
  assert.deepEqual(data[0].y, [0, 0.5, 0.5, 0]);
  assert.deepEqual(data[1].y, [0.1, 0.3, 0.3, 0.3]);
  const categorical = histogramFigure({
    edges: null,
    categories: ['a', '__other__'],
    reference: [0.9, 0.1],
    current: [0.5, 0.5],
    currentBelow: 0,
    currentAbove: 0
  });
  assert.deepEqual(categorical.data[1].x, ['a', 'other']);
});

test('quality: realized metrics with the estimate beside; R² on its own axis', () => {
  const executions = [
    {
      id: 'q1',
      time: '2026-12-05T01:00:00Z',
      status: 'Completed',
      violations: 0
    }
  ];
  const classification = [
    {
      execution_id: 'q1',
      time: '2026-12-05T01:00:00Z',
      problem_type: 'binary',
      labelled_rows: 10,
      metrics: {
        accuracy: 0.9,
        f1: 0.8,
        auc: null,
        precision: 0.7,
        recall: 0.6
      },
      estimated_accuracy: 0.88
    }
  ];
  assert.deepEqual(qualityMetrics(classification), [
    'accuracy',
    'f1',
    'precision',
    'recall'
  ]);
  const figure = qualityFigure(classification, executions, 'q1', colors);
  const names = figure.data.map(trace => trace.name);
  assert.equal(names[names.length - 1], 'Accuracy (estimated, CBPE)');
  assert.equal(figure.layout.shapes.length, 1); // the selected execution
  const regression = [
    {
      execution_id: 'q1',
      time: '2026-12-05T01:00:00Z',
      problem_type: 'regression',
      labelled_rows: 10,
      metrics: { mae: 1, rmse: 2, r2: 0.5 },
      estimated_accuracy: null
    }
  ];
  const drawn = qualityFigure(regression, executions, 'none', colors);
  assert.deepEqual(
    drawn.data.map(trace => trace.yaxis),
    ['y', 'y', 'y2']
  );
  assert.equal(drawn.layout.yaxis2.side, 'right');
  assert.equal(drawn.layout.shapes.length, 0);
});
