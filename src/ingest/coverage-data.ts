/**
 * What the coverage readers hand on: per-test lines after context names are normalised and paths
 * mapped onto the root. Its own module so that reading (coverage.ts) and attaching
 * (coverage-attach.ts) both depend on it and not on each other.
 */

/** Absolute path → sorted 1-based lines. */
export type FileLines = Record<string, number[]>;

export interface CoverageData {
  /** Test id or context name (phase suffixes merged) → absolute path → sorted 1-based lines. */
  perTest: Map<string, FileLines>;
  /** Every covered line of every file, whatever the context. */
  totals: FileLines;
  /** Lines of the global (empty) context of files that also have per-test contexts: import/collection time, code outside tests. */
  shared: FileLines;
  /**
   * True when the contexts are per test: at least two distinct ones, or a single one that is
   * plainly a test (pytest-cov's `|run` phase, or a `::` nodeid), not a static label like `ci`.
   */
  hasContexts: boolean;
  /** Formats read, e.g. ['coverage.py-sqlite', 'lcov']. */
  formats: string[];
  warnings: string[];
  /** What was done to the data that people should know of (paths mapped onto the root). */
  notices: string[];
}
