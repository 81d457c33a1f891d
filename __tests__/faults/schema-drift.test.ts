/**
 * Issue 16, case 9: a database whose `test` table (as a newer pytest-flakefighters might make it) has
 * a NOT NULL column without a default that this action does not know, through the built
 * dist/index.js against the artifact stand-in (`npm run build` first). The table is rebuilt with
 * sql.js the way SQLite itself requires for such a column (a new table, rows copied, renamed).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { extractZip } from '../../src/github/zip-reader.ts';
import { endedInTime, noStackTrace, plainWarnings, runCount, sampleWorkspace } from './fault-helpers.ts';

const TOKEN = 'ghs_faultDriftToken0123456789';

async function addNotNullColumn(db: string): Promise<void> {
  const SQL = await initSqlJs();
  const d = new SQL.Database(readFileSync(db));
  const create = String(d.exec(`SELECT sql FROM sqlite_master WHERE name = 'test'`)[0]!.values[0]![0]);
  const cols = d.exec('PRAGMA table_info(test)')[0]!.values.map((v) => String(v[1]));
  d.run(create.replace(/CREATE TABLE "?test"?\s*\(/, 'CREATE TABLE test_new (xdist_group VARCHAR NOT NULL, '));
  d.run(`INSERT INTO test_new (xdist_group, ${cols.join(', ')}) SELECT 'gw0', ${cols.join(', ')} FROM test`);
  d.run('DROP TABLE test');
  d.run('ALTER TABLE test_new RENAME TO test');
  writeFileSync(db, d.export());
  d.close();
}

describe('case 9: a newer plugin schema with a NOT NULL column we do not know', () => {
  let s: ArtifactStandIn;
  let r: ActionRun;
  let ws: string;
  let dbBefore: Buffer;
  before(async () => {
    s = await startArtifactStandIn();
    ws = sampleWorkspace();
    // Run 1 makes the file (no upload: the file is the workspace's own, like a self-hosted runner's).
    const first = await runAction({ workspace: ws, inputs: { 'test-results': 'run-1/*.xml', root: 'project', 'upload-artifact': 'false', 'history-from-artifact': 'false' } });
    assert.equal(first.code, 0, first.all);
    await addNotNullColumn(join(ws, 'flakefighters.db'));
    dbBefore = readFileSync(join(ws, 'flakefighters.db'));
    s.defineRun({ id: 9501, runNumber: 95 });
    r = await runAction({
      workspace: ws,
      inputs: { 'test-results': 'run-3/*.xml', root: 'project', 'github-token': TOKEN, 'history-from-artifact': 'false', 'fail-on': 'genuine' },
      env: s.env(9501, { GITHUB_WORKSPACE: ws }),
      timeoutMs: 60_000,
    });
  });
  after(() => s.close());

  test('one clear line naming the column, no internal error, the verdicts as without the fault', () => {
    endedInTime(r);
    noStackTrace(r.all);
    const lines = plainWarnings(r).filter((w) => w.includes('xdist_group'));
    assert.equal(lines.length, 1, plainWarnings(r).join('\n'));
    assert.match(lines[0]!, /column test\.xdist_group is NOT NULL without a default, and this action does not know what to write there/);
    assert.equal(r.code, 1, 'fail-on: genuine with a genuine failure');
    assert.equal(r.outputs['flaky-failures'], '1', 'run 1 was read as history');
    assert.equal(r.outputs['genuine-failures'], '1');
    assert.ok(r.summary.includes('xdist'), 'the summary says so');
  });

  test('the database is untouched; the run and the history go up as the artifact', async () => {
    assert.deepEqual(readFileSync(join(ws, 'flakefighters.db')), dbBefore);
    const a = s.artifacts.find((x) => x.runId === 9501 && x.finalized && x.name.startsWith('flakefighters-db'));
    assert.ok(a, 'the side file was uploaded');
    assert.equal(r.outputs['artifact-id'], String(a.id));
    const dir = mkdtempSync(join(tmpdir(), 'ff-fault-drift-'));
    const files = extractZip(a.bytes, dir, { maxBytes: 64 * 1024 * 1024 });
    assert.equal(files.length, 1);
    assert.equal(await runCount(files[0]!), 2, 'run 1 and this run');
  });
});
