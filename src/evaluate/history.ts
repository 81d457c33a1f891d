/**
 * The stored history as evaluate reads it, loaded once in batches so a large database never sits in memory
 * whole: every run with its failures (what the history flakefighters read, as the pipeline loads it), and
 * for each run that has a failure, the tests that failed anywhere on its code and environment with every
 * execution (what labels and OutcomeFlip need: passes of other attempts and retries inside the run).
 */
import { isFailing, sameCode, sameEnvironment, testFlaky, type Run, type Test } from '../model.ts';
import type { AnyStore } from '../sync/open-any.ts';

export interface HistoryRun {
  /** Position in start order (start_time, then id, as loadHistory orders). */
  index: number;
  /** The run with its failures only (loadHistory's failuresOnly), as history for later runs. */
  failures: Run;
  /** Only the tests flaky at the moment (all the traceback flakefighters read of history). */
  flakyOnly: Run;
  /**
   * The tests that failed in any run of this run's code and environment (or in this run), each with every
   * execution; null when the run has no such test. The run under replay for the flakefighters that judge
   * failures, and OutcomeFlip's same-commit runs for later attempts.
   */
  view: Run | null;
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
  batchSize?: number;
  onProgress?(phase: string, done: number, total: number): void;
}

/** The group a run belongs to: runs with one key are the same code in the same environment (model.ts). */
export function groupKey(run: Run): string | null {
  // The key must agree with sameCode + sameEnvironment: both need a commit, an environment and a clean tree.
  if (run.commitSha == null || run.meta.environment == null || run.meta.dirtyTree) return null;
  return `${run.commitSha}\u0000${run.meta.environment}`;
}

const failed = (t: Test) => t.executions.some((e) => isFailing(e.outcome));

export async function loadEvaluationHistory(store: AnyStore, opts: LoadHistoryOptions = {}): Promise<EvaluationHistory> {
  const batch = Math.max(1, opts.batchSize ?? 100);
  const keys = await store.listRunKeys();
  const runs: HistoryRun[] = [];
  const groups = new Map<string, HistoryRun[]>();
  opts.onProgress?.('reading failures', 0, keys.length);
  for (let i = 0; i < keys.length; i += batch) {
    const loaded = await store.loadRuns(keys.slice(i, i + batch).map((k) => k.id), { failuresOnly: true, coverage: false });
    for (const r of loaded) {
      const h: HistoryRun = {
        index: runs.length,
        failures: r,
        flakyOnly: { ...r, tests: r.tests.filter((t) => testFlaky(t) === true && t.executions.some((e) => e.exception)) },
        view: null,
        group: groupKey(r),
      };
      runs.push(h);
      if (h.group) {
        const g = groups.get(h.group);
        if (g) g.push(h);
        else groups.set(h.group, [h]);
      }
    }
    opts.onProgress?.('reading failures', Math.min(i + batch, keys.length), keys.length);
  }
  // Which test names each run's view keeps: those failing in the run or anywhere in its group.
  const wanted = new Map<HistoryRun, Set<string>>();
  const failingIn = (h: HistoryRun) => h.failures.tests.filter(failed).map((t) => t.name);
  for (const h of runs) {
    const members = h.group ? groups.get(h.group)! : [h];
    const names = new Set(members.flatMap(failingIn));
    if (names.size > 0) wanted.set(h, names);
  }
  const toLoad = runs.filter((h) => wanted.has(h));
  opts.onProgress?.('reading attempts', 0, toLoad.length);
  for (let i = 0; i < toLoad.length; i += batch) {
    const slice = toLoad.slice(i, i + batch);
    const full = await store.loadRuns(slice.map((h) => h.failures.id!), { coverage: false });
    const byId = new Map(full.map((r) => [r.id, r]));
    for (const h of slice) {
      const r = byId.get(h.failures.id!);
      if (!r) continue;
      const names = wanted.get(h)!;
      h.view = { ...r, tests: r.tests.filter((t) => names.has(t.name)) };
    }
    opts.onProgress?.('reading attempts', Math.min(i + batch, toLoad.length), toLoad.length);
  }
  return {
    runs,
    groups,
    byId: new Map(runs.map((h) => [h.failures.id!, h])),
    byUuid: new Map(runs.map((h) => [h.failures.meta.uuid, h])),
  };
}

/** The other runs of a run's code and environment (sameCode + sameEnvironment), oldest first. */
export function attemptsOf(history: EvaluationHistory, h: HistoryRun): HistoryRun[] {
  if (!h.group) return [h];
  // The key is the two rules in one string; the rules themselves decide, so a change to them applies here.
  return history.groups.get(h.group)!.filter((o) => o === h || (sameCode(h.failures, o.failures) && sameEnvironment(h.failures, o.failures)));
}
