/**
 * "Fast at scale": classifying a 2,000-test run against 10, 100 and 1,000 stored runs of 2,000
 * tests (2% failing with tracebacks, a fifth of those flaky), on sql.js and on PostgreSQL. The
 * time is what the flakefighters read and do: the window's flaky traceback signatures
 * (flakyTracebacks for loadHistory's window, the signature index), loadRunsForCommit (this run's
 * failing tests), then OutcomeFlip, TracebackMatching and CosineSimilarity. The stored failures
 * themselves (loadHistory, failures only) are still read for the reports, bare (outcomes and verdicts); their time, and
 * the old full load's, are rows of their own, and so is one whole pipeline step (classify, save, reports) at 10 and 1,000 runs.
 * The baseline is the 10-run history measured in the same run (goal 2 of issue 17: ≤ 2× at 100× the runs).
 */
import { classifyRun } from '../src/classify.ts';
import type { Flakefighter } from '../src/flakefighters/flakefighter.ts';
import { isFailing, type Run } from '../src/model.ts';
import { openPostgresStore } from '../src/store/postgres-store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { storeTracebackSource } from '../src/store/traceback-signatures.ts';
import type { Store } from '../src/store/store.ts';
import type { BenchContext } from './run.ts';
import { HISTORY, HISTORY_ROOT, benchPostgres, currentRun, databaseUrl, historyFlakefighters, postgresHistory, sqliteHistory, type BuiltHistory } from './generate.ts';
import { median } from './measure.ts';
import { ms, type Row } from './row.ts';
import { measurePipelineStep, type StepDatabase } from './pipeline-step.ts';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SIZES = [10, 100, 1000] as const;
const SCENARIO = 'history scale';
const FLAKEFIGHTERS = 'OutcomeFlip + TracebackMatching + CosineSimilarity';

export interface Timings {
  total: number;
  load: number;
  /** Per flakefighter, in the order they ran. */
  parts: Record<string, number>;
  /** What the window held (from the last repetition): distinct flaky signatures and the flaky executions they stand for. */
  signatures: number;
  flakyTracebacks: number;
}

/** Wraps a flakefighter so its classify time lands in `into`. */
function timed(f: Flakefighter, into: Record<string, number>): Flakefighter {
  return {
    name: f.name,
    runLive: f.runLive,
    params: () => f.params(),
    async classify(c) {
      const t = performance.now();
      await f.classify(c);
      into[f.name] = performance.now() - t;
    },
  };
}

/** One classification as the pipeline does it, on a fresh copy of the current run. */
async function classifyOnce(store: Store, current: Run): Promise<Timings> {
  const run = structuredClone(current);
  const parts: Record<string, number> = {};
  const flakefighters = historyFlakefighters().map((f) => timed(f, parts));
  const t0 = performance.now();
  const tracebacks = storeTracebackSource(store, { before: run.startTime });
  // As the pipeline does: what the flakefighters will ask is read before they run (CosineSimilarity is among them).
  await tracebacks.preload(run, HISTORY_ROOT, true);
  const testNames = run.tests.filter((t) => t.executions.some((e) => isFailing(e.outcome))).map((t) => t.name);
  const sameCommitRuns = await store.loadRunsForCommit(run.commitSha, run.startTime, { coverage: false, environment: run.meta.environment ?? null, testNames });
  const t1 = performance.now();
  // The flakefighters read no stored run beyond these (the window's runs go to the reports).
  await classifyRun(flakefighters, { run, history: [], sameCommitRuns, tracebacks, root: HISTORY_ROOT, warn() {} });
  const t2 = performance.now();
  const groups = await tracebacks.flaky();
  return { total: t2 - t0, load: t1 - t0, parts, signatures: groups.length, flakyTracebacks: groups.reduce((n, g) => n + g.count, 0) };
}

/** Beyond this, one more repetition says nothing new and the bench would take many minutes. */
const SLOW_MS = 20_000;

/** Medians of `runs` classifications after one warm-up (a single one when it is very slow). */
export async function measureClassification(store: Store, current: Run, runs: number): Promise<Timings> {
  // Two warm-ups: the first size measured would otherwise also pay for compiling the flakefighters' code.
  let warm = await classifyOnce(store, current);
  if (warm.total <= SLOW_MS) warm = await classifyOnce(store, current);
  const xs: Timings[] = [];
  if (warm.total > SLOW_MS) xs.push(warm);
  else for (let i = 0; i < runs; i++) xs.push(await classifyOnce(store, current));
  const parts: Record<string, number> = {};
  for (const name of Object.keys(xs[0].parts)) parts[name] = median(xs.map((x) => x.parts[name]));
  return { total: median(xs.map((x) => x.total)), load: median(xs.map((x) => x.load)), parts, signatures: xs[0].signatures, flakyTracebacks: xs[0].flakyTracebacks };
}

/** The history read alone, as the pipeline makes it for the flakefighters: the window's flaky signatures. */
export async function measureLoad(store: Store, before: Date, runs: number): Promise<number> {
  return measureRead(() => store.flakyTracebacks({ before }), runs);
}

/**
 * What the pipeline reads for the reports: the window's stored failures (loadHistory, failures only), once; `bare` as the
 * pipeline loads them now (outcomes and verdicts), else as it did before (with exceptions, frames, texts and evidence).
 */
export async function measureReportsHistory(store: Store, before: Date, bare = false): Promise<number> {
  const t = performance.now();
  await store.loadHistory({ before }, { failuresOnly: true, coverage: false, ...(bare ? { bare } : {}) });
  return performance.now() - t;
}

async function measureRead(read: () => Promise<unknown>, runs: number): Promise<number> {
  const once = async () => {
    const t = performance.now();
    await read();
    return performance.now() - t;
  };
  const warm = await once();
  if (warm > SLOW_MS) return warm;
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await once());
  return median(xs);
}

/** Load times by `${backend}:${runs}` (a number, or why it failed), so the postgres scenario can reuse them. */
export const loadTimeCache = new Map<string, number | string>();

/** One short line for the table: the cause, without the advice the action prints with it. */
export function shortError(err: unknown): string {
  const m = (err as Error).message.split('\n')[0];
  const timeout = /statement_timeout=(\d+) ms/.exec(m);
  if (timeout) return `cancelled by statement_timeout (${Number(timeout[1]) / 1000} s)`;
  return m.length > 120 ? `${m.slice(0, 117)}…` : m;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const runsLabel = (n: number) => `${n.toLocaleString('en-US')} stored run${n === 1 ? '' : 's'}`;

interface Backend {
  label: string;
  build(n: number): Promise<BuiltHistory>;
  open(b: BuiltHistory): Promise<Store>;
  /** sql.js reads and checks the whole file on open; that is part of its cost at scale. */
  measureOpen?: boolean;
  /** A throwaway copy of the history for whole pipeline steps (each saves a run). */
  stepDatabase?(b: BuiltHistory, n: number): Promise<StepDatabase>;
}

async function measureBackend(backend: Backend, current: Run, ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const scenario = `${SCENARIO}, ${backend.label}`;
  const results = new Map<number, { t: Timings; load: number; windowRuns: number; bareRuns: number; built: BuiltHistory; openMs?: number }>();
  /** Whole pipeline steps (classify + save + reports) by history size, or why they failed. */
  const steps = new Map<number, number | string>();
  const builds = new Map<number, { built: BuiltHistory; openMs?: number }>();
  const failures = new Map<number, string>();
  for (const n of SIZES) {
    process.stderr.write(`bench: history ${backend.label} ${n} runs …\n`);
    let built: BuiltHistory;
    try {
      built = await backend.build(n);
    } catch (err) {
      rows.push({ scenario, measure: `${runsLabel(n)}: could not build the history`, value: shortError(err) });
      continue;
    }
    let openMs: number | undefined;
    if (backend.measureOpen) {
      const xs: number[] = [];
      for (let i = 0; i < Math.min(ctx.runs, 3); i++) {
        const t = performance.now();
        const s = await backend.open(built);
        xs.push(performance.now() - t);
        await s.close();
      }
      openMs = median(xs);
    }
    builds.set(n, { built, openMs });
    const store = await backend.open(built);
    try {
      const t = await measureClassification(store, current, ctx.runs);
      const ends = n === SIZES[0] || n === SIZES[SIZES.length - 1];
      const load = ends ? await measureLoad(store, current.startTime, ctx.runs) : NaN;
      const windowRuns = ends ? await measureReportsHistory(store, current.startTime) : NaN;
      const bareRuns = ends ? await measureReportsHistory(store, current.startTime, true) : NaN;
      if (!Number.isNaN(load)) loadTimeCache.set(`${backend.label}:${n}`, load);
      results.set(n, { t, load, windowRuns, bareRuns, built, openMs });
    } catch (err) {
      const why = shortError(err);
      loadTimeCache.set(`${backend.label}:${n}`, why);
      failures.set(n, why);
    } finally {
      await store.close();
    }
    if (backend.stepDatabase && (n === SIZES[0] || n === SIZES[SIZES.length - 1])) {
      process.stderr.write(`bench: history ${backend.label} ${n} runs, whole pipeline steps …\n`);
      let db: StepDatabase | undefined;
      try {
        db = await backend.stepDatabase(built, n);
        steps.set(n, await measurePipelineStep(db, current.startTime, current.commitSha, Math.min(ctx.runs, 3)));
      } catch (err) {
        steps.set(n, shortError(err));
      } finally {
        await db?.dispose();
      }
    }
  }
  const base = results.get(SIZES[0]);
  for (const n of SIZES) {
    const r = results.get(n);
    const last = n === SIZES[SIZES.length - 1];
    const failed = failures.get(n);
    if (failed) {
      rows.push({ scenario, measure: `classify 2,000 tests (${FLAKEFIGHTERS}) with ${runsLabel(n)}`, value: `failed: ${failed}`, target: last ? '≤ 2× at 100× the runs' : undefined, met: last ? false : undefined });
    }
    if (!r) continue;
    const ratio = base && n !== SIZES[0] ? r.t.total / base.t.total : undefined;
    if (last && ratio !== undefined) growth.set(backend.label, ratio);
    rows.push({
      scenario,
      measure: `classify 2,000 tests (${FLAKEFIGHTERS}) with ${runsLabel(n)}`,
      value: ms(r.t.total),
      baseline: ratio !== undefined ? `10 runs ${ms(base!.t.total)}` : undefined,
      ratio,
      target: last && ratio !== undefined ? '≤ 2× at 100× the runs' : undefined,
      met: last && ratio !== undefined ? ratio <= 2 : undefined,
    });
  }
  for (const n of SIZES) {
    const r = results.get(n);
    if (!r) continue;
    const parts = Object.entries(r.t.parts).map(([k, v]) => `${k} ${ms(v)}`).join(', ');
    rows.push({
      scenario,
      measure: `  where the time goes, ${runsLabel(n)} (${r.t.flakyTracebacks.toLocaleString('en-US')} flaky tracebacks in history, ${r.t.signatures.toLocaleString('en-US')} distinct)`,
      value: `load ${ms(r.t.load)}; ${parts}`,
    });
  }
  const first = results.get(SIZES[0]);
  const lastN = SIZES[SIZES.length - 1];
  const last = results.get(lastN);
  if (first && !Number.isNaN(first.load)) rows.push({ scenario, measure: `flaky signatures read alone, ${runsLabel(SIZES[0])}`, value: ms(first.load) });
  if (first && last && !Number.isNaN(last.load)) {
    rows.push({ scenario, measure: `flaky signatures read alone, ${runsLabel(lastN)}`, value: ms(last.load), baseline: `10 runs ${ms(first.load)}`, ratio: last.load / first.load });
  }
  if (first && last && !Number.isNaN(last.windowRuns)) {
    rows.push({
      scenario,
      measure: `not in the goal: the reports' history as loaded before (failures only with exceptions, frames, texts), ${runsLabel(lastN)}`,
      value: ms(last.windowRuns),
      baseline: `10 runs ${ms(first.windowRuns)}`,
      ratio: last.windowRuns / first.windowRuns,
    });
  }
  if (first && last && !Number.isNaN(last.bareRuns)) {
    rows.push({
      scenario,
      measure: `the reports' history as the pipeline loads it now (bare: outcomes and verdicts), ${runsLabel(lastN)}`,
      value: ms(last.bareRuns),
      baseline: `10 runs ${ms(first.bareRuns)}; full load ${ms(last.windowRuns)}`,
      ratio: last.bareRuns / first.bareRuns,
    });
  }
  const step0 = steps.get(SIZES[0]);
  const stepN = steps.get(lastN);
  if (stepN !== undefined || step0 !== undefined) {
    const measured = typeof step0 === 'number' && typeof stepN === 'number';
    rows.push({
      scenario,
      measure: `one pipeline step (read 2,000 tests, classify, save, reports with the default report-dir), ${runsLabel(lastN)}`,
      value: typeof stepN === 'number' ? ms(stepN) : `failed: ${stepN ?? 'not run'}`,
      baseline: typeof step0 === 'number' ? `10 runs ${ms(step0)}` : `10 runs failed: ${step0 ?? 'not run'}`,
      ratio: measured ? stepN / step0 : undefined,
    });
  }
  for (const n of SIZES) {
    const r = builds.get(n);
    if (!r) continue;
    const open = r.openMs !== undefined ? `, open (read + integrity check) ${ms(r.openMs)}` : '';
    const built = r.built.buildMs ? `, generated now in ${(r.built.buildMs / 1000).toFixed(1)} s` : ', cached';
    rows.push({
      scenario,
      measure: `database, ${runsLabel(n)}`,
      value: `${mb(r.built.bytes)}${open}${built}`,
      baseline: n !== SIZES[0] && first?.openMs !== undefined && r.openMs !== undefined ? `open 10 runs ${ms(first.openMs)}` : undefined,
      ratio: n !== SIZES[0] && first?.openMs !== undefined && r.openMs !== undefined ? r.openMs / first.openMs : undefined,
    });
  }
  return rows;
}

/** Each back end's 1,000-run / 10-run classification ratio, for the goal row. */
const growth = new Map<string, number>();

export default async function history(ctx: BenchContext): Promise<Row[]> {
  const current = await currentRun();
  const rows: Row[] = [];
  growth.clear();
  rows.push(
    ...(await measureBackend(
      {
        label: 'sql.js',
        build: (n) => sqliteHistory(ctx.dataDir, n),
        open: (b) => openSqliteStore(b.where, { readonly: true }),
        measureOpen: true,
        stepDatabase: async (b) => {
          const dir = mkdtempSync(join(tmpdir(), 'ff-bench-step-db-'));
          const path = join(dir, 'flakefighters.db');
          copyFileSync(b.where, path);
          return { inputs: { 'database-path': path }, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
        },
      },
      current,
      ctx,
    )),
  );
  const server = await benchPostgres();
  if (typeof server === 'string') {
    rows.push({ scenario: `${SCENARIO}, PostgreSQL`, measure: 'all', value: `skipped: ${server}` });
  } else {
    rows.push(
      ...(await measureBackend(
        {
          label: 'PostgreSQL',
          build: (n) => postgresHistory(server, n),
          open: (b) => openPostgresStore(b.where),
          // A copy made by the server (CREATE DATABASE … TEMPLATE), so the history other scenarios read stays as built.
          stepDatabase: async (_b, n) => {
            const name = `step_${n}`;
            await server.psql(`DROP DATABASE IF EXISTS ${name}`, 'postgres');
            await server.psql(`CREATE DATABASE ${name} TEMPLATE history_${n}`, 'postgres');
            return { inputs: { 'database-url': databaseUrl(server, name) }, dispose: () => server.psql(`DROP DATABASE IF EXISTS ${name}`, 'postgres').then(() => {}) };
          },
        },
        current,
        ctx,
      )),
    );
  }
  // Goal 2 holds only when both back ends hold it; a back end that could not be measured fails it.
  const backends = ['sql.js', 'PostgreSQL'];
  rows.push({
    scenario: 'goal 2: history that grows 100×',
    measure: `classify 2,000 tests with ${runsLabel(SIZES[SIZES.length - 1])} vs ${runsLabel(SIZES[0])}, ${backends.join(' and ')}`,
    value: backends.map((b) => `${b} ${growth.has(b) ? `${growth.get(b)!.toFixed(2)}×` : 'not measured'}`).join(', '),
    target: '≤ 2× on both',
    met: backends.every((b) => (growth.get(b) ?? Infinity) <= 2),
  });
  rows.push({
    scenario: SCENARIO,
    measure: 'history shape',
    value: `${HISTORY.tests.toLocaleString('en-US')} tests/run, ${HISTORY.failureRate * 100}% failing, ${HISTORY.depth + 1}-frame tracebacks; ${HISTORY.templates} distinct runs repeated`,
  });
  return rows;
}
