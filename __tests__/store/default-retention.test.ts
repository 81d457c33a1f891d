/**
 * Issue 17, goal 3: `store-max-runs: auto` (the default) bounds the sql.js file and never drops a run the next
 * run's history window still reads. Real sql.js files through the real pipeline: a file seeded with 1,000 stored
 * runs is copied; one copy goes through the pipeline with the default, the other with `store-max-runs: all`, and
 * the next run on each must read the very same history.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../src/config/inputs.ts';
import { runPipeline, type PipelineResult } from '../../src/pipeline.ts';
import type { Log } from '../../src/log.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { AUTO_MAX_BYTES, AUTO_MAX_RUNS, autoStoreMaxRuns } from '../../src/store/default-retention.ts';
import { runsUnder, sqliteDatabaseSize } from '../../src/store/database-size.ts';
import { UserError } from '../../src/store/store.ts';
import { sampleRun } from './sample-run.ts';
import { rows, sampleWorkspace, runCount } from '../faults/fault-helpers.ts';
import initSqlJs from 'sql.js';

const silent: Log = { info() {}, warning() {}, error() {}, debug() {} };
const SEEDED = 1000;
const MINUTE = 60_000;
const FIRST = Date.UTC(2026, 0, 1, 8);
/** One minute after the newest seeded run. */
const NOW = FIRST + SEEDED * MINUTE;
const SOURCE = '5'.repeat(40);

async function seed(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  for (let i = 0; i < SEEDED; i++) {
    // Every other run fails a test, so the failures-only history load has something to read in each.
    // The oldest run is of SOURCE, the commit a pull request's DiffCov compares with.
    await store.save(sampleRun({ uuid: `seed-${i}`, start: new Date(FIRST + i * MINUTE), tests: 2, failEvery: i % 2 ? 2 : 0, commitSha: i === 0 ? SOURCE : 'c'.repeat(40) }));
  }
  await store.close();
}

function pipeline(ws: string, db: string, at: number, inputs: Record<string, string>): Promise<PipelineResult> {
  const all: Record<string, string> = { 'test-results': 'run-2/*.xml', root: 'project', 'database-path': db, 'report-dir': '', ...inputs };
  const config = readConfig((n) => all[n] ?? '', ws);
  return runPipeline({ config, context: null, log: silent, source: 'cli', now: new Date(at) });
}

/** The runs a run read as history; the run saved in each copy (its own random uuid) is 'the saved run'. */
const uuids = (r: PipelineResult) => r.data.history.map((h) => (h.meta.uuid.startsWith('seed-') ? h.meta.uuid : 'the saved run'));

describe('store-max-runs auto on a real sql.js file through the pipeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-retention-'));
  const seeded = join(dir, 'seeded.db');
  const ws = sampleWorkspace('ff-retention-ws-');
  before(async () => {
    await seed(seeded);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(ws, { recursive: true, force: true });
  });

  /** The same save with the default and with every run kept; then the next run's history on each. */
  async function compare(name: string, inputs: Record<string, string>) {
    const auto = join(dir, `${name}-auto.db`);
    const all = join(dir, `${name}-all.db`);
    copyFileSync(seeded, auto);
    copyFileSync(seeded, all);
    const first = await pipeline(ws, auto, NOW, inputs);
    await pipeline(ws, all, NOW, { ...inputs, 'store-max-runs': 'all' });
    const nextAuto = await pipeline(ws, auto, NOW + 60 * MINUTE, { ...inputs, save: 'false' });
    const nextAll = await pipeline(ws, all, NOW + 60 * MINUTE, { ...inputs, save: 'false', 'store-max-runs': 'all' });
    return { first, nextAuto, nextAll, autoRuns: await runCount(auto), allRuns: await runCount(all), auto };
  }

  test('with load-max-runs unset the file keeps the newest 1,000 runs, this one included, and says so', async () => {
    const r = await compare('unset', {});
    assert.equal(r.allRuns, SEEDED + 1, 'all keeps every run');
    assert.equal(r.autoRuns, AUTO_MAX_RUNS);
    assert.equal(r.first.data.history.length, SEEDED, 'this run read every stored run before the prune');
    // The next run reads what was kept: the newest 999 seeded runs and this one; seed-0 went.
    assert.deepEqual(uuids(r.nextAuto), uuids(r.nextAll).slice(0, AUTO_MAX_RUNS));
    assert.equal(uuids(r.nextAll).at(-1), 'seed-0');
    const size = r.first.data.databaseSize!;
    assert.deepEqual(size.kept, { maxRuns: AUTO_MAX_RUNS, auto: true, since: null });
    assert.equal(size.runs, AUTO_MAX_RUNS);
    assert.equal(size.name, 'unset-auto.db');
    assert.equal(size.bytes, statSync(r.auto).size, 'the size is the real file’s');
  });

  test('load-max-runs above 1,000 raises the retention to it: the next run reads exactly what it would with every run kept', async () => {
    const r = await compare('wide', { 'load-max-runs': '1200' });
    assert.equal(r.autoRuns, SEEDED + 1, 'nothing in the 1,200-run window was pruned');
    assert.equal(r.first.data.databaseSize!.kept.maxRuns, 1200);
    assert.equal(r.nextAuto.data.history.length, SEEDED + 1);
    assert.deepEqual(uuids(r.nextAuto), uuids(r.nextAll));
  });

  test('load-max-runs below 1,000: the next run reads the same window as with every run kept', async () => {
    const r = await compare('narrow', { 'load-max-runs': '25' });
    assert.equal(r.autoRuns, AUTO_MAX_RUNS);
    assert.equal(r.nextAuto.data.history.length, 25);
    assert.deepEqual(uuids(r.nextAuto), uuids(r.nextAll));
  });

  test("DiffCov's source commit outlasts the count: its runs stay for the pull request's next push", async () => {
    const db = join(dir, 'diffcov.db');
    copyFileSync(seeded, db);
    const inputs = { 'active-flakefighters': 'DiffCov', 'source-commit': SOURCE };
    const first = await pipeline(ws, db, NOW, inputs);
    assert.equal(first.data.databaseSize!.kept.maxRuns, AUTO_MAX_RUNS);
    assert.equal(await runCount(db), AUTO_MAX_RUNS + 1, 'the newest 1,000 and the source commit’s run');
    const kept = await rows(db, `SELECT f.uuid FROM run r JOIN ffa_run f ON f.run_id = r.id WHERE r.commit_sha = '${SOURCE}'`);
    assert.deepEqual(kept.map((r) => r.uuid), ['seed-0']);
    // A number is the user's: the count then prunes the source commit's run like any other.
    const numbered = join(dir, 'diffcov-numbered.db');
    copyFileSync(seeded, numbered);
    await pipeline(ws, numbered, NOW, { ...inputs, 'store-max-runs': String(AUTO_MAX_RUNS) });
    assert.equal(await runCount(numbered), AUTO_MAX_RUNS);
    assert.deepEqual(await rows(numbered, `SELECT id FROM run WHERE commit_sha = '${SOURCE}'`), []);
  });

  test('time-immemorial prunes by the cut-off its window uses: the next run reads the same runs', async () => {
    const r = await compare('immemorial', { 'time-immemorial': '0:5:0' });
    // Runs started in the five hours before this one (seeded one a minute) are the window and what is kept.
    assert.equal(r.autoRuns, 5 * 60 + 1);
    const cutoff = NOW + 60 * MINUTE - 5 * 60 * MINUTE;
    assert.ok(r.nextAll.data.history.every((h) => h.startTime.getTime() >= cutoff), 'the window is the cut-off for both');
    assert.deepEqual(uuids(r.nextAuto), uuids(r.nextAll));
  });
});

describe('autoStoreMaxRuns', () => {
  const size = (bytesPerRun: number, runs: number) => ({ bytes: bytesPerRun * runs, usedBytes: bytesPerRun * runs, runs });
  test('1,000 runs for a typical suite, and for an empty file', () => {
    assert.equal(autoStoreMaxRuns(null, undefined), AUTO_MAX_RUNS);
    assert.equal(autoStoreMaxRuns({ bytes: 0, usedBytes: 0, runs: 0 }, undefined), AUTO_MAX_RUNS);
    assert.equal(autoStoreMaxRuns(size(168 * 1024, 40), undefined), AUTO_MAX_RUNS);
  });
  test('fewer for a suite whose runs would pass 256 MiB, never fewer than load-max-runs', () => {
    assert.equal(autoStoreMaxRuns(size(1024 * 1024, 40), undefined), 256);
    assert.equal(autoStoreMaxRuns(size(1024 * 1024, 40), 300), 300);
    assert.equal(autoStoreMaxRuns(size(AUTO_MAX_BYTES * 2, 3), undefined), 1, 'at least the run just saved');
    assert.equal(autoStoreMaxRuns(size(1024, 40), 5000), 5000);
  });
  test('measured on a real file: its pages in use over its runs', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ff-size-')), 'f.db');
    const store = await openSqliteStore(path);
    for (let i = 0; i < 20; i++) await store.save(sampleRun({ uuid: `r${i}`, start: new Date(FIRST + i * MINUTE), tests: 200, failEvery: 10 }));
    const live = await store.databaseSize!();
    await store.close();
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(path));
    const read = sqliteDatabaseSize(db);
    db.close();
    assert.equal(read.bytes, statSync(path).size);
    assert.deepEqual(read, live);
    assert.equal(read.runs, 20);
    const limits = { maxRuns: 1000, maxBytes: read.usedBytes * 2 };
    assert.equal(autoStoreMaxRuns(read, undefined, limits), runsUnder(read, read.usedBytes * 2));
    assert.equal(autoStoreMaxRuns(read, undefined, limits), 40);
  });
});

describe('store-max-runs input', () => {
  const read = (v: string) => readConfig((n) => (n === 'test-results' ? 'x.xml' : n === 'store-max-runs' ? v : ''), '/w').storeMaxRuns;
  test('auto by default; all keeps every run; a number', () => {
    assert.equal(read(''), 'auto');
    assert.equal(read('AUTO'), 'auto');
    assert.equal(read('all'), undefined);
    assert.equal(read('120'), 120);
  });
  test('anything else is one line naming the input and what to give', () => {
    for (const bad of ['0', 'lots', '-3', '1.5']) {
      assert.throws(() => read(bad), (e: unknown) => e instanceof UserError && /^Input 'store-max-runs' is '.*'; give a whole number of runs of at least 1, auto .* or all\.$/.test(e.message));
    }
  });
});
