import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testFlaky } from '../src/model.ts';

test('Test.flaky follows the plugin rule', () => {
  const t = { name: 'a', fspath: '', lineNo: null, skipped: false, results: [], executions: [] };
  assert.equal(testFlaky(t), null);
  assert.equal(testFlaky({ ...t, results: [{ name: 'X', flaky: false }] }), false);
  assert.equal(testFlaky({ ...t, results: [{ name: 'X', flaky: false }, { name: 'Y', flaky: true }] }), true);
});
