/**
 * A flakefighter looks at the current run and the history and appends FlakefighterResults.
 * Live ones (the plugin's run_live) judge each execution against history only; post ones see the
 * whole current run too, in configuration order, so Test.flaky reads what earlier ones appended.
 */
import type { Run } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { TracebackHistorySource } from './traceback-history.ts';

export interface ClassifyContext {
  run: Run;
  /** Stored runs before this one, newest first (load-max-runs, time-immemorial applied). */
  history: Run[];
  /**
   * Stored runs of this run's commit in this run's environment, with every execution (history itself
   * may be loaded with failures only, to stay fast as it grows); undefined when the commit is unknown.
   */
  sameCommitRuns?: Run[];
  /**
   * The window's earlier flaky tracebacks as the store's signature index gives them; when absent, TracebackMatching and
   * CosineSimilarity read them from `history` (which then holds the stored failures).
   */
  tracebacks?: TracebackHistorySource;
  /** Absolute root the frames and coverage are relative to. */
  root: string;
  /** Collects warnings for the log and summary ("CoverageIndependence: no coverage columns; no verdict"). */
  warn(message: string): void;
}

export interface Flakefighter {
  /** Class name as the plugin writes it: DiffCov, TracebackMatching, CosineSimilarity, CoverageIndependence, OutcomeFlip. */
  readonly name: string;
  readonly runLive: boolean;
  /** Params as stored in activeflakefighter.params (a plain dict Python can unpickle). */
  params(): Record<string, PickleValue>;
  classify(ctx: ClassifyContext): void | Promise<void>;
}
