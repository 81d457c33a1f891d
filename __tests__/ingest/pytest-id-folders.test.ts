/**
 * pytest ids from a dotted classname: the module is the longest prefix that is a file under root, and candidates in
 * folders that are not there are skipped without a file lookup each (pytest-ids.ts longestCandidate). These pin the
 * choices the skipping must not change: the deepest module wins, a class-named folder beside a module does not, a
 * missing folder falls back to the guess, and classnames whose segments a path join would rewrite still find a module.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pytestNodeId } from '../../src/ingest/pytest-ids.ts';
import { SourceFiles } from '../../src/ingest/source-files.ts';

function tree(files: string[], dirs: string[] = []): SourceFiles {
  const root = mkdtempSync(join(tmpdir(), 'ff-pytest-ids-'));
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return new SourceFiles(root);
}

describe('pytest ids: module lookup by folders', () => {
  test('the deepest module file wins over a shallower one', () => {
    const files = tree(['tests.py', 'tests/pkg/test_x.py']);
    assert.deepEqual(pytestNodeId('tests.pkg.test_x.TestA', 'test_b', files), { nodeid: 'tests/pkg/test_x.py::TestA::test_b', file: 'tests/pkg/test_x.py', resolved: true });
  });

  test('a folder named like the class does not make the class a module; a module file inside it does', () => {
    const files = tree(['tests/test_x.py'], ['tests/test_x/TestA']);
    assert.equal(pytestNodeId('tests.test_x.TestA', 'test_b', files).nodeid, 'tests/test_x.py::TestA::test_b');
    const deeper = tree(['tests/test_x.py', 'tests/test_x/TestA.py']);
    assert.equal(pytestNodeId('tests.test_x.TestA', 'test_b', deeper).nodeid, 'tests/test_x/TestA.py::test_b');
  });

  test('no folder of the classname under root: a top-level module, else the guess (unresolved)', () => {
    assert.deepEqual(pytestNodeId('tests.pkg.test_x.TestA', 'test_b', tree(['tests.py'])), { nodeid: 'tests.py::pkg::test_x::TestA::test_b', file: 'tests.py', resolved: true });
    assert.deepEqual(pytestNodeId('tests.pkg.test_x.TestA', 'test_b', tree([])), { nodeid: 'tests/pkg/test_x.py::TestA::test_b', file: 'tests/pkg/test_x.py', resolved: false });
  });

  test('segments a path join rewrites (empty, with a slash) still find the module the join finds', () => {
    const files = tree(['a/b.py', 'x/y/z.py']);
    // `a..b` is `a//b.py`, which the join reads as a/b.py.
    assert.equal(pytestNodeId('a..b.TestA', 't', files).nodeid, 'a//b.py::TestA::t');
    assert.equal(pytestNodeId('x/y.z.TestA', 't', files).nodeid, 'x/y/z.py::TestA::t');
  });
});
