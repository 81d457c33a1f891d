/**
 * JUnit XML → Tests. One linear pass over the parsed tree; no regex work on passing testcases.
 * Safety: a DOCTYPE that declares entities (billion laughs, external entities) is refused before parsing;
 * entities are never expanded beyond the 5 predefined ones and character references.
 */
import type { Execution, ExceptionInfo, FlakefighterResult, Outcome, Test } from '../model.ts';
import { UserError } from '../store/store.ts';
import { DIALECT_LANGUAGE, detectDialect, type JUnitDialect } from './junit-dialect.ts';
import { RETRY_RULES } from './retries.ts';
import { hiddenFailedAttempts } from './playwright-attempts.ts';
import { mergedRowCases, mergedRowsWarning } from './merged-rows.ts';
import type { SourceFiles } from './source-files.ts';
import { newExecution, passedExecution, parseTimestamp, secondsToMs, TestCollector, type RecordPlace } from './test-collector.ts';
import { declaresTestsButHoldsNone, emptySuitesWarning, NO_PLACE, namelessWarning, repeatNotice, suitePlace } from './junit-notices.ts';
import { ID_RULES, IdContext, type SuiteScope as IdScope, type TestIdentity } from './test-ids.ts';
import { extractFrames, shortExceptionName } from './tracebacks.ts';
import { child, parseXml, XmlSyntaxError, type XmlElement } from './xml-scan.ts';
import { parseNativeDotnet } from './dotnet-native.ts';
import { parseTrx } from './trx.ts';

export interface ReportContext {
  /** The file's name in messages (relative to the workspace). */
  file: string;
  /** Absolute path of the file. */
  path: string;
  root: string;
  files: SourceFiles;
}

export interface ParsedReport {
  dialect: string;
  tests: Test[];
  warnings: string[];
}

const JUNIT_ROOTS = new Set(['testsuites', 'testsuite', 'testrun']);
export const IMPORTED_REASON = 'imported from pytest-flakefighters JUnit';

/** Refuses DTD entity declarations before anything is parsed; a DOCTYPE without an internal subset is harmless. */
function refuseEntities(text: string, file: string): void {
  // Declarations can only come before the root element; the XML reader refuses any later "<!" anyway.
  const firstElement = text.search(/<[A-Za-z_]/);
  const prolog = firstElement === -1 ? text : text.slice(0, firstElement);
  if (prolog.indexOf('<!') === -1) return;
  if (/<!ENTITY/.test(prolog) || /<!DOCTYPE[^>]*\[/.test(prolog)) {
    throw new UserError(
      `${file}: the XML declares DTD entities (<!DOCTYPE ... [<!ENTITY ...>]), which are refused because they can expand without bound or read other files; write the report without a DOCTYPE.`,
    );
  }
}

export function parseXmlReport(text: string, ctx: ReportContext): ParsedReport {
  refuseEntities(text, ctx.file);
  let root: XmlElement;
  try {
    root = parseXml(text, { maxDepth: 128 });
  } catch (e) {
    if (e instanceof XmlSyntaxError) {
      throw new UserError(`${ctx.file}: ${e.message}; the report is not well-formed XML (was the test run interrupted while writing it?).`);
    }
    throw e;
  }
  if (root.name === 'test-run' || root.name === 'assemblies') return parseNativeDotnet(root, ctx);
  if (root.name === 'TestRun') return parseTrx(root, ctx);
  if (!JUNIT_ROOTS.has(root.name)) {
    throw new UserError(
      `${ctx.file}: the root element is <${root.name}>, not <testsuites> or <testsuite>, so this is not a JUnit XML report; point test-results at the JUnit (or CTRF JSON) files only.`,
    );
  }
  const dialect = detectDialect(root, text, ctx.path);
  return walkJUnit(root, dialect, ctx);
}

interface Clock {
  t: number | null;
}

interface SuiteScope extends IdScope {
  place: RecordPlace;
  stdout: string | null;
  stderr: string | null;
  clock: Clock;
}

function suiteOutput(suite: XmlElement): { stdout: string | null; stderr: string | null } {
  let stdout: string | null = null;
  let stderr: string | null = null;
  for (const c of suite.children) {
    if (c.name === 'system-out' && c.text.trim()) stdout = c.text;
    else if (c.name === 'system-err' && c.text.trim()) stderr = c.text;
  }
  return { stdout, stderr };
}

function firstLine(s: string): string | null {
  const t = s.trim();
  if (!t) return null;
  const nl = t.indexOf('\n');
  return nl === -1 ? t : t.slice(0, nl).trim();
}

function childText(el: XmlElement, name: string): string | null {
  return child(el, name)?.text ?? null;
}

function walkJUnit(root: XmlElement, dialect: JUnitDialect, ctx: ReportContext): ParsedReport {
  const collector = new TestCollector(RETRY_RULES[dialect]);
  const warnings: string[] = [];
  const lang = DIALECT_LANGUAGE[dialect];
  const isPytest = dialect === 'pytest' || dialect === 'pytest-flakefighters';
  const pluginExecs: PluginItem[] = [];

  const exceptionOf = (text: string, type: string | undefined): ExceptionInfo | null => {
    const got = extractFrames(text, lang, ctx.files);
    if (got === null) return type && !/^(?:failure|error)?$/i.test(type) ? { name: shortExceptionName(type), frames: [] } : null;
    // The report's own exception type beats what we read from the text (pytest writes none).
    if (type && !/^(?:failure|error)?$/i.test(type)) got.name = shortExceptionName(type);
    return got;
  };

  const failingExecution = (outcome: Outcome, el: XmlElement, start: Date | null, end: Date | null, out: string | null, err: string | null): Execution => {
    const text = el.children.length ? (childText(el, 'stackTrace') ?? el.text) : el.text;
    const message = el.attrs.message ?? firstLine(text);
    const report = text.trim() ? text : (el.attrs.message ?? '');
    return newExecution(outcome, {
      startTime: start,
      endTime: end,
      stdout: childText(el, 'system-out') ?? out,
      stderr: childText(el, 'system-err') ?? err,
      report,
      message,
      exception: exceptionOf(report, el.attrs.type),
    });
  };

  const mergedRows = mergedRowCases(root, dialect);
  const idRule = ID_RULES[dialect];
  const ids = new IdContext(ctx.files);
  // A testcase without a name says nothing that tells it from another: each one is its own test.
  let nameless = 0;
  const identify = (tc: XmlElement, scope: SuiteScope): TestIdentity => {
    if (tc.attrs.name) return idRule(tc, scope, ids);
    const named = { ...tc, attrs: { ...tc.attrs, name: `(unnamed testcase ${++nameless})` } };
    const r = idRule(named, scope, ids);
    return { id: r.id, fspath: r.fspath };
  };
  const emptySuites: XmlElement[] = [];

  const visitCase = (tc: XmlElement, scope: SuiteScope): void => {
    // Only pytest's ids come split into group + key (TestCollector.addIn); every other id is its own key.
    const { id, fspath, group = '', key = id } = identify(tc, scope);
    const line = tc.attrs.line !== undefined ? Number(tc.attrs.line) : NaN;
    const lineNo = Number.isInteger(line) && line > 0 ? line : null;
    const durMs = secondsToMs(tc.attrs.time);
    let start: Date | null = null;
    let end: Date | null = null;
    const own = parseTimestamp(tc.attrs.timestamp);
    if (own !== null) {
      start = own;
    } else if (scope.clock.t !== null) {
      start = new Date(scope.clock.t);
    }
    if (start !== null && durMs !== null) {
      end = new Date(start.getTime() + durMs);
      if (own === null) scope.clock.t = end.getTime();
    }

    let primary: XmlElement | null = null;
    let primaryOutcome: Outcome = 'passed';
    let skipped: XmlElement | null = null;
    let stdout: string | null = null;
    let stderr: string | null = null;
    let flaky: XmlElement[] | null = null;
    let reruns: XmlElement[] | null = null;
    let ff: XmlElement | null = null;
    for (const c of tc.children) {
      switch (c.name) {
        case 'failure':
          if (primary === null) { primary = c; primaryOutcome = 'failed'; }
          break;
        case 'error':
          // A testcase holding both (failed, then errored in teardown) is an error, as EnricoMi's action counts it.
          if (primary === null || primaryOutcome === 'failed') { primary = c; primaryOutcome = 'error'; }
          break;
        case 'skipped':
          skipped = c;
          break;
        case 'system-out':
          stdout = c.text;
          break;
        case 'system-err':
          stderr = c.text;
          break;
        case 'flakyFailure':
        case 'flakyError':
          (flaky ??= []).push(c);
          break;
        case 'rerunFailure':
        case 'rerunError':
          (reruns ??= []).push(c);
          break;
        case 'flakefighterresults':
          ff = c;
          break;
      }
    }
    const ownStdout = stdout;
    if (stdout === null) stdout = scope.stdout;
    if (stderr === null) stderr = scope.stderr;

    // Array literals of the exact length: a `[]` grown by push reserves ~17 slots, which 100k tests keep alive.
    let executions: Execution[];
    if (primary !== null) {
      const first = failingExecution(primaryOutcome, primary, start, end, stdout, stderr);
      // Surefire rerunFailure: failed, retried, still failing. Each rerun is its own execution.
      executions = reruns ? [first, ...reruns.map((r) => failingExecution(r.name === 'rerunError' ? 'error' : 'failed', r, null, null, null, null))] : [first];
    } else if (skipped !== null) {
      const reason = skipped.text.trim() ? skipped.text : (skipped.attrs.message ?? '');
      executions = [newExecution('skipped', { startTime: start, endTime: end, stdout, stderr, report: reason || 'None', message: skipped.attrs.message ?? firstLine(reason) })];
    } else if (flaky) {
      const attempts = flaky.map((f) => failingExecution(f.name === 'flakyError' ? 'error' : 'failed', f, null, null, null, null));
      if (mergedRows.has(tc)) {
        // Rows sharing a name merged by the tool: the pass may be another row's, so it does not end these failures.
        executions = attempts;
        warnings.push(mergedRowsWarning(ctx.file, id, flaky.length));
      } else {
        // Surefire flakyFailure: failed, then passed on a rerun: each flaky attempt, then the passing one.
        executions = [...attempts, passedExecution(start, end, stdout, stderr)];
      }
    } else {
      const hidden = dialect === 'playwright' ? hiddenFailedAttempts(ownStdout) : null;
      executions = hidden?.length ? [...hidden, passedExecution(start, end, stdout, stderr)] : [passedExecution(start, end, stdout, stderr)];
    }
    const test = collector.addIn(group, key, id, fspath, lineNo, executions, [], scope.place);
    if (ff !== null) {
      const count = ff.children.filter((c) => c.name === 'execution').length;
      pluginExecs.push({ test, ff, fromCase: executions[executions.length - 1], count });
    }
  };

  // Explicit stack: nesting is bounded by the XML reader, but a loop keeps this independent of it.
  const rootClock: Clock = { t: parseTimestamp(root.attrs.timestamp)?.getTime() ?? null };
  const stack: { el: XmlElement; parent: SuiteScope }[] = [
    { el: root, parent: { name: '', stdout: null, stderr: null, clock: rootClock, file: null, hostname: null, place: NO_PLACE } },
  ];
  while (stack.length) {
    const { el, parent } = stack.pop()!;
    if (el.name === 'testcase') {
      visitCase(el, parent);
      continue;
    }
    let scope = parent;
    if (el.name === 'testsuite') {
      if (declaresTestsButHoldsNone(el)) emptySuites.push(el);
      const ts = parseTimestamp(el.attrs.timestamp);
      const out = suiteOutput(el);
      scope = {
        name: el.attrs.name ?? parent.name,
        stdout: out.stdout ?? parent.stdout,
        stderr: out.stderr ?? parent.stderr,
        clock: ts !== null ? { t: ts.getTime() } : parent.clock,
        file: el.attrs.file ?? parent.file,
        hostname: el.attrs.hostname ?? parent.hostname,
        place: suitePlace(el, parent.place),
      };
    }
    for (let i = el.children.length - 1; i >= 0; i--) {
      const c = el.children[i];
      if (c.name === 'testcase' || c.name === 'testsuite' || c.name === 'testsuites') stack.push({ el: c, parent: scope });
    }
  }

  if (pluginExecs.length) importPluginResults(pluginExecs, declaresPerExecutionOutcomes(root));
  const tests = collector.tests();
  if (nameless > 0) warnings.push(namelessWarning(ctx.file, nameless));
  if (emptySuites.length) warnings.push(emptySuitesWarning(ctx.file, emptySuites));
  const repeats = repeatNotice(collector, ctx.file, dialect);
  if (repeats !== null) warnings.push(repeats);
  return { dialect: pluginExecs.length && isPytest ? 'pytest-flakefighters' : dialect, tests, warnings };
}

function verdicts(el: XmlElement): FlakefighterResult[] {
  const out: FlakefighterResult[] = [];
  for (const c of el.children) {
    const v = c.text.trim();
    if (v !== 'flaky' && v !== 'genuine') continue;
    out.push({ name: c.name, flaky: v === 'flaky', evidence: { reason: IMPORTED_REASON } });
  }
  return out;
}

/**
 * pytest-flakefighters writes one <execution> per attempt, but every one carries the LAST attempt's outcome
 * (fixtures/plugin/README.md §6). When the file's tests ran different numbers of attempts, reruns happened
 * only after failures (the plugin's default rerun strategy), so every attempt before a final pass failed.
 * When every test ran the same number of attempts (`--rerun-strategy=ALL`) the earlier outcomes cannot be
 * known and are kept as written.
 */
interface PluginItem {
  test: Test;
  ff: XmlElement;
  /** The execution built from the testcase itself, replaced by the plugin's own list. */
  fromCase: Execution;
  count: number;
}

/**
 * Our own enriched JUnit (src/report/junit-report.ts) writes each execution's real outcome and says so in a
 * suite property; the plugin's repair below must not touch such a file.
 */
function declaresPerExecutionOutcomes(root: XmlElement): boolean {
  const suites = root.name === 'testsuite' ? [root] : root.children.filter((c) => c.name === 'testsuite');
  return suites.some((suite) =>
    suite.children.some(
      (c) => c.name === 'properties' && c.children.some((p) => p.attrs.name === 'flakefighters.outcomes' && p.attrs.value === 'per-execution'),
    ),
  );
}

function importPluginResults(items: PluginItem[], perExecutionOutcomes: boolean): void {
  const counts = new Set(items.filter((i) => i.count > 0).map((i) => i.count));
  const rerunsOnFailureOnly = !perExecutionOutcomes && counts.size > 1;
  for (const { test, ff, fromCase, count } of items) {
    for (const c of ff.children) if (c.name === 'test') test.results.push(...verdicts(c));
    if (count === 0) continue;
    // Replace the execution built from the testcase by the plugin's own list; keep its texts for failures.
    const execs = ff.children.filter((c) => c.name === 'execution');
    const imported: Execution[] = [];
    execs.forEach((x, i) => {
      const written = (x.attrs.outcome ?? fromCase.outcome) as Outcome;
      const last = i === execs.length - 1;
      let outcome: Outcome = written;
      if (!last && written === 'passed' && rerunsOnFailureOnly) outcome = 'failed';
      const failing = outcome === 'failed' || outcome === 'error';
      const carriesText = failing && written !== 'passed';
      imported.push(
        newExecution(outcome, {
          startTime: parseTimestamp(x.attrs.starttime),
          endTime: parseTimestamp(x.attrs.endtime),
          stdout: fromCase.stdout,
          stderr: fromCase.stderr,
          report: carriesText ? fromCase.report : failing ? '' : 'None',
          message: carriesText ? fromCase.message : null,
          exception: carriesText ? fromCase.exception : null,
          results: verdicts(x),
        }),
      );
    });
    test.executions.splice(test.executions.indexOf(fromCase), 1, ...imported);
  }
}
