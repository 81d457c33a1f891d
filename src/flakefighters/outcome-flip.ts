/**
 * OutcomeFlip (ours, design §4): a failure is flaky when the same test also passed on the same code in
 * the same environment: a retry inside this run (the ingest decides which repeated testcases are
 * retries), or a stored run of the same commit and environment (an earlier attempt of the same job and
 * matrix leg, or another run of that commit there). A pass on another leg, another machine, or a
 * working tree with uncommitted changes is no evidence (model.ts sameCode, sameEnvironment). It needs
 * no coverage, so it works for every language.
 */
import { environmentMayMixLegs } from '../github/context.ts';
import { addResults, failingTests, isFailing, sameCode, sameEnvironment, type Evidence, type Run, type Test } from '../model.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';

export class OutcomeFlip implements Flakefighter {
  readonly name = 'OutcomeFlip';
  readonly runLive = true;

  params(): Record<string, never> {
    return {};
  }

  classify({ run, history, sameCommitRuns }: ClassifyContext): void {
    const why = whyNoStoredRuns(run);
    // The store may already have selected by commit and environment; the rule is applied here either way.
    const comparable = why === null ? (sameCommitRuns ?? history).filter((h) => h !== run && sameCode(run, h) && sameEnvironment(run, h)) : [];
    const passedIn = comparable.length > 0 ? passesByTest(comparable) : new Map<string, Run>();
    const mixed = mixedLegs(run, comparable);
    for (const test of failingTests(run)) {
      const failing = test.executions.filter((e) => isFailing(e.outcome));
      if (failing.length === 0) continue;
      const evidence = evidenceFor(test, run, passedIn.get(test.name), comparable.length, why, mixed);
      for (const execution of failing) {
        addResults(execution, { name: this.name, flaky: evidence.flaky, evidence: { ...evidence.detail } });
      }
    }
  }
}

/** Why no stored run can be the same code in the same environment as this one; null when some can. */
function whyNoStoredRuns(run: Run): string | null {
  if (!run.commitSha) return 'the commit is unknown, so stored runs were not compared';
  if (run.meta.dirtyTree) return `the working tree had uncommitted changes, so no stored run of ${short(run.commitSha)} is the same code`;
  if (run.meta.environment == null) return 'the environment is unknown, so stored runs were not compared';
  return null;
}

/**
 * Without the `matrix` input, legs that the runner cannot tell apart share an environment. One attempt
 * of a workflow run runs a job once per leg, so two runs of one environment from the same attempt are two
 * legs (or two steps of one job): then no run of that environment is taken as the same leg. Returns the
 * workflow run that shows it, or null.
 */
function mixedLegs(run: Run, comparable: Run[]): Run | null {
  if (!environmentMayMixLegs(run.meta.environment)) return null;
  const seen = new Map<string, Run>();
  for (const r of [run, ...comparable]) {
    if (!r.meta.runId) continue;
    const attempt = `${r.meta.runId}#${r.meta.runAttempt ?? 1}`;
    if (seen.has(attempt)) return r;
    seen.set(attempt, r);
  }
  return null;
}

function evidenceFor(
  test: Test,
  run: Run,
  passedRun: Run | undefined,
  comparable: number,
  why: string | null,
  mixed: Run | null,
): { flaky: boolean; detail: Evidence } {
  const passes = test.executions.filter((e) => e.outcome === 'passed').length;
  if (passes > 0) {
    const fails = test.executions.filter((e) => isFailing(e.outcome)).length;
    return { flaky: true, detail: { reason: `failed ${fails}× and passed ${passes}× in this run (retry or repeated testcase)` } };
  }
  if (passedRun && mixed) {
    return {
      flaky: false,
      detail: {
        reason:
          `no verdict from stored runs: it passed in ${runName(passedRun)}, but ${mixed.meta.runNumber ? `workflow run #${mixed.meta.runNumber}` : 'one workflow run'} ` +
          `saved more than one run in one attempt as ${run.meta.environmentLabel ?? 'this environment'} (matrix legs the runner cannot tell apart, ` +
          "or the action called twice in one job), so that pass may be another leg's; pass `matrix: ${{ toJSON(matrix) }}` to the action in matrix jobs",
        runId: passedRun.id ?? null,
        runUuid: passedRun.meta.uuid,
        environment: run.meta.environmentLabel ?? null,
        noVerdict: true,
      },
    };
  }
  if (passedRun) {
    const label = passedRun.meta.environmentLabel ?? run.meta.environmentLabel ?? null;
    return {
      flaky: true,
      detail: {
        reason: `passed on the same commit ${short(run.commitSha)} in ${runName(passedRun)}${label ? ` (${label})` : ''}`,
        runId: passedRun.id ?? null,
        runUuid: passedRun.meta.uuid,
        testName: test.name,
        runNumber: passedRun.meta.runNumber ?? null,
        runAttempt: passedRun.meta.runAttempt ?? null,
        environment: label,
      },
    };
  }
  // Abstentions (no-verdict.ts's shape): nothing stored could be compared, so only this run was.
  if (why !== null) return { flaky: false, detail: { reason: `never passed in this run; ${why}`, noVerdict: true } };
  const label = run.meta.environmentLabel;
  return {
    flaky: false,
    detail: {
      reason: `never passed on this commit ${short(run.commitSha)}, in this run or in ${comparable} stored run(s) of this environment${label ? ` (${label})` : ''}`,
      environment: label ?? null,
    },
  };
}

/** "run #41 attempt 1" for a workflow run; "run #7" (database id) for a CLI run. */
function runName(r: Run): string {
  const n = r.meta.runNumber ? `#${r.meta.runNumber}` : r.id != null ? `#${r.id}` : r.meta.uuid.slice(0, 8);
  return `run ${n}${r.meta.runAttempt ? ` attempt ${r.meta.runAttempt}` : ''}`;
}

/** The newest stored run in which each test passed at least once (runs come newest first). */
function passesByTest(runs: Run[]): Map<string, Run> {
  const out = new Map<string, Run>();
  for (const r of runs) {
    for (const t of r.tests) {
      if (!out.has(t.name) && t.executions.some((e) => e.outcome === 'passed')) out.set(t.name, r);
    }
  }
  return out;
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : 'unknown');
