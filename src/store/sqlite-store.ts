/**
 * The sql.js back end: the whole database file lives in memory, every save is one SQLite
 * transaction, and close() writes the file back atomically only when something changed.
 *
 * One process owns the file while it is open: two processes saving into the same file would each
 * write their own copy and the last rename wins (the action avoids this by giving each job its own
 * artifact and merging with sync).
 *
 * History loading is set-based: one query per table for all selected runs (no N+1), children
 * joined to their run through primary keys (the plugin's tables have no indexes, and we add none
 * to tables that are not ours). See LoadOptions in rows.ts for what history may leave out.
 */
import { flakiestOfRun, flakiestSql, outcomeFlags, TEST_FLAKY, toFlakiness, type TestFlakiness } from './flakiest-query.ts';
import { TEST_OUTCOMES_SQL, toTestOutcomes, type TestOutcomes } from './outcomes-query.ts';
import type { Database, SqlValue, Statement } from 'sql.js';
import type { Run } from '../model.ts';
import { loadSqlJs } from './sqljs.ts';
import { createMissingTables, inspectSqliteSchema, schemaNeedsWork } from './sqlite-schema.ts';
import { freshDatabase } from './sqlite-empty.ts';
import { fileIdentity, moveAside, persistDatabase, readDatabaseFile, resolveDatabasePath, sameFile, schemaDrift, type FileIdentity } from './sqlite-file.ts';
import { acquireLock, type FileLock } from './file-lock.ts';
import {
  FLAT_COLUMNS,
  applyLoadOptions,
  flattenHead,
  flattenTests,
  passedTestNames,
  formatLocalTimestamp,
  hydrateRuns,
  parseTimestamp,
  pluginRunUuid,
  type LoadOptions,
  type RunKey,
  type RunRow,
  type RunRows,
} from './rows.ts';
import { PLUGIN_TABLES, FFA_TABLES } from './schema.ts';
import type { HistoryQuery, Retention, SaveResult, Store } from './store.ts';
import { learnOnSaveSqlite } from './learn-from-reruns.ts';
import { BatchInsert } from './sqljs-batch.ts';
import { DirectBinder } from './sqljs-bind.ts';
import { selectRows } from './sqljs-rows.ts';
import { estimateRoom, reopenWithRoom } from './sqljs-room.ts';
import { groupsFromRows, indexRun, KEEPS_ALL, savedIds, SQLITE_KEEPS } from './traceback-signatures.ts';
import { forgetRunsSqlite, indexedUuidsSqlite, rangeGroupsSqlite, unindexedSqlite, windowGroupsSqlite, writeIndexSqlite } from './traceback-index-sqlite.ts';
import type { FlakyTracebackGroup } from '../flakefighters/traceback-history.ts';
import { sqliteDatabaseSize, type DatabaseSize } from './database-size.ts';

export interface OpenSqliteOptions {
  /** Never create tables, move files or write on close (sync sources, reports). */
  readonly?: boolean;
  /**
   * The file as it was when its bytes just passed quick_check elsewhere (adoptDatabase): when the
   * file read is still that one, unchanged, the check is not run twice. Any other file is checked.
   */
  checked?: FileIdentity | null;
}

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  readonly path: string;
  readonly readonly: boolean;
  /** Things the user should know about opening (a corrupt file moved aside, unreadable rows). */
  readonly warnings: string[];
  loadHistory(q: HistoryQuery, opts?: LoadOptions): Promise<Run[]>;
  loadRunsForCommit(sha: string | null, before: Date, opts?: LoadOptions): Promise<Run[]>;
  loadHistoryRuns(q: HistoryQuery): Promise<Run[]>;
  flakyTracebacks(window: HistoryQuery | readonly Run[], hashes?: readonly string[]): Promise<FlakyTracebackGroup[]>;
  /** Every stored run, oldest first, fully hydrated. */
  loadAllRuns(opts?: LoadOptions): Promise<Run[]>;
  /** The runs with these database ids, in the order given (unknown ids are skipped). */
  loadRuns(ids: readonly number[], opts?: LoadOptions): Promise<Run[]>;
  /** Identity of every stored run, oldest first (plugin runs get their derived uuid). */
  listRunKeys(): Promise<RunKey[]>;
  /** Outcomes of every failing test and of its namesakes on the same commit, in one query (outcomes-query.ts). */
  testOutcomes(): Promise<TestOutcomes[]>;
  /** Row count of every table, ours included (tests, diagnostics). */
  tableCounts(): Promise<Record<string, number>>;
}

/**
 * Opens (or creates) the database file. A file that is not a readable SQLite database is moved to
 * `<path>.corrupt-<timestamp>` and history starts fresh, with a warning in `store.warnings`.
 * A database of something else, or one written by a newer action, is a UserError and the file is
 * left untouched.
 */
export async function openSqliteStore(path: string, opts: OpenSqliteOptions = {}): Promise<SqliteStore> {
  const SQL = await loadSqlJs();
  const readonly = !!opts.readonly;
  const warnings: string[] = [];
  // Writers take the file's lock before reading it, so the file they write back holds every run
  // written meanwhile; a symlinked path is written through to its target.
  const disk: DiskTarget = { target: path, lock: null, lockBusy: null };
  if (!readonly) {
    disk.target = await resolveDatabasePath(path);
    const got = await acquireLock(disk.target);
    if (got.kind === 'held') disk.lock = got.lock;
    if (got.kind === 'busy') disk.lockBusy = got.owner;
  }
  try {
    return await openLocked(SQL, path, readonly, warnings, disk, opts.checked ?? null);
  } catch (err) {
    await disk.lock?.release();
    throw err;
  }
}

interface DiskTarget {
  /** Where the file is written (the path with symbolic links followed). */
  target: string;
  lock: FileLock | null;
  /** Who held the lock when the wait ran out: the run then goes to a side file. */
  lockBusy: string | null;
}

async function openLocked(
  SQL: Awaited<ReturnType<typeof loadSqlJs>>,
  path: string,
  readonly: boolean,
  warnings: string[],
  disk: DiskTarget,
  checked: FileIdentity | null,
): Promise<SqliteStore> {
  // The same file before and after the read (and the one checked): the bytes read are the bytes checked.
  const before = checked ? await fileIdentity(path) : null;
  const file = await readDatabaseFile(path);
  const alreadyChecked = checked !== null && sameFile(checked, before) && sameFile(checked, await fileIdentity(path));
  let db: Database | null = null;
  let brokenReason: string | null = null;
  if (file.kind === 'not-sqlite') brokenReason = file.reason;
  if (file.kind === 'bytes') {
    try {
      db = new SQL.Database(file.bytes);
      const first = alreadyChecked ? 'ok' : db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
      if (first !== 'ok') brokenReason = `integrity check: ${String(first ?? 'no answer').split('\n')[0]}`;
    } catch (err) {
      brokenReason = (err as Error).message;
    }
    if (brokenReason && db) {
      db.close();
      db = null;
    }
  }
  let dirty = false;
  if (brokenReason !== null) {
    if (readonly) {
      warnings.push(`${path} is not a readable SQLite database (${brokenReason}); reading it as empty`);
    } else {
      const aside = await moveAside(disk.target);
      warnings.push(`${path} is not a readable SQLite database (${brokenReason}); moved it to ${aside} and started a fresh history`);
      dirty = true;
    }
  }
  if (!db) {
    // A new file is written with its schema (the build's empty database, or the tables created below).
    db = await freshDatabase(SQL);
    if (!readonly) dirty = true;
  }
  try {
    const state = inspectSqliteSchema(db, path);
    if (schemaNeedsWork(state)) {
      // Read-only opens still need the tables (and columns) to query; they are never written back.
      createMissingTables(db, state);
      if (!readonly) dirty = true;
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqlJsStore(db, path, readonly, warnings, dirty, disk);
}

/** The test holding the run's `execution`-th execution: the last whose first execution is at or before it. */
function testOfExecution(firstExec: Uint32Array, execution: number): number {
  let lo = 0;
  let hi = firstExec.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (firstExec[mid] <= execution) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** loadHistory's window as a WHERE … ORDER BY … LIMIT over `run r`. */
function historyWindow(q: HistoryQuery): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [formatLocalTimestamp(q.before)];
  let sql = 'WHERE r.start_time < ?';
  if (q.since && Number.isFinite(q.since.getTime())) {
    sql += ' AND r.start_time >= ?';
    params.push(formatLocalTimestamp(q.since));
  }
  sql += ' ORDER BY r.start_time DESC, r.id DESC';
  if (q.maxRuns !== undefined && q.maxRuns !== null) {
    sql += ' LIMIT ?';
    params.push(Math.max(0, Math.floor(q.maxRuns)));
  }
  return { sql, params };
}

/** loadHistory's window without a run limit: the start times it spans, as a condition on `<alias>.start_time`. */
function startSpan(q: HistoryQuery): { on: (alias: string) => string; params: SqlValue[] } {
  const since = q.since && Number.isFinite(q.since.getTime());
  const params: SqlValue[] = [formatLocalTimestamp(q.before), ...(since ? [formatLocalTimestamp(q.since!)] : [])];
  return { on: (a) => `${a}.start_time < ?${since ? ` AND ${a}.start_time >= ?` : ''}`, params };
}

const COLS = {
  run: 'r.id, r.start_time, r.created_at, r.root, r.commit_sha',
  ffa: 'f.run_id, f.uuid, f.workflow, f.job, f.gh_run_id, f.run_attempt, f.run_number, f.ref, f.branch, f.repository, f.event_name, f.source, f.dialects, f.counts, f.environment, f.environment_label, f.dirty_tree',
} as const;

type Row = Record<string, SqlValue>;

class SqlJsStore implements SqliteStore {
  readonly kind = 'sqlite' as const;
  private closed = false;
  /** Runs known to be in the signature index since the last write (a read checks each window run once). */
  private readonly indexedRuns = new Set<number>();
  /** uuid → run id of plugin runs (no ffa_run row), computed on demand, reset by every write. */
  private pluginKeys: Map<string, number> | null = null;
  /**
   * The run the last save inserted into tables the ranking reads that held no row before (test, test_execution,
   * flakefighter_result), with its tests' names and bits (flakiest-query.ts flakiestOfRun): only save() writes those
   * tables, so until the next save they hold that run's rows and nothing else, and the flakiest tests come from it.
   */
  private lastSaved: { names: readonly string[]; flags: Uint8Array } | null = null;

  constructor(
    /** Replaced only by save() when it reopens the file with room for a big run (sqljs-room.ts). */
    private db: Database,
    readonly path: string,
    readonly readonly: boolean,
    readonly warnings: string[],
    private dirty: boolean,
    private readonly disk: DiskTarget = { target: path, lock: null, lockBusy: null },
  ) {}

  private open(): Database {
    if (this.closed) throw new Error(`${this.path}: the store is closed`);
    return this.db;
  }

  private all<T = Row>(sql: string, params: SqlValue[] = []): T[] {
    return selectRows<T>(this.open(), sql, params);
  }

  private scalar(sql: string, params: SqlValue[] = []): SqlValue | undefined {
    const stmt = this.open().prepare(sql);
    try {
      if (params.length) stmt.bind(params);
      return stmt.step() ? stmt.get()[0] : undefined;
    } finally {
      stmt.free();
    }
  }

  /** Hydrates the given run rows with one query per child table. */
  private hydrate(runs: RunRow[], opts: LoadOptions = {}): Run[] {
    if (runs.length === 0) return [];
    const ids = runs.map((r) => Number(r.id)).filter(Number.isInteger);
    const inRuns = `(${ids.join(',')})`;
    const failuresOnly = !!opts.failuresOnly;
    const coverage = opts.coverage !== false;
    const bare = !!opts.bare;
    const execFilter = failuresOnly
      ? ` AND (e.outcome IS NULL OR e.outcome <> 'passed' OR e.id IN (SELECT test_execution_id FROM flakefighter_result WHERE test_execution_id IS NOT NULL))`
      : '';
    // Only the named tests, when asked (OutcomeFlip's failing tests): names as SQL literals, like the ids above.
    const names = opts.testNames ? `(${opts.testNames.map((n) => `'${n.replace(/'/g, "''")}'`).join(',') || 'NULL'})` : null;
    const nameOn = names ? ` AND t.name IN ${names}` : '';
    // Each child is tied to a selected run through primary-key lookups only.
    const execOn = `JOIN test t ON t.id = e.test_id AND t.run_id IN ${inRuns}${nameOn}${execFilter}`;
    // Only the tests that keep something; every other test of every run would be read to be dropped.
    const testFilter = failuresOnly
      ? ` AND (id IN (SELECT e.test_id FROM test_execution e WHERE 1${execFilter}) OR id IN (SELECT test_id FROM flakefighter_result WHERE test_id IS NOT NULL))`
      : '';
    const resultFrom = `flakefighter_result x LEFT JOIN test_execution e ON e.id = x.test_execution_id JOIN test t ON t.id = COALESCE(e.test_id, x.test_id) AND t.run_id IN ${inRuns}${nameOn}`;
    if (bare && failuresOnly) return this.hydrateBare(runs, inRuns, names, execOn, resultFrom);
    const rows: RunRows = {
      runs,
      ffaRuns: this.all(`SELECT ${COLS.ffa} FROM ffa_run f WHERE f.run_id IN ${inRuns}`),
      activeFlakefighters: this.all(`SELECT id, run_id, name, params FROM activeflakefighter WHERE run_id IN ${inRuns} ORDER BY id`),
      tests: this.all(`SELECT id, run_id, fspath, line_no, name, skipped FROM test WHERE run_id IN ${inRuns}${names ? ` AND name IN ${names}` : ''}${testFilter} ORDER BY id`),
      executions: this.all(
        `SELECT e.id, e.test_id, e.outcome, ${bare ? 'NULL AS stdout, NULL AS stderr, NULL AS report' : 'e.stdout, e.stderr, e.report'}, e.start_time, e.end_time, ${coverage ? 'e.coverage' : 'NULL AS coverage'} FROM test_execution e ${execOn} ORDER BY e.id`,
      ),
      exceptions: bare ? [] : this.all(
        `SELECT x.id, x.execution_id, x.name FROM test_exception x JOIN test_execution e ON e.id = x.execution_id ${execOn} ORDER BY x.id`,
      ),
      frames: bare ? [] : this.all(
        `SELECT f.id, f.exception_id, f.path, f.lineno, f.colno, f.statement, f.source FROM tracebackentry f JOIN test_exception x ON x.id = f.exception_id JOIN test_execution e ON e.id = x.execution_id ${execOn} ORDER BY f.id`,
      ),
      results: this.all(`SELECT x.id, x.test_execution_id, x.test_id, x.name, x.flaky FROM ${resultFrom} ORDER BY x.id`),
      evidence: bare ? [] : this.all(`SELECT v.result_id, v.evidence FROM ffa_result_evidence v JOIN ${resultFrom.replace('flakefighter_result x', 'flakefighter_result x ON x.id = v.result_id')}`),
      learned: this.all(`SELECT l.result_id, l.learned_at, l.learned_from_run FROM ffa_learned_result l JOIN ${resultFrom.replace('flakefighter_result x', 'flakefighter_result x ON x.id = l.result_id')}`),
    };
    return applyLoadOptions(hydrateRuns(rows, { warn: (m) => this.warnings.push(`${this.path}: ${m}`) }), opts);
  }

  /**
   * A bare failures-only load (LoadOptions.bare): the executions' scan (every execution of the file: sql.js keeps no index
   * on outcome) runs once, and the tests and learned verdicts are read by id, not by scanning them again.
   */
  private hydrateBare(runs: RunRow[], inRuns: string, names: string | null, execOn: string, resultFrom: string): Run[] {
    const executions = this.all<RunRows['executions'][number]>(
      `SELECT e.id, e.test_id, e.outcome, NULL AS stdout, NULL AS stderr, NULL AS report, e.start_time, e.end_time, NULL AS coverage FROM test_execution e ${execOn} ORDER BY e.id`,
    );
    const results = this.all<RunRows['results'][number]>(`SELECT x.id, x.test_execution_id, x.test_id, x.name, x.flaky FROM ${resultFrom} ORDER BY x.id`);
    const testIds = new Set<number>(executions.map((e) => Number(e.test_id)));
    for (const r of results) if (r.test_id !== null && r.test_id !== undefined) testIds.add(Number(r.test_id));
    const list = (ids: Iterable<number>) => `(${[...ids].join(',') || 'NULL'})`;
    const rows: RunRows = {
      runs,
      ffaRuns: this.all(`SELECT ${COLS.ffa} FROM ffa_run f WHERE f.run_id IN ${inRuns}`),
      activeFlakefighters: this.all(`SELECT id, run_id, name, params FROM activeflakefighter WHERE run_id IN ${inRuns} ORDER BY id`),
      tests: this.all(`SELECT id, run_id, fspath, line_no, name, skipped FROM test WHERE id IN ${list(testIds)} AND run_id IN ${inRuns}${names ? ` AND name IN ${names}` : ''} ORDER BY id`),
      executions,
      exceptions: [],
      frames: [],
      results,
      evidence: [],
      learned: this.all(`SELECT l.result_id, l.learned_at, l.learned_from_run FROM ffa_learned_result l WHERE l.result_id IN ${list(results.map((r) => Number(r.id)))}`),
    };
    return applyLoadOptions(hydrateRuns(rows, { warn: (m) => this.warnings.push(`${this.path}: ${m}`) }), { failuresOnly: true });
  }

  async loadHistory(q: HistoryQuery, opts?: LoadOptions): Promise<Run[]> {
    const w = historyWindow(q);
    return this.hydrate(this.all<RunRow>(`SELECT ${COLS.run} FROM run r ${w.sql}`, w.params), opts);
  }

  /** The window loadHistory selects, each run without its tests (meta, counts): what the signature index is read for. */
  async loadHistoryRuns(q: HistoryQuery): Promise<Run[]> {
    const w = historyWindow(q);
    const rows = this.all<RunRow & RunRows['ffaRuns'][number]>(`SELECT ${COLS.run}, ${COLS.ffa} FROM run r LEFT JOIN ffa_run f ON f.run_id = r.id ${w.sql}`, w.params);
    if (rows.length === 0) return [];
    await this.ensureIndexed(rows.map((r) => Number(r.id)));
    return this.lightRuns(rows);
  }

  /** Runs without their tests from run ⟕ ffa_run rows; a plugin run gets the uuid history derives, which the index keeps. */
  private lightRuns(rows: (RunRow & RunRows['ffaRuns'][number])[]): Run[] {
    const ffaRuns = rows.filter((r) => r.run_id !== null);
    const light = hydrateRuns({ runs: rows, ffaRuns, activeFlakefighters: [], tests: [], executions: [], exceptions: [], frames: [], results: [], evidence: [] });
    const uuids = indexedUuidsSqlite(this.open(), rows.filter((r) => r.run_id === null).map((r) => Number(r.id)));
    for (const r of light) if (uuids.get(r.id!)) r.meta.uuid = uuids.get(r.id!)!;
    return light;
  }

  /**
   * The flaky traceback signatures of a window: the runs loadHistory would select for `window`, or these runs (newest
   * first, as merged with runs stamped ahead). The refs' runs are read only for the signatures' first occurrences.
   */
  async flakyTracebacks(window: HistoryQuery | readonly Run[], hashes?: readonly string[]): Promise<FlakyTracebackGroup[]> {
    const db = this.open();
    if (Array.isArray(window)) {
      const runs = window as readonly Run[];
      const ids = runs.map((r) => r.id).filter((id): id is number => Number.isInteger(id));
      await this.ensureIndexed(ids);
      return groupsFromRows(windowGroupsSqlite(db, ids, hashes), runs);
    }
    const q = window as HistoryQuery;
    let rows;
    if (q.maxRuns !== undefined && q.maxRuns !== null) {
      const w = historyWindow(q);
      const ids = this.all<{ id: number }>(`SELECT r.id FROM run r ${w.sql}`, w.params).map((r) => Number(r.id));
      await this.ensureIndexed(ids);
      rows = windowGroupsSqlite(db, ids, hashes);
    } else {
      // A span of start times (the default window): no list of runs to join, only the runs of the span not indexed yet.
      const span = startSpan(q);
      // Index rows left by runs deleted without them (never read as history) are forgotten first.
      const orphans = this.all<{ run_id: number }>('SELECT run_id FROM ffa_traceback_run WHERE run_id NOT IN (SELECT id FROM run)');
      if (orphans.length) forgetRunsSqlite(db, orphans.map((r) => Number(r.run_id)));
      const missing = this.all<{ id: number }>(`SELECT r.id FROM run r WHERE ${span.on('r')} AND r.id NOT IN (SELECT run_id FROM ffa_traceback_run)`, span.params);
      await this.ensureIndexed(missing.map((r) => Number(r.id)));
      rows = rangeGroupsSqlite(db, span.on('s'), span.params, hashes);
    }
    const refs = [...new Set(rows.map((r) => Number(r.run_id)))];
    const runs = refs.length
      ? this.lightRuns(this.all(`SELECT ${COLS.run}, ${COLS.ffa} FROM run r LEFT JOIN ffa_run f ON f.run_id = r.id WHERE r.id IN (${refs.join(',')})`))
      : [];
    return groupsFromRows(rows, runs);
  }

  /**
   * Indexes the runs the signature index lacks (stored before schema 4, written by the plugin, or forgotten when their
   * verdicts changed) from their failures, as history loads them. A read-only store keeps them in memory only.
   */
  private async ensureIndexed(ids: readonly number[]): Promise<void> {
    const unknown = ids.filter((id) => !this.indexedRuns.has(id));
    const missing = unindexedSqlite(this.open(), unknown);
    for (let i = 0; i < missing.length; i += 100) {
      const runs = await this.loadRuns(missing.slice(i, i + 100), { failuresOnly: true, coverage: false });
      const db = this.open();
      const binder = DirectBinder.open(await loadSqlJs(), db);
      db.run('BEGIN');
      try {
        for (const run of runs) writeIndexSqlite(db, indexRun(run, run.id!, KEEPS_ALL), binder);
        db.run('COMMIT');
      } catch (err) {
        db.run('ROLLBACK');
        throw err;
      } finally {
        binder?.free();
      }
      if (!this.readonly) this.dirty = true;
    }
    for (const id of unknown) this.indexedRuns.add(id);
  }

  async loadRunsForCommit(sha: string | null, before: Date, opts?: LoadOptions): Promise<Run[]> {
    if (opts?.environment === null) return [];
    const env = opts?.environment !== undefined;
    // `IS` matches NULL = NULL, which is what the plugin's `commit_sha == None` does.
    const runs = this.all<RunRow>(
      `SELECT ${COLS.run} FROM run r WHERE r.commit_sha IS ? AND r.start_time < ?${env ? ' AND EXISTS (SELECT 1 FROM ffa_run f WHERE f.run_id = r.id AND f.environment = ?)' : ''} ORDER BY r.start_time DESC, r.id DESC`,
      env ? [sha, formatLocalTimestamp(before), opts!.environment!] : [sha, formatLocalTimestamp(before)],
    );
    return this.hydrate(runs, opts);
  }

  async loadAllRuns(opts?: LoadOptions): Promise<Run[]> {
    return this.hydrate(this.all<RunRow>(`SELECT ${COLS.run} FROM run r ORDER BY r.start_time, r.id`), opts);
  }

  async loadRuns(ids: readonly number[], opts?: LoadOptions): Promise<Run[]> {
    const clean = ids.filter(Number.isInteger);
    if (clean.length === 0) return [];
    const runs = this.all<RunRow>(`SELECT ${COLS.run} FROM run r WHERE r.id IN (${clean.join(',')})`);
    const byId = new Map(runs.map((r) => [r.id, r]));
    return this.hydrate(clean.map((id) => byId.get(id)).filter((r): r is RunRow => !!r), opts);
  }

  async listRunKeys(): Promise<RunKey[]> {
    const rows = this.all<{ id: number; start_time: string | null; root: string | null; uuid: string | null; source: string | null }>(
      'SELECT r.id, r.start_time, r.root, f.uuid, f.source FROM run r LEFT JOIN ffa_run f ON f.run_id = r.id ORDER BY r.start_time, r.id',
    );
    const plugin = this.pluginRunKeys();
    const byId = new Map([...plugin].map(([uuid, id]) => [id, uuid]));
    return rows.map((r) => ({
      id: r.id,
      uuid: r.uuid ?? byId.get(r.id) ?? '',
      startTime: parseTimestamp(r.start_time, 'local') ?? new Date(0),
      source: r.uuid ? r.source : 'plugin',
    }));
  }

  /** Derived uuids of runs without an ffa_run row (written by the plugin). */
  private pluginRunKeys(): Map<string, number> {
    if (this.pluginKeys) return this.pluginKeys;
    const runs = this.all<{ id: number; start_time: string | null; root: string | null }>(
      'SELECT id, start_time, root FROM run WHERE id NOT IN (SELECT run_id FROM ffa_run)',
    );
    const keys = new Map<string, number>();
    if (runs.length) {
      const names = new Map<number, string[]>();
      const stmt = this.open().prepare(
        'SELECT run_id, name FROM test WHERE run_id IN (SELECT id FROM run WHERE id NOT IN (SELECT run_id FROM ffa_run))',
      );
      try {
        while (stmt.step()) {
          const [runId, name] = stmt.get() as [number, string | null];
          const list = names.get(runId);
          if (list) list.push(name ?? '');
          else names.set(runId, [name ?? '']);
        }
      } finally {
        stmt.free();
      }
      for (const r of runs) {
        const t = parseTimestamp(r.start_time, 'local') ?? new Date(0);
        keys.set(pluginRunUuid(t, r.root, names.get(r.id) ?? []), r.id);
      }
    }
    this.pluginKeys = keys;
    return keys;
  }

  /**
   * Our runs are found by ffa_run.uuid; a plugin run's uuid is derived from its rows, so only a run
   * that came from a plugin database (sync) is also matched against the plugin runs here. That
   * keeps ordinary saves from reading every plugin run's test names.
   */
  private findRun(uuid: string, alsoPluginRuns = true): number | null {
    const id = this.scalar('SELECT run_id FROM ffa_run WHERE uuid = ?', [uuid]);
    if (typeof id === 'number') return id;
    return alsoPluginRuns ? (this.pluginRunKeys().get(uuid) ?? null) : null;
  }

  async flakiestTests(limit: number): Promise<TestFlakiness[]> {
    // A closed store answers nothing (its file may since hold verdicts sync appended), as every query here.
    this.open();
    const saved = this.lastSaved;
    if (saved) {
      const ranked = flakiestOfRun(saved.names, saved.flags, limit);
      if (ranked) return ranked;
    }
    return this.all(flakiestSql(limit)).map(toFlakiness);
  }

  async testOutcomes(): Promise<TestOutcomes[]> {
    return this.all(TEST_OUTCOMES_SQL).map((r) => toTestOutcomes(r as Record<string, unknown>));
  }

  async hasRun(uuid: string): Promise<boolean> {
    return this.findRun(uuid) !== null;
  }

  async save(run: Run, retention: Retention = {}): Promise<SaveResult> {
    if (this.readonly) throw new Error(`${this.path} was opened read-only`);
    const head = flattenHead(run);
    const sqljs = await loadSqlJs();
    const roomy = reopenWithRoom(sqljs, this.open(), estimateRoom(run));
    if (roomy) {
      this.db.close();
      this.db = roomy;
    }
    const db = this.open();
    const binder = DirectBinder.open(sqljs, db);
    // Everything below is synchronous: nothing else can touch the database mid-transaction.
    this.indexedRuns.clear();
    this.lastSaved = null;
    db.run('BEGIN');
    const stmts: Statement[] = [];
    const batches: BatchInsert[] = [];
    try {
      const existing = typeof head.ffaRun.uuid === 'string' ? this.findRun(head.ffaRun.uuid, head.ffaRun.source === 'plugin') : null;
      if (existing !== null) {
        db.run('COMMIT');
        return { runId: existing, pruned: 0, inserted: false };
      }
      const nextId = (table: string) => Number(this.scalar(`SELECT COALESCE(MAX(id), 0) + 1 FROM ${table}`));
      const ranksAlone = this.scalar('SELECT EXISTS (SELECT 1 FROM test) OR EXISTS (SELECT 1 FROM test_execution) OR EXISTS (SELECT 1 FROM flakefighter_result)') === 0;
      const insert = (table: keyof typeof FLAT_COLUMNS, withId: boolean) => {
        const cols = [...(withId ? ['id'] : []), ...FLAT_COLUMNS[table]];
        const stmt = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
        stmts.push(stmt);
        return stmt;
      };
      // Tables that get a row per test, execution, frame or verdict: many rows per statement (sqljs-batch.ts).
      const batch = (table: keyof typeof FLAT_COLUMNS, withId: boolean) => {
        const b = new BatchInsert(db, table, [...(withId ? ['id'] : []), ...FLAT_COLUMNS[table]], binder);
        batches.push(b);
        return b;
      };
      const b = (v: boolean) => (v ? 1 : 0);

      // Ids are assigned here (max + 1, what SQLite would pick) so children need no round trip.
      const runId = nextId('run');
      insert('run', true).run([runId, head.run.start_time, head.run.created_at, head.run.root, head.run.commit_sha]);
      const f = head.ffaRun;
      insert('ffa_run', false).run([
        runId, f.uuid, f.workflow, f.job, f.gh_run_id, f.run_attempt, f.run_number, f.ref, f.branch, f.repository, f.event_name, f.source, f.dialects, f.counts,
        f.environment, f.environment_label, f.dirty_tree === null ? null : b(f.dirty_tree),
      ]);
      let id = nextId('activeflakefighter');
      const affStmt = insert('activeflakefighter', true);
      for (const a of head.activeFlakefighters) affStmt.run([id++, runId, a.name, a.params]);

      // Tests and executions go from the run straight into their INSERTs, as column values (rows.ts flattenTests).
      const testIds: number[] = [];
      const execIds: number[] = [];
      let testId = nextId('test');
      let execId = nextId('test_execution');
      const tests = batch('test', true);
      const executions = batch('test_execution', true);
      // Each test's name, outcomes and verdicts as stored (flakiestOfRun), and where its executions start.
      const names: string[] | null = ranksAlone ? [] : null;
      const flags = ranksAlone ? new Uint8Array(run.tests.length) : null;
      const firstExec = ranksAlone ? new Uint32Array(run.tests.length) : null;
      const flat = flattenTests(run, {
        test(fspath, lineNo, name, skipped) {
          if (names && firstExec) {
            firstExec[testIds.length] = execIds.length;
            names.push(name);
          }
          testIds.push(testId);
          tests.put(testId++), tests.put(runId), tests.put(fspath), tests.put(lineNo), tests.put(name), tests.put(b(skipped));
          tests.endRow();
        },
        execution(testIndex, outcome, stdout, stderr, report, startTime, endTime, coverage) {
          execIds.push(execId);
          if (flags) flags[testIndex] |= outcomeFlags(outcome);
          executions.put(execId++), executions.put(testIds[testIndex]), executions.put(outcome), executions.put(stdout);
          executions.put(stderr), executions.put(report), executions.put(startTime), executions.put(endTime), executions.put(coverage);
          executions.endRow();
        },
      });
      tests.finish();
      executions.finish();
      const excIds: number[] = [];
      id = nextId('test_exception');
      const excs = batch('test_exception', true);
      for (const x of flat.exceptions) {
        excIds.push(id);
        excs.put(id++), excs.put(execIds[x.executionIndex]), excs.put(x.name);
        excs.endRow();
      }
      excs.finish();
      id = nextId('tracebackentry');
      const frames = batch('tracebackentry', true);
      for (const fr of flat.frames) {
        frames.put(id++), frames.put(excIds[fr.exceptionIndex]), frames.put(fr.path), frames.put(fr.lineno), frames.put(fr.colno), frames.put(fr.statement), frames.put(fr.source);
        frames.endRow();
      }
      frames.finish();
      const resultIds: number[] = [];
      id = nextId('flakefighter_result');
      const results = batch('flakefighter_result', true);
      for (const r of flat.results) {
        if (r.flaky && flags && firstExec) flags[r.testIndex ?? testOfExecution(firstExec, r.executionIndex!)] |= TEST_FLAKY;
        resultIds.push(id);
        results.put(id++);
        results.put(r.executionIndex === null ? null : execIds[r.executionIndex]);
        results.put(r.testIndex === null ? null : testIds[r.testIndex]);
        results.put(r.name), results.put(b(r.flaky));
        results.endRow();
      }
      results.finish();
      const evidence = batch('ffa_result_evidence', false);
      for (const ev of flat.evidence) {
        evidence.put(resultIds[ev.resultIndex]), evidence.put(ev.evidence);
        evidence.endRow();
      }
      evidence.finish();
      const learnedRows = batch('ffa_learned_result', false);
      for (const l of flat.learned) {
        learnedRows.put(resultIds[l.resultIndex]), learnedRows.put(l.learned_at), learnedRows.put(l.learned_from_run);
        learnedRows.endRow();
      }
      learnedRows.finish();
      // The signature index in the same transaction; runs whose verdicts the learning changes are indexed again when read.
      writeIndexSqlite(db, indexRun(run, runId, SQLITE_KEEPS, savedIds(run, testIds, execIds)), binder);
      // This run's passes show stored failures of the same code and environment to be flaky (issue 18).
      const learned = learnOnSaveSqlite(db, runId, { ...head, passedTestNames: () => passedTestNames(run) });
      forgetRunsSqlite(db, learned.map((l) => l.runId));

      const pruned = this.prune(runId, retention);
      db.run('COMMIT');
      this.dirty = true;
      // Learning writes verdicts into other runs only (none here); should it write any, the query ranks.
      if (names && flags && learned.length === 0) this.lastSaved = { names, flags };
      // New runs always get an ffa_run row; only pruning can remove plugin runs.
      if (pruned > 0) this.pluginKeys = null;
      return { runId, pruned, inserted: true, ...(learned.length ? { learned } : {}) };
    } catch (err) {
      try {
        db.run('ROLLBACK');
      } catch {
        // the transaction may already be gone; the error below is the one that matters
      }
      this.pluginKeys = null;
      throw schemaDrift(err, this.path) ?? err;
    } finally {
      for (const s of stmts) s.free();
      for (const s of batches) s.free();
      binder?.free();
    }
  }

  /**
   * Retention inside the save transaction: keeps the `storeMaxRuns` newest runs (the new one
   * included) and none older than `since`; the new run itself is never pruned. Children are
   * deleted explicitly, bottom-up (the schema has no cascades).
   */
  private prune(newRunId: number, retention: Retention): number {
    const db = this.open();
    const conds: string[] = [];
    const params: SqlValue[] = [];
    if (retention.storeMaxRuns !== undefined && retention.storeMaxRuns !== null) {
      // Kept: the newest by start time, a run stamped after the new run's start (a clock ahead) ranked
      // just after the newest run saved before it (history-skew.ts), so it never displaces newer runs.
      conds.push(
        `id NOT IN (SELECT r.id FROM run r ORDER BY (CASE WHEN r.start_time > (SELECT start_time FROM run WHERE id = ?) THEN (SELECT MAX(p.start_time) FROM run p WHERE p.id < r.id AND p.start_time <= (SELECT start_time FROM run WHERE id = ?)) ELSE r.start_time END) DESC, r.id DESC LIMIT ?)`,
      );
      params.push(newRunId, newRunId, Math.max(1, Math.floor(retention.storeMaxRuns)));
      const spared = (retention.keepCommits ?? []).filter((c) => c !== '');
      if (spared.length) {
        // Runs a later run of this code still reads (DiffCov's source runs) outlast the count, not time-immemorial.
        conds[conds.length - 1] = `(${conds[conds.length - 1]} AND (commit_sha IS NULL OR commit_sha NOT IN (${spared.map(() => '?').join(', ')})))`;
        params.push(...spared);
      }
    }
    // An invalid date formats as "NaN-NaN-…", which sorts after every real timestamp: every run would go.
    if (retention.since && Number.isFinite(retention.since.getTime())) {
      conds.push('start_time < ?');
      params.push(formatLocalTimestamp(retention.since));
    }
    if (conds.length === 0) return 0;
    const victims = this.all<{ id: number }>(`SELECT id FROM run WHERE id <> ? AND (${conds.join(' OR ')})`, [newRunId, ...params]).map((r) => r.id);
    if (victims.length === 0) return 0;
    forgetRunsSqlite(db, victims);
    const tmp = ['ffa_del_run', 'ffa_del_test', 'ffa_del_exec', 'ffa_del_exc', 'ffa_del_res'];
    for (const t of tmp) db.run(`CREATE TEMP TABLE IF NOT EXISTS ${t} (id INTEGER PRIMARY KEY)`);
    try {
      for (const t of tmp) db.run(`DELETE FROM temp.${t}`);
      db.run(`INSERT INTO temp.ffa_del_run (id) VALUES ${victims.map((v) => `(${v})`).join(',')}`);
      db.run('INSERT INTO temp.ffa_del_test SELECT id FROM test WHERE run_id IN (SELECT id FROM temp.ffa_del_run)');
      db.run('INSERT INTO temp.ffa_del_exec SELECT id FROM test_execution WHERE test_id IN (SELECT id FROM temp.ffa_del_test)');
      db.run('INSERT INTO temp.ffa_del_exc SELECT id FROM test_exception WHERE execution_id IN (SELECT id FROM temp.ffa_del_exec)');
      db.run(
        'INSERT INTO temp.ffa_del_res SELECT id FROM flakefighter_result WHERE test_id IN (SELECT id FROM temp.ffa_del_test) OR test_execution_id IN (SELECT id FROM temp.ffa_del_exec)',
      );
      db.run('DELETE FROM ffa_learned_result WHERE result_id IN (SELECT id FROM temp.ffa_del_res)');
      db.run('DELETE FROM ffa_result_evidence WHERE result_id IN (SELECT id FROM temp.ffa_del_res)');
      db.run('DELETE FROM flakefighter_result WHERE id IN (SELECT id FROM temp.ffa_del_res)');
      db.run('DELETE FROM tracebackentry WHERE exception_id IN (SELECT id FROM temp.ffa_del_exc)');
      db.run('DELETE FROM test_exception WHERE id IN (SELECT id FROM temp.ffa_del_exc)');
      db.run('DELETE FROM test_execution WHERE id IN (SELECT id FROM temp.ffa_del_exec)');
      db.run('DELETE FROM test WHERE id IN (SELECT id FROM temp.ffa_del_test)');
      db.run('DELETE FROM activeflakefighter WHERE run_id IN (SELECT id FROM temp.ffa_del_run)');
      db.run('DELETE FROM ffa_run WHERE run_id IN (SELECT id FROM temp.ffa_del_run)');
      db.run('DELETE FROM run WHERE id IN (SELECT id FROM temp.ffa_del_run)');
    } finally {
      for (const t of tmp) db.run(`DELETE FROM temp.${t}`);
    }
    return victims.length;
  }

  async databaseSize(): Promise<DatabaseSize> {
    return sqliteDatabaseSize(this.open());
  }

  async tableCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of [...PLUGIN_TABLES, ...FFA_TABLES]) out[t] = Number(this.scalar(`SELECT COUNT(*) FROM ${t}`));
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.dirty && !this.readonly) await persistDatabase(this.disk.target, this.db.export(), this.disk.lockBusy);
      this.dirty = false;
    } finally {
      this.closed = true;
      this.db.close();
      await this.disk.lock?.release();
    }
  }
}
