import { describe, test } from 'node:test';
import { countRun } from '../../src/model.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testFlaky, type Run } from '../../src/model.ts';
import { OpaqueObject, PickleDict, toPlain } from '../../src/store/pickle.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { FFA_SCHEMA_VERSION, PLUGIN_TABLES } from '../../src/store/schema.ts';
import { UserError } from '../../src/store/store.ts';
import { python } from './python.ts';
import { FIXTURE_DB, FIXTURE_DB7, copyFixture, sampleRun, tempDir } from './sample-run.ts';
import { SHARED } from '../helpers/shared-dir.ts';

function counts(runs: Run[]) {
  const c = { runs: runs.length, tests: 0, executions: 0, exceptions: 0, traceback_entries: 0, results: 0, flaky_tests: 0 };
  for (const r of runs)
    for (const t of r.tests) {
      c.tests++;
      c.results += t.results.length;
      if (testFlaky(t)) c.flaky_tests++;
      for (const e of t.executions) {
        c.executions++;
        c.results += e.results.length;
        if (e.exception) {
          c.exceptions++;
          c.traceback_entries += e.exception.frames.length;
        }
      }
    }
  return c;
}

async function sqliteMaster(path: string): Promise<Map<string, string>> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    const res = db.exec("SELECT name, sql FROM sqlite_master WHERE type = 'table'");
    return new Map((res[0]?.values ?? []).map((r) => [String(r[0]), String(r[1])]));
  } finally {
    db.close();
  }
}

/** Rows of every table, and rows whose parent is gone. */
async function census(path: string): Promise<{ counts: Record<string, number>; orphans: Record<string, number> }> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  const n = (sql: string) => Number(db.exec(sql)[0].values[0][0]);
  try {
    const counts: Record<string, number> = {};
    for (const t of [...PLUGIN_TABLES, 'ffa_run', 'ffa_result_evidence']) counts[t] = n(`SELECT COUNT(*) FROM ${t}`);
    const orphans = {
      activeflakefighter: n('SELECT COUNT(*) FROM activeflakefighter WHERE run_id NOT IN (SELECT id FROM run)'),
      test: n('SELECT COUNT(*) FROM test WHERE run_id NOT IN (SELECT id FROM run)'),
      test_execution: n('SELECT COUNT(*) FROM test_execution WHERE test_id NOT IN (SELECT id FROM test)'),
      test_exception: n('SELECT COUNT(*) FROM test_exception WHERE execution_id NOT IN (SELECT id FROM test_execution)'),
      tracebackentry: n('SELECT COUNT(*) FROM tracebackentry WHERE exception_id NOT IN (SELECT id FROM test_exception)'),
      flakefighter_result: n(
        'SELECT COUNT(*) FROM flakefighter_result WHERE (test_id IS NOT NULL AND test_id NOT IN (SELECT id FROM test)) OR (test_execution_id IS NOT NULL AND test_execution_id NOT IN (SELECT id FROM test_execution))',
      ),
      ffa_run: n('SELECT COUNT(*) FROM ffa_run WHERE run_id NOT IN (SELECT id FROM run)'),
      ffa_result_evidence: n('SELECT COUNT(*) FROM ffa_result_evidence WHERE result_id NOT IN (SELECT id FROM flakefighter_result)'),
    };
    return { counts, orphans };
  } finally {
    db.close();
  }
}

/** Drops what the store adds (ids) so a loaded run compares with the one saved. */
function strip(run: Run): unknown {
  return JSON.parse(
    JSON.stringify(run, (k, v) => (k === 'id' ? undefined : v instanceof PickleDict ? toPlain(v) : v)),
  );
}

describe('plugin-written databases', () => {
  for (const [label, src, frames, flaky] of [
    ['pytest 8', FIXTURE_DB, 460, 19],
    ['pytest 7', FIXTURE_DB7, 28, 11],
  ] as const) {
    test(`loads the ${label} fixture completely`, async () => {
      const path = copyFixture(src);
      const store = await openSqliteStore(path);
      const runs = await store.loadAllRuns();
      assert.deepEqual(counts(runs), {
        runs: 5,
        tests: 50,
        executions: 58,
        exceptions: 16,
        traceback_entries: frames,
        results: 219,
        flaky_tests: flaky,
      });
      assert.deepEqual(store.warnings, []);
      const r1 = runs[0];
      assert.equal(r1.meta.source, 'plugin');
      assert.match(r1.meta.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(new Set(runs.map((r) => r.meta.uuid)).size, 5);
      assert.equal(r1.commitSha, null);
      assert.equal(r1.activeFlakefighters.map((a) => a.name).join(','), 'DiffCov,TracebackMatching,CosineSimilarity,CoverageIndependence');
      const diffcov = r1.activeFlakefighters[0].params;
      assert.ok(diffcov instanceof PickleDict);
      const repo = diffcov.get('root');
      assert.ok(repo instanceof OpaqueObject && repo.qualname === 'Repo' && repo.module === 'git.repo.base');
      const cov = r1.activeFlakefighters[3].params as PickleDict;
      assert.equal(cov.get('threshold'), 0.05);
      // created_at is UTC without fraction: 2026-11-25 17:53:14 for run 1 of the main set
      if (label === 'pytest 8') {
        assert.equal(r1.createdAt?.toISOString(), '2026-11-25T17:53:14.000Z');
        const e = runs[2].tests.flatMap((t) => t.executions).find((x) => x.id === 21)!;
        assert.equal(e.report, 'None');
        assert.deepEqual(e.coverage?.['/home/runner/work/sample/sample/tests/test_misc.py'], [1, 4]);
      }
      const skipped = runs[0].tests.find((t) => t.name.endsWith('test_remove_item'))!;
      assert.equal(skipped.executions.length, 0);
      const failed = runs.flatMap((r) => r.tests).flatMap((t) => t.executions).filter((e) => e.exception);
      assert.ok(failed.every((e) => e.outcome === 'failed'));
      assert.ok(failed.every((e) => e.exception!.frames.every((f) => f.colno === null)));
      await store.close();
    });
  }

  test('opening a plugin database adds only our tables; the plugin tables stay byte-identical', async () => {
    const path = copyFixture();
    const before = await sqliteMaster(FIXTURE_DB);
    const store = await openSqliteStore(path);
    await store.close();
    const after = await sqliteMaster(path);
    for (const t of PLUGIN_TABLES) assert.equal(after.get(t), before.get(t), t);
    assert.deepEqual([...after.keys()].filter((t) => !before.has(t)).sort(), [
      'ffa_learned_result', 'ffa_meta', 'ffa_result_evidence', 'ffa_run', 'ffa_traceback_run', 'ffa_traceback_seen', 'ffa_traceback_signature',
    ]);
    assert.equal((await census(path)).counts.run, 5);
  });

  test('read-only opening never writes', async () => {
    const path = copyFixture();
    const bytes = readFileSync(path);
    const store = await openSqliteStore(path, { readonly: true });
    assert.equal((await store.loadAllRuns()).length, 5);
    await assert.rejects(store.save(sampleRun()), /read-only/);
    await store.close();
    assert.deepEqual(readFileSync(path), bytes);
  });

  test('a plugin run saved again is recognised by its natural key', async () => {
    const path = copyFixture();
    const store = await openSqliteStore(path);
    const runs = await store.loadAllRuns();
    const res = await store.save(runs[2]);
    assert.deepEqual(res, { runId: 3, pruned: 0, inserted: false });
    assert.ok(await store.hasRun(runs[4].meta.uuid));
    await store.close();
    // into another database: inserted once, then found by uuid
    const other = join(tempDir(), 'other.db');
    const dst = await openSqliteStore(other);
    assert.equal((await dst.save(runs[2])).inserted, true);
    assert.equal((await dst.save(runs[2])).inserted, false);
    const back = (await dst.loadAllRuns())[0];
    assert.equal(back.meta.uuid, runs[2].meta.uuid);
    assert.deepEqual(counts([back]), counts([runs[2]]));
    // DiffCov's Repo was written as its working directory, which Python can load without GitPython
    assert.equal((back.activeFlakefighters[0].params as PickleDict).get('root'), '/home/runner/work/sample/sample');
    await dst.close();
  });
});

describe('a database we create', () => {
  test('has exactly the plugin DDL for the plugin tables, and our schema version', async () => {
    const path = join(tempDir(), 'new.db');
    const store = await openSqliteStore(path);
    await store.close();
    const ours = await sqliteMaster(path);
    const plugin = await sqliteMaster(FIXTURE_DB);
    for (const t of PLUGIN_TABLES) assert.equal(ours.get(t), plugin.get(t), t);
    const ddlFile = readFileSync(`${SHARED}/plugin/schema.sqlite.sql`, 'utf8');
    for (const t of PLUGIN_TABLES) assert.ok(ddlFile.includes(ours.get(t)!), `${t} as in schema.sqlite.sql`);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(path));
    assert.equal(db.exec("SELECT value FROM ffa_meta WHERE key = 'schema_version'")[0].values[0][0], String(FFA_SCHEMA_VERSION));
    assert.equal(db.exec('PRAGMA user_version')[0].values[0][0], 0);
    db.close();
  });

  test('python3 sqlite3 + pickle reads every table and every pickled column', async () => {
    const path = join(tempDir(), 'py.db');
    const store = await openSqliteStore(path);
    await store.save(sampleRun({ tests: 6 }));
    await store.save(sampleRun({ tests: 3, start: new Date(2026, 10, 26, 9, 0, 0, 5), uuid: 'second' }));
    await store.close();
    const out = python(
      `
import sqlite3, pickle, sys, json
c = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in c.execute("select name from sqlite_master where type='table'")]
n = {t: c.execute(f'select count(*) from {t}').fetchone()[0] for t in tables}
params = [pickle.loads(r[0]) for r in c.execute('select params from activeflakefighter')]
covs = [pickle.loads(r[0]) for r in c.execute('select coverage from test_execution where coverage is not null')]
run = c.execute('select start_time, created_at, root, commit_sha from run order by id').fetchall()
ex = c.execute("select outcome, report, start_time from test_execution order by id").fetchall()
tb = c.execute('select lineno, colno from tracebackentry order by id').fetchall()
ev = [json.loads(r[0]) for r in c.execute('select evidence from ffa_result_evidence')]
ffa = c.execute('select uuid, dialects, run_attempt from ffa_run order by run_id').fetchall()
import datetime
for (s, e) in c.execute('select start_time, end_time from test_execution'):
    assert datetime.datetime.fromisoformat(s) <= datetime.datetime.fromisoformat(e)
for (s, cr) in c.execute('select start_time, created_at from run'):
    datetime.datetime.strptime(s, '%Y-%m-%d %H:%M:%S.%f'); datetime.datetime.strptime(cr, '%Y-%m-%d %H:%M:%S')
flaky = c.execute('select flaky, typeof(flaky) from flakefighter_result order by id').fetchall()
print(json.dumps({'n': n, 'params': params, 'cov': covs[0], 'ncov': len(covs), 'run': run, 'ex': ex[:2], 'tb': tb[:2], 'ev': ev[0], 'ffa': ffa, 'flaky': flaky[:2]}))
`,
      undefined,
      [path],
    );
    const v = JSON.parse(out);
    assert.equal(v.n.run, 2);
    assert.equal(v.n.test, 9);
    assert.deepEqual(v.params[1], { run_live: false, root: '/home/runner/work/app/app', threshold: 0.8 });
    assert.deepEqual(v.cov, { '/home/runner/work/app/app/app.py': [1, 2] });
    assert.match(v.run[0][0], /^2026-11-25 12:00:00\.123000$/);
    assert.match(v.run[0][1], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(v.run[0][3], 'abc123');
    assert.deepEqual(v.ex[0].slice(0, 2), ['passed', 'None']);
    assert.match(v.ex[0][2], /^2026-11-25 12:00:00\.123000$/);
    assert.deepEqual(v.tb[0], [1, null]);
    assert.equal(v.ev.reason, 'failed then passed on retry in this run');
    assert.deepEqual(v.ffa[0], ['00000000-0000-4000-8000-' + String(new Date(2026, 10, 25, 12, 0, 0, 123).getTime()).padStart(12, '0').slice(-12), '["pytest"]', 1]);
    assert.deepEqual(v.flaky[0], [1, 'integer']);
  });
});

describe('save and load', () => {
  test('round trip keeps every field', async () => {
    const path = join(tempDir(), 'rt.db');
    const run = sampleRun({ tests: 5 });
    const store = await openSqliteStore(path);
    const res = await store.save(run);
    assert.deepEqual(res, { runId: 1, pruned: 0, inserted: true });
    await store.close();
    const again = await openSqliteStore(path);
    const [back] = await again.loadAllRuns();
    assert.ok(back.createdAt instanceof Date);
    const expected = strip({ ...run, createdAt: back.createdAt, meta: { ...run.meta, counts: countRun(run) } });
    assert.deepEqual(strip(back), expected);
    assert.ok(back.tests.every((t) => typeof t.id === 'number'));
    await again.close();
  });

  test('saving the same uuid twice writes nothing the second time', async () => {
    const path = join(tempDir(), 'idem.db');
    const store = await openSqliteStore(path);
    const run = sampleRun();
    const a = await store.save(run);
    const before = await store.tableCounts();
    const b = await store.save({ ...run, tests: [] });
    assert.deepEqual(b, { runId: a.runId, pruned: 0, inserted: false });
    assert.deepEqual(await store.tableCounts(), before);
    assert.equal(await store.hasRun(run.meta.uuid), true);
    assert.equal(await store.hasRun('nope'), false);
    await store.close();
  });

  test('history: before, newest first, maxRuns, since; runs for a commit', async () => {
    const path = join(tempDir(), 'hist.db');
    const store = await openSqliteStore(path);
    const day = (d: number) => new Date(2026, 0, d, 10, 0, 0, 0);
    for (const d of [3, 1, 5, 2, 4]) await store.save(sampleRun({ start: day(d), uuid: `u${d}`, commitSha: d % 2 ? 'odd' : 'even' }));
    const ids = (runs: Run[]) => runs.map((r) => r.meta.uuid);
    assert.deepEqual(ids(await store.loadHistory({ before: day(6) })), ['u5', 'u4', 'u3', 'u2', 'u1']);
    assert.deepEqual(ids(await store.loadHistory({ before: day(4) })), ['u3', 'u2', 'u1']);
    assert.deepEqual(ids(await store.loadHistory({ before: day(5) })), ['u4', 'u3', 'u2', 'u1'], 'strictly before');
    assert.deepEqual(ids(await store.loadHistory({ before: day(6), maxRuns: 2 })), ['u5', 'u4']);
    assert.deepEqual(ids(await store.loadHistory({ before: day(6), since: day(3) })), ['u5', 'u4', 'u3']);
    assert.deepEqual(ids(await store.loadHistory({ before: day(5), since: day(2), maxRuns: 2 })), ['u4', 'u3']);
    assert.deepEqual(ids(await store.loadHistory({ before: day(6), maxRuns: 0 })), []);
    assert.deepEqual(ids(await store.loadRunsForCommit('odd', day(5))), ['u3', 'u1']);
    assert.deepEqual(ids(await store.loadRunsForCommit(null, day(9))), []);
    const keys = await store.listRunKeys();
    assert.deepEqual(keys.map((k) => k.uuid), ['u1', 'u2', 'u3', 'u4', 'u5']);
    const some = await store.loadRuns([5, 1, 99]);
    assert.deepEqual(ids(some), ['u4', 'u3']);
    await store.close();
  });

  test('failuresOnly leaves out passing executions without results; coverage:false skips pickles', async () => {
    const path = join(tempDir(), 'fo.db');
    const store = await openSqliteStore(path);
    await store.save(sampleRun({ tests: 6, start: new Date(2026, 0, 1) }));
    const [full] = await store.loadHistory({ before: new Date(2027, 0, 1) });
    const [slim] = await store.loadHistory({ before: new Date(2027, 0, 1) }, { failuresOnly: true, coverage: false });
    assert.equal(full.tests.length, 6);
    assert.deepEqual(slim.tests.map((t) => t.name), full.tests.filter((t) => t.executions.some((e) => e.outcome === 'failed')).map((t) => t.name));
    assert.ok(slim.tests.every((t) => t.executions.every((e) => e.outcome === 'failed' && e.coverage === null)));
    assert.deepEqual(slim.tests.map(testFlaky), full.tests.filter((t) => slim.tests.some((s) => s.name === t.name)).map(testFlaky));
    assert.equal(slim.tests[0].executions[0].exception?.frames.length, 2);
    await store.close();
  });

  test('retention keeps the N newest runs (the new one included) and leaves no orphans', async () => {
    const path = join(tempDir(), 'ret.db');
    const store = await openSqliteStore(path);
    const day = (d: number) => new Date(2026, 1, d, 8, 0, 0);
    for (let d = 1; d <= 5; d++) await store.save(sampleRun({ start: day(d), uuid: `r${d}` }));
    const res = await store.save(sampleRun({ start: day(6), uuid: 'r6' }), { storeMaxRuns: 3 });
    assert.equal(res.pruned, 3);
    assert.deepEqual((await store.listRunKeys()).map((k) => k.uuid), ['r4', 'r5', 'r6']);
    const bySince = await store.save(sampleRun({ start: day(7), uuid: 'r7' }), { since: day(5) });
    assert.equal(bySince.pruned, 1);
    assert.deepEqual((await store.listRunKeys()).map((k) => k.uuid), ['r5', 'r6', 'r7']);
    await store.close();
    const { counts: c, orphans } = await census(path);
    assert.deepEqual(Object.values(orphans), Object.values(orphans).map(() => 0), JSON.stringify(orphans));
    // sampleRun(): 4 tests (2 failing), 6 executions, 2 exceptions, 4 frames, 6 results (2 with evidence), 2 flakefighters
    assert.deepEqual(c, {
      run: 3,
      activeflakefighter: 6,
      test: 12,
      test_execution: 18,
      test_exception: 6,
      flakefighter_result: 18,
      tracebackentry: 12,
      ffa_run: 3,
      ffa_result_evidence: 6,
    });
  });

  test('retention on a plugin database deletes the children the plugin would orphan', async () => {
    const path = copyFixture();
    const store = await openSqliteStore(path);
    const res = await store.save(sampleRun({ start: new Date(2027, 0, 1) }), { storeMaxRuns: 2 });
    assert.equal(res.pruned, 4);
    await store.close();
    const { counts: c, orphans } = await census(path);
    assert.equal(c.run, 2);
    assert.equal(c.test, 14);
    assert.deepEqual(Object.values(orphans), Object.values(orphans).map(() => 0), JSON.stringify(orphans));
  });

  test('a failing save leaves no partial run', async () => {
    const path = join(tempDir(), 'fail.db');
    const store = await openSqliteStore(path);
    await store.save(sampleRun({ start: new Date(2026, 0, 1), uuid: 'ok' }));
    const before = await store.tableCounts();
    // NOT NULL violation after the run row was inserted (ffa_run.uuid)
    const noUuid = sampleRun({ start: new Date(2026, 0, 2) });
    (noUuid.meta as { uuid: unknown }).uuid = null;
    await assert.rejects(store.save(noUuid), /NOT NULL/);
    assert.deepEqual(await store.tableCounts(), before);
    // a value that cannot be bound, in the 3rd test, after run, flakefighters and 2 tests were written
    const bad = sampleRun({ start: new Date(2026, 0, 3), uuid: 'bad', tests: 4 });
    (bad.tests[2] as { lineNo: unknown }).lineNo = { not: 'a number' };
    await assert.rejects(store.save(bad));
    assert.deepEqual(await store.tableCounts(), before);
    assert.equal(await store.hasRun('bad'), false);
    // the store still works afterwards
    assert.equal((await store.save(sampleRun({ start: new Date(2026, 0, 4), uuid: 'next' }))).inserted, true);
    await store.close();
    assert.deepEqual((await census(path)).counts.run, 2);
  });
});

describe('the file on disk', () => {
  test('writes atomically, leaves no temp file, and writes only when something changed', async () => {
    const dir = tempDir();
    const path = join(dir, 'sub', 'a.db');
    const s1 = await openSqliteStore(path);
    await s1.save(sampleRun());
    await s1.close();
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['a.db']);
    const mtime = statSync(path).mtimeMs;
    const bytes = readFileSync(path);
    await new Promise((r) => setTimeout(r, 20));
    const s2 = await openSqliteStore(path);
    await s2.loadAllRuns();
    await s2.save(sampleRun()); // same uuid: nothing written
    await s2.close();
    assert.equal(statSync(path).mtimeMs, mtime);
    assert.deepEqual(readFileSync(path), bytes);
    await s2.close(); // twice is fine
  });

  test('a zero-byte file is a fresh database without a warning', async () => {
    const path = join(tempDir(), 'zero.db');
    writeFileSync(path, '');
    const store = await openSqliteStore(path);
    assert.deepEqual(store.warnings, []);
    assert.deepEqual(await store.loadAllRuns(), []);
    await store.close();
    assert.ok(statSync(path).size > 0);
  });

  test('a file that is not SQLite is moved aside with a warning', async () => {
    const dir = tempDir();
    const path = join(dir, 'junk.db');
    writeFileSync(path, 'this is not a database at all, just some text that is long enough '.repeat(5));
    const store = await openSqliteStore(path);
    assert.equal(store.warnings.length, 1);
    assert.match(store.warnings[0], /junk\.db is not a readable SQLite database \(no SQLite header\); moved it to .*junk\.db\.corrupt-\d{8}T\d{6}Z/);
    await store.save(sampleRun());
    await store.close();
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2);
    assert.match(files[1], /^junk\.db\.corrupt-/);
    assert.match(readFileSync(join(dir, files[1]), 'utf8'), /^this is not a database/);
    assert.equal((await census(path)).counts.run, 1);
  });

  test('a truncated SQLite file is moved aside', async () => {
    const dir = tempDir();
    const path = join(dir, 'trunc.db');
    writeFileSync(path, readFileSync(FIXTURE_DB).subarray(0, 300_000));
    const store = await openSqliteStore(path);
    assert.equal(store.warnings.length, 1, store.warnings.join('\n'));
    assert.match(store.warnings[0], /not a readable SQLite database/);
    assert.deepEqual(await store.loadAllRuns(), []);
    await store.close();
    assert.ok(readdirSync(dir).some((f) => f.startsWith('trunc.db.corrupt-')));
  });

  test('a corrupt page is caught by the integrity check', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.db');
    const bytes = Buffer.from(readFileSync(FIXTURE_DB));
    // scribble over the middle of the file, pages after the schema page
    bytes.fill(0xa5, 8192, 8192 + 4096 * 20);
    writeFileSync(path, bytes);
    const store = await openSqliteStore(path);
    assert.equal(store.warnings.length, 1);
    await store.close();
    assert.ok(readdirSync(dir).some((f) => f.startsWith('bad.db.corrupt-')));
  });

  test('a SQLite file with a foreign schema is a UserError and stays untouched', async () => {
    const SQL = await loadSqlJs();
    for (const ddl of ['CREATE TABLE run(x)', 'CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)']) {
      const db = new SQL.Database();
      db.run(ddl);
      const bytes = db.export();
      db.close();
      const dir = tempDir();
      const path = join(dir, 'foreign.db');
      writeFileSync(path, bytes);
      await assert.rejects(openSqliteStore(path), (err: Error) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /foreign\.db .*(not a pytest-flakefighters database|none of the flakefighters tables)/);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
      assert.deepEqual(readFileSync(path), Buffer.from(bytes));
      assert.deepEqual(readdirSync(dir), ['foreign.db']);
    }
  });

  test('a directory in place of the file is a UserError, not moved aside', async () => {
    const dir = tempDir();
    await assert.rejects(openSqliteStore(dir), (err: Error) => err instanceof UserError && /is not a regular file/.test(err.message));
    assert.ok(statSync(dir).isDirectory());
  });

  test('a database from a newer action is a UserError and stays untouched', async () => {
    const path = join(tempDir(), 'newer.db');
    const s = await openSqliteStore(path);
    await s.save(sampleRun());
    await s.close();
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(path));
    db.run("UPDATE ffa_meta SET value = '7' WHERE key = 'schema_version'");
    writeFileSync(path, db.export());
    db.close();
    const bytes = readFileSync(path);
    await assert.rejects(openSqliteStore(path), (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.message, `${path} was written by a newer flakefighters-action (schema 7 > ${FFA_SCHEMA_VERSION}); upgrade the action`);
      return true;
    });
    assert.deepEqual(readFileSync(path), bytes);
    assert.ok(!existsSync(`${path}.tmp-${process.pid}`));
  });
});
