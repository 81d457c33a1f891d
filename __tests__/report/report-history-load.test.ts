/**
 * Issue 17: the pipeline loads the window's stored failures bare for the reports (outcomes and verdicts; no exceptions,
 * frames, texts or evidence, LoadOptions.bare). The summary, the PR comment, the terminal table and every report file
 * must be byte-for-byte what the full failures-only load gives. A real history: the learn-history recording (real pytest
 * files: a flaky test, re-runs that teach learned verdicts, a real regression) run through the real pipeline into a
 * sql.js file and into a real PostgreSQL, once and then again up to commit 9's first attempt (a flaky failure and the
 * regression), which is the run reported: 46 stored runs, a 45-run window.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../src/config/inputs.ts';
import { readContext } from '../../src/github/context.ts';
import type { Log } from '../../src/log.ts';
import { runPipeline, type PipelineResult } from '../../src/pipeline.ts';
import type { FlakefighterResult, Run } from '../../src/model.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { renderPrComment } from '../../src/report/pr-comment.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { renderTerminalTable } from '../../src/report/terminal.ts';
import { writeReportFiles } from '../../src/report/write-report-files.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { sampleRun } from '../store/sample-run.ts';

const silent: Log = { info() {}, warning() {}, error() {}, debug() {} };
const FIXTURE = join(import.meta.dirname, '../fixtures/learn-history');
const MANIFEST = JSON.parse(readFileSync(join(FIXTURE, 'manifest.json'), 'utf8')) as { file: string; commit: string; runNumber: number; attempt: number }[];
const FIRST = Date.UTC(2026, 2, 1, 8);
const WINDOW = 45;
/** The reported run: pass 2's c09-a1 (manifest entry 14). */
const REPORTED = 32 + 14;

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-report-load-'));
  cpSync(FIXTURE, ws, { recursive: true });
  return ws;
}

/** One CI attempt of the recording through the pipeline, `i` minutes after FIRST (pass 2 repeats the recording later). */
function step(ws: string, db: Record<string, string>, i: number, save: boolean): Promise<PipelineResult> {
  const m = MANIFEST[i % MANIFEST.length]!;
  const inputs: Record<string, string> = {
    'test-results': m.file,
    root: 'project',
    'report-dir': '',
    'load-max-runs': String(WINDOW),
    'target-commit': m.commit,
    save: String(save),
    'upload-artifact': 'false',
    'history-from-artifact': 'false',
    ...db,
  };
  const config = readConfig((n) => inputs[n] ?? '', ws);
  const env = {
    GITHUB_REPOSITORY: 'acme/quotes',
    GITHUB_RUN_ID: String(7000 + m.runNumber + (i >= MANIFEST.length ? 100 : 0)),
    GITHUB_RUN_ATTEMPT: String(m.attempt),
    GITHUB_RUN_NUMBER: String(m.runNumber),
    GITHUB_SHA: m.commit,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_WORKFLOW: 'ci',
    GITHUB_JOB: 'test',
    GITHUB_REF: 'refs/heads/main',
  };
  return runPipeline({ config, context: readContext(env), log: silent, source: 'action', now: new Date(FIRST + i * 60_000) });
}

/** Every output the reports make of `data`: the markdown ones by name, the report files by file name. */
function outputs(data: ReportData): Map<string, string> {
  const out = new Map<string, string>();
  out.set('summary.md', renderSummary(data));
  out.set('pr-comment.md', renderPrComment(data));
  out.set('terminal.txt', renderTerminalTable(data));
  const dir = mkdtempSync(join(tmpdir(), 'ff-report-load-out-'));
  try {
    writeReportFiles(data, dir);
    for (const f of readdirSync(dir)) out.set(f, readFileSync(join(dir, f), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/**
 * Builds the history, runs the last attempt without saving (so nothing learned after its load changes the stored runs),
 * then loads its window again the old way (every stored failure with exceptions, frames, texts and evidence) and
 * renders everything from both.
 */
async function compare(db: Record<string, string>, open: () => Promise<Store>): Promise<{ bare: Map<string, string>; full: Map<string, string>; result: PipelineResult; history: Run[] }> {
  const ws = workspace();
  try {
    for (let i = 0; i < REPORTED; i++) await step(ws, db, i, true);
    const result = await step(ws, db, REPORTED, false);
    const store = await open();
    let history: Run[];
    try {
      history = await store.loadHistory({ before: result.data.run.startTime, maxRuns: WINDOW }, { failuresOnly: true, coverage: false });
    } finally {
      await store.close();
    }
    return { bare: outputs(result.data), full: outputs({ ...result.data, history }), result, history };
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

/** What the reports read of a stored run: its identity and counts, each test's outcomes and verdicts (learned or not). */
function verdicts(run: Run): unknown {
  const results = (xs: FlakefighterResult[]) => xs.map((x) => [x.name, x.flaky, x.learned?.at.toISOString() ?? null, x.learned?.fromRunUuid ?? null]);
  return [run.id, run.meta.uuid, run.startTime.toISOString(), run.meta.counts, run.tests.map((t) => [t.name, t.fspath, t.lineNo, t.skipped, results(t.results), t.executions.map((e) => [e.outcome, e.startTime?.toISOString(), e.endTime?.toISOString(), results(e.results)])])];
}

function assertSameBytes(r: Awaited<ReturnType<typeof compare>>): void {
  const { bare, full, result, history } = r;
  // The bare load holds the same runs, tests, outcomes and verdicts as the full one.
  assert.deepEqual(result.data.history.map(verdicts), history.map(verdicts));
  // The history is long, and what the reports show of it is there: strips, flake counts, learned verdicts, evidence runs.
  assert.equal(result.data.history.length, WINDOW);
  assert.ok(result.data.history.every((run) => run.tests.every((t) => t.executions.every((e) => e.exception === null && e.stdout === null))), 'the pipeline loaded the history bare');
  assert.ok(result.data.history.some((run) => run.tests.some((t) => t.results.some((x) => x.learned !== undefined) || t.executions.some((e) => e.results.some((x) => x.learned !== undefined)))), 'the history holds learned verdicts');
  assert.equal(result.counts.flaky, 1);
  assert.equal(result.counts.genuine, 1);
  assert.ok(/flaked \d+ of|failed \d+ of/.test(full.get('summary.md')!), 'the summary counts a failing test over the history');
  assert.ok(full.get('summary.md')!.includes('/actions/runs/'), 'the summary links stored runs');
  assert.deepEqual([...bare.keys()].sort(), [...full.keys()].sort());
  assert.ok(bare.size >= 6, [...bare.keys()].join(', '));
  for (const [name, text] of full) assert.equal(bare.get(name), text, `${name} differs between the bare and the full history load`);
}

/** Runs with test-level results and passing retries (sample-run.ts), saved through the store; bare and full loads compared. */
async function sameRunsBareAndFull(store: Store): Promise<void> {
  for (let i = 0; i < 6; i++) await store.save(sampleRun({ uuid: `bare-${i}`, start: new Date(FIRST + i * 60_000), tests: 12, failEvery: i % 3 === 2 ? 0 : 2 + (i % 2) }));
  const window = { before: new Date(FIRST + 10 * 60_000), maxRuns: 5 };
  for (const testNames of [undefined, ['tests/test_m1.py::test_1', 'tests/test_m3.py::test_3', 'tests/test_m0.py::test_7']]) {
    const full = await store.loadHistory(window, { failuresOnly: true, coverage: false, testNames });
    const bare = await store.loadHistory(window, { failuresOnly: true, coverage: false, testNames, bare: true });
    assert.ok(full.some((r) => r.tests.some((t) => t.results.length > 0)), 'test-level results are there to compare');
    assert.deepEqual(bare.map(verdicts), full.map(verdicts));
    assert.ok(bare.every((r) => r.tests.every((t) => t.executions.every((e) => e.exception === null && e.stdout === null && e.results.every((x) => x.evidence === undefined)))));
  }
}

describe('a bare load holds the same runs, tests, outcomes and verdicts as the full one', () => {
  test('sql.js', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-report-load-db-'));
    const store = await openSqliteStore(join(dir, 'flakefighters.db'));
    try {
      await sameRunsBareAndFull(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PostgreSQL', async () => {
    const pg = await startPostgres();
    try {
      const store = await openPostgresStore(pg.url);
      try {
        await sameRunsBareAndFull(store);
      } finally {
        await store.close();
      }
    } finally {
      await pg.destroy();
    }
  });
});

describe('the reports of a run with a long stored history are the same from the bare load as from the full load', () => {
  test('sql.js', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-report-load-db-'));
    try {
      const path = join(dir, 'flakefighters.db');
      assertSameBytes(await compare({ 'database-path': path }, () => openSqliteStore(path, { readonly: true })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL', () => {
    let pg: PgServer;
    before(async () => {
      pg = await startPostgres();
    });
    after(async () => {
      await pg?.destroy();
    });
    test('a real server', async () => {
      assertSameBytes(await compare({ 'database-url': pg.url }, () => openPostgresStore(pg.url)));
    });
  });
});
