/**
 * TracebackMatching (Alshammari et al. 2024, II.A): a failure is flaky when its frames under root,
 * as (relpath, lineno, colno, statement) tuples, equal an earlier flaky execution's frames exactly.
 */
import { addResults, testFlaky, testsToJudge } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';
import { describeRef, groupsFromRuns, judged, matchTuples, NO_ROOTED_FRAME, refEvidence, runTracebacks, type TracebackRef } from './traceback-history.ts';
import { lookupHashes } from '../store/traceback-signatures.ts';
import { noVerdict } from './no-verdict.ts';

export interface TracebackMatchingOptions {
  runLive?: boolean;
  /** Absolute root; defaults to the context's root. */
  root?: string | null;
  /** Judge passing executions too, as the plugin does (parity checks). */
  judgeAll?: boolean;
}

const keyOf = (tuples: unknown): string => JSON.stringify(tuples);

export class TracebackMatching implements Flakefighter {
  readonly name = 'TracebackMatching';
  readonly runLive: boolean;
  private readonly root: string | null;
  private readonly judgeAll: boolean;

  constructor(opts: TracebackMatchingOptions = {}) {
    this.runLive = opts.runLive ?? true;
    this.root = opts.root ?? null;
    this.judgeAll = opts.judgeAll ?? false;
  }

  params(): Record<string, PickleValue> {
    return { run_live: this.runLive, root: this.root ?? '.' };
  }

  async classify(ctx: ClassifyContext): Promise<void> {
    const root = this.root ?? ctx.root;
    // Only these tests can hold an execution this judges (judgeAll judges passing ones too).
    const tests = this.judgeAll ? ctx.run.tests : testsToJudge(ctx.run);
    // History is fixed during a classification, so index its flaky tracebacks once: from the store's signature index,
    // only this run's signatures (an indexed lookup), else from the loaded history.
    let groups;
    if (ctx.tracebacks) {
      // Every execution with an exception is judged (judged()), so these are the hashes of exactly the executions
      // compared below; the preload computed them already.
      const hashes = lookupHashes(ctx.run, root);
      groups = hashes.size ? await ctx.tracebacks.matching([...hashes]) : [];
    } else groups = groupsFromRuns(ctx.history);
    const index = new Map<string, TracebackRef>();
    for (const g of groups) {
      // An earlier failure with no frame under its root says nothing about the code: never a match.
      if (!g.rooted) continue;
      if (!index.has(g.key)) index.set(g.key, g.ref);
    }
    // Post-run, the current run counts too, with Test.flaky read at the moment of each comparison.
    const current = this.runLive ? null : runTracebacks(ctx.run);
    const currentKeys = current?.map((t) => t.refs.map((r) => keyOf(r.tuples)));
    for (const test of tests) {
      for (const execution of test.executions) {
        if (!judged(execution, this.judgeAll)) continue;
        if (!execution.exception) {
          addResults(execution, { name: this.name, flaky: false, evidence: { reason: 'no traceback recorded' } });
          continue;
        }
        // Frames of dependencies under the root (.venv, node_modules, a library's JVM package path) count for the
        // plugin's tuples, but alone they say nothing about the project's code: abstain then too.
        const tuples = matchTuples(execution.exception.frames, root);
        if (!tuples) {
          addResults(execution, noVerdict(this.name, NO_ROOTED_FRAME));
          continue;
        }
        const k = keyOf(tuples);
        let match = index.get(k) ?? null;
        if (!match && current) match = this.matchInRun(current, currentKeys!, k);
        addResults(execution,
          match
            ? { name: this.name, flaky: true, evidence: { reason: `same traceback as a flaky failure of ${describeRef(match, ctx.run, execution)}`, ...refEvidence(match) } }
            : { name: this.name, flaky: false, evidence: { reason: 'no earlier flaky failure with the same traceback' } },
        );
      }
    }
  }

  private matchInRun(current: ReturnType<typeof runTracebacks>, keys: string[][], k: string): TracebackRef | null {
    for (const [i, t] of current.entries()) {
      const j = keys[i].findIndex((key, n) => key === k && t.refs[n].rooted);
      if (j >= 0 && testFlaky(t.test)) return t.refs[j];
    }
    return null;
  }
}
