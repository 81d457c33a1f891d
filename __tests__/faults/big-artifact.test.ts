/**
 * Issue 16, case 3: a history artifact over the size limit (input history-max-mb) is skipped without
 * being replaced: this job's database goes up under the carry name instead, and once the limit lets
 * the big one in, both are merged. Built dist/index.js against the artifact stand-in (`npm run build`
 * first); the big database is a real one from run 1, its stdout padded with random text (which does
 * not compress), so it zips to about 1.5 MiB against a 1 MiB limit.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn, type StoredArtifact } from '../helpers/artifact-stand-in.ts';
import { extractZip } from '../../src/github/zip-reader.ts';
import { endedInTime, noStackTrace, plainWarnings, rows, runCount, sampleWorkspace } from './fault-helpers.ts';

const TOKEN = 'ghs_faultBigArtifact0123456789';

function unzipDb(a: StoredArtifact): string {
  const dir = mkdtempSync(join(tmpdir(), 'ff-fault-big-'));
  const [db] = extractZip(a.bytes, dir, { maxBytes: 256 * 1024 * 1024 });
  return db!;
}

describe('case 3: a history artifact over history-max-mb', () => {
  let s: ArtifactStandIn;
  let name = '';
  let big: StoredArtifact;
  let skipped: ActionRun;
  let raised: ActionRun;
  const job = (runId: number, results: 2 | 3, maxMb: string) => {
    const ws = sampleWorkspace();
    return runAction({
      workspace: ws,
      inputs: { 'test-results': `run-${results}/*.xml`, root: 'project', 'github-token': TOKEN, 'history-max-mb': maxMb },
      env: s.env(runId, { GITHUB_WORKSPACE: ws }),
      timeoutMs: 90_000,
    });
  };
  before(async () => {
    s = await startArtifactStandIn();
    const t0 = Date.now() - 3600_000;
    s.defineRun({ id: 11001, runNumber: 1, runStartedAt: new Date(t0) });
    const ws = sampleWorkspace();
    const first = await runAction({ workspace: ws, inputs: { 'test-results': 'run-1/*.xml', root: 'project', 'github-token': TOKEN }, env: s.env(11001, { GITHUB_WORKSPACE: ws }) });
    assert.equal(first.code, 0, first.all);
    const a1 = s.artifacts.find((a) => a.runId === 11001 && a.finalized)!;
    name = a1.name;
    // Run 2 left a big history: run 1's database with 2 MB of random text in an execution's stdout.
    const SQL = await initSqlJs();
    const d = new SQL.Database(readFileSync(unzipDb(a1)));
    d.run('UPDATE test_execution SET stdout = ? WHERE id = (SELECT min(id) FROM test_execution)', [randomBytes(1_500_000).toString('base64')]);
    s.defineRun({ id: 11002, runNumber: 2, runStartedAt: new Date(t0 + 600_000) });
    big = s.addArtifact({ runId: 11002, name, files: { 'flakefighters.db': Buffer.from(d.export()) } });
    d.close();
    assert.ok(big.bytes.length > 1024 * 1024, `the big artifact is ${big.bytes.length} bytes`);
    s.defineRun({ id: 11003, runNumber: 3, runStartedAt: new Date(t0 + 1200_000) });
    skipped = await job(11003, 2, '1');
    s.defineRun({ id: 11004, runNumber: 4 });
    raised = await job(11004, 3, '16');
  });
  after(() => s.close());

  test('over the limit: one warning saying what was skipped and what to do; the big artifact is not replaced', async () => {
    endedInTime(skipped);
    assert.equal(skipped.code, 0, skipped.all);
    noStackTrace(skipped.all);
    const w = plainWarnings(skipped).find((m) => m.includes(`'${name}'`) && m.includes('over the 1048576-byte limit'));
    assert.ok(w, plainWarnings(skipped).join('\n'));
    assert.match(w, new RegExp(`goes up as '${name}-carry' instead, so that history is not replaced`));
    assert.match(w, /store-max-runs.*time-immemorial.*PostgreSQL/);
    assert.ok(skipped.summary.replace(/\\(.)/g, '$1').includes('over the 1048576-byte limit'), 'the summary says so');
    const up = s.artifacts.filter((a) => a.runId === 11003 && a.finalized).map((a) => a.name);
    assert.deepEqual(up, [`${name}-carry`], 'uploaded beside the big artifact, not over it');
    assert.equal(skipped.outputs['artifact-id'], String(s.artifacts.find((a) => a.runId === 11003 && a.finalized)!.id));
  });

  test('with the limit raised, both are merged: every run is kept and the verdict needs the big history', async () => {
    endedInTime(raised);
    noStackTrace(raised.all);
    assert.deepEqual(plainWarnings(raised), []);
    assert.equal(raised.outputs['flaky-failures'], '1', 'run 1 (in the big artifact) makes the supplier failure flaky');
    const own = s.artifacts.find((a) => a.runId === 11004 && a.finalized)!;
    assert.equal(own.name, name, 'back to its own name');
    const db = unzipDb(own);
    assert.equal(await runCount(db), 3, 'run 1 (big artifact), run 3 (carry) and run 4');
    const gh = (await rows(db, 'SELECT CAST(gh_run_id AS INTEGER) AS gh FROM ffa_run ORDER BY run_id')).map((r) => r.gh);
    assert.deepEqual(gh, [11001, 11003, 11004]);
  });
});
