/**
 * Review of the typed-array id table (string-index.ts) and the keys built for it: two distinct ids must never be
 * one test, equal ids must be one, exactly as a Map keyed by the string would have it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringIndex } from '../../src/ingest/string-index.ts';
import { parseXmlReport } from '../../src/ingest/junit.ts';
import { SourceFiles } from '../../src/ingest/source-files.ts';

/** Feeds `ids` to a StringIndex and a Map side by side; every answer must agree. */
function agreeWithMap(ids: string[]): number {
  const index = new StringIndex();
  const reference = new Map<string, number>();
  for (const id of ids) {
    const got = index.findOrAdd(id);
    const want = reference.get(id);
    if (want === undefined) {
      assert.equal(got, -1 - reference.size, JSON.stringify(id.slice(0, 80)));
      reference.set(id, reference.size);
    } else {
      assert.equal(got, want, JSON.stringify(id.slice(0, 80)));
    }
  }
  for (const [id, n] of reference) assert.equal(index.findOrAdd(id), n);
  return reference.size;
}

test('ids alike but for non-ASCII, astral, lone surrogates, NUL, length and the empty id stay apart; equal ones merge', () => {
  const ids: string[] = ['', '\u0000', '\u0000\u0000', 'a', 'a\u0000', '\u0000a'];
  const odd = ['\uD800', '\uDC00', '\uD83D\uDE00', '\uDE00\uD83D', '\uFFFD', '\u00E9', 'e\u0301', '\u0000', '\uFFFF', '\u0100', '\u0001'];
  for (let i = 0; i < 3000; i++) {
    const o = odd[i % odd.length];
    ids.push(`t::${o}${i}`, `t::${i}${o}`, `${o}`.repeat((i % 5) + 1), `t::test_${i % 700}${o}`);
    // Two units that pack into one 32-bit word differently: (lo, hi) pairs swapped across an odd offset.
    ids.push(String.fromCharCode(i & 0xffff, (i * 7) & 0xffff), String.fromCharCode((i * 7) & 0xffff, i & 0xffff));
  }
  // Very long ids that differ only in their last or middle unit.
  const long = 'x'.repeat(200_000);
  ids.push(long + 'a', long + 'b', long.slice(0, 100_000) + '\uD800' + long.slice(100_001), long + 'a', long);
  // Every id again, as fresh strings (a reader's copies), in reverse.
  for (const id of ids.slice().reverse()) ids.push([id.slice(0, 1), id.slice(1)].join(''));
  const distinct = agreeWithMap(ids);
  assert.equal(distinct, new Set(ids).size);
});

test('half a million near-identical ids (full 32-bit hash collisions likely among them) against a Map, across many growths', () => {
  // 2^19 ids in a 32-bit hash: about 32 pairs share a whole hash, so equal hashes must be told apart by content.
  const ids: string[] = [];
  for (let i = 0; i < 1 << 19; i++) ids.push(`tests/test_a.py::test_${i.toString(36)}`);
  for (let i = 0; i < 1 << 19; i += 97) ids.push(`tests/test_a.py::test_${i.toString(36)}`);
  assert.equal(agreeWithMap(ids), 1 << 19);
});

test('pytest: a classname holding a NUL is not taken for another classname with a file attribute (two tests, never one)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ff-pytest-nul-'));
  try {
    // `&#0;` is not well-formed XML 1.0, but the reader decodes it; the key classname\0file must not make the
    // first testcase's classname ("x\0y", no file) the same as the second's ("x" in file "y").
    const xml =
      '<testsuites><testsuite name="pytest" tests="2">' +
      '<testcase classname="x&#0;y" name="test_b" time="0.1"><failure message="boom">AssertionError</failure></testcase>' +
      '<testcase classname="x" file="y" name="test_b" time="0.1"/>' +
      '</testsuite></testsuites>';
    const run = parseXmlReport(xml, { file: 'r.xml', path: join(root, 'r.xml'), root, files: new SourceFiles(root) });
    assert.equal(run.tests.length, 2, JSON.stringify(run.tests.map((t) => t.name)));
    assert.notEqual(run.tests[0].name, run.tests[1].name);
    assert.deepEqual(run.tests.map((t) => t.executions.map((e) => e.outcome)), [['failed'], ['passed']]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('pytest: classname and file split differently around a NUL are two keys', () => {
  const root = mkdtempSync(join(tmpdir(), 'ff-pytest-nul-'));
  try {
    const xml =
      '<testsuites><testsuite name="pytest" tests="2">' +
      '<testcase classname="a&#0;b" file="c.py" name="test_b" time="0.1"><failure message="boom">AssertionError</failure></testcase>' +
      '<testcase classname="a" file="b&#0;c.py" name="test_b" time="0.1"/>' +
      '</testsuite></testsuites>';
    const run = parseXmlReport(xml, { file: 'r.xml', path: join(root, 'r.xml'), root, files: new SourceFiles(root) });
    assert.equal(run.tests.length, 2, JSON.stringify(run.tests.map((t) => t.name)));
    assert.notEqual(run.tests[0].name, run.tests[1].name);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
