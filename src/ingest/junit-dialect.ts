/**
 * Which tool wrote a JUnit XML report, from the marks each one leaves (root names, attributes, properties).
 * The dialect decides how test ids are built and which language the failure texts are in.
 */
import type { XmlElement } from './xml-scan.ts';
import type { Language } from './tracebacks.ts';

export type JUnitDialect =
  | 'pytest'
  | 'pytest-flakefighters'
  | 'python-xmlrunner'
  | 'jest-junit'
  | 'mocha'
  | 'mocha-xunit'
  | 'playwright'
  | 'maven-surefire'
  | 'maven-failsafe'
  | 'gradle'
  | 'testng'
  | 'go-junit-report'
  | 'gotestsum'
  | 'phpunit'
  | 'nette-tester'
  | 'dotnet-junit'
  | 'eslint'
  | 'xunit';

export const DIALECT_LANGUAGE: Record<JUnitDialect, Language | null> = {
  pytest: 'python',
  'pytest-flakefighters': 'python',
  'python-xmlrunner': 'python',
  'jest-junit': 'javascript',
  mocha: 'javascript',
  'mocha-xunit': 'javascript',
  playwright: 'javascript',
  'maven-surefire': 'java',
  'maven-failsafe': 'java',
  gradle: 'java',
  testng: 'java',
  'go-junit-report': 'go',
  gotestsum: 'go',
  phpunit: 'php',
  'nette-tester': 'php',
  'dotnet-junit': 'dotnet',
  eslint: null,
  xunit: null,
};

/** The first suites in document order, until `limit` of them hold testcases (PHPUnit nests empty wrapper suites). */
function firstSuites(root: XmlElement, limit = 3): XmlElement[] {
  const out: XmlElement[] = [];
  let withCases = 0;
  const walk = (el: XmlElement, depth: number): void => {
    if (withCases >= limit || out.length >= 16 || depth > 8) return;
    if (el.name === 'testsuite') {
      out.push(el);
      if (el.children.some((c) => c.name === 'testcase')) withCases++;
    }
    for (const c of el.children) if (c.name === 'testsuite' || c.name === 'testsuites') walk(c, depth + 1);
  };
  walk(root, 0);
  return out;
}

function firstCases(suites: XmlElement[], limit = KEPT_CASES): XmlElement[] {
  const out: XmlElement[] = [];
  for (const s of suites) {
    for (const c of s.children) {
      if (c.name === 'testcase') out.push(c);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

function properties(suite: XmlElement): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of suite.children) {
    if (c.name !== 'properties') continue;
    for (const p of c.children) if (p.name === 'property' && p.attrs.name) m.set(p.attrs.name, p.attrs.value ?? p.text);
  }
  return m;
}

/**
 * Playwright's JUnit reporter: `<testsuites id="" name="">`, each suite a spec file (its name, and every
 * testcase's classname) with the project in `hostname`.
 */
function isPlaywright(root: XmlElement, suites: XmlElement[], seen: SeenCases | undefined): boolean {
  if (root.name !== 'testsuites' || !('id' in root.attrs) || suites.length === 0) return false;
  return suites.every(
    (s) =>
      'hostname' in s.attrs &&
      /\.(?:[cm]?[jt]sx?)$/.test(s.attrs.name ?? '') &&
      !seen?.otherClassname.has(s) &&
      s.children.every((c) => c.name !== 'testcase' || c.attrs.classname === s.attrs.name),
  );
}

/**
 * What a reader that lets testcases go once read (junit.ts keeps the first ones of each suite) saw of the
 * others: the suites where some testcase's classname is not the suite's name.
 */
export interface SeenCases {
  otherClassname: Set<XmlElement>;
}

/**
 * The testcases of a suite beyond its first `KEPT_CASES` decide nothing here: each rule looks at the first
 * testcases only, or (Playwright) at every testcase's classname, which `SeenCases` keeps.
 */
export const KEPT_CASES = 20;

export function detectDialect(root: XmlElement, text: string, filePath: string, seen?: SeenCases): JUnitDialect {
  const suites = firstSuites(root);
  const cases = firstCases(suites);
  const s0 = suites[0];
  const rootName = root.attrs.name ?? '';
  const suiteName = s0?.attrs.name ?? '';

  if (cases.some((c) => c.children.some((x) => x.name === 'flakefighterresults'))) return 'pytest-flakefighters';
  if (rootName === 'pytest tests' || suiteName === 'pytest') return 'pytest';
  if (rootName === 'jest tests' || /jest/i.test(rootName)) return 'jest-junit';
  // mocha's built-in xunit reporter writes one <testsuite> root (timestamp in RFC 1123 form); mocha-junit-reporter
  // writes <testsuites> with a "Root Suite" and one suite per describe block.
  if (root.name === 'testsuite' && (rootName === 'Mocha Tests' || /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} /.test(root.attrs.timestamp ?? ''))) return 'mocha-xunit';
  if (/mocha/i.test(rootName) || suiteName === 'Root Suite') return 'mocha';
  // Before Surefire: with includeRetries Playwright writes Surefire's flakyFailure/rerunFailure too.
  if (isPlaywright(root, suites, seen)) return 'playwright';

  const schema = s0?.attrs['xsi:noNamespaceSchemaLocation'] ?? root.attrs['xsi:noNamespaceSchemaLocation'] ?? '';
  const props = s0 ? properties(s0) : new Map<string, string>();
  if (/failsafe/i.test(schema) || (/surefire/i.test(schema) && /failsafe-reports/.test(filePath))) return 'maven-failsafe';
  if (/surefire/i.test(schema) || /<(?:flaky|rerun)(?:Failure|Error)\b/.test(text)) return 'maven-surefire';
  if (props.has('surefire.version') || props.has('maven.home')) return /failsafe-reports/.test(filePath) ? 'maven-failsafe' : 'maven-surefire';
  if (props.has('go.version')) return s0 && 'id' in s0.attrs ? 'go-junit-report' : 'gotestsum';
  if (/org\.testng\.reporters/.test(text.slice(0, 512))) return 'testng';

  if (s0 && (s0.attrs.package ?? '').endsWith('.dll')) return 'dotnet-junit';
  if (s0?.attrs.package === 'org.eslint') return 'eslint';
  if (cases.some((c) => /\.phpt?$/.test(c.attrs.file ?? '') || ('class' in c.attrs && 'assertions' in c.attrs))) return 'phpunit';
  if (cases.length > 0 && cases.every((c) => /\.phpt\b/.test(c.attrs.classname ?? '') && c.attrs.classname === c.attrs.name)) return 'nette-tester';
  if (cases.some((c) => /\.py$/.test(c.attrs.file ?? '') && 'timestamp' in c.attrs)) return 'python-xmlrunner';

  // Go: classname is an import path and names are TestXxx.
  if (cases.length > 0 && cases.every((c) => /^Test/.test(c.attrs.name ?? '') && /\//.test(c.attrs.classname ?? ''))) {
    return s0 && 'id' in s0.attrs ? 'go-junit-report' : 'gotestsum';
  }
  // Gradle: one file per class, an empty <properties/> first and suite-level system-out and system-err.
  if (root.name === 'testsuite' && root.children[0]?.name === 'properties' && 'hostname' in root.attrs) {
    const names = new Set(root.children.map((c) => c.name));
    if (names.has('system-out') && names.has('system-err') && !/ UTC$/.test(root.attrs.timestamp ?? '')) return 'gradle';
  }
  return 'xunit';
}
