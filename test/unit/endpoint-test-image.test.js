// The endpoint test form's image input (src/endpoints/test-image.ts): which files
// are images and the content type each is sent with.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { imageContentType } = require('../../build/unit/endpoints/test-image');

test('a file the browser knows as an image keeps its own type', () => {
  assert.equal(
    imageContentType({ name: 'x.bin', type: 'image/png' }),
    'image/png'
  );
  assert.equal(
    imageContentType({ name: 'scan', type: 'image/jpeg' }),
    'image/jpeg'
  );
});

test('an untyped file is typed by its extension, any case', () => {
  assert.equal(imageContentType({ name: 'digit.PNG', type: '' }), 'image/png');
  assert.equal(imageContentType({ name: 'photo.jpg', type: '' }), 'image/jpeg');
  assert.equal(
    imageContentType({ name: 'photo.jpeg', type: '' }),
    'image/jpeg'
  );
  assert.equal(imageContentType({ name: 'a.tif', type: '' }), 'image/tiff');
});

test('anything else is not an image', () => {
  assert.equal(
    imageContentType({ name: 'notes.txt', type: 'text/plain' }),
    null
  );
  assert.equal(imageContentType({ name: 'rows.csv', type: '' }), null);
  assert.equal(imageContentType({ name: 'png', type: '' }), null);
});
