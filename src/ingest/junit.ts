/**
 * JUnit XML → Tests, read while the XML reader goes through the file: each testcase becomes a Test when it
 * ends and is let go of (JUnitReader below), so a large report is never held whole as a tree. No regex work
 * on passing testcases.
 * Safety: a DOCTYPE that declares entities (billion laughs, external entities) is refused before parsing;
 * entities are never expanded beyond the 5 predefined ones and character references.
 */
import { addResults, NO_RESULTS, type Execution, type ExceptionInfo, type FlakefighterResult, type Outcome, type Test } from '../model.ts';
import { UserError } from '../store/store.ts';
import { DIALECT_LANGUAGE, detectDialect, KEPT_CASES, type JUnitDialect, type SeenCases } from './junit-dialect.ts';
import { RETRY_RULES } from './retries.ts';
import { hiddenFailedAttempts } from './playwright-attempts.ts';
import { mergedRowCases, mergedRowsWarning } from './merged-rows.ts';
import type { ParsedReport, ReportContext } from './parsed-report.ts';
import { newExecution, passedExecution, parseTimestamp, secondsToMs, TestCollector, type RecordPlace } from './test-collector.ts';
import { declaresTestsButHoldsNone, emptySuitesWarning, NO_PLACE, namelessWarning, namesOf, repeatNotice, suitePlace } from './junit-notices.ts';
import { ONLY_RESULT_FILES } from './result-formats.ts';
import { ID_RULES, IdContext, type SuiteScope as IdScope, type TestIdentity } from './test-ids.ts';
import { extractFrames, shortExceptionName, withReportedName } from './tracebacks.ts';
import { child, flatCopy, parseXml, readStartTag, XmlSyntaxError, type XmlElement } from './xml-scan.ts';
import { parseNativeDotnet } from './dotnet-native.ts';
import { parseTrx } from './trx.ts';

// Callers that read any result file import these from here as well.
export type { ParsedReport, ReportContext };

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

export interface XmlReportOptions {
  /** Testcases read as a tree before the dialect is decided (tests set it low to read small files as large ones). */
  decideAfter?: number;
}

export function parseXmlReport(text: string, ctx: ReportContext, opts: XmlReportOptions = {}): ParsedReport {
  refuseEntities(text, ctx.file);
  const reader = new JUnitReader(text, ctx, opts.decideAfter ?? DECIDE_AFTER);
  const root = parse(text, ctx, reader);
  if (root.name === 'test-run' || root.name === 'assemblies') return parseNativeDotnet(root, ctx);
  if (root.name === 'TestRun') return parseTrx(root, ctx);
  if (!JUNIT_ROOTS.has(root.name)) {
    throw new UserError(
      `${ctx.file}: the root element is <${root.name}>, not <testsuites> or <testsuite> (JUnit), <TestRun> (TRX), <test-run> (NUnit 3) or <assemblies> (xUnit.net), so this is not a test result report; ${ONLY_RESULT_FILES}`,
    );
  }
  const read = reader.finish(root);
  if (read !== null) return read;
  // The dialect guessed from the first testcases was not the one the whole file shows: read it again as a whole.
  const whole = new JUnitReader(text, ctx, Infinity);
  return whole.finish(parse(text, ctx, whole))!;
}

function parse(text: string, ctx: ReportContext, reader: JUnitReader): XmlElement {
  try {
    // Testcases are read and let go; what the Run keeps of their attributes (the id, the file) is copied in CaseWalker.
    return parseXml(text, { maxDepth: 128, onOpen: reader.onOpen, onClose: reader.onClose, viewAttrsOf: 'testcase' });
  } catch (e) {
    if (e instanceof XmlSyntaxError) {
      throw new UserError(`${ctx.file}: ${e.message}; the report is not well-formed XML (was the test run interrupted while writing it?).`);
    }
    throw e;
  }
}

/** Testcases read as a tree before the dialect is decided from them; after that, each is read as it ends. */
const DECIDE_AFTER = 1000;

/** Dialects whose rules look at a whole suite before any of its testcases (merged-rows.ts): read as one tree. */
const WHOLE_TREE_DIALECTS = new Set<JUnitDialect>(['maven-surefire', 'maven-failsafe', 'gradle']);

/**
 * Reads a JUnit report while the XML reader goes through it. The first DECIDE_AFTER testcases are kept as a
 * tree and the dialect is decided from them (junit-dialect.ts); from then on each testcase becomes a Test as
 * soon as it ends and is let go, except the first KEPT_CASES of each suite, which the dialect rules look at.
 * At the end the dialect is decided again from what was kept; should it differ (a rule that needed more of
 * the file), the file is read again as one tree. Files whose rules need whole suites are read as one tree.
 */
class JUnitReader {
  private mode: 'buffer' | 'stream' | 'tree';
  private root: XmlElement | null = null;
  /** The open elements, whether each one is on the walk (a chain of testsuite/testsuites from the root), and where each starts. */
  private readonly openEls: XmlElement[] = [];
  private readonly openWalked: boolean[] = [];
  private readonly openAt: number[] = [];
  private cases = 0;
  private walker: CaseWalker | null = null;
  private dialect: JUnitDialect | null = null;
  private readonly kept = new Map<XmlElement, number>();
  private readonly seen: SeenCases = { otherClassname: new Set() };
  /** The suite last found to have kept all its first testcases, and the last one added to `seen.otherClassname`. */
  private full: XmlElement | null = null;
  private lastOther: XmlElement | null = null;

  constructor(
    private readonly text: string,
    private readonly ctx: ReportContext,
    private readonly decideAfter: number,
  ) {
    this.mode = Number.isFinite(decideAfter) ? 'buffer' : 'tree';
  }

  readonly onOpen = (el: XmlElement, parent: XmlElement | null, at: number): void => {
    let walked: boolean;
    if (parent === null) {
      this.root = el;
      walked = JUNIT_ROOTS.has(el.name);
    } else {
      walked = this.openWalked[this.openWalked.length - 1] && parent.name !== 'testcase' && (el.name === 'testcase' || el.name === 'testsuite' || el.name === 'testsuites');
    }
    this.openEls.push(el);
    this.openWalked.push(walked);
    this.openAt.push(at);
    if (walked && this.mode === 'stream' && el.name !== 'testcase') this.walker!.enter(el, true);
  };

  readonly onClose = (el: XmlElement, parent: XmlElement | null): boolean => {
    this.openEls.pop();
    const walked = this.openWalked.pop()!;
    const at = this.openAt.pop()!;
    if (!walked || this.mode === 'tree') return true;
    if (el.name !== 'testcase') {
      if (this.mode === 'stream') this.walker!.exit(el);
      return true;
    }
    if (this.mode === 'buffer') {
      if (++this.cases >= this.decideAfter) this.decide();
      return true;
    }
    // Streaming: parent is the enclosing suite (a testcase is never the root).
    if (el.attrs.classname !== parent!.attrs.name && parent !== this.lastOther) {
      this.seen.otherClassname.add(parent!);
      this.lastOther = parent;
    }
    this.walker!.testcase(el, at);
    // Once a suite has kept its first testcases, the next ones are let go without a lookup per testcase.
    if (parent === this.full) return false;
    const k = this.kept.get(parent!) ?? 0;
    if (k >= KEPT_CASES) {
      this.full = parent;
      return false;
    }
    this.kept.set(parent!, k + 1);
    return true;
  };

  /** Decides the dialect from the testcases read so far, reads them, and keeps only what the rules look at. */
  private decide(): void {
    const root = this.root!;
    if (root.name === 'testsuite' && root.children[0]?.name === 'properties' && 'hostname' in root.attrs) {
      // Gradle's mark is the root's trailing system-out and system-err, which come after every testcase.
      this.mode = 'tree';
      return;
    }
    const dialect = detectDialect(root, this.text, this.ctx.path);
    if (WHOLE_TREE_DIALECTS.has(dialect)) {
      this.mode = 'tree';
      return;
    }
    this.mode = 'stream';
    this.dialect = dialect;
    this.walker = new CaseWalker(dialect, this.ctx, new Set(), this.text);
    const open = new Set(this.openEls);
    const replay = (el: XmlElement): void => {
      this.walker!.enter(el, true);
      const cases: XmlElement[] = [];
      for (const c of el.children) {
        if (c.name === 'testcase') {
          this.walker!.testcase(c, -1);
          cases.push(c);
          if (c.attrs.classname !== el.attrs.name) this.seen.otherClassname.add(el);
        } else if (c.name === 'testsuite' || c.name === 'testsuites') {
          replay(c);
        }
      }
      if (!open.has(el)) this.walker!.exit(el);
      if (cases.length > KEPT_CASES) {
        const drop = new Set(cases.slice(KEPT_CASES));
        el.children = el.children.filter((c) => !drop.has(c));
      }
      this.kept.set(el, Math.min(cases.length, KEPT_CASES));
    };
    replay(root);
  }

  /** The report, or null when the dialect decided early is not the one the whole file shows. */
  finish(root: XmlElement): ParsedReport | null {
    if (this.mode === 'stream') {
      if (detectDialect(root, this.text, this.ctx.path, this.seen) !== this.dialect) return null;
      return this.walker!.finish(root);
    }
    const dialect = detectDialect(root, this.text, this.ctx.path);
    const walker = new CaseWalker(dialect, this.ctx, mergedRowCases(root, dialect), this.text);
    const walk = (el: XmlElement): void => {
      walker.enter(el, false);
      for (const c of el.children) {
        if (c.name === 'testcase') walker.testcase(c, -1);
        else if (c.name === 'testsuite' || c.name === 'testsuites') walk(c);
      }
      walker.exit(el);
    };
    walk(root);
    return walker.finish(root);
  }
}

interface Clock {
  t: number | null;
  /** The Date of `t` when one was made: consecutive testcases share it as one's end and the next one's start. */
  d: Date | null;
}

interface SuiteScope extends IdScope {
  place: RecordPlace;
  clock: Clock;
}

/**
 * An element on the walk (the root, a testsuite or testsuites). Its testcases' executions that take the
 * suite's output wait in CaseWalker's `pendingOut`/`pendingErr` from `outFrom`/`errFrom` on: a suite writes
 * its system-out after its testcases.
 */
interface Frame {
  el: XmlElement | null;
  scope: SuiteScope;
  outFrom: number;
  errFrom: number;
  /** For the suite's place: the testcases it held when it was let go of (null: its children are all there). */
  names: string[] | null;
  /** Where its later testcases start in the text (read again only for a rare repeated id). */
  starts: number[] | null;
  /** Index in `declaredEmpty` when the suite declares tests (decided at its end). */
  declared: number;
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

/** Turns testcases into Tests in file order: enter(suite) … testcase(tc) … exit(suite), then finish. */
class CaseWalker {
  private readonly collector: TestCollector;
  private readonly warnings: string[] = [];
  private readonly lang: (typeof DIALECT_LANGUAGE)[JUnitDialect];
  private readonly pluginExecs: PluginItem[] = [];
  private readonly idRule: (typeof ID_RULES)[JUnitDialect];
  private readonly ids: IdContext;
  /** A testcase without a name says nothing that tells it from another: each one is its own test. */
  private nameless = 0;
  private readonly declaredEmpty: { suite: XmlElement; empty: boolean }[] = [];
  private readonly frames: Frame[];
  private readonly fspaths = new Map<string, string>();
  /**
   * Executions without output of their own, waiting for an enclosing suite's, in the order they were read: those
   * of the open frames' testcases, each frame's from its `outFrom`/`errFrom` on. One list, not one per suite:
   * nothing is copied from a suite without output to its parent.
   */
  private readonly pendingOut: Execution[] = [];
  private readonly pendingErr: Execution[] = [];

  constructor(
    private readonly dialect: JUnitDialect,
    private readonly ctx: ReportContext,
    private readonly mergedRows: Set<XmlElement>,
    private readonly text: string,
  ) {
    this.collector = new TestCollector(RETRY_RULES[dialect]);
    this.lang = DIALECT_LANGUAGE[dialect];
    this.idRule = ID_RULES[dialect];
    this.ids = new IdContext(ctx.files);
    this.frames = [{ el: null, scope: { name: '', clock: { t: null, d: null }, file: null, hostname: null, place: NO_PLACE }, outFrom: 0, errFrom: 0, names: null, starts: null, declared: -1 }];
  }

  /** `live`: its testcases may be let go of once read, so what its place needs of them is kept here. */
  enter(el: XmlElement, live: boolean): void {
    const parent = this.frames[this.frames.length - 1];
    const isRoot = this.frames.length === 1;
    let scope = parent.scope;
    const frame: Frame = { el, scope, outFrom: this.pendingOut.length, errFrom: this.pendingErr.length, names: null, starts: null, declared: -1 };
    if (isRoot) scope = frame.scope = { ...scope, clock: { t: parseTimestamp(el.attrs.timestamp)?.getTime() ?? null, d: null } };
    if (el.name === 'testsuite') {
      const n = Number(el.attrs.tests);
      if (Number.isFinite(n) && n > 0) frame.declared = this.declaredEmpty.push({ suite: el, empty: false }) - 1;
      const ts = parseTimestamp(el.attrs.timestamp);
      frame.names = live ? [] : null;
      frame.starts = [];
      frame.scope = {
        name: el.attrs.name ?? scope.name,
        clock: ts !== null ? { t: ts.getTime(), d: ts } : scope.clock,
        file: el.attrs.file ?? scope.file,
        hostname: el.attrs.hostname ?? scope.hostname,
        place: suitePlace(el, scope.place, () => this.caseNames(frame)),
      };
    }
    this.frames.push(frame);
  }

  /** A testcase of the innermost suite; `at` is where it starts in the text (-1: it stays in the tree). */
  testcase(tc: XmlElement, at: number): void {
    const frame = this.frames[this.frames.length - 1];
    if (frame.el?.name === 'testsuite') {
      if (at >= 0) frame.starts!.push(at);
      else if (frame.names !== null) frame.names.push(tc.attrs.classname ?? '', tc.attrs.name ?? '');
    }
    this.visitCase(tc, frame);
  }

  exit(el: XmlElement): void {
    const frame = this.frames.pop()!;
    let stdout: string | null = null;
    let stderr: string | null = null;
    if (el.name === 'testsuite') {
      const out = suiteOutput(el);
      stdout = out.stdout;
      stderr = out.stderr;
      if (frame.declared >= 0) this.declaredEmpty[frame.declared].empty = declaresTestsButHoldsNone(el);
    }
    // Without output of its own the suite leaves its executions waiting for the enclosing suite's. Those that an
    // inner suite's output already reached have it (not null) and are skipped.
    const { pendingOut, pendingErr } = this;
    if (stdout !== null) {
      for (let i = frame.outFrom; i < pendingOut.length; i++) if (pendingOut[i].stdout === null) pendingOut[i].stdout = stdout;
      pendingOut.length = frame.outFrom;
    }
    if (stderr !== null) {
      for (let i = frame.errFrom; i < pendingErr.length; i++) if (pendingErr[i].stderr === null) pendingErr[i].stderr = stderr;
      pendingErr.length = frame.errFrom;
    }
  }

  /** The classname and name of each testcase the suite held, for its place's order (a repeated id only). */
  private caseNames(frame: Frame): string[] {
    const names = frame.names !== null ? [...frame.names] : namesOf(frame.el!);
    for (const at of frame.starts ?? []) {
      const { attrs } = readStartTag(this.text, at);
      names.push(attrs.classname ?? '', attrs.name ?? '');
    }
    return names;
  }

  /** One string per distinct path, of its own: an id rule may give a testcase's attribute, a view into the file's text. */
  private fspathOf(p: string): string {
    if (p === '') return p;
    let got = this.fspaths.get(p);
    if (got === undefined) this.fspaths.set(p, (got = flatCopy(p)));
    return got;
  }

  private exceptionOf(text: string, type: string | undefined): ExceptionInfo | null {
    // The report's own exception type beats what we read from the text (pytest writes none).
    return withReportedName(extractFrames(text, this.lang, this.ctx.files), type && !/^(?:failure|error)?$/i.test(type) ? shortExceptionName(type) : null);
  }

  private failingExecution(outcome: Outcome, el: XmlElement, start: Date | null, end: Date | null, out: string | null, err: string | null): Execution {
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
      exception: this.exceptionOf(report, el.attrs.type),
    });
  }

  private identify(tc: XmlElement, scope: SuiteScope): TestIdentity {
    if (tc.attrs.name) return this.idRule(tc, scope, this.ids);
    const named = { ...tc, attrs: { ...tc.attrs, name: `(unnamed testcase ${++this.nameless})` } };
    const r = this.idRule(named, scope, this.ids);
    return { id: r.id, fspath: r.fspath };
  }

  private visitCase(tc: XmlElement, frame: Frame): void {
    const { scope } = frame;
    const { dialect, warnings } = this;
    const { id, fspath, flat = false } = this.identify(tc, scope);
    // The id as one flat string of its own, which the Run keeps: not a chain of `+` parts (a node per part), nor
    // built from views into the file's text (the testcase's attributes are; see parse). No other string per test.
    const name = flat ? id : flatCopy(id);
    const line = tc.attrs.line !== undefined ? Number(tc.attrs.line) : NaN;
    const lineNo = Number.isInteger(line) && line > 0 ? line : null;
    const durMs = secondsToMs(tc.attrs.time);
    let start: Date | null = null;
    let end: Date | null = null;
    const own = parseTimestamp(tc.attrs.timestamp);
    const clock = scope.clock;
    if (own !== null) {
      start = own;
    } else if (clock.t !== null) {
      start = clock.d !== null && clock.d.getTime() === clock.t ? clock.d : new Date(clock.t);
    }
    if (start !== null && durMs !== null) {
      end = new Date(start.getTime() + durMs);
      if (own === null) {
        clock.t = end.getTime();
        clock.d = end;
      }
    }

    let primary: XmlElement | null = null;
    let primaryOutcome: Outcome = 'passed';
    let skipped: XmlElement | null = null;
    let stdout: string | null = null;
    let stderr: string | null = null;
    let flaky: XmlElement[] | null = null;
    let reruns: XmlElement[] | null = null;
    let ff: XmlElement | null = null;
    // An index loop: most testcases share the reader's frozen empty children array, which for-of iterates slowly.
    for (let i = 0; i < tc.children.length; i++) {
      const c = tc.children[i];
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
    // Without output of its own a testcase takes its suite's (or an enclosing suite's), known when that suite ends.
    const noOut = stdout === null;
    const noErr = stderr === null;

    // Array literals of the exact length: a `[]` grown by push reserves ~17 slots, which 100k tests keep alive.
    let executions: Execution[];
    if (primary !== null) {
      const first = this.failingExecution(primaryOutcome, primary, start, end, stdout, stderr);
      this.inherit(first, noOut, noErr);
      // Surefire rerunFailure: failed, retried, still failing. Each rerun is its own execution.
      executions = reruns ? [first, ...reruns.map((r) => this.failingExecution(r.name === 'rerunError' ? 'error' : 'failed', r, null, null, null, null))] : [first];
    } else if (skipped !== null) {
      const reason = skipped.text.trim() ? skipped.text : (skipped.attrs.message ?? '');
      executions = [this.inherit(newExecution('skipped', { startTime: start, endTime: end, stdout, stderr, report: reason || 'None', message: skipped.attrs.message ?? firstLine(reason) }), noOut, noErr)];
    } else if (flaky) {
      const attempts = flaky.map((f) => this.failingExecution(f.name === 'flakyError' ? 'error' : 'failed', f, null, null, null, null));
      if (this.mergedRows.has(tc)) {
        // Rows sharing a name merged by the tool: the pass may be another row's, so it does not end these failures.
        executions = attempts;
        warnings.push(mergedRowsWarning(this.ctx.file, name, flaky.length));
      } else {
        // Surefire flakyFailure: failed, then passed on a rerun: each flaky attempt, then the passing one.
        executions = [...attempts, this.inherit(passedExecution(start, end, stdout, stderr), noOut, noErr)];
      }
    } else {
      const hidden = dialect === 'playwright' ? hiddenFailedAttempts(ownStdout) : null;
      const passed = this.inherit(passedExecution(start, end, stdout, stderr), noOut, noErr);
      executions = hidden?.length ? [...hidden, passed] : [passed];
    }
    const test = this.collector.add(name, this.fspathOf(fspath), lineNo, executions, NO_RESULTS, scope.place);
    if (ff !== null) {
      const count = ff.children.filter((c) => c.name === 'execution').length;
      this.pluginExecs.push({ test, ff, fromCase: executions[executions.length - 1], count });
    }
  }

  /** An execution without output of its own takes its suite's (or an enclosing suite's), known when that suite ends. */
  private inherit(e: Execution, out: boolean, err: boolean): Execution {
    if (out && e.stdout === null) this.pendingOut.push(e);
    if (err && e.stderr === null) this.pendingErr.push(e);
    return e;
  }

  finish(root: XmlElement): ParsedReport {
    const { collector, warnings, dialect, ctx } = this;
    const isPytest = dialect === 'pytest' || dialect === 'pytest-flakefighters';
    if (this.pluginExecs.length) importPluginResults(this.pluginExecs, declaresPerExecutionOutcomes(root));
    const tests = collector.tests();
    if (this.nameless > 0) warnings.push(namelessWarning(ctx.file, this.nameless));
    const emptySuites = this.declaredEmpty.filter((d) => d.empty).map((d) => d.suite);
    if (emptySuites.length) warnings.push(emptySuitesWarning(ctx.file, emptySuites));
    const repeats = repeatNotice(collector, ctx.file, dialect);
    if (repeats !== null) warnings.push(repeats);
    return { dialect: this.pluginExecs.length && isPytest ? 'pytest-flakefighters' : dialect, tests, warnings };
  }
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
    for (const c of ff.children) if (c.name === 'test') addResults(test, ...verdicts(c));
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
