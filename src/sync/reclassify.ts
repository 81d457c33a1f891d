/**
 * Recomputes one stored run's verdicts as of its own start: the flakefighters and parameters in
 * its activeflakefighter rows, run again over the given history, in the plugin's order (live, then
 * post). Only flakefighters that need nothing beyond the database are recomputed: DiffCov needs the
 * git diff of the run's commits, which the database does not keep, so its stored verdicts stand
 * (and feed the post-run flakefighters, as they did originally).
 */
import { classifyRun } from '../classify.ts';
import type { Flakefighter } from '../flakefighters/flakefighter.ts';
import { createFlakefighter, REGISTRY } from '../flakefighters/registry.ts';
import { countRun, verdictOf, type ActiveFlakefighter, type RunCounts, type Execution, type FlakefighterResult, type Run, type Test, type Verdict } from '../model.ts';
import { PickleDict, type PickleValue } from '../store/pickle-types.ts';
import type { AppendedResult } from './append-results.ts';
import { hideLearnedAfter, isLearned } from '../learned-verdicts.ts';

export interface VerdictChange {
  runId: number;
  runUuid: string;
  runStart: Date;
  test: string;
  /** 0-based execution index within the test; null for a test-level verdict. */
  execution: number | null;
  flakefighter: string;
  oldFlaky: boolean | null;
  newFlaky: boolean;
  /** The test's overall verdict before and after (Test.flaky of all its results). */
  testVerdictBefore: Verdict;
  testVerdictAfter: Verdict;
  reason: string;
  /** The appended flakefighter_result row (set once written). */
  resultId?: number | null;
}

export interface ReclassifyOutcome {
  /** Rows to append, one per changed verdict; changes[i] describes appended[i]. */
  appended: AppendedResult[];
  changes: VerdictChange[];
  /** The run as it reads once the rows are appended (old and new results). */
  patchedRun: Run;
  notRecomputed: string[];
  /** The run's totals with the appended verdicts. */
  counts: RunCounts;
  /** Verdicts that differ from the stored ones with or without the late runs (left alone). */
  drifted: number;
}

/** Flakefighters whose inputs the database does not hold. */
const NEEDS_OUTSIDE_INPUT: Record<string, string> = {
  DiffCov: 'DiffCov verdicts were kept: recomputing them needs the git diff between the run\'s commits, which the database does not hold',
};

export function paramsRecord(p: unknown): Record<string, PickleValue> {
  const out: Record<string, PickleValue> = {};
  if (p instanceof PickleDict || p instanceof Map) {
    for (const [k, v] of p as Map<PickleValue, PickleValue>) if (typeof k === 'string') out[k] = v;
  } else if (p && typeof p === 'object' && Object.getPrototypeOf(p) === Object.prototype) {
    Object.assign(out, p as Record<string, PickleValue>);
  }
  return out;
}

/**
 * The verdict a flakefighter currently stands by: its newest result row (appended rows come last). A verdict learned
 * after the run was saved is not one it gave (and no replay as of the run's start can know it): left out.
 */
function latest(results: FlakefighterResult[], name: string): FlakefighterResult | undefined {
  let best: FlakefighterResult | undefined;
  for (const r of results) if (r.name === name && !isLearned(r) && (!best || (r.id ?? 0) >= (best.id ?? 0))) best = r;
  return best;
}

/** The verdicts a replay keeps as stored: the newest of each flakefighter not recomputed, learned ones aside. */
export function keptVerdicts(results: FlakefighterResult[], recomputed: ReadonlySet<string>): FlakefighterResult[] {
  const names = [...new Set(results.filter((r) => !isLearned(r)).map((r) => r.name))].filter((n) => !recomputed.has(n));
  return names.map((n) => latest(results, n)!);
}

export interface ReclassifyOptions {
  warn?: (m: string) => void;
  reason: string;
  /**
   * The history the run had before the sync (late runs left out, earlier reclassifications not
   * applied). When given, only verdicts that differ between this baseline and `history` count:
   * a verdict that differs from the stored one under both was not caused by the sync (another
   * version, or the plugin, classified the run) and is left alone, counted in `drifted`.
   */
  baselineHistory?: Run[];
}

export interface ClassifyAsOfOptions {
  warn?: (m: string) => void;
  /** The flakefighters to recompute; default: the run's own activeflakefighter rows. */
  active?: ActiveFlakefighter[];
  /**
   * Instances to use instead of fresh ones (by name), so a caller replaying many runs keeps their caches
   * (CosineSimilarity's documents); only flakefighters whose state is a cache of their inputs may be given.
   */
  instances?: ReadonlyMap<string, Flakefighter>;
  /** Stored runs of the run's commit and environment before it, with every execution (OutcomeFlip). */
  sameCommitRuns?: Run[];
}

export interface ClassifiedAsOf {
  /** A copy of the run with the recomputed results (and the kept verdicts of the others). */
  run: Run;
  /** Names recomputed. */
  recomputed: Set<string>;
  notRecomputed: string[];
}

/**
 * The run as its flakefighters would classify it with `history` (stored runs before it, newest first):
 * the one replay `sync --reclassify` and `evaluate` share. Verdicts that cannot be recomputed (DiffCov,
 * unknown names) stay in place so post-run flakefighters read them, as they did originally.
 */
export async function classifyAsOf(run: Run, history: Run[], opts: ClassifyAsOfOptions = {}): Promise<ClassifiedAsOf> {
  const warn = opts.warn ?? (() => {});
  const notRecomputed: string[] = [];
  const usable = (opts.active ?? run.activeFlakefighters).filter((a) => {
    if (NEEDS_OUTSIDE_INPUT[a.name]) notRecomputed.push(NEEDS_OUTSIDE_INPUT[a.name]);
    else if (!REGISTRY.has(a.name)) notRecomputed.push(`${a.name} verdicts were kept: it is not a flakefighter this version knows`);
    else return true;
    return false;
  });
  const recomputed = new Set(usable.map((a) => a.name));
  // Fresh instances per classification unless the caller shares caches: nothing else carries over.
  const build = (): Flakefighter[] =>
    usable.map((a) => opts.instances?.get(a.name) ?? createFlakefighter(a.name, paramsRecord(a.params), { root: run.root }));
  // Kept verdicts (DiffCov, unknown ones) stay in place so post-run flakefighters read them.
  const keep = (rs: FlakefighterResult[]) => keptVerdicts(rs, recomputed).map((r) => ({ ...r }));
  const copy: Run = {
    ...run,
    activeFlakefighters: [...run.activeFlakefighters],
    tests: run.tests.map((t): Test => ({
      ...t,
      results: keep(t.results),
      executions: t.executions.map((e): Execution => ({ ...e, results: keep(e.results) })),
    })),
  };
  // As of the run's start: verdicts learned later (a re-run's pass, learn-from-reruns.ts) were not known then.
  const asOf = (runs: Run[] | undefined) => (runs ? hideLearnedAfter(runs, run.startTime) : runs);
  await classifyRun(build(), { run: copy, history: asOf(history)!, sameCommitRuns: asOf(opts.sameCommitRuns), root: run.root, warn: (m) => warn(`run ${run.id}: ${m}`) });
  return { run: copy, recomputed, notRecomputed };
}

export async function reclassifyRun(run: Run, history: Run[], opts: ReclassifyOptions): Promise<ReclassifyOutcome> {
  const warn = opts.warn ?? (() => {});
  const classifyWith = async (h: Run[]) => classifyAsOf(run, h, { warn });
  const first = await classifyWith(history);
  const { recomputed, notRecomputed } = first;
  const fresh = first.run;
  const baseline = opts.baselineHistory ? (await classifyWith(opts.baselineHistory)).run : null;
  let drifted = 0;

  const appended: AppendedResult[] = [];
  const changes: VerdictChange[] = [];
  const patchedRun: Run = {
    ...run,
    tests: run.tests.map((t) => ({ ...t, results: [...t.results], executions: t.executions.map((e) => ({ ...e, results: [...e.results] })) })),
  };
  let nextId = Number.MAX_SAFE_INTEGER - 1_000_000;
  run.tests.forEach((oldTest, ti) => {
    const newTest = fresh.tests[ti];
    const patchedTest = patchedRun.tests[ti];
    const before = verdictOf(oldTest);
    const pending: VerdictChange[] = [];
    const compare = (
      oldResults: FlakefighterResult[],
      newResults: FlakefighterResult[],
      baseResults: FlakefighterResult[] | null,
      execution: number | null,
      into: FlakefighterResult[],
    ) => {
      for (const name of recomputed) {
        const n = latest(newResults, name);
        if (!n) continue;
        const o = latest(oldResults, name);
        if (baseResults) {
          const b = latest(baseResults, name);
          if (b && b.flaky === n.flaky) {
            // Same verdict without the late runs: whatever the stored row says, the sync did not change it.
            if (o ? o.flaky !== n.flaky : n.flaky) drifted++;
            continue;
          }
        }
        // No earlier verdict and a genuine one now changes nothing (Test.flaky reads the same).
        if (o ? o.flaky === n.flaky : !n.flaky) continue;
        const evidence = { ...(n.evidence ?? { reason: '' }), reason: `${n.evidence?.reason ?? ''} (${opts.reason})`.trim() };
        appended.push({
          testId: oldTest.id!,
          executionId: execution === null ? null : oldTest.executions[execution].id!,
          name,
          flaky: n.flaky,
          evidence,
          oldResultId: o?.id ?? null,
          oldFlaky: o ? o.flaky : null,
        });
        into.push({ name, flaky: n.flaky, evidence, id: nextId++ });
        pending.push({
          runId: run.id!,
          runUuid: run.meta.uuid,
          runStart: run.startTime,
          test: oldTest.name,
          execution,
          flakefighter: name,
          oldFlaky: o ? o.flaky : null,
          newFlaky: n.flaky,
          testVerdictBefore: before,
          testVerdictAfter: before,
          reason: evidence.reason,
        });
      }
    };
    const baseTest = baseline?.tests[ti] ?? null;
    oldTest.executions.forEach((e, ei) =>
      compare(e.results, newTest.executions[ei].results, baseTest ? baseTest.executions[ei].results : null, ei, patchedTest.executions[ei].results),
    );
    compare(oldTest.results, newTest.results, baseTest ? baseTest.results : null, null, patchedTest.results);
    const after = verdictOf(patchedTest);
    for (const c of pending) c.testVerdictAfter = after;
    changes.push(...pending);
  });
  // Totals as the run now reads (stored counts describe the old reading).
  patchedRun.meta = { ...run.meta, counts: null };
  const counts = countRun(patchedRun);
  patchedRun.meta.counts = counts;
  return { appended, changes, patchedRun, notRecomputed, counts, drifted };
}
