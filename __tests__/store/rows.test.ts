import { describe, test } from 'node:test';
import { countRun } from '../../src/model.ts';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  FLAT_COLUMNS,
  flattenRun,
  formatLocalTimestamp,
  formatUtcTimestamp,
  hydrateRuns,
  parseTimestamp,
  pluginRunUuid,
  type RunRows,
} from '../../src/store/rows.ts';
import {
  FFA_COLUMNS,
  FFA_TABLES,
  FFA_SCHEMA_VERSION,
  PLUGIN_COLUMNS,
  PLUGIN_TABLES,
  POSTGRES_PLUGIN_DDL,
  SQLITE_PLUGIN_DDL,
  checkFfaVersion,
  checkTableColumns,
} from '../../src/store/schema.ts';
import { UserError } from '../../src/store/store.ts';
import { toPlain } from '../../src/store/pickle.ts';
import { sampleRun } from './sample-run.ts';
import { SHARED } from '../helpers/shared-dir.ts';

function withTz<T>(tz: string, fn: () => T): T {
  const old = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env.TZ;
    else process.env.TZ = old;
  }
}

describe('schema DDL', () => {
  for (const [dialect, ddl] of [
    ['sqlite', SQLITE_PLUGIN_DDL],
    ['postgres', POSTGRES_PLUGIN_DDL],
  ] as const) {
    test(`${dialect} DDL is the fixture's, table by table`, () => {
      const file = readFileSync(`${SHARED}/plugin/schema.${dialect}.sql`, 'utf8');
      const stmts = file.match(/^CREATE TABLE [\s\S]*?\n\)/gm) ?? [];
      assert.equal(stmts.length, 7);
      for (const s of stmts) {
        const name = /^CREATE TABLE (\w+)/.exec(s)![1] as (typeof PLUGIN_TABLES)[number];
        assert.equal(ddl[name], s, name);
      }
    });
  }
  test('column checks name the file and what is missing', () => {
    assert.equal(checkTableColumns('run', ['id', 'start_time', 'created_at', 'root', 'commit_sha', 'extra'], 'x.db'), null);
    const msg = checkTableColumns('run', ['x'], 'x.db')!;
    assert.match(msg, /^x\.db is not a pytest-flakefighters database: its table "run" has columns \(x\) but lacks id, start_time/);
    assert.equal(Object.keys(PLUGIN_COLUMNS).length, 7);
    // Our tables: meta, run, evidence, learned results (schema 3) and the traceback signature index (schema 4).
    assert.deepEqual(Object.keys(FFA_COLUMNS).sort(), [...FFA_TABLES].sort());
    assert.equal(Object.keys(FFA_COLUMNS).length, 7);
  });
  test('schema version check', () => {
    checkFfaVersion(null, 'x');
    for (let v = 1; v <= FFA_SCHEMA_VERSION; v++) checkFfaVersion(String(v), 'x');
    const newer = FFA_SCHEMA_VERSION + 1;
    assert.throws(() => checkFfaVersion(String(newer), 'db'), (e: Error) => e instanceof UserError && e.message.includes(`schema ${newer} > ${FFA_SCHEMA_VERSION}`));
    assert.throws(() => checkFfaVersion('abc', 'db'), UserError);
  });
});

describe('timestamps', () => {
  test('local naive text like Python datetime.now(), UTC created_at like CURRENT_TIMESTAMP', () => {
    withTz('America/New_York', () => {
      const d = new Date(Date.UTC(2026, 10, 25, 17, 53, 13, 448));
      assert.equal(formatLocalTimestamp(d), '2026-11-25 12:53:13.448000');
      assert.equal(formatUtcTimestamp(d), '2026-11-25 17:53:13');
      assert.equal(parseTimestamp('2026-11-25 12:53:13.448012', 'local')!.getTime(), d.getTime());
      assert.equal(parseTimestamp('2026-11-25 17:53:13', 'utc')!.getTime(), Date.UTC(2026, 10, 25, 17, 53, 13));
      // Postgres text forms: trimmed fraction, offsets
      assert.equal(parseTimestamp('2026-11-25 17:53:13.4+00', 'local')!.getTime(), Date.UTC(2026, 10, 25, 17, 53, 13, 400));
      assert.equal(parseTimestamp('2026-11-25T19:53:13+02:00', 'local')!.getTime(), Date.UTC(2026, 10, 25, 17, 53, 13));
    });
    withTz('UTC', () => {
      assert.equal(formatLocalTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))), '2026-01-02 03:04:05.006000');
    });
    assert.equal(parseTimestamp('garbage', 'local'), null);
    assert.equal(parseTimestamp(null, 'local'), null);
    const d = new Date();
    assert.equal(parseTimestamp(d, 'utc'), d);
  });
});

describe('plugin run uuid', () => {
  test('is deterministic, ignores test order and sub-millisecond digits, and changes with the key', () => {
    const t = parseTimestamp('2026-11-25 17:53:13.385395', 'local')!;
    const t2 = parseTimestamp('2026-11-25 17:53:13.385', 'local')!;
    const a = pluginRunUuid(t, '/r', ['b', 'a']);
    assert.equal(pluginRunUuid(t2, '/r', ['a', 'b']), a);
    assert.notEqual(pluginRunUuid(t, '/r', ['a']), a);
    assert.notEqual(pluginRunUuid(t, '/s', ['a', 'b']), a);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

/** Plays a back end: assigns ids to flattened rows and hands them back to hydrateRuns. */
function fakeInsert(flat: ReturnType<typeof flattenRun>, runId: number, asPostgres: boolean): RunRows {
  const ts = (s: string | null) => (asPostgres && s ? parseTimestamp(s, 'local') : s);
  const bool = (b: boolean) => (asPostgres ? b : b ? 1 : 0);
  const testIds = flat.tests.map((_, i) => 100 + i);
  const execIds = flat.executions.map((_, i) => 200 + i);
  const excIds = flat.exceptions.map((_, i) => 300 + i);
  const resIds = flat.results.map((_, i) => 400 + i);
  return {
    runs: [{ id: runId, ...flat.run, start_time: ts(flat.run.start_time) }],
    ffaRuns: [{ run_id: runId, ...flat.ffaRun }],
    activeFlakefighters: flat.activeFlakefighters.map((a, i) => ({ id: i + 1, run_id: runId, ...a })),
    tests: flat.tests.map((t, i) => ({ id: testIds[i], run_id: runId, ...t, skipped: bool(t.skipped) })),
    executions: flat.executions.map(({ testIndex, ...e }, i) => ({
      id: execIds[i],
      test_id: testIds[testIndex],
      ...e,
      start_time: ts(e.start_time),
      end_time: ts(e.end_time),
    })),
    exceptions: flat.exceptions.map(({ executionIndex, ...x }, i) => ({ id: excIds[i], execution_id: execIds[executionIndex], ...x })),
    frames: flat.frames.map(({ exceptionIndex, ...f }, i) => ({ id: 500 + i, exception_id: excIds[exceptionIndex], ...f })),
    results: flat.results.map(({ testIndex, executionIndex, ...r }, i) => ({
      id: resIds[i],
      test_id: testIndex === null ? null : testIds[testIndex],
      test_execution_id: executionIndex === null ? null : execIds[executionIndex],
      ...r,
      flaky: bool(r.flaky),
    })),
    evidence: flat.evidence.map((e) => ({ result_id: resIds[e.resultIndex], evidence: e.evidence })),
  };
}

describe('flattenRun / hydrateRuns', () => {
  for (const asPostgres of [false, true]) {
    test(`round trip through rows (${asPostgres ? 'Date + boolean columns' : 'text + 0/1 columns'})`, () => {
      const run = sampleRun({ tests: 5 });
      const flat = flattenRun(run, new Date(Date.UTC(2026, 10, 25, 12, 0, 1)));
      assert.equal(flat.run.created_at, '2026-11-25 12:00:01');
      assert.equal(flat.executions.length, 7);
      assert.ok(flat.results.every((r) => (r.testIndex === null) !== (r.executionIndex === null)));
      const [back] = hydrateRuns(fakeInsert(flat, 7, asPostgres));
      const norm = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'id' || k === 'createdAt' ? undefined : v instanceof Map ? toPlain(v) : v)));
      assert.deepEqual(norm(back), norm({ ...run, meta: { ...run.meta, counts: countRun(run) } }));
      assert.equal(back.id, 7);
    });
  }
  test('FLAT_COLUMNS match the New*Row fields', () => {
    const flat = flattenRun(sampleRun());
    const keys = (o: object) => Object.keys(o).filter((k) => !k.endsWith('Index'));
    assert.deepEqual(keys(flat.tests[0]), FLAT_COLUMNS.test.slice(1));
    assert.deepEqual(keys(flat.executions[0]), FLAT_COLUMNS.test_execution.slice(1));
    assert.deepEqual(keys(flat.frames[0]), FLAT_COLUMNS.tracebackentry.slice(1));
    assert.deepEqual(keys(flat.ffaRun), FLAT_COLUMNS.ffa_run.slice(1));
    assert.deepEqual(keys(flat.run), [...FLAT_COLUMNS.run]);
  });
  test('passing executions are stored with report "None"; lineno is kept as given (0-based)', () => {
    const run = sampleRun({ tests: 2 });
    run.tests[0].executions[0].report = '';
    const flat = flattenRun(run);
    assert.equal(flat.executions[0].report, 'None');
    assert.equal(flat.frames[0].lineno, 1);
  });
  test('a run without an ffa_run row is a plugin run with a derived uuid; bad rows warn', () => {
    const flat = flattenRun(sampleRun({ tests: 2 }));
    const rows = fakeInsert(flat, 1, false);
    rows.ffaRuns = [];
    rows.executions[0].coverage = new Uint8Array([0x80, 4, 0xff]);
    rows.evidence[0].evidence = '{oops';
    const warnings: string[] = [];
    const [run] = hydrateRuns(rows, { warn: (m) => warnings.push(m) });
    assert.equal(run.meta.source, 'plugin');
    assert.equal(run.meta.uuid, pluginRunUuid(parseTimestamp(flat.run.start_time, 'local')!, flat.run.root, flat.tests.map((t) => t.name)));
    assert.equal(run.tests[0].executions[0].coverage, null);
    assert.equal(warnings.length, 2);
    assert.deepEqual(run.tests[1].executions[0].results[0].evidence, { reason: '{oops' });
  });
});
