// The flow document helpers (src/wrangler/document.ts) on the generated wire
// types: a new file source per the server's data-file rules, source labels
// and the source form's text fields on a kind-discriminated source.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const {
  isWranglerDataFile,
  sourceForFile,
  sourceLabel,
  sourceText,
  withSourceText
} = require('../../build/unit/wrangler/document');

test('a file source takes its kind from the extension, compression ignored', () => {
  assert.deepEqual(sourceForFile('data/a.tsv'), {
    id: 'source',
    name: 'df',
    path: 'data/a.tsv',
    kind: 'csv',
    sep: '\t'
  });
  // a compressed TSV was read as CSV with a comma (the .gz extension won)
  assert.equal(sourceForFile('a.tsv.gz').sep, '\t');
  assert.equal(sourceForFile('a.PQ', 'raw').kind, 'parquet');
  assert.equal(sourceForFile('a.json.bz2').kind, 'jsonl');
  assert.equal(sourceForFile('a.txt').sep, ',');
  assert.equal(sourceForFile('notes.xlsx').kind, 'csv'); // the preview says if not
  assert.equal('sep' in sourceForFile('a.parquet'), false);
});

test('"Open in Data Wrangler" is offered on data files only', () => {
  assert.equal(isWranglerDataFile('a/b.NDJSON'), true);
  assert.equal(isWranglerDataFile('b.txt'), false);
  assert.equal(isWranglerDataFile('b.toString'), false);
});

test('source labels and text fields follow the source kind', () => {
  const sql = {
    id: 'db',
    kind: 'sql',
    url: 'sqlite:///x.db',
    query: 'select 1'
  };
  assert.equal(sourceLabel(sql), 'db');
  assert.equal(sourceLabel({ ...sql, title: 'Orders' }), 'Orders');
  assert.equal(sourceLabel(sourceForFile('a.csv')), 'a.csv');
  assert.equal(sourceText(sql, 'path'), undefined);
  assert.equal(sourceText(sql, 'query'), 'select 1');
  const cleared = withSourceText(sql, 'query', '');
  assert.equal('query' in cleared, false);
  assert.equal(withSourceText(sql, 'title', 'T').title, 'T');
});
