/**
 * OutcomeFlip (ours, design §4): a failure is flaky when the same test also passed on the same code:
 * a retry or repeated testcase in this run, or a stored run of the same commit (which includes an
 * earlier attempt of a re-run workflow). It needs no coverage, so it works for every language.
 */
import { isFailing, runRef, type Run, type Test } from '../model.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';

export class OutcomeFlip implements Flakefighter {
  readonly name = 'OutcomeFlip';
  readonly runLive = true;

  params(): Record<string, never> {
    return {};
  }

  classify({ run, history, sameCommitRuns }: ClassifyContext): void {
    const sameCommit = run.commitSha ? (sameCommitRuns ?? history.filter((h) => h.commitSha === run.commitSha)) : [];
    const passedIn = sameCommit.length > 0 ? passesByTest(sameCommit) : new Map<string, Run>();
    for (const test of run.tests) {
      const failing = test.executions.filter((e) => isFailing(e.outcome));
      if (failing.length === 0) continue;
      const evidence = this.evidenceFor(test, run, passedIn.get(test.name), sameCommit.length);
      for (const execution of failing) {
        execution.results.push({ name: this.name, flaky: evidence.flaky, evidence: evidence.detail });
      }
    }
  }

  private evidenceFor(test: Test, run: Run, passedRun: Run | undefined, storedSameCommit: number) {
    const passes = test.executions.filter((e) => e.outcome === 'passed').length;
    if (passes > 0) {
      const fails = test.executions.length - passes;
      return {
        flaky: true,
        detail: { reason: `failed ${fails}× and passed ${passes}× in this run (retry or repeated testcase)` },
      };
    }
    if (passedRun) {
      const where =
        passedRun.meta.runId && passedRun.meta.runId === run.meta.runId
          ? `attempt ${passedRun.meta.runAttempt ?? 1} of this workflow run`
          : `run ${runRef(passedRun)}`;
      return {
        flaky: true,
        detail: {
          reason: `passed on the same commit ${short(run.commitSha)} in ${where}`,
          runId: passedRun.id ?? null,
          runUuid: passedRun.meta.uuid,
          testName: test.name,
        },
      };
    }
    const where = run.commitSha
      ? `in this run or in ${storedSameCommit} stored run(s) of commit ${short(run.commitSha)}`
      : 'in this run (commit unknown, so stored runs were not compared)';
    return { flaky: false, detail: { reason: `never passed ${where}` } };
  }
}

/** The newest stored run in which each test passed at least once. */
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
