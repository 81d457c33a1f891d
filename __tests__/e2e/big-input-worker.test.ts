/**
 * Very large result files run the action in a worker thread (src/action/big-input.ts). The worker must be invisible in what
 * the step produces: the same exit status, outputs, annotations, summary and database rows as the main thread. The
 * bundled sample runs go through the worker here by lowering its threshold (FLAKEFIGHTERS_WORKER_ABOVE_BYTES=0).
 * `npm run build` first.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';

const WORKER_LINE = /read and classified in a worker thread/;

async function sampleRuns(env: Record<string, string>): Promise<{ ws: string; runs: ActionRun[] }> {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-worker-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  const runs: ActionRun[] = [];
  // Run 1 leaves a failure that passed on retry; run 3 fails genuinely: a flaky verdict, a genuine one and a failing step.
  for (const n of [1, 2, 3]) {
    runs.push(
      await runAction({
        workspace: ws,
        inputs: { 'test-results': `run-${n}/*.xml`, root: 'project', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '' },
        runId: String(700 + n),
        runNumber: n,
        sha: 'abc'[n - 1].repeat(40),
        env,
      }),
    );
  }
  return { ws, runs };
}

/** What a run shows, without what differs from run to run by design (its workspace, uuid and times). */
function shown(r: ActionRun, ws: string) {
  const stable = (s: string) => s.split(ws).join('WS').replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, 'DATE').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID').replace(/\d+(\.\d+)? ?(ms|s)\b/g, 'T');
  const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, stable(v)]));
  return { code: r.code, outputs, annotations: r.annotations, summary: stable(r.summary) };
}

describe('a run in the big-input worker', () => {
  let main: Awaited<ReturnType<typeof sampleRuns>>;
  let worker: Awaited<ReturnType<typeof sampleRuns>>;
  before(async () => {
    main = await sampleRuns({});
    worker = await sampleRuns({ FLAKEFIGHTERS_WORKER_ABOVE_BYTES: '0' });
  });

  test('goes to the worker only when its result files are over the threshold', () => {
    for (const r of worker.runs) assert.match(r.stdout, WORKER_LINE, r.all);
    for (const r of main.runs) assert.doesNotMatch(r.stdout, WORKER_LINE, r.all);
  });

  test('gives the same exit status, outputs, annotations and summary as the main thread', () => {
    assert.deepEqual(
      worker.runs.map((r) => r.code),
      main.runs.map((r) => r.code),
    );
    assert.ok(main.runs.some((r) => r.code !== 0), 'a failing step is among the runs compared');
    assert.ok(main.runs.some((r) => r.outputs['flaky-failures'] !== '0'), 'a flaky verdict is among the runs compared');
    for (let i = 0; i < main.runs.length; i++) assert.deepEqual(shown(worker.runs[i], worker.ws), shown(main.runs[i], main.ws), `run ${i + 1}`);
  });

  test('writes the same database rows', async () => {
    const rows = async (ws: string) => ({
      tests: await dbRows(join(ws, 'flakefighters.db'), 'SELECT run_id, name, skipped FROM test ORDER BY id'),
      executions: await dbRows(join(ws, 'flakefighters.db'), 'SELECT test_id, outcome, report FROM test_execution ORDER BY id'),
      results: await dbRows(join(ws, 'flakefighters.db'), 'SELECT test_execution_id, test_id, name, flaky FROM flakefighter_result ORDER BY id'),
    });
    const a = await rows(main.ws);
    assert.ok(a.results.length > 0, 'verdicts were saved');
    assert.deepEqual(await rows(worker.ws), a);
  });
});
