import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../src/ingest/read-results.ts';

const ws = mkdtempSync(join(tmpdir(), 'ff-scale-'));
after(() => rmSync(ws, { recursive: true, force: true }));

// A self-check that a large report reads in one go (not a timing assertion; see the bench for ratios).
test('20k pytest testcases with failures, skips and output read completely', async () => {
  const n = 20_000;
  for (let m = 0; m < 40; m++) {
    mkdirSync(join(ws, 'tests', `pkg${m % 8}`), { recursive: true });
    writeFileSync(join(ws, 'tests', `pkg${m % 8}`, `test_m${m}.py`), '');
  }
  const parts = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" timestamp="2026-11-20T10:00:00+00:00">'];
  for (let i = 0; i < n; i++) {
    const cls = `tests.pkg${(i % 40) % 8}.test_m${i % 40}.TestK`;
    if (i % 50 === 7) {
      parts.push(`<testcase classname="${cls}" name="test_${i}" time="0.002"><failure message="assert 1 == 2">def test_${i}():\n&gt;       assert f() == 2\nE       assert 1 == 2\n\ntests/pkg${(i % 40) % 8}/test_m${i % 40}.py:${(i % 300) + 1}: AssertionError</failure><system-out>out ${i}</system-out></testcase>\n`);
    } else if (i % 97 === 3) {
      parts.push(`<testcase classname="${cls}" name="test_${i}" time="0"><skipped message="nope">x</skipped></testcase>\n`);
    } else {
      parts.push(`<testcase classname="${cls}" name="test_${i}[p${i % 7}]" time="0.001" />\n`);
    }
  }
  parts.push('</testsuite></testsuites>');
  writeFileSync(join(ws, 'junit.xml'), parts.join(''));
  const r = await readResults({ patterns: ['junit.xml'], workspace: ws, root: '.', ifNoFilesFound: 'error' });
  assert.equal(r.tests.length, n);
  const failed = r.tests.filter((t) => t.executions[0].outcome === 'failed');
  assert.equal(failed.length, n / 50);
  assert.ok(failed.every((t) => t.executions[0].exception?.frames.length === 1));
  assert.equal(r.tests[0].name, 'tests/pkg0/test_m0.py::TestK::test_0[p0]');
  assert.equal(r.tests[n - 1].executions[0].endTime!.getTime() - r.tests[0].executions[0].startTime!.getTime() > 0, true);
});
