/**
 * What evaluate's labels need of every stored run without loading each run whole: for each test row that failed,
 * and each row of a test that failed in some run of the same commit, whether it failed, passed and ran at all
 * (retries inside the run included). Plain SQL both back ends run; the environment rules are applied by the caller.
 */

/** One test of one stored run. */
export interface TestOutcomes {
  runId: number;
  name: string;
  failed: boolean;
  passed: boolean;
  /** Some execution was not skipped. */
  ran: boolean;
  /** Some execution has per-test coverage stored. */
  covered: boolean;
}

// Failing executions are few: start from them, then take only the tests of the same name and commit.
export const TEST_OUTCOMES_SQL = `WITH fx AS (
  SELECT DISTINCT test_id FROM test_execution WHERE outcome IN ('failed', 'error')
), failing AS (
  SELECT DISTINCT t.name, r.commit_sha FROM fx JOIN test t ON t.id = fx.test_id JOIN run r ON r.id = t.run_id WHERE r.commit_sha IS NOT NULL
), wanted AS (
  SELECT t.id, t.run_id, t.name FROM failing f JOIN test t ON t.name = f.name JOIN run r ON r.id = t.run_id AND r.commit_sha = f.commit_sha
  UNION
  SELECT t.id, t.run_id, t.name FROM fx JOIN test t ON t.id = fx.test_id
)
SELECT w.run_id AS run_id, w.name AS name,
  MAX(CASE WHEN e.outcome IN ('failed', 'error') THEN 1 ELSE 0 END) AS failed,
  MAX(CASE WHEN e.outcome = 'passed' THEN 1 ELSE 0 END) AS passed,
  MAX(CASE WHEN e.outcome = 'skipped' THEN 0 ELSE 1 END) AS ran,
  MAX(CASE WHEN e.coverage IS NULL THEN 0 ELSE 1 END) AS covered
FROM wanted w JOIN test_execution e ON e.test_id = w.id
GROUP BY w.id, w.run_id, w.name`;

export function toTestOutcomes(row: Record<string, unknown>): TestOutcomes {
  return {
    runId: Number(row.run_id),
    name: String(row.name),
    failed: Number(row.failed) === 1,
    passed: Number(row.passed) === 1,
    ran: Number(row.ran) === 1,
    covered: Number(row.covered) === 1,
  };
}
