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
import { verdictOf, type Execution, type FlakefighterResult, type Run, type Test, type Verdict } from '../model.ts';
import { PickleDict, type PickleValue } from '../store/pickle-types.ts';
import type { AppendedResult } from './append-results.ts';

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
}

/** Flakefighters whose inputs the database does not hold. */
const NEEDS_OUTSIDE_INPUT: Record<string, string> = {
  DiffCov: 'DiffCov verdicts were kept: recomputing them needs the git diff between the run\'s commits, which the database does not hold',
};

function paramsRecord(p: unknown): Record<string, PickleValue> {
  const out: Record<string, PickleValue> = {};
  if (p instanceof PickleDict || p instanceof Map) {
    for (const [k, v] of p as Map<PickleValue, PickleValue>) if (typeof k === 'string') out[k] = v;
  } else if (p && typeof p === 'object' && Object.getPrototypeOf(p) === Object.prototype) {
    Object.assign(out, p as Record<string, PickleValue>);
  }
  return out;
}

/** The verdict a flakefighter currently stands by: its newest result row (appended rows come last). */
function latest(results: FlakefighterResult[], name: string): FlakefighterResult | undefined {
  let best: FlakefighterResult | undefined;
  for (const r of results) if (r.name === name && (!best || (r.id ?? 0) >= (best.id ?? 0))) best = r;
  return best;
}

export async function reclassifyRun(
  run: Run,
  history: Run[],
  opts: { warn?: (m: string) => void; reason: string },
): Promise<ReclassifyOutcome> {
  const warn = opts.warn ?? (() => {});
  const notRecomputed: string[] = [];
  const flakefighters: Flakefighter[] = [];
  for (const a of run.activeFlakefighters) {
    if (NEEDS_OUTSIDE_INPUT[a.name]) notRecomputed.push(NEEDS_OUTSIDE_INPUT[a.name]);
    else if (!REGISTRY.has(a.name)) notRecomputed.push(`${a.name} verdicts were kept: it is not a flakefighter this version knows`);
    else flakefighters.push(createFlakefighter(a.name, paramsRecord(a.params), { root: run.root }));
  }
  const recomputed = new Set(flakefighters.map((f) => f.name));
  // Kept verdicts (DiffCov, unknown ones) stay in place so post-run flakefighters read them.
  const keep = (rs: FlakefighterResult[]) => {
    const names = [...new Set(rs.map((r) => r.name))].filter((n) => !recomputed.has(n));
    return names.map((n) => ({ ...latest(rs, n)! }));
  };
  const fresh: Run = {
    ...run,
    activeFlakefighters: [...run.activeFlakefighters],
    tests: run.tests.map((t): Test => ({
      ...t,
      results: keep(t.results),
      executions: t.executions.map((e): Execution => ({ ...e, results: keep(e.results) })),
    })),
  };
  await classifyRun(flakefighters, { run: fresh, history, root: run.root, warn: (m) => warn(`run ${run.id}: ${m}`) });

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
    const compare = (oldResults: FlakefighterResult[], newResults: FlakefighterResult[], execution: number | null, into: FlakefighterResult[]) => {
      for (const name of recomputed) {
        const n = latest(newResults, name);
        if (!n) continue;
        const o = latest(oldResults, name);
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
    oldTest.executions.forEach((e, ei) => compare(e.results, newTest.executions[ei].results, ei, patchedTest.executions[ei].results));
    compare(oldTest.results, newTest.results, null, patchedTest.results);
    const after = verdictOf(patchedTest);
    for (const c of pending) c.testVerdictAfter = after;
    changes.push(...pending);
  });
  return { appended, changes, patchedRun, notRecomputed };
}
