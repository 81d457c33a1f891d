/**
 * Issue 18 through the built dist/index.js (`npm run build` first), on a sql.js file and a real PostgreSQL:
 * a failure that later passes on a re-run attempt of the same job and matrix leg is learned to be flaky, in the save
 * of the passing run; the next failure with the same traceback on another commit is flaky by TracebackMatching with
 * evidence that chains back; a pass on another matrix leg teaches nothing; a later failure never undoes a learned
 * verdict; the plugin's models (read_plugin_db.py, the plugin's ORM mapping in python3) read the learned rows as flaky.
 * The results are pytest's (samples/: run-2 every test passes, run-3 test_total and test_supplier_online fail).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { readWithPython } from '../interop/plugin-shape.ts';

const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const E = 'e'.repeat(40);
const TOTAL = 'tests/test_shop.py::TestCart::test_total';
const SUPPLIER = 'tests/test_shop.py::TestInventory::test_supplier_online';
const LEG_A = '{"os":"ubuntu-latest","python":"3.12"}';
const LEG_B = '{"os":"ubuntu-latest","python":"3.9"}';
const LABEL_A = 'ci.yml › test › os ubuntu-latest, python 3.12';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-learn-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  return ws;
}

interface Job {
  results: 'run-2' | 'run-3';
  sha: string;
  runNumber: number;
  attempt?: number;
  matrix?: string;
}

function job(ws: string, extra: Record<string, string>, j: Job): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: {
      'test-results': `${j.results}/*.xml`,
      root: 'project',
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      matrix: j.matrix ?? LEG_A,
      ...extra,
    },
    runId: String(j.runNumber * 100),
    runNumber: j.runNumber,
    runAttempt: j.attempt ?? 1,
    sha: j.sha,
    env: { GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/ci.yml@refs/heads/main' },
  });
}

interface JsonResult {
  name: string;
  flaky: boolean;
  evidence: { reason?: string; learnedFrom?: { runUuid: string | null; at: string; reason: string } } | null;
  learned: unknown;
}

function results(ws: string, testName: string, flakefighter: string): JsonResult[] {
  const json = JSON.parse(readFileSync(join(ws, 'flakefighters-report', 'flakefighters.json'), 'utf8'));
  const t = json.tests.find((x: { name: string }) => x.name === testName);
  assert.ok(t, `${testName} is in the report`);
  return t.executions.flatMap((e: { results: JsonResult[] }) => e.results.filter((r) => r.name === flakefighter));
}

/** One back end: where the database is, and a query on it returning plain rows. */
interface Backend {
  name: string;
  inputs(ws: string): Promise<Record<string, string>>;
  /** A SQLite file python3 can open with the plugin's mapping. */
  sqliteFile?: (ws: string) => string;
  query(ws: string, sql: string): Promise<Record<string, unknown>[]>;
}

const LEARNED_ROWS = `SELECT r.id AS result_id, r.name, r.flaky, t.name AS test, fr.run_id, l.learned_from_run, l.learned_at, v.evidence, f.run_attempt
  FROM ffa_learned_result l JOIN flakefighter_result r ON r.id = l.result_id JOIN test_execution e ON e.id = r.test_execution_id
  JOIN test t ON t.id = e.test_id JOIN ffa_run fr ON fr.run_id = t.run_id JOIN ffa_run f ON f.run_id = t.run_id
  LEFT JOIN ffa_result_evidence v ON v.result_id = r.id ORDER BY r.id`;

const truthy = (v: unknown) => v === true || v === 1;

function sequences(b: Backend) {
  describe(`a failure that passes on its re-run becomes flaky evidence (${b.name})`, () => {
    const ws = workspace();
    const runs: Record<string, ActionRun> = {};
    const seen: Record<string, JsonResult[]> = {};
    let learnedAfterRerun: Record<string, unknown>[] = [];
    let uuids: Record<string, unknown>[] = [];
    let d1html = '';
    before(async () => {
      const extra = await b.inputs(ws);
      runs.c1 = await job(ws, extra, { results: 'run-3', sha: C, runNumber: 40 });
      seen.c1 = results(ws, TOTAL, 'TracebackMatching');
      runs.c2 = await job(ws, extra, { results: 'run-2', sha: C, runNumber: 40, attempt: 2 });
      learnedAfterRerun = await b.query(ws, LEARNED_ROWS);
      runs.d1 = await job(ws, extra, { results: 'run-3', sha: D, runNumber: 42 });
      seen.d1 = results(ws, TOTAL, 'TracebackMatching');
      seen.d1supplier = results(ws, SUPPLIER, 'TracebackMatching');
      d1html = readFileSync(join(ws, 'flakefighters-report', 'flakefighters.html'), 'utf8');
      // A later failure on C (attempt 3) after the learned verdict, then another pass (attempt 4).
      runs.c3 = await job(ws, extra, { results: 'run-3', sha: C, runNumber: 40, attempt: 3 });
      seen.c3 = results(ws, TOTAL, 'OutcomeFlip');
      runs.c4 = await job(ws, extra, { results: 'run-2', sha: C, runNumber: 40, attempt: 4 });
      uuids = await b.query(ws, 'SELECT run_id, uuid, run_attempt, run_number, counts FROM ffa_run ORDER BY run_id');
    });

    test('the first failure on C is genuine: nothing to learn from yet', () => {
      assert.notEqual(runs.c1.code, 0, runs.c1.all);
      assert.equal(runs.c1.outputs['genuine-failures'], '2');
      assert.deepEqual(seen.c1.map((r) => r.flaky), [false]);
    });

    test("the pass on C's re-run attempt appends a learned OutcomeFlip verdict to each stored failure, naming run, attempt and leg", () => {
      assert.equal(runs.c2.code, 0, runs.c2.all);
      assert.equal(learnedAfterRerun.length, 2, JSON.stringify(learnedAfterRerun));
      // The teaching run's own summary says what it taught.
      assert.match(runs.c2.summary.replace(/<wbr>|\\/g, ''), /Learned from this run: 2 earlier failures of this commit and leg passed here/);
      const c2 = uuids.find((u) => Number(u.run_number) === 40 && Number(u.run_attempt) === 2)!;
      for (const row of learnedAfterRerun) {
        assert.equal(row.name, 'OutcomeFlip');
        assert.ok(truthy(row.flaky));
        assert.equal(Number(row.run_attempt), 1, 'the failing run is attempt 1');
        assert.equal(row.learned_from_run, c2.uuid);
        assert.ok(row.learned_at, 'learned_at is set');
        const ev = JSON.parse(String(row.evidence));
        assert.equal(ev.reason, `passed later in run #40 attempt 2 (${LABEL_A})`);
        assert.equal(ev.runAttempt, 2);
        assert.equal(ev.runUuid, c2.uuid);
      }
      assert.deepEqual(learnedAfterRerun.map((r) => r.test).sort(), [TOTAL, SUPPLIER].sort());
    });

    test("the failed attempt's stored totals follow: its failures now read flaky", () => {
      const c1 = uuids.find((u) => Number(u.run_number) === 40 && Number(u.run_attempt) === 1)!;
      const counts = JSON.parse(String(c1.counts));
      assert.equal(counts.genuine, 0);
      assert.equal(counts.flaky, 2);
    });

    test('the same failure on commit D is flaky by TracebackMatching, with evidence that chains back to the re-run', () => {
      assert.equal(runs.d1.code, 0, runs.d1.all);
      assert.equal(runs.d1.outputs['flaky-failures'], '2');
      assert.equal(runs.d1.outputs['genuine-failures'], '0');
      for (const [r] of [seen.d1, seen.d1supplier]) {
        assert.equal(r.flaky, true);
        assert.match(r.evidence?.reason ?? '', /^same traceback as a flaky failure of run #40 \(tests\/test_shop\.py::\w+::\w+\), which passed later in run #40 attempt 2 \(ci\.yml › test › os ubuntu-latest, python 3\.12\)$/);
        assert.equal(r.evidence?.learnedFrom?.runUuid, uuids.find((u) => Number(u.run_attempt) === 2)!.uuid);
      }
      assert.match(runs.d1.summary.replace(/<wbr>|\\/g, ''), /which passed later in run #40 attempt 2/);
    });

    test("the summary's history and the HTML strips mark the re-run's lesson: flaky, learned later", () => {
      // The history row of run #40 attempt 1: 2 failed, 2 flaky (both learned later), 0 genuine.
      assert.match(runs.d1.summary, /\| 2 \| 2 \(2 flaky, learned later\) \| 0 \|/);
      assert.match(d1html, /<i class="learned"><\/i>/);
      assert.match(d1html, /flaky, learned later in 1/);
    });

    test('a later failure on C after the learned verdict is flaky, and the learned verdict stays', async () => {
      assert.equal(runs.c3.code, 0, runs.c3.all);
      assert.equal(seen.c3[0].flaky, true);
      const rows = await b.query(ws, LEARNED_ROWS);
      // Attempt 4's pass finds attempt 1 already flaky (learned) and attempt 3 flaky (OutcomeFlip): nothing new.
      assert.deepEqual(rows.map((r) => r.result_id), learnedAfterRerun.map((r) => r.result_id));
      assert.ok(rows.every((r) => truthy(r.flaky)));
    });

    if (b.sqliteFile) test("the plugin's models read the learned rows as flaky (Test.flaky)", () => {
      const read = readWithPython(b.sqliteFile!(ws)) as { runs: Array<{ tests: Array<{ name: string; flaky: boolean }> }> };
      const first = read.runs[0];
      const flaky = first.tests.filter((t) => t.flaky).map((t) => t.name).sort();
      assert.deepEqual(flaky, [TOTAL, SUPPLIER].sort());
    });
  });

  describe(`a pass on another matrix leg teaches nothing (${b.name})`, () => {
    test('fail on leg A, pass on leg B of the same commit and attempt, fail on E: genuine throughout, no learned row', async () => {
      const ws = workspace();
      const extra = await b.inputs(ws);
      const a = await job(ws, extra, { results: 'run-3', sha: C, runNumber: 50, matrix: LEG_A });
      assert.notEqual(a.code, 0);
      const other = await job(ws, extra, { results: 'run-2', sha: C, runNumber: 50, matrix: LEG_B });
      assert.equal(other.code, 0, other.all);
      assert.deepEqual(await b.query(ws, 'SELECT result_id FROM ffa_learned_result'), []);
      const e = await job(ws, extra, { results: 'run-3', sha: E, runNumber: 51, matrix: LEG_A });
      assert.notEqual(e.code, 0, 'still genuine');
      assert.equal(e.outputs['genuine-failures'], '2', e.all);
      assert.equal(results(ws, TOTAL, 'TracebackMatching')[0].flaky, false);
    });
  });
}

sequences({
  name: 'sql.js file',
  inputs: async () => ({}),
  sqliteFile: (ws) => join(ws, 'flakefighters.db'),
  query: (ws, sql) => dbRows(join(ws, 'flakefighters.db'), sql),
});

let server: PgServer | undefined;
const databases = new Map<string, string>();
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

/** One PostgreSQL database per workspace, so each sequence starts empty. */
async function pgUrl(ws: string): Promise<string> {
  let url = databases.get(ws);
  if (!url) {
    const name = `learn_${databases.size + 1}`;
    databases.set(ws, (url = server!.url.replace(/\/[^/?]+(\?|$)/, `/${name}$1`)));
    await server!.psql(`CREATE DATABASE ${name} OWNER ${server!.user}`);
  }
  return url;
}

sequences({
  name: 'PostgreSQL',
  inputs: async (ws) => ({ 'database-url': await pgUrl(ws) }),
  query: async (ws, sql) => {
    const client = postgres(await pgUrl(ws), { max: 1, onnotice: () => {} });
    try {
      return (await client.unsafe(sql)).map((r) => ({ ...r }));
    } finally {
      await client.end();
    }
  },
});
