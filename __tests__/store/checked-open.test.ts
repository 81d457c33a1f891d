/**
 * openSqliteStore's `checked`: the quick_check adoptDatabase just ran is not run again on the same,
 * unchanged file, and every other file (replaced, rewritten, another path) is still checked.
 * Real sql.js files written by our store; damage is bytes overwritten in a page past the schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run, Test } from '../../src/model.ts';
import { actionRun, saveRuns } from '../helpers/saved-runs.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { fileIdentity, sameFile } from '../../src/store/sqlite-file.ts';
import { adoptDatabase } from '../../src/github/merge-history.ts';

const dir = mkdtempSync(join(tmpdir(), 'ffa-checked-open-'));
let n = 0;

function run(minutesAgo: number): Run {
  const tests = (t: Date): Test[] =>
    Array.from({ length: 40 }, (_, i) => ({
      name: `tests/test_a.py::test_${i}`,
      fspath: '/w/tests/test_a.py',
      lineNo: i + 1,
      skipped: false,
      results: [],
      executions: [{ outcome: i % 7 === 0 ? 'failed' : 'passed', startTime: t, endTime: t, stdout: 'x'.repeat(200), stderr: null, report: '', coverage: null, exception: null, results: [] }],
    }));
  return actionRun(minutesAgo, tests, { activeFlakefighters: [{ name: 'OutcomeFlip', params: { window: 3 } }] });
}

async function database(runs: Run[]): Promise<string> {
  return saveRuns(join(dir, `src-${n++}.db`), runs);
}

/** The same file's bytes with its third page overwritten: same size, a valid header, fails quick_check. */
function damagedCopyOf(path: string): Buffer {
  const bytes = readFileSync(path);
  const page = bytes.readUInt16BE(16);
  assert.ok(bytes.length >= page * 3, 'the database has a third page to damage');
  bytes.fill(0x5a, page * 2, page * 3);
  return bytes;
}

async function adopted(): Promise<{ target: string; checked: NonNullable<Awaited<ReturnType<typeof fileIdentity>>> }> {
  const src = await database([run(3), run(2), run(1)]);
  const target = join(mkdtempSync(join(dir, 'ws-')), 'flakefighters.db');
  const got = await adoptDatabase(src, target);
  assert.ok(got.adopted, got.adopted ? '' : got.reason);
  assert.ok(got.checked, 'an adopted file comes with the identity it was checked as');
  assert.ok(sameFile(got.checked, await fileIdentity(target)), 'the identity is that of the placed file');
  return { target, checked: got.checked };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the adopted file, unchanged, opens with every run (its quick_check is the one adoption ran)', async () => {
  const { target, checked } = await adopted();
  const store = await openSqliteStore(target, { checked });
  try {
    assert.equal((await store.listRunKeys()).length, 3);
    assert.deepEqual(store.warnings, []);
  } finally {
    await store.close();
  }
});

test('a file renamed over the adopted one is checked: a damaged one is moved aside', async () => {
  const { target, checked } = await adopted();
  const other = `${target}.other`;
  writeFileSync(other, damagedCopyOf(target));
  renameSync(other, target);
  const store = await openSqliteStore(target, { checked });
  try {
    assert.equal(store.warnings.length, 1, JSON.stringify(store.warnings));
    assert.match(store.warnings[0]!, /is not a readable SQLite database \((integrity check|.*malformed)/);
    assert.equal((await store.listRunKeys()).length, 0);
  } finally {
    await store.close();
  }
  assert.ok(readdirSync(join(target, '..')).some((f) => f.includes('.corrupt-')), 'the damaged file was kept aside');
});

test('the adopted file rewritten in place (same inode, same size) is checked again', async () => {
  const { target, checked } = await adopted();
  await wait(30); // past the filesystem's timestamp granularity: the rewrite gets a later mtime
  writeFileSync(target, damagedCopyOf(target));
  const now = await fileIdentity(target);
  assert.equal(now?.ino, checked.ino, 'the same inode');
  assert.equal(now?.size, checked.size, 'the same size');
  const store = await openSqliteStore(target, { checked });
  try {
    assert.equal(store.warnings.length, 1, JSON.stringify(store.warnings));
    assert.match(store.warnings[0]!, /is not a readable SQLite database/);
  } finally {
    await store.close();
  }
});

test("another file opened with an adopted file's identity is checked", async () => {
  const { checked } = await adopted();
  const elsewhere = await database([run(1)]);
  writeFileSync(elsewhere, damagedCopyOf(elsewhere));
  const store = await openSqliteStore(elsewhere, { checked });
  try {
    assert.equal(store.warnings.length, 1, JSON.stringify(store.warnings));
    assert.match(store.warnings[0]!, /is not a readable SQLite database/);
    assert.ok(!existsSync(elsewhere), 'the damaged file was moved aside');
  } finally {
    await store.close();
  }
});
