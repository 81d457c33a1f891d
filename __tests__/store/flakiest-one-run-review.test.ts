/**
 * The ranking kept from a first run's save (sqlite-store.ts lastSaved) is only an answer while the store is open and
 * its tables hold that run alone: a closed store (sync's appendResults closes it and writes reclassified verdicts into
 * the file) answers like every other query of a closed store, and a save that fails keeps nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Execution, Run } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from './sample-run.ts';

const exec = (outcome: 'passed' | 'failed'): Execution => ({
  outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: outcome === 'passed' ? 'None' : 'E boom', coverage: null, exception: null, results: [],
});

const run = (uuid: string): Run => ({
  startTime: new Date(Date.UTC(2026, 10, 20, 10)), root: '/w', commitSha: 'a'.repeat(40), activeFlakefighters: [], meta: { uuid },
  tests: [{ name: 't::retry', fspath: '', lineNo: null, skipped: false, results: [], executions: [exec('failed'), exec('passed')] }],
});

test('a closed store does not answer the flakiest tests from the run it saved', async () => {
  const path = join(tempDir(), 'ff.db');
  const store = await openSqliteStore(path);
  await store.save(run('closed-1'));
  assert.deepEqual((await store.flakiestTests(10)).map((r) => r.name), ['t::retry']);
  await store.close();
  await assert.rejects(store.flakiestTests(10), /closed/);
  await assert.rejects(store.testOutcomes(), /closed/, 'as every other query of a closed store');
});
