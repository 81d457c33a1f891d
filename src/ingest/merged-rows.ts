/**
 * Surefire's reruns (and Gradle's with `mergeReruns` on) are merged by test name. When parameterized rows share
 * one name (a JUnit 4 `@Parameters(name = "…")` without `{index}`, Gradle's `[n] …` of two methods), the runs of
 * different rows land in one testcase: a row that failed on every run next to a row that passed is written as
 * `<flakyFailure>`s and a pass, and Surefire itself counts it as a flake
 * (__tests__/fixtures/results/real-tools/surefire/junit4-reruns2/TEST-example.RowsTest.xml: three rows,
 * `tests="9"`, one testcase with three flakyFailure). Such a testcase is no retry that passed.
 */
import type { JUnitDialect } from './junit-dialect.ts';
import type { XmlElement } from './xml-scan.ts';

const FLAKY = new Set(['flakyFailure', 'flakyError']);
const RERUN = new Set(['flakyFailure', 'flakyError', 'rerunFailure', 'rerunError']);

const hasFlaky = (tc: XmlElement): boolean => tc.children.some((c) => FLAKY.has(c.name));

/** Runs a testcase stands for: the final one plus each flaky or rerun attempt written inside it. */
function runsOf(tc: XmlElement): number {
  let n = 1;
  for (const c of tc.children) if (RERUN.has(c.name)) n++;
  return n;
}

/**
 * The testcases whose flaky attempts may belong to other rows of the same name. Surefire counts every run in
 * its suite's `tests`; a suite declaring more runs than its testcases hold has merged some of them. Gradle's
 * counts are not known to hold that, so there every `[n] …` testcase with flaky attempts is suspect.
 */
export function mergedRowCases(root: XmlElement, dialect: JUnitDialect): Set<XmlElement> {
  const out = new Set<XmlElement>();
  const surefire = dialect === 'maven-surefire' || dialect === 'maven-failsafe';
  if (!surefire && dialect !== 'gradle') return out;
  const stack: XmlElement[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    if (el.name !== 'testsuite' && el.name !== 'testsuites') continue;
    const cases = el.children.filter((c) => c.name === 'testcase');
    const nested = el.children.some((c) => c.name === 'testsuite');
    for (const c of el.children) if (c.name === 'testsuite') stack.push(c);
    if (cases.length === 0) continue;
    if (surefire) {
      const declared = Number(el.attrs.tests);
      if (nested || !Number.isInteger(declared)) continue;
      const runs = cases.reduce((n, tc) => n + runsOf(tc), 0);
      if (declared > runs) for (const tc of cases) if (hasFlaky(tc)) out.add(tc);
    } else {
      for (const tc of cases) if (hasFlaky(tc) && /^\[\d+\](?: |$)/.test(tc.attrs.name ?? '')) out.add(tc);
    }
  }
  return out;
}

export function mergedRowsWarning(file: string, id: string, attempts: number): string {
  return `${file}: ${JSON.stringify(id)} holds ${attempts} flaky attempt(s) that may belong to other parameterized rows of the same name (the tool merges reruns by name), so they are read as failures, not as a retry that passed; give each row its own name (e.g. {index} in the name pattern).`;
}
