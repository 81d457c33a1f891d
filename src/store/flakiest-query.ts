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
  const n = clampLimit(limit);
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

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(FLAKIEST_MAX, Math.floor(Number.isFinite(limit) ? limit : 100)));
}

/** What a saved test's executions and verdicts were, one byte per test (flakiestOfRun). */
const TEST_EXECUTED = 1;
const TEST_FAILED = 2;
const TEST_PASSED = 4;
export const TEST_FLAKY = 8;

/** The bits of one execution's outcome, as flakiestSql reads it. */
export function outcomeFlags(outcome: string): number {
  return outcome === 'passed' ? TEST_EXECUTED | TEST_PASSED : outcome === 'failed' || outcome === 'error' ? TEST_EXECUTED | TEST_FAILED : TEST_EXECUTED;
}

/**
 * flakiestSql's rows computed from the tests of the one run a database holds, as they were saved: `names[i]` and
 * `flags[i]` are test i's name and bits (TEST_EXECUTED: it has an execution row; TEST_FAILED, TEST_PASSED: one of
 * them failed or errored, passed; TEST_FLAKY: a flaky verdict on it or on one of its executions). The query groups
 * every stored execution by name; when the database holds nothing but one run this process just saved, the same
 * rows come from the run without reading the database (~50 ms of SQL on a 100k-test run). Names in SQLite's order
 * (BINARY: UTF-8 bytes, which is code point order).
 *
 * Names are compared as strings where the query compares their stored UTF-8 bytes: the same equality for every name
 * (sql.js and the direct binder store each string's own bytes, a lone surrogate as three bytes of its own, NULs
 * included), and the same order for names without surrogates. Only failing names are ranked; when one has a
 * surrogate this gives up (null: the caller runs the query), as sql.js does not read a lone one back as it was.
 */
export function flakiestOfRun(names: readonly string[], flags: Uint8Array, limit: number): TestFlakiness[] | null {
  const byName = new Map<string, TestFlakiness>();
  // Failing names are few; the others are told apart by a hash of their last characters first, so most of them are
  // never hashed whole as Map keys (that cost more than the rest together on a 100k-test run).
  const keys = new Set<number>();
  for (let i = 0; i < names.length; i++) {
    if (!(flags[i] & TEST_FAILED)) continue;
    const name = names[i];
    if (byName.has(name)) continue;
    if (SURROGATE.test(name)) return null;
    byName.set(name, { name, runs: 0, failedRuns: 0, flakyRuns: 0, passedRuns: 0 });
    keys.add(nameKey(name));
  }
  if (byName.size === 0) return [];
  for (let i = 0; i < names.length; i++) {
    const f = flags[i];
    // A test without executions has no row in the query's per-test aggregate: it is not counted.
    if (!(f & TEST_EXECUTED) || !keys.has(nameKey(names[i]))) continue;
    const row = byName.get(names[i]);
    if (!row) continue;
    row.runs++;
    if (f & TEST_FAILED) row.failedRuns++;
    if (f & TEST_FLAKY) row.flakyRuns++;
    if (f & TEST_PASSED) row.passedRuns++;
  }
  const ranked = [...byName.values()].filter((r) => r.flakyRuns > 0 || r.passedRuns > 0);
  // No ranked name has a surrogate (above), so UTF-16 order is code point order.
  ranked.sort((a, b) => b.flakyRuns - a.flakyRuns || b.failedRuns - a.failedRuns || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return ranked.slice(0, clampLimit(limit));
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Equal names give equal numbers: a hash of the length and the last 12 characters (names differ most near their end). */
function nameKey(s: string): number {
  const n = s.length;
  let h = n;
  for (let j = n > 12 ? n - 12 : 0; j < n; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619);
  return h & 0x3fffffff;
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
