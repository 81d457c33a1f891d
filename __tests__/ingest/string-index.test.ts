/** StringIndex (the collector's and the pytest id rule's lookup table) numbers strings as a Map would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringIndex } from '../../src/ingest/string-index.ts';

test('strings are numbered in the order first added and found again by content, across growth', () => {
  const index = new StringIndex();
  const reference = new Map<string, number>();
  // Ids alike but for one character, pairs in swapped order, the empty string, non-Latin-1, and repeats.
  const ids: string[] = [''];
  for (let i = 0; i < 50_000; i++) ids.push(`tests/pkg${i % 20}/test_m.py::TestF::test_${i}`, `ab${i}`, `ba${i}`, `t€st_${i % 997}`);
  for (const id of ids) {
    // A fresh string of the same content, as a reader gives it.
    const fresh = [id.slice(0, 1), id.slice(1)].join('');
    const got = index.findOrAdd(fresh);
    const want = reference.get(id);
    if (want === undefined) {
      assert.equal(got, -1 - reference.size, id);
      reference.set(id, reference.size);
    } else {
      assert.equal(got, want, id);
    }
  }
  for (const [id, n] of reference) assert.equal(index.findOrAdd(id), n);
  assert.equal(index.findOrAdd('tests/pkg0/test_m.py::TestF::test_50000'), -1 - reference.size);
});
