/**
 * `flakefighters sync --reclassify` replays a run as of its own start (issue 18): a verdict learned after that
 * moment (the failure on C passed on C's re-run later) is invisible to the replay, so a genuine failure of a run
 * classified before the re-run stays genuine. Runs through the built dist/index.js, sync through dist/cli.js
 * (`npm run build` first); pytest's results from samples/ (run-2 every test passes, run-3 two tests fail).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';

const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const G = '9'.repeat(40);

function job(ws: string, db: string, results: 'run-2' | 'run-3', sha: string, runNumber: number, attempt = 1): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: {
      'test-results': `${results}/*.xml`,
      root: 'project',
      'database-path': db,
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      matrix: '{"python":"3.12"}',
    },
    runId: String(runNumber * 100),
    runNumber,
    runAttempt: attempt,
    sha,
    env: { GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/ci.yml@refs/heads/main' },
  });
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(repoRoot, 'dist/cli.js'), ...args], { env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('sync --reclassify hides verdicts learned after the replayed run started', () => {
  test('a late run makes R replayed: its failure stays genuine, though C later passed on its re-run', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ff-learn-reclassify-'));
    cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
    const x = join(ws, 'x.db');
    const y = join(ws, 'y.db');
    const a = await job(ws, x, 'run-3', C, 40);
    assert.notEqual(a.code, 0, a.all);
    // A run elsewhere (another database) that starts before R: synced into x later, it is a late run there.
    const late = await job(ws, y, 'run-2', G, 60);
    assert.equal(late.code, 0, late.all);
    const r = await job(ws, x, 'run-3', D, 41);
    assert.equal(r.outputs['genuine-failures'], '2', 'R: no flaky history yet');
    const rerun = await job(ws, x, 'run-2', C, 40, 2);
    assert.equal(rerun.code, 0, rerun.all);
    assert.equal((await dbRows(x, 'SELECT result_id FROM ffa_learned_result')).length, 2, 'the re-run taught both failures of C');
    // Control: a failure on D after the re-run is flaky by the learned verdicts.
    const s = await job(ws, x, 'run-3', D, 42);
    assert.equal(s.outputs['flaky-failures'], '2', s.all);

    const sync = await cli(['sync', '--from', y, '--to', x, '--reclassify']);
    assert.equal(sync.code, 0, sync.stdout + sync.stderr);
    assert.match(sync.stdout, /reclassified [1-9]\d* run\(s\); verdicts changed: 0/);
    // Seen with the learned verdicts, R's failures would read flaky with and without the late run: reported as drift.
    assert.doesNotMatch(sync.stdout, /recomputed verdict\(s\) differ/);
    const appended = await dbRows(x, `SELECT name FROM sqlite_master WHERE name = 'ffa_reclassification'`);
    if (appended.length) assert.deepEqual(await dbRows(x, 'SELECT run_id FROM ffa_reclassification'), []);

    // The stored failed attempt, reported from the database: its learned verdicts say when and from which run.
    const [teacher] = await dbRows(x, 'SELECT uuid FROM ffa_run WHERE run_number = 40 AND run_attempt = 2');
    const [failed] = await dbRows(x, 'SELECT run_id FROM ffa_run WHERE run_number = 40 AND run_attempt = 1');
    const dir = join(ws, 'report-40');
    const rep = await cli(['report', '--database', x, '--report-dir', dir, '--run', String(failed.run_id), '--quiet']);
    assert.equal(rep.code, 0, rep.stdout + rep.stderr);
    const json = JSON.parse(readFileSync(join(dir, 'flakefighters.json'), 'utf8'));
    // Schema version 2: a simply-passing test has no executions array.
    const learned = json.tests.flatMap((t: { executions?: Array<{ results: Array<{ learned?: { at: string; fromRunUuid: string } }> }> }) =>
      (t.executions ?? []).flatMap((e) => e.results.filter((r) => r.learned)),
    );
    assert.equal(learned.length, 2);
    for (const r of learned) {
      assert.equal(r.learned.fromRunUuid, teacher.uuid);
      assert.ok(Date.parse(r.learned.at) > Date.parse(json.run.startTime), 'learned after the run started');
      assert.equal(r.evidence.reason, 'passed later in run #40 attempt 2 (ci.yml › test › python 3.12)');
    }
  });
});
