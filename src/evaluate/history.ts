/**
 * The stored history as evaluate reads it, without loading any run whole (a run of thousands of tests costs far more
 * to hydrate than its failures): every run with its failures (what the history flakefighters read, as the pipeline
 * loads it), and one query for the outcomes of each failing test and of its namesakes on the same commit
 * (whether each failed, passed, ran at all, or holds coverage), which is what labels and OutcomeFlip need of the
 * other attempts.
 */
import { sameCode, sameEnvironment, testFlaky, type Execution, type Run, type Test } from '../model.ts';
import type { TestOutcomes } from '../store/outcomes-query.ts';
import type { AnyStore } from '../sync/open-any.ts';

export interface HistoryRun {
  /** Position in start order (start_time, then id, as loadHistory orders). */
  index: number;
  /** The run with its failures only (loadHistory's failuresOnly), as history for later runs. */
  failures: Run;
  /** Only the tests flaky at the moment (all the traceback flakefighters read of history). */
  flakyOnly: Run;
  /** Outcomes of its failing tests and of the tests that failed in another run of its commit, by test name. */
  outcomes: Map<string, TestOutcomes>;
  /** Key of its code and environment; null when it shares them with no run (unknown commit or environment, a dirty tree). */
  group: string | null;
}

export interface EvaluationHistory {
  runs: HistoryRun[];
  /** Runs by group key, oldest first. */
  groups: Map<string, HistoryRun[]>;
  byId: Map<number, HistoryRun>;
  byUuid: Map<string, HistoryRun>;
}

export interface LoadHistoryOptions {
  onProgress?(phase: string, done: number, total: number): void;
}

/** The group a run belongs to: runs with one key are the same code in the same environment (model.ts). */
export function groupKey(run: Run): string | null {
  // The key must agree with sameCode + sameEnvironment: both need a commit, an environment and a clean tree.
  if (run.commitSha == null || run.meta.environment == null || run.meta.dirtyTree) return null;
  return `${run.commitSha}\u0000${run.meta.environment}`;
}

export async function loadEvaluationHistory(store: AnyStore, opts: LoadHistoryOptions = {}): Promise<EvaluationHistory> {
  const runs: HistoryRun[] = [];
  const groups = new Map<string, HistoryRun[]>();
  opts.onProgress?.('reading failures', 0, 1);
  // One query: each query scans the tables, so batches cost more the larger the database.
  const loaded = await store.loadHistory({ before: new Date(8.64e15) }, { failuresOnly: true, coverage: false });
  loaded.sort((a, b) => a.startTime.getTime() - b.startTime.getTime() || a.id! - b.id!);
  for (const r of loaded) {
    const h: HistoryRun = {
      index: runs.length,
      failures: r,
      flakyOnly: { ...r, tests: r.tests.filter((t) => testFlaky(t) === true && t.executions.some((e) => e.exception)) },
      outcomes: new Map(),
      group: groupKey(r),
    };
    runs.push(h);
    if (h.group) {
      const g = groups.get(h.group);
      if (g) g.push(h);
      else groups.set(h.group, [h]);
    }
  }
  opts.onProgress?.('reading failures', 1, 1);
  const byId = new Map(runs.map((h) => [h.failures.id!, h]));
  opts.onProgress?.('reading outcomes', 0, 1);
  for (const o of await store.testOutcomes()) byId.get(o.runId)?.outcomes.set(o.name, o);
  opts.onProgress?.('reading outcomes', 1, 1);
  return { runs, groups, byId, byUuid: new Map(runs.map((h) => [h.failures.meta.uuid, h])) };
}

/** The other runs of a run's code and environment (sameCode + sameEnvironment), oldest first, itself included. */
export function attemptsOf(history: EvaluationHistory, h: HistoryRun): HistoryRun[] {
  if (!h.group) return [h];
  // The key is the two rules in one string; the rules themselves decide, so a change to them applies here.
  return history.groups.get(h.group)!.filter((o) => o === h || (sameCode(h.failures, o.failures) && sameEnvironment(h.failures, o.failures)));
}

const passes = new WeakMap<HistoryRun, Run>();

/**
 * The run as OutcomeFlip reads another attempt: its tests that passed (among those the outcomes query returned), each
 * with one passing execution; OutcomeFlip asks of another run only whether a test passed in it.
 */
export function passesOf(h: HistoryRun): Run {
  let r = passes.get(h);
  if (!r) {
    const passed = (name: string): Test => ({ name, fspath: '', lineNo: null, skipped: false, results: [], executions: [PASSED] });
    r = { ...h.failures, tests: [...h.outcomes.values()].filter((o) => o.passed).map((o) => passed(o.name)) };
    passes.set(h, r);
  }
  return r;
}

const PASSED: Execution = { outcome: 'passed', startTime: null, endTime: null, stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [] };
