import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from '../../src/model.ts';
import { actionRun, failedOnce, saveRuns } from '../helpers/saved-runs.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { mergeDatabases } from '../../src/github/merge-history.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const dir = mkdtempSync(join(tmpdir(), 'ffa-merge-'));

function run(minutesAgo: number, uuid?: string, testName?: string): Run {
  return actionRun(minutesAgo, (t) => [failedOnce(t, testName)], { uuid });
}

async function dbWith(name: string, runs: Run[]): Promise<string> {
  return saveRuns(join(dir, name), runs);
}

test('runs of several history databases are merged once each, by uuid, and a second merge adds nothing', async () => {
  const shared = run(30);
  const a = await dbWith('a.db', [run(50), shared]);
  const b = await dbWith('b.db', [shared, run(20), run(10)]);
  const target = await openSqliteStore(join(dir, 'target.db'));
  const own = run(0);
  await target.save(own);
  const first = await mergeDatabases(target, [a, b]);
  assert.deepEqual(first, { runsAdded: 4, runsPresent: 1, warnings: [] });
  const again = await mergeDatabases(target, [a, b]);
  assert.equal(again.runsAdded, 0);
  assert.equal(again.runsPresent, 5);
  const history = await target.loadHistory({ before: new Date(Date.now() + 86400e3) });
  assert.equal(history.length, 5);
  const merged = history.find((r) => r.meta.uuid === shared.meta.uuid)!;
  assert.equal(merged.tests[0]!.executions[0]!.exception!.frames[0]!.statement, 'assert 0');
  assert.deepEqual(merged.tests[0]!.executions[0]!.coverage, { '/w/a.py': [1, 2] });
  assert.equal(merged.tests[0]!.executions[0]!.results[0]!.flaky, true);
  await target.close();
});

test("a database the plugin wrote merges by the plugin's natural key, idempotently", async () => {
  const plugin = join(dir, 'plugin.db');
  copyFileSync(`${SHARED}/plugin/flakefighters.db`, plugin);
  const target = await openSqliteStore(join(dir, 'target2.db'));
  const first = await mergeDatabases(target, [plugin]);
  assert.deepEqual(first.warnings, []);
  assert.ok(first.runsAdded > 0);
  const again = await mergeDatabases(target, [plugin]);
  assert.equal(again.runsAdded, 0);
  assert.equal(again.runsPresent, first.runsAdded);
  await target.close();
});

test('a source that is not a database gives a warning; the others still merge', async () => {
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all');
  const good = await dbWith('good.db', [run(5)]);
  const target = await openSqliteStore(join(dir, 'target3.db'));
  const r = await mergeDatabases(target, [junk, join(dir, 'missing.db'), good]);
  assert.equal(r.runsAdded, 1);
  assert.ok(r.warnings.some((w) => w.includes('junk.db')), r.warnings.join('\n'));
  await target.close();
});
