/**
 * The flakiest tests over the whole stored history in one aggregate query, so reports rank them without loading every
 * run (history is loaded with its failures only, which hides the passes a ranking needs). Plain SQL both back ends run.
 */

/** One test name's record over every stored run that holds it. */
export interface TestFlakiness {
  name: string;
  /** Stored runs that hold the test. */
  runs: number;
  /** Runs in which it failed at least once. */
  failedRuns: number;
  /** Runs in which a flakefighter called it flaky. */
  flakyRuns: number;
  /** Runs in which it passed at least once (retries included). */
  passedRuns: number;
}

export const FLAKIEST_MAX = 1000;

/**
 * Tests that failed in some run and were called flaky or passed in some run (a test that only ever failed is broken,
 * not flaky), most flaky runs first, then most failed runs. `limit` is clamped to 1..FLAKIEST_MAX.
 */
export function flakiestSql(limit: number): string {
  const n = Math.max(1, Math.min(FLAKIEST_MAX, Math.floor(Number.isFinite(limit) ? limit : 100)));
  // Only names that failed somewhere can rank (the HAVING below): the few failed executions pick them
  // first, so the per-test grouping sorts their executions only, not every stored one (2.2 s -> 0.9 s
  // in sql.js on 1,000 runs x 1,000 tests with 176 names that ever failed). Same rows as grouping all.
  return `WITH failing AS (
  SELECT DISTINCT t.name AS name FROM test_execution e JOIN test t ON t.id = e.test_id WHERE e.outcome IN ('failed', 'error')
), cand AS (
  SELECT t.id AS id, t.name AS name FROM test t WHERE t.name IN (SELECT name FROM failing)
), ex AS (
  SELECT test_id,
    MAX(CASE WHEN outcome IN ('failed', 'error') THEN 1 ELSE 0 END) AS failed,
    MAX(CASE WHEN outcome = 'passed' THEN 1 ELSE 0 END) AS passed
  FROM test_execution WHERE test_id IN (SELECT id FROM cand) GROUP BY test_id
), fl AS (
  SELECT x.test_id AS test_id FROM flakefighter_result x WHERE x.flaky AND x.test_id IS NOT NULL
  UNION
  SELECT e.test_id FROM flakefighter_result x JOIN test_execution e ON e.id = x.test_execution_id WHERE x.flaky
)
SELECT t.name AS name, COUNT(*) AS runs, SUM(ex.failed) AS failed_runs,
  SUM(CASE WHEN fl.test_id IS NULL THEN 0 ELSE 1 END) AS flaky_runs, SUM(ex.passed) AS passed_runs
FROM cand t JOIN ex ON ex.test_id = t.id LEFT JOIN fl ON fl.test_id = t.id
GROUP BY t.name
HAVING SUM(ex.failed) > 0 AND (SUM(CASE WHEN fl.test_id IS NULL THEN 0 ELSE 1 END) > 0 OR SUM(ex.passed) > 0)
ORDER BY flaky_runs DESC, failed_runs DESC, t.name
LIMIT ${n}`;
}

export function toFlakiness(row: Record<string, unknown>): TestFlakiness {
  return {
    name: String(row.name),
    runs: Number(row.runs),
    failedRuns: Number(row.failed_runs),
    flakyRuns: Number(row.flaky_runs),
    passedRuns: Number(row.passed_runs),
  };
}
