/**
 * `results-artifact` and the big-input worker (src/action/big-input.ts): the result files that arrive in another run's artifact
 * are sized after the download, so a big one is read in the worker like a big file in the workspace, and downloaded
 * once. The threshold is lowered (FLAKEFIGHTERS_WORKER_ABOVE_BYTES) so the sample's 2 KiB file counts as big; the
 * same run on the main thread is the reference: exit status, outputs, annotations, summary and database rows equal.
 * Artifacts come from the local artifact stand-in. `npm run build` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';

const TOKEN = 'ghs_bigInputArtifactToken0123456789';
const WORKER_LINE = /read and classified in a worker thread/;
const READ_ARTIFACT = /Read artifact 'test-results' \(id \d+\) of run (\d+): 1 file\(s\)/g;
const FORK_SHA = 'fb'.repeat(20);
const RESULTS = join(repoRoot, 'samples', 'run-3', 'junit.xml');

let s: ArtifactStandIn;
before(async () => {
  s = await startArtifactStandIn();
});
after(() => s?.close());

interface Classified {
  ws: string;
  run: ActionRun;
  forkRunId: number;
}

/**
 * One repository's story: a run on main keeps a flaky failure in the workspace's database, then the workflow_run job
 * classifies the fork's results (run 3 of the samples: a flaky failure and a genuine one) read from its artifact.
 */
async function classifyFromArtifact(forkRunId: number, env: Record<string, string>): Promise<Classified> {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-bigart-'));
  cpSync(join(repoRoot, 'samples', 'project'), join(ws, 'project'), { recursive: true });
  cpSync(join(repoRoot, 'samples', 'run-1'), join(ws, 'run-1'), { recursive: true });
  const quiet = { 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '' };
  const base = await runAction({ workspace: ws, inputs: { 'test-results': 'run-1/*.xml', root: 'project', ...quiet }, runId: String(forkRunId - 100), sha: 'a'.repeat(40) });
  assert.equal(base.code, 0, base.all);

  s.defineRun({ id: forkRunId, headBranch: 'feature', headSha: FORK_SHA, event: 'pull_request', workflowId: 92, workflowName: 'Tests', path: '.github/workflows/tests.yml', headRepositoryId: 998 });
  s.addArtifact({ runId: forkRunId, name: 'test-results', files: { 'junit.xml': readFileSync(RESULTS) } });
  const event = {
    name: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: {
        id: forkRunId, name: 'Tests', path: '.github/workflows/tests.yml', event: 'pull_request', conclusion: 'failure',
        head_sha: FORK_SHA, head_branch: 'feature', pull_requests: [],
        head_repository: { full_name: 'evil/demo', owner: { login: 'evil' } },
      },
      repository: { full_name: 'octo/demo', default_branch: 'main' },
    },
  };
  const own = forkRunId + 50;
  s.defineRun({ id: own, headBranch: 'main', event: 'workflow_run' });
  const temp = mkdtempSync(join(tmpdir(), 'ff-e2e-bigart-temp-'));
  const run = await runAction({
    workspace: ws,
    inputs: { 'github-token': TOKEN, 'results-artifact': 'test-results', 'test-results': '*/*.xml', root: 'project', ...quiet },
    env: s.env(own, { GITHUB_WORKSPACE: ws, GITHUB_EVENT_NAME: 'workflow_run', RUNNER_TEMP: temp, ...env }),
    event,
  });
  return { ws, run, forkRunId };
}

/** What a run shows, without what differs from run to run by design (its workspace, uuid, times and workflow run ids). */
function shown(c: Classified) {
  const stable = (x: string) =>
    x
      .split(c.ws)
      .join('WS')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, 'DATE')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
      .replace(/\d+(\.\d+)? ?(ms|s)\b/g, 'T')
      .replace(/\/actions\/runs\/\d+\//g, '/actions/runs/ID/');
  const outputs = Object.fromEntries(Object.entries(c.run.outputs).map(([k, v]) => [k, stable(v)]));
  return { code: c.run.code, outputs, annotations: c.run.annotations, summary: stable(c.run.summary) };
}

const rows = async (ws: string) => ({
  runs: await dbRows(join(ws, 'flakefighters.db'), 'SELECT id, commit_sha FROM run ORDER BY id'),
  tests: await dbRows(join(ws, 'flakefighters.db'), 'SELECT run_id, name, skipped FROM test ORDER BY id'),
  executions: await dbRows(join(ws, 'flakefighters.db'), 'SELECT test_id, outcome, report FROM test_execution ORDER BY id'),
  results: await dbRows(join(ws, 'flakefighters.db'), 'SELECT test_execution_id, test_id, name, flaky FROM flakefighter_result ORDER BY id'),
});

describe('results-artifact over the worker threshold', () => {
  let main: Classified;
  let worker: Classified;
  before(async () => {
    main = await classifyFromArtifact(2201, {});
    // Below the artifact's one file: only a decision made after the download sees it as big.
    const threshold = String(statSync(RESULTS).size - 1);
    worker = await classifyFromArtifact(2202, { FLAKEFIGHTERS_WORKER_ABOVE_BYTES: threshold });
  });

  test('is read in the worker, after one download', () => {
    assert.match(worker.run.stdout, WORKER_LINE, worker.run.all);
    assert.doesNotMatch(main.run.stdout, WORKER_LINE, main.run.all);
    for (const c of [main, worker]) {
      assert.deepEqual([...c.run.stdout.matchAll(READ_ARTIFACT)].map((m) => m[1]), [String(c.forkRunId)], c.run.all);
      const zips = s.rest.log.filter((l) => l.path.endsWith('/zip') && l.path.includes(`/artifacts/${s.artifacts.find((a) => a.runId === c.forkRunId)!.id}/`));
      assert.equal(zips.length, 1, 'downloaded once');
    }
    // Downloaded before the choice (the size is the artifact's); the worker's pipeline names the artifact and reads it.
    const out = worker.run.stdout;
    const [line, named, read] = [WORKER_LINE, /Read artifact 'test-results'/, /Read \d+ tests from 1 file/].map((re) => out.search(re));
    assert.ok(line > -1 && line < named && named < read, out);
  });

  test('gives the main thread’s exit status, outputs, annotations and summary', () => {
    assert.equal(main.run.outputs.total, '6', main.run.all);
    assert.equal(main.run.outputs['genuine-failures'], '1');
    assert.notEqual(main.run.outputs['flaky-failures'], '0', 'a flaky verdict from the history is among what is compared');
    assert.deepEqual(shown(worker), shown(main));
  });

  test('writes the main thread’s database rows', async () => {
    const a = await rows(main.ws);
    assert.equal(a.runs.length, 2, 'the base run and the fork’s');
    assert.ok(a.results.length > 0, 'verdicts were saved');
    assert.deepEqual(await rows(worker.ws), a);
  });
});
