/**
 * Environments through the built dist/index.js (`npm run build` first): matrix legs of one workflow run
 * saving into one database (a real PostgreSQL and a sql.js file), re-run attempts of one leg, legs told
 * apart by the runner when there is no `matrix` input, and databases written before environments were
 * stored (schema 1, __tests__/fixtures/environments), upgraded in place.
 * The results are pytest's (samples/: run-2 every test passes, run-3 test_total and test_supplier_online fail).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { FFA_SCHEMA_VERSION } from '../../src/store/schema.ts';

const SHA = 'd'.repeat(40);
const TOTAL = 'tests/test_shop.py::TestCart::test_total';
const SUPPLIER = 'tests/test_shop.py::TestInventory::test_supplier_online';
const FIXTURES = join(repoRoot, '__tests__/fixtures/environments');
const LEG_A = '{"os":"ubuntu-latest","python":"3.12"}';
const LEG_B = '{"os":"ubuntu-latest","python":"3.9"}';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-env-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  return ws;
}

interface Leg {
  results: 'run-2' | 'run-3';
  matrix?: string;
  attempt?: number;
  runId?: string;
  runNumber?: number;
  sha?: string;
  env?: Record<string, string | undefined>;
  inputs?: Record<string, string>;
}

/** One job of workflow run #41 of .github/workflows/ci.yml. */
function leg(ws: string, l: Leg): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: {
      'test-results': `${l.results}/*.xml`,
      root: 'project',
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      ...(l.matrix !== undefined ? { matrix: l.matrix } : {}),
      ...l.inputs,
    },
    runId: l.runId ?? '4100',
    runNumber: l.runNumber ?? 41,
    runAttempt: l.attempt ?? 1,
    sha: l.sha ?? SHA,
    env: { GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/ci.yml@refs/heads/main', ...l.env },
  });
}

/** OutcomeFlip's result on the test's failing executions, from the JSON report the run wrote. */
function outcomeFlip(ws: string, testName: string): { flaky: boolean; reason: string; evidence: Record<string, unknown> }[] {
  const json = JSON.parse(readFileSync(join(ws, 'flakefighters-report', 'flakefighters.json'), 'utf8'));
  const t = json.tests.find((x: { name: string }) => x.name === testName);
  assert.ok(t, `${testName} is in the report`);
  const out = [];
  for (const e of t.executions) {
    for (const r of e.results) if (r.name === 'OutcomeFlip') out.push({ flaky: r.flaky, reason: r.evidence?.reason ?? '', evidence: r.evidence });
  }
  assert.ok(out.length > 0, `${testName} has an OutcomeFlip verdict`);
  return out;
}

/**
 * The matrix sequence, the same on both back ends: leg A passes, leg B fails (genuine: leg A is another
 * environment), leg B's re-run fails again (still genuine), leg A's re-run fails (flaky: its own attempt 1
 * passed), with the matrix keys written in another order.
 */
function matrixSequence(name: string, inputs: () => Record<string, string>, storedEnvironments: (ws: string) => Promise<{ environment: string | null; label: string | null; attempt: number }[]>) {
  describe(`two matrix legs of one workflow run in one database (${name})`, () => {
    const ws = workspace();
    const runs: Record<string, ActionRun> = {};
    const verdicts: Record<string, ReturnType<typeof outcomeFlip>> = {};
    before(async () => {
      runs.a1 = await leg(ws, { results: 'run-2', matrix: LEG_A, inputs: inputs() });
      runs.b1 = await leg(ws, { results: 'run-3', matrix: LEG_B, inputs: inputs() });
      verdicts.b1 = outcomeFlip(ws, TOTAL);
      runs.b2 = await leg(ws, { results: 'run-3', matrix: LEG_B, attempt: 2, inputs: inputs() });
      verdicts.b2 = outcomeFlip(ws, TOTAL);
      runs.a2 = await leg(ws, { results: 'run-3', matrix: '{"python":"3.12","os":"ubuntu-latest"}', attempt: 2, inputs: inputs() });
      verdicts.a2 = outcomeFlip(ws, TOTAL);
      verdicts.a2supplier = outcomeFlip(ws, SUPPLIER);
    });

    test('leg A passes', () => {
      assert.equal(runs.a1.code, 0, runs.a1.all);
      assert.equal(runs.a1.outputs.failed, '0');
    });

    test('a failure on leg B is genuine although the test passed on leg A of the same commit', () => {
      const r = runs.b1;
      assert.notEqual(r.code, 0, 'the step fails');
      assert.equal(r.outputs['genuine-failures'], '2', r.all);
      assert.equal(r.outputs['flaky-failures'], '0');
      assert.deepEqual(verdicts.b1.map((v) => v.flaky), [false]);
      assert.equal(verdicts.b1[0].reason, 'never passed on this commit ddddddd, in this run or in 0 stored run(s) of this environment (ci.yml › test › os ubuntu-latest, python 3.9)');
    });

    test("leg B's re-run attempt fails again: still genuine, its own attempt 1 never passed", () => {
      assert.notEqual(runs.b2.code, 0);
      assert.deepEqual(verdicts.b2.map((v) => v.flaky), [false]);
      assert.match(verdicts.b2[0].reason, /in 1 stored run\(s\) of this environment \(ci\.yml › test › os ubuntu-latest, python 3\.9\)$/);
    });

    test("leg A's re-run attempt (keys in another order) fails where its attempt 1 passed: flaky, naming run, attempt and leg", () => {
      const r = runs.a2;
      assert.equal(r.code, 0, r.all);
      assert.equal(r.outputs['flaky-failures'], '2');
      assert.equal(r.outputs['genuine-failures'], '0');
      for (const v of [...verdicts.a2, ...verdicts.a2supplier]) {
        assert.equal(v.flaky, true);
        assert.equal(v.reason, 'passed on the same commit ddddddd in run #41 attempt 1 (ci.yml › test › os ubuntu-latest, python 3.12)');
        assert.equal(v.evidence.runAttempt, 1);
        assert.equal(v.evidence.runNumber, 41);
      }
      // The summary may escape Markdown and add line-break hints; the words are what matter.
      assert.match(r.summary.replace(/<wbr>|\\/g, ''), /passed on the same commit ddddddd in run #41 attempt 1 \(ci\.yml › test › os ubuntu-latest, python 3\.12\)/);
    });

    test('the database keeps one environment per leg, the same for both attempts of a leg', async () => {
      const rows = await storedEnvironments(ws);
      assert.equal(rows.length, 4);
      const [a1, b1, b2, a2] = rows;
      assert.ok(a1.environment && b1.environment);
      assert.notEqual(a1.environment, b1.environment);
      assert.equal(a2.environment, a1.environment, 'matrix key order does not matter');
      assert.equal(b2.environment, b1.environment);
      assert.deepEqual(rows.map((x) => x.attempt), [1, 1, 2, 2]);
      assert.deepEqual(rows.map((x) => x.label), [
        'ci.yml › test › os ubuntu-latest, python 3.12',
        'ci.yml › test › os ubuntu-latest, python 3.9',
        'ci.yml › test › os ubuntu-latest, python 3.9',
        'ci.yml › test › os ubuntu-latest, python 3.12',
      ]);
    });
  });
}

matrixSequence('sql.js file', () => ({}), async (ws) =>
  (await dbRows(join(ws, 'flakefighters.db'), 'SELECT environment, environment_label AS label, run_attempt AS attempt FROM ffa_run ORDER BY run_id')) as never,
);

let server: PgServer | undefined;
let pgUrl = '';
before(async () => {
  server = await startPostgres();
  pgUrl = server.url;
});
after(async () => {
  await server?.destroy();
});

matrixSequence('PostgreSQL', () => ({ 'database-url': pgUrl }), async () => {
  const out = await server!.psql(`SELECT json_agg(json_build_object('environment', environment, 'label', environment_label, 'attempt', run_attempt) ORDER BY run_id) FROM ffa_run`);
  return JSON.parse(out);
});

describe('without a matrix input, the runner tells legs apart', () => {
  test('a failure on Windows is genuine after a pass on Linux; a failure on Linux after a pass on Linux is flaky', async () => {
    const ws = workspace();
    const linux = { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', ImageOS: 'ubuntu24' };
    const windows = { RUNNER_OS: 'Windows', RUNNER_ARCH: 'X64', ImageOS: 'win22' };
    const pass = await leg(ws, { results: 'run-2', env: linux });
    assert.equal(pass.code, 0, pass.all);
    const win = await leg(ws, { results: 'run-3', env: windows });
    assert.notEqual(win.code, 0);
    assert.equal(win.outputs['genuine-failures'], '2');
    assert.match(outcomeFlip(ws, TOTAL)[0].reason, /of this environment \(ci\.yml › test › Windows\/X64\/win22\)$/);
    const again = await leg(ws, { results: 'run-3', env: linux, attempt: 2 });
    assert.equal(again.code, 0, again.all);
    assert.equal(outcomeFlip(ws, TOTAL)[0].reason, 'passed on the same commit ddddddd in run #41 attempt 1 (ci.yml › test › Linux/X64/ubuntu24)');
  });
});

describe('without a matrix input, legs the runner cannot tell apart (two Python versions on one OS)', () => {
  test('a pass on the sibling leg gives no flaky verdict, in the first attempt or a re-run; the evidence asks for the matrix input', async () => {
    const ws = workspace();
    const py312 = await leg(ws, { results: 'run-2' });
    assert.equal(py312.code, 0, py312.all);
    const py39 = await leg(ws, { results: 'run-3' });
    assert.notEqual(py39.code, 0, 'the failure on the other leg stays genuine');
    assert.equal(py39.outputs['genuine-failures'], '2', py39.all);
    const [v] = outcomeFlip(ws, TOTAL);
    assert.equal(v.flaky, false);
    assert.match(v.reason, /^no verdict from stored runs: it passed in run #41 attempt 1, but workflow run #41 saved more than one run in one attempt as ci\.yml › test › Linux \(matrix legs the runner cannot tell apart, or the action called twice in one job\), so that pass may be another leg's; pass `matrix: \$\{\{ toJSON\(matrix\) \}\}`/);
    const rerun = await leg(ws, { results: 'run-3', attempt: 2 });
    assert.notEqual(rerun.code, 0, 'a re-run of the failed leg alone is still genuine');
    assert.match(outcomeFlip(ws, TOTAL)[0].reason, /^no verdict from stored runs/);
  });
});

/**
 * The fixtures hold run #40 (attempt 1, job test, commit eeee…e) where every test passed, written by the
 * action before environments were stored. Same workflow, job and commit now: the old run is of no known
 * environment, so it is no evidence; runs written after the upgrade are.
 */
describe('a database of schema 1 is upgraded in place; its runs are their own environment', () => {
  const OLD_SHA = 'e'.repeat(40);

  async function sequence(ws: string, inputs: Record<string, string>) {
    const failing = await leg(ws, { results: 'run-3', runId: '4000', runNumber: 40, attempt: 2, sha: OLD_SHA, inputs });
    const failingVerdict = outcomeFlip(ws, TOTAL);
    const pass = await leg(ws, { results: 'run-2', runId: '4001', runNumber: 41, sha: OLD_SHA, inputs });
    const again = await leg(ws, { results: 'run-3', runId: '4001', runNumber: 41, attempt: 2, sha: OLD_SHA, inputs });
    return { failing, failingVerdict, pass, again, againVerdict: outcomeFlip(ws, TOTAL) };
  }

  function checkVerdicts(s: Awaited<ReturnType<typeof sequence>>) {
    assert.notEqual(s.failing.code, 0, 'the old run where the test passed is not evidence: genuine, the step fails');
    assert.equal(s.failing.outputs['genuine-failures'], '2', s.failing.all);
    assert.equal(s.failingVerdict[0].flaky, false);
    assert.match(s.failingVerdict[0].reason, /in 0 stored run\(s\) of this environment/);
    assert.match(s.failing.summary, /\(1 earlier run\)/, 'the old run is still history');
    assert.equal(s.pass.code, 0, s.pass.all);
    assert.equal(s.again.code, 0, s.again.all);
    assert.equal(s.againVerdict[0].reason, 'passed on the same commit eeeeeee in run #41 attempt 1 (ci.yml › test › Linux)');
  }

  test('sql.js file', async () => {
    const ws = workspace();
    copyFileSync(join(FIXTURES, 'schema1.db'), join(ws, 'flakefighters.db'));
    const before = await dbRows(join(ws, 'flakefighters.db'), "SELECT value FROM ffa_meta WHERE key = 'schema_version'");
    assert.deepEqual(before, [{ value: '1' }], 'the fixture is of schema 1');
    const s = await sequence(ws, {});
    checkVerdicts(s);
    const db = join(ws, 'flakefighters.db');
    assert.deepEqual(await dbRows(db, "SELECT value FROM ffa_meta WHERE key = 'schema_version'"), [{ value: String(FFA_SCHEMA_VERSION) }]);
    const rows = await dbRows(db, 'SELECT run_id, gh_run_id, environment, environment_label, dirty_tree FROM ffa_run ORDER BY run_id');
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], { run_id: 1, gh_run_id: '4000', environment: null, environment_label: null, dirty_tree: null }, 'the old row is kept as it was');
    assert.ok(rows.slice(1).every((r) => typeof r.environment === 'string' && r.environment_label === 'ci.yml › test › Linux'));
  });

  test('PostgreSQL', async () => {
    await server!.psql('CREATE DATABASE olddb', 'postgres');
    await server!.psql(readFileSync(join(FIXTURES, 'schema1-postgres.sql'), 'utf8'), 'olddb');
    const url = pgUrl.replace(/\/ffdb$/, '/olddb');
    assert.equal(await server!.psql(`SELECT value FROM ffa_meta WHERE key = 'schema_version'`, 'olddb'), '1');
    const s = await sequence(workspace(), { 'database-url': url });
    checkVerdicts(s);
    assert.equal(await server!.psql(`SELECT value FROM ffa_meta WHERE key = 'schema_version'`, 'olddb'), String(FFA_SCHEMA_VERSION));
    const rows = (await server!.psql(`SELECT run_id || '|' || gh_run_id || '|' || coalesce(environment_label, '-') || '|' || coalesce(dirty_tree::text, '-') FROM ffa_run ORDER BY run_id`, 'olddb')).split('\n');
    assert.deepEqual(rows.map((r) => r.split('|').slice(1).join('|')), ['4000|-|-', '4000|ci.yml › test › Linux|-', '4001|ci.yml › test › Linux|-', '4001|ci.yml › test › Linux|-']);
  });
});
