/**
 * sql.js's flakiestTests takes the ranking from the run it just saved when the database holds that run's rows and
 * nothing else (flakiest-query.ts flakiestOfRun). It must give exactly the rows of the query (flakiestSql) run on the
 * same file: retries, errors, skips, a test without executions, a name twice in one run, flaky verdicts on tests
 * and on executions, names beyond the Basic Multilingual Plane (SQLite orders UTF-8 bytes), limits; and with a lone
 * surrogate or a NUL in a name, a second run, or rows pruned down to one run. Real sql.js files written by our store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution, FlakefighterResult, Outcome, Run, Test } from '../../src/model.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.ts';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { FLAKIEST_MAX, flakiestOfRun, flakiestSql, toFlakiness, type TestFlakiness } from '../../src/store/flakiest-query.ts';

const verdict = (flaky: boolean): FlakefighterResult => ({ name: 'OutcomeFlip', flaky, evidence: { reason: 'r' } });

function exec(outcome: Outcome, flaky?: boolean): Execution {
  return {
    outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: outcome === 'passed' ? 'None' : 'E   boom', coverage: null, exception: null,
    results: flaky === undefined ? [] : [verdict(flaky)],
  };
}

const t = (name: string, executions: Execution[], flaky?: boolean): Test => ({
  name, fspath: '', lineNo: null, skipped: false, executions, results: flaky === undefined ? [] : [verdict(flaky)],
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const OUTCOMES: Outcome[] = ['passed', 'failed', 'error', 'skipped'];

/** One run: named cases first, then many generated tests (names shared by several tests, random outcomes and verdicts). */
function varied(uuid: string, extra: Test[] = []): Run {
  const rnd = lcg(uuid.length * 7 + 3);
  const tests: Test[] = [
    t('case::retry', [exec('failed', true), exec('passed', true)]),
    t('case::broken', [exec('failed', false)]),
    t('case::errored-then-passed', [exec('error'), exec('passed')]),
    t('case::steady', [exec('passed')]),
    t('case::flaky-never-failed', [exec('passed', true)], true),
    t('case::test-level-flaky', [exec('failed')], true),
    t('case::no-executions', [], true),
    t('case::no-executions', [exec('failed')]),
    t('case::twice', [exec('failed')]),
    t('case::twice', [exec('passed')]),
    t('case::skipped-then-failed', [exec('skipped'), exec('failed')]),
    t('case::\uFFFD', [exec('failed'), exec('passed')]),
    t('case::\uFFFD', [exec('passed')]),
    t('case::\u{1F600}', [exec('passed')]),
    t('case::\uDC00 lone', [exec('passed')]),
    t('case::\u00e9', [exec('failed'), exec('passed')]),
    t('case::', [exec('failed'), exec('passed')]),
    ...extra,
  ];
  for (let i = 0; i < 400; i++) {
    const n = Math.floor(rnd() * 3);
    const executions = Array.from({ length: n }, () => exec(OUTCOMES[Math.floor(rnd() * OUTCOMES.length)]!, rnd() < 0.2 ? rnd() < 0.5 : undefined));
    tests.push(t(`gen::test_${Math.floor(rnd() * 150)}`, executions, rnd() < 0.05 ? rnd() < 0.5 : undefined));
  }
  return { startTime: new Date(Date.UTC(2026, 10, 20, 10, uuid.length)), root: '/w', commitSha: 'a'.repeat(40), activeFlakefighters: [], meta: { uuid }, tests };
}

/** The query itself on the file as written. */
async function queried(path: string, limit: number): Promise<TestFlakiness[]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    const [res] = db.exec(flakiestSql(limit));
    return (res?.values ?? []).map((v) => toFlakiness(Object.fromEntries(res!.columns.map((c, i) => [c, v[i]]))));
  } finally {
    db.close();
  }
}

/** The ranking from the store's last saved run (white-box: what flakiestTests returns when the tables hold only it). */
function fromLastSaved(store: SqliteStore, limit: number): TestFlakiness[] | null | undefined {
  const saved = (store as unknown as { lastSaved: { names: string[]; flags: Uint8Array } | null }).lastSaved;
  return saved ? flakiestOfRun(saved.names, saved.flags, limit) : undefined;
}

/**
 * Saves the runs, ranks with the store and with the query on the written file. `fromRun`: what the ranking from the
 * last saved run must be (`same`: the query's rows, `none`: null as a name rules it out, `absent`: the tables held
 * rows before that run's save, so the store keeps none).
 */
async function compare(runs: Run[], opts: { maxRuns?: number; fromRun: 'same' | 'none' | 'absent' }): Promise<TestFlakiness[]> {
  const path = join(mkdtempSync(join(tmpdir(), 'ffa-flakiest-one-')), 'ff.db');
  const store = await openSqliteStore(path);
  const limits = [1, 3, 10, FLAKIEST_MAX];
  const ranked: TestFlakiness[][] = [];
  const viaRun: (TestFlakiness[] | null | undefined)[] = [];
  try {
    for (const r of runs) await store.save(r, opts.maxRuns ? { storeMaxRuns: opts.maxRuns } : {});
    // The run as saved is what counts: changing the model afterwards changes nothing.
    runs.at(-1)!.tests[0]!.name = 'changed after the save';
    for (const n of limits) {
      ranked.push(await store.flakiestTests(n));
      viaRun.push(fromLastSaved(store, n));
    }
  } finally {
    await store.close();
  }
  for (let i = 0; i < limits.length; i++) {
    const expected = await queried(path, limits[i]!);
    assert.deepEqual(ranked[i], expected, `limit ${limits[i]}`);
    if (opts.fromRun === 'same') assert.deepEqual(viaRun[i], expected, `from the run, limit ${limits[i]}`);
    if (opts.fromRun === 'none') assert.equal(viaRun[i], null);
  }
  if (opts.fromRun === 'absent') assert.deepEqual(viaRun, limits.map(() => undefined), 'no ranking kept from the last run');
  return ranked.at(-1)!;
}

test('one saved run: the same rows as the query, in the same order', async () => {
  const all = await compare([varied('one')], { fromRun: 'same' });
  assert.ok(all.length >= 20, `a varied ranking (${all.length} names)`);
  const names = all.map((r) => r.name);
  for (const n of ['case::retry', 'case::errored-then-passed', 'case::test-level-flaky', 'case::twice', 'case::\uFFFD', 'case::\u00e9']) assert.ok(names.includes(n), n);
  for (const n of ['case::broken', 'case::steady', 'case::flaky-never-failed', 'case::skipped-then-failed']) assert.ok(!names.includes(n), n);
  assert.deepEqual(all.find((r) => r.name === 'case::no-executions'), undefined, 'its only failing test is flaky nowhere and never passed');
  assert.deepEqual(all.find((r) => r.name === 'case::\uFFFD'), { name: 'case::\uFFFD', runs: 2, failedRuns: 1, flakyRuns: 0, passedRuns: 2 });
});

test('a failing name with a surrogate: the query ranks; NULs in names: the same rows from the run', async () => {
  await compare([varied('lone', [t('case::\uD800x', [exec('failed'), exec('passed')])])], { fromRun: 'none' });
  await compare([varied('pair', [t('case::\uD800\uDC61', [exec('failed')]), t('case::\uD800a', [exec('passed')])])], { fromRun: 'none' });
  await compare([varied('emoji', [t('case::\u{1F600}', [exec('failed'), exec('passed')]), t('case::\uFFFF', [exec('failed'), exec('passed')])])], { fromRun: 'none' });
  const nul = await compare([varied('nul', [t('case::a\0b', [exec('failed'), exec('passed')]), t('case::a\0c', [exec('failed', true)]), t('case::a', [exec('failed'), exec('passed')])])], { fromRun: 'same' });
  assert.deepEqual(nul.filter((r) => r.name.startsWith('case::a')).map((r) => r.name), ['case::a\0c', 'case::a', 'case::a\0b']);
});

test('a second run, even with the first pruned: the query ranks', async () => {
  await compare([varied('first'), varied('second')], { fromRun: 'absent' });
  await compare([varied('first'), varied('second')], { maxRuns: 1, fromRun: 'absent' });
});
