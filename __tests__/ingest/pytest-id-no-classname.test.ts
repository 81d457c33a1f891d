/**
 * A pytest testcase without a classname has no module to look up: its id is its name, even when root holds a file
 * named `.py` (the empty module prefix plus `.py`), as before pytest-ids.ts asked folders first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pytestNodeId } from '../../src/ingest/pytest-ids.ts';
import { SourceFiles } from '../../src/ingest/source-files.ts';

test('no classname: the id is the name, not `.py::name`, with a `.py` file at root', () => {
  const root = mkdtempSync(join(tmpdir(), 'ff-pytest-noclass-'));
  writeFileSync(join(root, '.py'), '');
  assert.deepEqual(pytestNodeId('', 'test_b', new SourceFiles(root)), { nodeid: 'test_b', file: null, resolved: false });
});
