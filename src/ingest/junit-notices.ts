/**
 * What a JUnit report leaves unsaid about its tests, turned into places and notices: the suite a testcase was
 * written in (to tell apart testcases that share an id), suites that declare tests but hold none, testcases
 * without a name, and ids written more than once by a writer that does not write retries that way.
 */
import type { RecordPlace, RepeatSummary, TestCollector } from './test-collector.ts';
import type { XmlElement } from './xml-scan.ts';

export const NO_PLACE: RecordPlace = { label: '', sortKey: () => '' };

/** Suite names that name nothing: the writers' defaults. */
const PLACEHOLDER_SUITES = new Set(['', 'undefined', 'Root Suite', 'Mocha Tests', 'jest tests', 'pytest', 'pytest tests', 'AllTests', 'All Tests']);

/**
 * The suite chain where it names something, with the project or host when the suite gives one; the key is
 * the suite's own content (its name and its testcases' names), which does not depend on the order in which
 * parallel workers finished. `caseNames` gives its testcases' names (namesOf, or what a reader that let them go kept).
 */
export function suitePlace(suite: XmlElement, parent: RecordPlace, caseNames: () => string[]): RecordPlace {
  const name = suite.attrs.name ?? '';
  const host = suite.attrs.hostname ?? '';
  const parts = [parent.label];
  if (host && !parent.label.includes(`[${host}]`)) parts.push(`[${host}]`);
  if (!PLACEHOLDER_SUITES.has(name)) parts.push(name);
  const label = parts.filter((p) => p !== '').join(' › ');
  let key: string | null = null;
  return {
    label,
    sortKey() {
      if (key === null) key = `${label}\n${name}\n${caseNames().join('\n')}`;
      return key;
    },
  };
}

/** The classname and name of each testcase directly in the suite, in file order. */
export function namesOf(suite: XmlElement): string[] {
  const names: string[] = [];
  for (const c of suite.children) if (c.name === 'testcase') names.push(c.attrs.classname ?? '', c.attrs.name ?? '');
  return names;
}

function hasTestcase(el: XmlElement, depth = 0): boolean {
  if (depth > 128) return false;
  for (const c of el.children) {
    if (c.name === 'testcase') return true;
    if ((c.name === 'testsuite' || c.name === 'testsuites') && hasTestcase(c, depth + 1)) return true;
  }
  return false;
}

/** A `<testsuite tests="6">` with no testcase inside: the counts are there, the tests are not. */
export function declaresTestsButHoldsNone(suite: XmlElement): boolean {
  const n = Number(suite.attrs.tests);
  return Number.isFinite(n) && n > 0 && !hasTestcase(suite);
}

export function emptySuitesWarning(file: string, suites: XmlElement[]): string {
  const count = (k: string): number => suites.reduce((acc, s) => acc + (Number(s.attrs[k]) || 0), 0);
  const tests = count('tests');
  const detail = [`${count('failures')} failed`, `${count('errors')} errors`, `${count('skipped')} skipped`].join(', ');
  const names = suites.slice(0, 3).map((s) => `"${s.attrs.name ?? ''}"`).join(', ') + (suites.length > 3 ? ', …' : '');
  const which = suites.length === 1 ? `suite ${names} declares` : `${suites.length} suites (${names}) declare`;
  return `${file}: ${which} ${tests} test${tests === 1 ? '' : 's'} (${detail}) but hold${suites.length === 1 ? 's' : ''} no testcases, so those tests are not in the results; the writer left them out (or stopped before writing them).`;
}

export function namelessWarning(file: string, n: number): string {
  return `${file}: ${n} testcase${n === 1 ? ' has' : 's have'} no name, so nothing tells ${n === 1 ? 'it' : 'them'} apart across runs; each is kept as its own test ("(unnamed testcase 1)", …, by position in the file) and never merged with another.`;
}

/** How to give each test its own id, per writer. */
const REPEAT_ADVICE: Record<string, string> = {
  'jest-junit': 'set jest-junit\'s addFileAttribute to "true" (or suiteNameTemplate to "{filepath}") and give test.each rows distinct titles (%s, $name)',
  mocha: 'give tests in one describe block distinct titles',
  'mocha-xunit': 'give tests in one describe block distinct titles',
  playwright: 'give tests in one describe block distinct titles',
  ctrf: 'give the tests distinct names (test.each rows: %s, $name)',
};

function repeatsWarning(file: string, dialect: string, r: RepeatSummary): string {
  const examples = r.examples.map((e) => `"${e}"`).join(', ');
  const advice = REPEAT_ADVICE[dialect] ?? 'give the tests distinct names';
  return `${file}: ${r.groups} test id${r.groups === 1 ? ' is' : 's are'} written more than once (${examples}${r.groups > r.examples.length ? ', …' : ''}); ${dialect} does not write retries that way, so the ${r.extra} later occurrence${r.extra === 1 ? ' is' : 's are'} kept as separate tests (told apart by suite, or numbered "[2]", "[3]" in a stable order), never merged. For ids of their own, ${advice}.`;
}

/** One line for the run's warnings when some ids were written more than once, else null. */
export function repeatNotice(collector: TestCollector, file: string, format: string): string | null {
  const s = collector.repeatSummary();
  return s.groups === 0 ? null : repeatsWarning(file, format, s);
}
