/**
 * DiffCov (DeFlaker, Bell et al. 2018): an execution whose outcome differs from the source runs'
 * (or whose history was already mixed) and that executed no line changed between the source and
 * target commits is flaky. The changed lines and `def` lines come from src/ingest/git-diff.ts.
 */
import { isFailing, type Execution, type Run, type Test } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';

export interface DiffCovOptions {
  runLive?: boolean;
  root?: string | null;
  sourceCommit?: string | null;
  targetCommit?: string | null;
  /** Absolute path → 1-based lines of the target version that the diff changed (modified files only). */
  linesChanged: Map<string, Set<number>>;
  /** Absolute path → changed lines that are `def` lines (FunctionDef/AsyncFunctionDef lineno). */
  methodDeclarations: Map<string, Set<number>>;
  /** Stored runs of the source commit, in the order the store returns them. */
  sourceRuns: Run[];
  /** Judge passing executions too, as the plugin does (parity checks); we only judge failures. */
  judgeAll?: boolean;
}

export interface DiffCovDecision {
  flaky: boolean;
  /** Outcomes of the last source-run test with the same name ([] when none). */
  previousOutcomes: string[];
  /** A covered changed line that makes the failure genuine, if any. */
  changedLine: { file: string; line: number } | null;
}

export class DiffCov implements Flakefighter {
  readonly name = 'DiffCov';
  readonly runLive: boolean;
  private readonly opts: DiffCovOptions;
  private readonly previous = new Map<string, Set<string>>();

  constructor(opts: DiffCovOptions) {
    this.opts = opts;
    this.runLive = opts.runLive ?? true;
    // Later matches overwrite earlier ones (not unioned), scanning runs then their tests in order.
    for (const run of opts.sourceRuns) {
      for (const test of run.tests) this.previous.set(test.name, new Set(test.executions.map((e) => e.outcome)));
    }
  }

  params(): Record<string, PickleValue> {
    return { root: this.opts.root ?? '.', source_commit: this.opts.sourceCommit ?? null, target_commit: this.opts.targetCommit ?? null };
  }

  /** The plugin's _flaky_execution. */
  decide(test: Test, execution: Execution): DiffCovDecision {
    const prev = this.previous.get(test.name) ?? new Set<string>();
    const transition = !prev.has(execution.outcome) || prev.size > 1;
    let changedLine: DiffCovDecision['changedLine'] = null;
    for (const [file, lines] of Object.entries(execution.coverage ?? {})) {
      const changed = this.opts.linesChanged.get(file);
      if (!changed) continue;
      const defs = this.opts.methodDeclarations.get(file);
      // A changed `def` line only counts when it is the test's own definition.
      const hit = lines.find((l) => changed.has(l) && (l === test.lineNo || !defs?.has(l)));
      if (hit !== undefined) {
        changedLine = { file, line: hit };
        break;
      }
    }
    return { flaky: transition && changedLine === null, previousOutcomes: [...prev].sort(), changedLine };
  }

  classify(ctx: ClassifyContext): void {
    let noCoverage = 0;
    for (const test of ctx.run.tests) {
      for (const execution of test.executions) {
        if (!this.opts.judgeAll && !isFailing(execution.outcome)) continue;
        // Without coverage every transition would look flaky; say nothing instead.
        if (execution.coverage === null && !this.opts.judgeAll) {
          noCoverage++;
          continue;
        }
        const d = this.decide(test, execution);
        const prev = d.previousOutcomes.length ? d.previousOutcomes.join('/') : 'no earlier result';
        const reason = d.changedLine
          ? `covers line ${d.changedLine.line} of ${d.changedLine.file}, changed since the source commit`
          : d.flaky
            ? `${execution.outcome} (source commit: ${prev}) without covering any changed line`
            : `same outcome as on the source commit (${prev})`;
        execution.results.push({
          name: this.name,
          flaky: d.flaky,
          evidence: { reason, previousOutcomes: d.previousOutcomes, changedLine: d.changedLine, sourceCommit: this.opts.sourceCommit ?? null },
        });
      }
    }
    if (noCoverage) ctx.warn(`DiffCov: ${noCoverage} failure(s) have no per-test coverage; no verdict`);
  }
}
