/**
 * A big-input worker (src/action/big-input.ts) that runs out of memory, for real: its heap limit is lowered with
 * FLAKEFIGHTERS_WORKER_HEAP_MB to 16 MiB, enough for the bundled samples but not for eight copies of a real Jest
 * report (dorny/test-reporter's jest-test-results.xml, 4,239 testcases, MIT; __tests__/fixtures/shared/real-world).
 * The step fails like any run that cannot read its input: one line naming the input, the limit and what to do, the
 * same exit status, and the database as it was. `npm run build` first.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../helpers/shared-dir.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';

const HEAP_MB = 16;
const COPIES = 8;
const JEST = join(SHARED, 'real-world', 'external', 'jest', 'jest-test-results.xml');
const WORKER = { FLAKEFIGHTERS_WORKER_ABOVE_BYTES: '0', FLAKEFIGHTERS_WORKER_HEAP_MB: String(HEAP_MB) };
const inputs = (testResults: string) => ({ 'test-results': testResults, root: 'project', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '' });
const errors = (r: ActionRun) => r.annotations.filter((a) => a.level === 'error').map((a) => a.message);
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a big-input worker out of memory', () => {
  let ws: string;
  let db: string;
  let before1: string;
  let oom: ActionRun;
  let unreadable: ActionRun;
  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'ff-e2e-oom-'));
    cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
    for (let i = 0; i < COPIES; i++) {
      mkdirSync(join(ws, 'big', `shard-${i}`), { recursive: true });
      copyFileSync(JEST, join(ws, 'big', `shard-${i}`, 'junit.xml'));
    }
    // A database with one run in it, saved on the main thread.
    const first = await runAction({ workspace: ws, inputs: inputs('run-1/*.xml'), runId: '801', sha: 'a'.repeat(40) });
    assert.equal(first.code, 0, first.all);
    db = join(ws, 'flakefighters.db');
    before1 = digest(db);
    oom = await runAction({ workspace: ws, inputs: inputs('big/**/*.xml'), runId: '802', sha: 'b'.repeat(40), env: WORKER });
    // The reference: a run whose one result file cannot be read.
    writeFileSync(join(ws, 'not-a-report.xml'), 'this is no report\n');
    unreadable = await runAction({ workspace: ws, inputs: inputs('not-a-report.xml'), runId: '803', sha: 'b'.repeat(40) });
  });

  test('fails the step with one line: the input, the limit, what to do', () => {
    assert.deepEqual(errors(oom), [
      `test-results (5 MiB of result files matching big/**/*.xml): the worker thread reading them ran out of memory at its heap limit of ${HEAP_MB} MiB and stopped before it finished; split the result files over several steps or jobs, or raise the limit with the environment variable FLAKEFIGHTERS_WORKER_HEAP_MB (MiB, e.g. ${HEAP_MB * 2}) on this step.`,
    ], oom.all);
    assert.match(oom.stdout, /read and classified in a worker thread/);
    assert.doesNotMatch(oom.all, /Internal error|\n\s+at /, 'no internal error, no stack trace');
  });

  test('with the exit status of a run that cannot read its input', () => {
    assert.equal(errors(unreadable).length, 1, unreadable.all);
    assert.match(errors(unreadable)[0]!, /^not-a-report\.xml: the content is neither XML nor JSON/);
    assert.notEqual(oom.code, 0);
    assert.equal(oom.code, unreadable.code);
  });

  test('leaves the database as it was, with no side file', async () => {
    assert.equal(digest(db), before1);
    assert.deepEqual(await dbRows(db, 'SELECT COUNT(*) AS n FROM run'), [{ n: 1 }]);
    assert.deepEqual(readdirSync(ws).filter((f) => f.includes('flakefighters')), ['flakefighters.db']);
  });

  test('the same limit runs the samples: it was the input that did not fit', async () => {
    const r = await runAction({ workspace: ws, inputs: inputs('run-2/*.xml'), runId: '804', sha: 'c'.repeat(40), env: WORKER });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /read and classified in a worker thread/);
    assert.equal(r.outputs.total, '6');
    assert.deepEqual(await dbRows(db, 'SELECT COUNT(*) AS n FROM run'), [{ n: 2 }]);
  });

  test('a limit that is not a number of MiB is refused in one line', async () => {
    const r = await runAction({ workspace: ws, inputs: inputs('run-2/*.xml'), runId: '805', sha: 'd'.repeat(40), env: { ...WORKER, FLAKEFIGHTERS_WORKER_HEAP_MB: '2g' } });
    assert.equal(r.code, 1, r.all);
    assert.deepEqual(errors(r), ["FLAKEFIGHTERS_WORKER_HEAP_MB is '2g'; give the worker's heap limit as a whole number of MiB, at least 16 (e.g. 8192), or leave it unset for node's default."]);
  });
});
