/**
 * DiffCov (DeFlaker, Bell et al. 2018): an execution whose outcome differs from the source runs'
 * (or whose history was already mixed) and that executed no line changed between the source and
 * target commits is flaky. The changed lines and `def` lines come from src/ingest/git-diff.ts.
 *
 * Where the plugin would still answer, we give no verdict (a noVerdict row says why): a failure
 * whose coverage is unknown or empty (it would "cover no changed line" for want of data), a run
 * whose changed lines are unknown (abstain()), and a run whose source commit was stored only in
 * other environments.
 */
import { addResults, isFailing, runRef, sameEnvironment, type Execution, type Run, type Test } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';
import { noVerdict } from './no-verdict.ts';

export interface DiffCovOptions {
  runLive?: boolean;
  root?: string | null;
  sourceCommit?: string | null;
  targetCommit?: string | null;
  /** Absolute path → 1-based lines of the target version that the diff changed (modified files only). */
  linesChanged: Map<string, Set<number>>;
  /** Absolute path → changed lines that are `def` lines (FunctionDef/AsyncFunctionDef lineno). */
  methodDeclarations: Map<string, Set<number>>;
  /**
   * Stored runs of the source commit, oldest first: a later run's test overwrites an earlier one's,
   * so the newest run that holds the test decides, as in the plugin. Those of another environment
   * are set aside when the judged run has one (sourceRunsFor).
   */
  sourceRuns: Run[];
  /** Judge passing executions too, as the plugin does (parity checks); we only judge failures. */
  judgeAll?: boolean;
  /** Why the changed lines are unknown, when they are: as abstain(). */
  unknownChanges?: string;
}

export interface DiffCovDecision {
  flaky: boolean;
  /** Outcomes of the last source-run test with the same name ([] when none). */
  previousOutcomes: string[];
  /** The source run those outcomes come from. */
  sourceRun: Run | null;
  /** A covered changed line that makes the failure genuine, if any. */
  changedLine: { file: string; line: number } | null;
}

/**
 * The source runs DiffCov compares `current` with (both lists oldest first): never one of a working
 * tree with uncommitted changes (that is not the source commit's code), and those of `current`'s
 * environment when it has one (null never matches). When `current` has none (the CLI, plugin-like
 * use) every run counts, the newest deciding.
 *
 * The plugin's Database.get_source_runs selects `run WHERE commit_sha = ?` with no ORDER BY, which
 * SQLite returns in rowid order (oldest first), and _flaky_execution overwrites per matching test, so
 * the newest run holding the test decides. Our store returns newest first: the caller reverses.
 */
export function sourceRunsFor(current: Run, oldestFirst: readonly Run[]): { runs: Run[]; noVerdictReason: string | null } {
  const clean = oldestFirst.filter((r) => !r.meta?.dirtyTree);
  if (current.meta?.environment == null) return { runs: clean, noVerdictReason: null };
  const same = clean.filter((r) => sameEnvironment(current, r));
  if (same.length === 0 && clean.length > 0) {
    const where = current.meta.environmentLabel ?? current.meta.environment;
    return {
      runs: [],
      noVerdictReason: `the source commit's ${clean.length} stored run(s) ran in other environments than this one (${where}), so they do not say how this test did there`,
    };
  }
  return { runs: same, noVerdictReason: null };
}

/** No line at all: nothing says what the execution ran. */
function hasCoveredLine(coverage: Execution['coverage']): boolean {
  return coverage !== null && Object.values(coverage).some((lines) => lines.length > 0);
}

export class DiffCov implements Flakefighter {
  readonly name = 'DiffCov';
  readonly runLive: boolean;
  private readonly opts: DiffCovOptions;
  private previous = new Map<string, { outcomes: Set<string>; run: Run }>();
  /** Set by abstain(): the changed lines are unknown, so nothing can be said. */
  private unknownChanges: string | null = null;

  constructor(opts: DiffCovOptions) {
    this.opts = opts;
    this.runLive = opts.runLive ?? true;
    this.compareWith(opts.sourceRuns);
    if (opts.unknownChanges) this.abstain(opts.unknownChanges);
  }

  private compareWith(runs: readonly Run[]): void {
    this.previous = new Map();
    // Later matches overwrite earlier ones (not unioned), scanning runs then their tests in order.
    for (const run of runs) {
      for (const test of run.tests) this.previous.set(test.name, { outcomes: new Set(test.executions.map((e) => e.outcome)), run });
    }
  }

  /**
   * No verdict for any failure of the run: the changed lines are unknown (no source commit, no diff),
   * and "covers no changed line" would then hold for every failure.
   */
  abstain(reason: string): void {
    this.unknownChanges = reason;
  }

  params(): Record<string, PickleValue> {
    return { root: this.opts.root ?? '.', source_commit: this.opts.sourceCommit ?? null, target_commit: this.opts.targetCommit ?? null };
  }

  /** The plugin's _flaky_execution. */
  decide(test: Test, execution: Execution): DiffCovDecision {
    const prev = this.previous.get(test.name);
    const outcomes = prev?.outcomes ?? new Set<string>();
    const transition = !outcomes.has(execution.outcome) || outcomes.size > 1;
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
    return { flaky: transition && changedLine === null, previousOutcomes: [...outcomes].sort(), sourceRun: prev?.run ?? null, changedLine };
  }

  classify(ctx: ClassifyContext): void {
    const source = sourceRunsFor(ctx.run, this.opts.sourceRuns);
    this.compareWith(source.runs);
    // Set when the source runs cannot be compared with the judged run: no verdict at all, with this reason.
    const noVerdictReason = this.unknownChanges ?? source.noVerdictReason;
    const noCoverage: string[] = [];
    let skippedRun = 0;
    for (const test of ctx.run.tests) {
      for (const execution of test.executions) {
        if (!this.opts.judgeAll && !isFailing(execution.outcome)) continue;
        if (noVerdictReason && !this.opts.judgeAll) {
          skippedRun++;
          this.note(execution, `no verdict: ${noVerdictReason}`);
          continue;
        }
        // Without coverage every transition would look flaky; say nothing instead.
        if (!hasCoveredLine(execution.coverage) && !this.opts.judgeAll) {
          noCoverage.push(test.name);
          this.note(
            execution,
            execution.coverage === null
              ? 'no verdict: no per-test coverage of this execution is known (no coverage context names the test, or its contexts hold no line), so whether it ran changed code cannot be told'
              : 'no verdict: its coverage is empty, so whether it ran changed code cannot be told',
          );
          continue;
        }
        const d = this.decide(test, execution);
        const from = d.sourceRun ? ` in run ${runRef(d.sourceRun)}` : '';
        const prev = d.previousOutcomes.length ? `${d.previousOutcomes.join('/')}${from}` : 'no earlier result';
        const reason = d.changedLine
          ? `covers line ${d.changedLine.line} of ${d.changedLine.file}, changed since the source commit`
          : d.flaky
            ? `${execution.outcome} (source commit: ${prev}) without covering any changed line`
            : `same outcome as on the source commit (${prev})`;
        addResults(execution, {
          name: this.name,
          flaky: d.flaky,
          evidence: {
            reason,
            previousOutcomes: d.previousOutcomes,
            changedLine: d.changedLine,
            sourceCommit: this.opts.sourceCommit ?? null,
            runId: d.sourceRun?.id ?? null,
            runUuid: d.sourceRun?.meta?.uuid ?? null,
          },
        });
      }
    }
    if (skippedRun) ctx.warn(`DiffCov: no verdict for ${skippedRun} failure(s): ${noVerdictReason}`);
    if (noCoverage.length) {
      const names = [...new Set(noCoverage)];
      ctx.warn(
        `DiffCov: ${noCoverage.length} failure(s) have no per-test coverage; no verdict (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`,
      );
    }
  }

  private note(execution: Execution, reason: string): void {
    addResults(execution, noVerdict(this.name, reason, { sourceCommit: this.opts.sourceCommit ?? null }));
  }
}
