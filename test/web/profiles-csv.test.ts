import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvField } from '../../web/admin/profiles-csv.ts';

describe('CSV fields', () => {
  it('quotes separators and defuses spreadsheet formulas', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField(-5), '-5');
    assert.equal(csvField(null), '');
  });
});
