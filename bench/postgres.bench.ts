/**
 * "Remote history on PostgreSQL", against a real server started for the bench: statements and
 * time to save runs of 100, 10,000 and 100,000 tests (baseline: sql.js saving the same run), 20
 * writers saving at once against one writer, and history load time with 10 and 1,000 stored runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyRun } from '../src/classify.ts';
import type { Run } from '../src/model.ts';
import { openPostgresStore, type PostgresStore } from '../src/store/postgres-store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { BenchContext } from './run.ts';
import { HISTORY, HISTORY_ROOT, benchPostgres, createDatabase, currentRun, historyFlakefighters, junitRun, postgresHistory } from './generate.ts';
import { loadTimeCache, measureLoad, shortError } from './history.bench.ts';
import { median } from './measure.ts';
import { ms, type Row } from './row.ts';

const SCENARIO = 'PostgreSQL';
const fmt = (n: number) => n.toLocaleString('en-US');

/** A classified run of `tests` tests, as the pipeline hands it to save(). */
async function classifiedRun(tests: number, seed: number): Promise<Run> {
  const run = await junitRun({ tests, seed, failureRate: HISTORY.failureRate, depth: HISTORY.depth, index: seed, commitSha: 'f'.repeat(40), startTime: new Date(Date.UTC(2026, 5, 1)) });
  await classifyRun(historyFlakefighters(), { run, history: [], root: HISTORY_ROOT, warn() {} });
  return run;
}

let serial = 0;
/** A copy with a uuid of its own, so every save inserts. */
function fresh(run: Run): Run {
  const copy = structuredClone(run);
  copy.meta.uuid = `${run.meta.uuid}-${process.pid}-${++serial}`;
  return copy;
}

async function saveSizes(url: string, runs: number): Promise<Row[]> {
  let statements = 0;
  const store = await openPostgresStore(url, { onQuery: () => statements++ });
  const dir = mkdtempSync(join(tmpdir(), 'ff-bench-pgsave-'));
  const rows: Row[] = [];
  const counts = new Map<number, number>();
  try {
    for (const tests of [100, 10_000, 100_000]) {
      process.stderr.write(`bench: postgres save ${fmt(tests)} tests …\n`);
      const run = await classifiedRun(tests, tests);
      const sqlite = await openSqliteStore(join(dir, `save-${tests}.db`));
      const pgTimes: number[] = [];
      const sqlTimes: number[] = [];
      const ratios: number[] = [];
      let perSave = 0;
      // The 100,000-test run takes seconds per save; three pairs are enough there.
      const reps = tests >= 100_000 ? Math.min(runs, 3) : runs;
      for (let i = -1; i < reps; i++) {
        const a = fresh(run);
        const b = fresh(run);
        const before = statements;
        let t = performance.now();
        await store.save(a);
        const pg = performance.now() - t;
        perSave = statements - before;
        t = performance.now();
        await sqlite.save(b);
        const sq = performance.now() - t;
        if (i < 0) continue; // warm-up
        pgTimes.push(pg);
        sqlTimes.push(sq);
        ratios.push(pg / sq);
      }
      await sqlite.close();
      counts.set(tests, perSave);
      const base = counts.get(100)!;
      rows.push({
        scenario: SCENARIO,
        measure: `save a run of ${fmt(tests)} tests: statements`,
        value: `${perSave} (pipelined in one transaction)`,
        baseline: tests !== 100 ? `100 tests: ${base}` : undefined,
        ratio: tests !== 100 ? perSave / base : undefined,
        target: tests !== 100 ? 'same count at every size (≤ 1.5×)' : undefined,
        met: tests !== 100 ? perSave <= base * 1.5 : undefined,
      });
      rows.push({
        scenario: SCENARIO,
        measure: `save a run of ${fmt(tests)} tests: time`,
        value: ms(median(pgTimes)),
        baseline: `sql.js save ${ms(median(sqlTimes))}`,
        ratio: median(ratios),
      });
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function parallelWriters(url: string, runs: number): Promise<Row[]> {
  const writers = 20;
  process.stderr.write(`bench: postgres ${writers} parallel writers …\n`);
  const run = await classifiedRun(1000, 1000);
  // Each writer is a job of its own: its own store and pool, opened before the clock starts.
  const stores: PostgresStore[] = [];
  try {
    for (let i = 0; i < writers; i++) stores.push(await openPostgresStore(url));
    const one = async () => {
      const r = fresh(run);
      const t = performance.now();
      await stores[0].save(r);
      return performance.now() - t;
    };
    const all = async () => {
      const rs = stores.map(() => fresh(run));
      const t = performance.now();
      await Promise.all(stores.map((s, i) => s.save(rs[i])));
      return performance.now() - t;
    };
    await one();
    await all();
    const ones: number[] = [];
    const alls: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const a = await all();
      const b = await one();
      alls.push(a);
      ones.push(b);
      ratios.push(a / b);
    }
    const ratio = median(ratios);
    return [
      {
        scenario: SCENARIO,
        measure: `${writers} writers at once, each its own pool saving a 1,000-test run`,
        value: `${ms(median(alls))} (${(writers / ratio).toFixed(1)}× the throughput of one)`,
        baseline: `1 writer ${ms(median(ones))}`,
        ratio,
        target: `< ${writers}× (saves do not serialize)`,
        met: ratio < writers,
      },
    ];
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

async function historyLoads(server: Exclude<Awaited<ReturnType<typeof benchPostgres>>, string>, runs: number): Promise<Row[]> {
  const before = (await currentRun()).startTime;
  const times = new Map<number, number | string>();
  for (const n of [10, 1000]) {
    const cached = loadTimeCache.get(`PostgreSQL:${n}`);
    if (cached !== undefined) {
      times.set(n, cached);
      continue;
    }
    process.stderr.write(`bench: postgres history load ${n} runs …\n`);
    const built = await postgresHistory(server, n);
    const store = await openPostgresStore(built.where);
    try {
      times.set(n, await measureLoad(store, before, runs));
    } catch (err) {
      times.set(n, shortError(err));
    } finally {
      await store.close();
    }
  }
  const t10 = times.get(10)!;
  const t1000 = times.get(1000)!;
  const show = (t: number | string) => (typeof t === 'number' ? ms(t) : `failed: ${t}`);
  return [
    { scenario: SCENARIO, measure: 'history read for the flakefighters (flaky signatures, the index), 10 stored runs of 2,000 tests', value: show(t10) },
    {
      scenario: SCENARIO,
      measure: 'history read for the flakefighters (flaky signatures, the index), 1,000 stored runs of 2,000 tests',
      value: show(t1000),
      baseline: typeof t10 === 'number' ? `10 runs ${ms(t10)}` : undefined,
      ratio: typeof t10 === 'number' && typeof t1000 === 'number' ? t1000 / t10 : undefined,
    },
  ];
}

export default async function postgresBench(ctx: BenchContext): Promise<Row[]> {
  const server = await benchPostgres();
  if (typeof server === 'string') return [{ scenario: SCENARIO, measure: 'all', value: `skipped: ${server}` }];
  const rows: Row[] = [];
  rows.push(...(await saveSizes(await createDatabase(server, 'bench_saves'), ctx.runs)));
  rows.push(...(await parallelWriters(await createDatabase(server, 'bench_writers'), ctx.runs)));
  rows.push(...(await historyLoads(server, ctx.runs)));
  return rows;
}
