/**
 * Decides whether the coverage can be trusted to say which test ran which line, and only then
 * attaches it. When at least half of the contexts name no test of the results, or most failing
 * tests got no coverage, the names and the results do not belong together (another naming scheme, another run,
 * another shard): every test would seem to run only the shared lines, DiffCov would see no changed
 * line covered and CoverageIndependence one big cluster, and genuine failures would read as flaky.
 * Then the coverage is not used at all, and the summary says why and how to fix it.
 */
import { isFailing, type Test } from '../model.ts';
import { planCoverage } from './coverage-attach.ts';
import type { CoverageData } from './coverage-data.ts';

export interface CoverageUse {
  /** True when per-test coverage was attached to the run's executions. */
  perTest: boolean;
  warnings: string[];
  notices: string[];
}

const FIX =
  'To use it, name each coverage context after the test id in the results (pytest: `pytest --cov --cov-context=test`, ' +
  "pytest-flakefighters' own `<nodeid>__<attempt>` contexts are read as well; `coverage run`: `[run] dynamic_context = test_function`; " +
  'lcov: one `TN:<test id>` per test), and give the coverage written by the same test run as the results.';

const examples = (names: string[]): string => names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');

export function applyCoverage(tests: Test[], cov: CoverageData, root: string): CoverageUse {
  const use: CoverageUse = { perTest: false, warnings: [], notices: [] };
  if (!cov.hasContexts) return use;
  const plan = planCoverage(tests, cov, root);

  const failing = tests.filter((t) => t.executions.some((e) => isFailing(e.outcome)));
  const failingWithout = failing.filter((t) => t.executions.some((e) => isFailing(e.outcome) && !plan.assignments.get(e)));
  const unused = 'Per-test coverage not used: DiffCov, CoverageIndependence and SFFL give no verdict from it.';
  // Half is enough: a tool whose per-test names are not read, beside pytest-cov's phases (one matched
  // context per test, whose `|run` holds nothing when another tracer ran the call), leaves exactly half.
  if (plan.unmatched.length * 2 >= plan.contexts) {
    use.warnings.push(
      `${unused} ${plan.unmatched.length} of ${plan.contexts} coverage contexts match no test of the results (e.g. ${examples(plan.unmatched)}), ` +
        `so which test ran which line is unknown. ${FIX}`,
    );
    return use;
  }
  if (failingWithout.length * 2 > failing.length) {
    use.warnings.push(
      `${unused} ${failingWithout.length} of ${failing.length} failing tests have no coverage of their own in it ` +
        `(e.g. ${examples(failingWithout.map((t) => t.name))}; no context names them, or theirs hold no line), so it does not describe these failures. ${FIX}`,
    );
    return use;
  }

  for (const [e, lines] of plan.assignments) e.coverage = lines;
  use.perTest = true;
  if (plan.unmatched.length > 0) {
    use.warnings.push(`${plan.unmatched.length} of ${plan.contexts} coverage contexts match no test, e.g. ${examples(plan.unmatched)}; their lines are not attributed to any test.`);
  }
  if (plan.empty.length > 0) {
    use.notices.push(
      `${plan.empty.length} test(s) have coverage contexts that hold no line of their own (e.g. ${examples(plan.empty)}); ` +
        'DiffCov and CoverageIndependence give them no verdict.',
    );
  }
  return use;
}
