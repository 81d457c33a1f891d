/**
 * Verdicts learned after their run was saved (store/learn-from-reruns.ts) as the rest of the code reads them: which
 * results are learned, the reason a learned verdict gives, and history "as of" a moment, without what was learned
 * after it (sync --reclassify and evaluate replay a run with the knowledge of its start, never later knowledge).
 */
import type { FlakefighterResult, Run, Test } from './model.ts';

export const isLearned = (r: FlakefighterResult): boolean => r.learned !== undefined;

/**
 * The learned flaky verdict that makes a test flaky, when only learned ones do (a test some flakefighter called flaky
 * when its run was classified needs no chain); null otherwise.
 */
export function learnedFlakyOnly(test: Test): FlakefighterResult | null {
  let learned: FlakefighterResult | null = null;
  for (const r of [...test.results, ...test.executions.flatMap((e) => e.results)]) {
    if (!r.flaky) continue;
    if (!isLearned(r)) return null;
    learned ??= r;
  }
  return learned;
}

/** Runs as they read at `moment`: results learned at or after it are left out (runs without any are returned as they are). */
export function hideLearnedAfter(runs: Run[], moment: Date): Run[] {
  const t = moment.getTime();
  const later = (r: FlakefighterResult) => r.learned !== undefined && !(r.learned.at.getTime() < t);
  const keep = (rs: FlakefighterResult[]) => (rs.some(later) ? rs.filter((r) => !later(r)) : rs);
  return runs.map((run) => {
    if (!run.tests.some((tt) => tt.results.some(later) || tt.executions.some((e) => e.results.some(later)))) return run;
    return {
      ...run,
      tests: run.tests.map((tt) => ({ ...tt, results: keep(tt.results), executions: tt.executions.map((e) => ({ ...e, results: keep(e.results) })) })),
    };
  });
}
