/** Seeded generators for the benchmark inputs, so every run measures the same bytes. */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyRun } from '../src/classify.ts';
import type { Flakefighter } from '../src/flakefighters/flakefighter.ts';
import { createFlakefighter } from '../src/flakefighters/registry.ts';
import { readResultFile } from '../src/ingest/read-results.ts';
import type { Run } from '../src/model.ts';
import { parseDatabaseUrl, type PostgresTarget } from '../src/store/database-url.ts';
import { openPool, openPostgresStore } from '../src/store/postgres-store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { setRunnerMasking } from '../src/store/redact.ts';
import { loadSqlJs } from '../src/store/sqljs.ts';
import { startPostgres, type PgServer } from '../__tests__/helpers/pg-server.ts';

/** mulberry32: a tiny seeded PRNG; Math.random cannot be seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface JunitOptions {
  tests: number;
  seed?: number;
  failureRate?: number;
  skipRate?: number;
  modules?: number;
  /** Frames below the test in each failure's traceback (pytest long format); default 0. */
  depth?: number;
}

/** A pytest-style JUnit report: `tests` testcases in `modules` files, some failing with a traceback. */
export function junitXml(o: JunitOptions): string {
  const r = rng(o.seed ?? 42);
  const modules = o.modules ?? Math.max(1, Math.round(o.tests / 50));
  const parts: string[] = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="', String(o.tests), '" time="1.0" timestamp="2026-11-25T10:00:00.000000+00:00" hostname="runner">'];
  for (let i = 0; i < o.tests; i++) {
    const m = i % modules;
    const cls = `tests.pkg${m % 20}.test_module_${m}.TestFeature${i % 7}`;
    parts.push(`<testcase classname="${cls}" name="test_behaviour_${i}" time="${(r() * 0.05).toFixed(4)}">`);
    const x = r();
    if (x < (o.failureRate ?? 0.02)) {
      const line = 10 + (i % 200);
      if (o.depth) {
        parts.push(`<failure message="AssertionError: expected ${i} got ${i + 1}">${deepTraceback(cls, i, m, line, o.depth)}</failure>`);
      } else {
        parts.push(
          `<failure message="AssertionError: expected ${i} got ${i + 1}">self = &lt;${cls} object at 0x7f00&gt;\n\n    def test_behaviour_${i}(self):\n&gt;       assert compute(${i}) == ${i}\nE       AssertionError: expected ${i} got ${i + 1}\n\ntests/pkg${m % 20}/test_module_${m}.py:${line}: AssertionError</failure>`,
        );
      }
    } else if (x < (o.failureRate ?? 0.02) + (o.skipRate ?? 0.01)) {
      parts.push('<skipped type="pytest.skip" message="not on this platform">skipped</skipped>');
    }
    parts.push('</testcase>');
  }
  parts.push('</testsuite></testsuites>\n');
  return parts.join('');
}

const SEP = '_ '.repeat(40).trim();
const APP = ['cart', 'price', 'order', 'session', 'client', 'retry', 'fetch', 'db'];

/** pytest's long repr through `depth` application frames; the same test always fails the same way. */
function deepTraceback(cls: string, i: number, m: number, line: number, depth: number): string {
  const blocks = [`self = &lt;${cls} object at 0x7f00&gt;\n\n    def test_behaviour_${i}(self):\n&gt;       assert compute_${APP[i % 8]}(${i}) == ${i}\n\ntests/pkg${m % 20}/test_module_${m}.py:${line}: `];
  for (let d = 0; d < depth; d++) {
    const mod = APP[(i + d) % 8];
    const next = APP[(i + d + 1) % 8];
    const last = d === depth - 1;
    const body = last ? `&gt;       raise AssertionError(f"expected {x} got {x + 1}")\nE       AssertionError: expected ${i} got ${i + 1}` : `&gt;       return ${next}_step(x, retries=${d + 1})`;
    blocks.push(`x = ${i}\n\n    def ${mod}_step(x, retries=0):\n${body}\n\nsrc/app/${mod}/service_${(i + d) % 13}.py:${20 + ((i * 7 + d * 31) % 300)}: ${last ? 'AssertionError' : ''}`);
  }
  return blocks.join(`\n${SEP}\n\n`);
}

export function writeJunit(path: string, o: JunitOptions): number {
  const xml = junitXml(o);
  writeFileSync(path, xml);
  return Buffer.byteLength(xml);
}

// ---------------------------------------------------------------------------------------------
// Stored history at scale: a few runs made the way the action makes them, replicated with SQL.


export const HISTORY_ROOT = '/home/runner/work/app/app';

export interface HistorySpec {
  /** Tests per run. */
  tests: number;
  failureRate: number;
  /** Distinct runs made through ingest + flakefighters; larger histories repeat them. */
  templates: number;
  /** Application frames under each failing test's own frame. */
  depth: number;
  /** Bump when the generated rows change, so cached databases are rebuilt. */
  version: number;
}

export const HISTORY: HistorySpec = { tests: 2000, failureRate: 0.02, templates: 10, depth: 4, version: 1 };

const BASE_TIME = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const sha = (n: number) => (n.toString(16).padStart(8, '0') + 'c0ffee').repeat(3).slice(0, 40);

/** The history flakefighters the action runs by default, plus CosineSimilarity. */
export function historyFlakefighters(): Flakefighter[] {
  const deps = { root: HISTORY_ROOT };
  return ['OutcomeFlip', 'TracebackMatching', 'CosineSimilarity'].map((n) => createFlakefighter(n, {}, deps));
}

/** A run read from a generated pytest JUnit report by the real reader (tracebacks parsed as in the action). */
export async function junitRun(o: { tests: number; seed: number; failureRate: number; depth?: number; index: number; commitSha: string; startTime: Date }): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-bench-gen-'));
  try {
    const file = join(dir, 'junit.xml');
    writeJunit(file, { tests: o.tests, seed: o.seed, failureRate: o.failureRate, depth: o.depth });
    const { tests } = await readResultFile(file, HISTORY_ROOT);
    return {
      startTime: o.startTime,
      root: HISTORY_ROOT,
      commitSha: o.commitSha,
      tests,
      activeFlakefighters: [],
      meta: {
        uuid: `bench-${o.seed}-${o.index}`,
        workflow: 'CI',
        job: 'test',
        runId: String(9000 + o.index),
        runAttempt: 1,
        runNumber: o.index + 1,
        ref: 'refs/heads/main',
        branch: 'main',
        repository: 'acme/app',
        eventName: 'push',
        source: 'action',
        dialects: ['pytest'],
        // One environment throughout, so a re-run of a commit is evidence for OutcomeFlip.
        environment: '["action",".github/workflows/ci.yml","test","runner:Linux/X64"]',
        environmentLabel: 'ci.yml › test › Linux/X64',
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `spec.templates` runs one hour apart, each classified against the earlier ones as the action
 * would. Every fifth run shares its commit with the one before (a re-run), so OutcomeFlip finds flaky failures, and a
 * test's traceback is the same every time it fails, so TracebackMatching finds them again later.
 */
export async function templateRuns(spec: HistorySpec = HISTORY): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < spec.templates; i++) {
    // Every fifth run re-runs the commit before it.
    const commit = i % 5 === 4 ? i - 1 : i;
    const run = await junitRun({ tests: spec.tests, seed: 1000 + i, failureRate: spec.failureRate, depth: spec.depth, index: i, commitSha: sha(commit), startTime: new Date(BASE_TIME + i * HOUR) });
    const history = [...runs].reverse();
    await classifyRun(historyFlakefighters(), { run, history, sameCommitRuns: history.filter((h) => h.commitSha === run.commitSha), root: HISTORY_ROOT, warn() {} });
    runs.push(run);
  }
  return runs;
}

/** The run being classified: newer than every stored run, on a commit of its own. */
export function currentRun(spec: HistorySpec = HISTORY): Promise<Run> {
  return junitRun({ tests: spec.tests, seed: 77, failureRate: spec.failureRate, depth: spec.depth, index: 999_999, commitSha: sha(0xfffff), startTime: new Date(BASE_TIME + spec.templates * HOUR) });
}

export type Dialect = 'sqlite' | 'postgres';

/** Tables with an integer id, and each one's foreign keys (column → parent table). */
const ID_TABLES: Record<string, Record<string, string>> = {
  run: {},
  activeflakefighter: { run_id: 'run' },
  test: { run_id: 'run' },
  test_execution: { test_id: 'test' },
  test_exception: { execution_id: 'test_execution' },
  tracebackentry: { exception_id: 'test_exception' },
  flakefighter_result: { test_execution_id: 'test_execution', test_id: 'test' },
};

const COLUMNS: Record<string, string[]> = {
  run: ['id', 'start_time', 'created_at', 'root', 'commit_sha'],
  ffa_run: ['run_id', 'uuid', 'workflow', 'job', 'gh_run_id', 'run_attempt', 'run_number', 'ref', 'branch', 'repository', 'event_name', 'source', 'dialects', 'counts'],
  activeflakefighter: ['id', 'run_id', 'name', 'params'],
  test: ['id', 'run_id', 'fspath', 'line_no', 'name', 'skipped'],
  test_execution: ['id', 'test_id', 'outcome', 'stdout', 'stderr', 'report', 'start_time', 'end_time', 'coverage'],
  test_exception: ['id', 'execution_id', 'name'],
  tracebackentry: ['id', 'exception_id', 'path', 'lineno', 'colno', 'statement', 'source'],
  flakefighter_result: ['id', 'test_execution_id', 'test_id', 'name', 'flaky'],
  ffa_result_evidence: ['result_id', 'evidence'],
};

export const MAX_ID_SQL = `SELECT ${Object.keys(ID_TABLES).map((t) => `(SELECT COALESCE(MAX(id), 0) FROM ${t}) AS ${t}`).join(', ')}`;

/**
 * INSERT … SELECT statements that add `copies - 1` copies of every stored row: copy k has every id
 * (and link) shifted by k × the table's max id, its runs `hoursPerCopy × k` hours earlier, its own
 * uuids and commits. Run once on a database that holds only the template runs.
 */
export function replicationSql(d: Dialect, copies: number, maxIds: Record<string, number>, hoursPerCopy: number): string[] {
  if (copies <= 1) return [];
  const from = d === 'sqlite' ? 'ks' : `generate_series(1, ${copies - 1}) AS ks(k)`;
  const prefix = d === 'sqlite' ? `WITH RECURSIVE ks(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM ks WHERE k < ${copies - 1}) ` : '';
  const shift = (col: string, table: string) => `${col} + ks.k * ${maxIds[table]}`;
  const special: Record<string, Record<string, string>> = {
    run: {
      start_time:
        d === 'sqlite'
          ? `strftime('%Y-%m-%d %H:%M:%f', start_time, '-' || (ks.k * ${hoursPerCopy}) || ' hours') || '000'`
          : `start_time - ks.k * interval '${hoursPerCopy} hours'`,
      commit_sha: d === 'sqlite' ? `substr(commit_sha, 1, 32) || printf('%08x', ks.k)` : `substr(commit_sha, 1, 32) || lpad(to_hex(ks.k), 8, '0')`,
    },
    ffa_run: { run_id: shift('run_id', 'run'), uuid: `uuid || '-' || ks.k` },
    ffa_result_evidence: { result_id: shift('result_id', 'flakefighter_result') },
  };
  return Object.entries(COLUMNS).map(([table, cols]) => {
    const exprs = cols.map((c) => {
      if (special[table]?.[c]) return special[table][c];
      if (c === 'id') return shift('id', table);
      const parent = ID_TABLES[table]?.[c];
      return parent ? shift(c, parent) : c;
    });
    return `${prefix}INSERT INTO ${table} (${cols.join(', ')}) SELECT ${exprs.join(', ')} FROM ${table}, ${from}`;
  });
}

let templates: Promise<Run[]> | null = null;
/** The template runs, made once per process. */
export function cachedTemplateRuns(): Promise<Run[]> {
  return (templates ??= templateRuns(HISTORY));
}

const copiesFor = (runs: number) => {
  if (runs % HISTORY.templates !== 0) throw new Error(`history of ${runs} runs: use a multiple of ${HISTORY.templates}`);
  return runs / HISTORY.templates;
};

export interface BuiltHistory {
  /** sql.js file or postgres:// URL. */
  where: string;
  /** File size (sql.js) or database size (Postgres). */
  bytes: number;
  /** Milliseconds spent building it now; 0 when a cached file was reused. */
  buildMs: number;
}

/**
 * A sql.js file with `runs` stored runs of HISTORY.tests tests, cached under `dataDir` by its
 * parameters: the templates are saved through the store, the rest are copied with SQL.
 */
export async function sqliteHistory(dataDir: string, runs: number): Promise<BuiltHistory> {
  const h = HISTORY;
  const path = join(dataDir, `history-${runs}runs-${h.tests}tests-f${h.failureRate}-d${h.depth}-t${h.templates}-v${h.version}.db`);
  if (existsSync(path)) return { where: path, bytes: statSync(path).size, buildMs: 0 };
  const t0 = performance.now();
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  const store = await openSqliteStore(tmp);
  for (const run of await cachedTemplateRuns()) await store.save(run);
  await store.close();
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(tmp));
  try {
    const [res] = db.exec(MAX_ID_SQL);
    const maxIds = Object.fromEntries(res.columns.map((c, i) => [c, Number(res.values[0][i])]));
    db.run('BEGIN');
    for (const stmt of replicationSql('sqlite', copiesFor(runs), maxIds, h.templates)) db.run(stmt);
    db.run('COMMIT');
    writeFileSync(tmp, db.export());
  } finally {
    db.close();
  }
  // The copies were made with SQL, as an older database or the plugin would leave them: the signature index
  // backfills them the way an upgraded database is (store/traceback-signatures.ts), and the file keeps it.
  const indexing = await openSqliteStore(tmp);
  await indexing.loadHistoryRuns({ before: new Date(Date.UTC(9999, 0, 1)) });
  await indexing.close();
  renameSync(tmp, path);
  return { where: path, bytes: statSync(path).size, buildMs: performance.now() - t0 };
}

let pg: Promise<PgServer | string> | null = null;
const pgHistories = new Map<number, Promise<BuiltHistory>>();

/** One throwaway PostgreSQL server for every scenario of this process, or why there is none. */
export function benchPostgres(): Promise<PgServer | string> {
  // Outside the runner, core.setSecret would print every URL it is given.
  setRunnerMasking(false);
  return (pg ??= startPostgres({
    // The test helper's 32 MB of shared buffers is far below any hosted server's.
    config: ['shared_buffers = 256MB', 'work_mem = 16MB', 'max_wal_size = 4GB', 'max_connections = 100'],
  }).catch((err: Error) => {
    if (/binaries .* not found/.test(err.message)) return 'no PostgreSQL binaries';
    throw err;
  }));
}

export async function stopBenchPostgres(): Promise<void> {
  if (!pg) return;
  const server = await pg.catch(() => null);
  pg = null;
  pgHistories.clear();
  if (server && typeof server !== 'string') await server.destroy();
}

export function databaseUrl(server: PgServer, database: string): string {
  return server.url.replace(/\/[^/]*$/, `/${database}`);
}

export function rawPool(url: string): ReturnType<typeof openPool> {
  return openPool(parseDatabaseUrl(url) as PostgresTarget, { statementTimeoutMs: 0, max: 1 });
}

/** A fresh database on the bench server. */
export async function createDatabase(server: PgServer, name: string): Promise<string> {
  await server.psql(`DROP DATABASE IF EXISTS ${name}`, 'postgres');
  await server.psql(`CREATE DATABASE ${name}`, 'postgres');
  return databaseUrl(server, name);
}

/** A database with `runs` stored runs on the bench server (built once per process): templates saved through the store, the rest copied with SQL. */
export function postgresHistory(server: PgServer, runs: number): Promise<BuiltHistory> {
  let built = pgHistories.get(runs);
  if (!built) {
    built = (async () => {
      const t0 = performance.now();
      const url = await createDatabase(server, `history_${runs}`);
      const store = await openPostgresStore(url);
      try {
        for (const run of await cachedTemplateRuns()) await store.save(run);
      } finally {
        await store.close();
      }
      const sql = rawPool(url);
      try {
        const [row] = await sql.unsafe(MAX_ID_SQL);
        const maxIds = Object.fromEntries(Object.keys(ID_TABLES).map((t) => [t, Number(row[t])]));
        await sql.begin(async (tx) => {
          // The copies are consistent by construction: skip the per-row foreign-key triggers.
          await tx.unsafe('SET LOCAL session_replication_role = replica');
          for (const stmt of replicationSql('postgres', copiesFor(runs), maxIds, HISTORY.templates)) await tx.unsafe(stmt);
          for (const t of Object.keys(ID_TABLES)) await tx.unsafe(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT max(id) FROM ${t}))`);
        });
        // The copies were made with SQL: the signature index backfills them as it does an upgraded database.
        const indexing = await openPostgresStore(url, { statementTimeoutMs: 0 });
        try {
          await indexing.loadHistoryRuns({ before: new Date(Date.UTC(9999, 0, 1)) });
        } finally {
          await indexing.close();
        }
        await sql.unsafe('VACUUM ANALYZE');
        const [size] = await sql.unsafe('SELECT pg_database_size(current_database())::bigint::text AS bytes');
        return { where: url, bytes: Number(size.bytes), buildMs: performance.now() - t0 };
      } finally {
        await sql.end({ timeout: 5 });
      }
    })();
    pgHistories.set(runs, built);
  }
  return built;
}
