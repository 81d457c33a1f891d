/**
 * The Dart/Flutter JSON reporter (`dart test --file-reporter json:results.json`, `flutter test
 * --file-reporter json:…`): one event a line — `suite`, `group`, `testStart`, `print`, `error`, `testDone`,
 * `done`. Test id = `suite path::test name` (the name already holds its groups), with the platform added when
 * it is not the VM (`test/a_test.dart [chrome]::…`). Hidden tests (passing `loading …` tests, setUpAll and
 * tearDownAll) are left out; a suite that fails to load is a failing `loading …` test. A test that started
 * and never finished (the stream stops) is an error saying so. A test with `retry: n` runs again in place after
 * a `Retry: <name>` print: each attempt before it failed. Repeated ids are kept apart (an ordinal each).
 */
import type { ExceptionInfo, Execution, Outcome } from '../model.ts';
import { UserError } from '../store/store.ts';
import { streamLines } from './json-lines.ts';
import { repeatNotice } from './junit-notices.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { ReportPaths } from './report-paths.ts';
import { distinctInvocations } from './retries.ts';
import { newExecution, TestCollector } from './test-collector.ts';
import { extractFrames, withReportedName } from './tracebacks.ts';
import { isObj, type Obj, str } from './json-values.ts';

const DART_TYPES = new Set(['start', 'suite', 'group', 'testStart', 'print', 'error', 'testDone', 'done', 'allSuites', 'debug']);

/** True when a JSON line is a Dart test reporter event. */
export function isDartEvent(ev: Obj): boolean {
  return typeof ev.type === 'string' && DART_TYPES.has(ev.type) && (ev.type !== 'start' || 'protocolVersion' in ev);
}

interface DartTest {
  id: string;
  fspath: string;
  line: number | null;
  name: string;
  prints: string[];
  /** One entry per attempt: `retry: n` reruns a failing test in place, announced by a `Retry: <name>` print. */
  attempts: Attempt[];
  done: Obj | null;
}

interface Attempt {
  errors: string[];
  stacks: string[];
  /** Any error that is not a TestFailure (an exception, a timeout) makes the attempt an error. */
  crashed: boolean;
}

const newAttempt = (): Attempt => ({ errors: [], stacks: [], crashed: false });

export function parseDartJson(text: string, ctx: ReportContext): ParsedReport {
  const warnings: string[] = [];
  const paths = new ReportPaths(ctx.files);
  const suites = new Map<number, { path: string; platform: string }>();
  const tests = new Map<number, DartTest>();
  const order: DartTest[] = [];
  let events = 0;
  for (const { text: line, lineNo, last } of streamLines(text)) {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      if (last && events > 0) {
        warnings.push(`${ctx.file}: the Dart JSON stream is cut off at line ${lineNo} (an unfinished event); the events before it were read.`);
        break;
      }
      throw new UserError(`${ctx.file}: line ${lineNo} is not JSON, so this is not a Dart JSON report; write it with \`dart test --file-reporter json:results.json\` or leave it out of test-results.`);
    }
    if (!isObj(ev) || !isDartEvent(ev)) continue;
    events++;
    switch (ev.type) {
      case 'suite': {
        const s = isObj(ev.suite) ? ev.suite : {};
        if (typeof s.id === 'number') suites.set(s.id, { path: str(s.path), platform: str(s.platform) });
        break;
      }
      case 'testStart': {
        const t = isObj(ev.test) ? ev.test : {};
        if (typeof t.id !== 'number') break;
        const suite = suites.get(t.suiteID as number) ?? { path: '', platform: '' };
        const file = suite.path ? paths.rel(suite.path) : '';
        const where = file + (suite.platform && suite.platform !== 'vm' ? ` [${suite.platform}]` : '');
        const name = str(t.name);
        const rootUrl = str(t.root_url) || str(t.url);
        const line = typeof t.root_line === 'number' ? t.root_line : rootUrl.startsWith('file:') && typeof t.line === 'number' ? t.line : null;
        const dt: DartTest = { id: where ? `${where}::${name}` : name, fspath: suite.path ? paths.abs(suite.path) : '', line, name, prints: [], attempts: [newAttempt()], done: null };
        tests.set(t.id, dt);
        order.push(dt);
        break;
      }
      case 'print': {
        const t = tests.get(ev.testID as number);
        if (t && typeof ev.message === 'string') {
          if (ev.message === `Retry: ${t.name}`) t.attempts.push(newAttempt());
          else t.prints.push(ev.message);
        }
        break;
      }
      case 'error': {
        const t = tests.get(ev.testID as number);
        if (t) {
          const a = t.attempts[t.attempts.length - 1];
          a.errors.push(str(ev.error));
          a.stacks.push(str(ev.stackTrace));
          if (ev.isFailure !== true) a.crashed = true;
        }
        break;
      }
      case 'testDone': {
        const t = tests.get(ev.testID as number);
        if (t) t.done = ev;
        break;
      }
    }
  }
  if (events === 0) {
    throw new UserError(`${ctx.file}: no Dart test reporter events in this file; write it with \`dart test --file-reporter json:results.json\` or leave it out of test-results.`);
  }

  // `TimeoutException after 0:00:01…`, `Exception: boom`, `RangeError (index)…`; an `expect` mismatch names no type.
  const exceptionOf = (error: string, stack: string): ExceptionInfo | null => {
    const exc = paths.frames(extractFrames(stack, 'dart', ctx.files));
    const name = /^((?:[A-Z]\w*)?(?:Exception|Error))\b/.exec(error.trim())?.[1] ?? null;
    return withReportedName(exc, name);
  };
  const collector = new TestCollector(distinctInvocations);
  const failing = (a: Attempt, outcome: Outcome, stdout: string | null, fallback: string): Execution => {
    const parts: string[] = [];
    for (let i = 0; i < a.errors.length; i++) parts.push(a.errors[i].replace(/\s+$/, ''), a.stacks[i].replace(/\s+$/, ''));
    const report = parts.filter((x) => x).join('\n') || fallback;
    return newExecution(outcome, {
      stdout,
      report,
      message: a.errors[0]?.trim().split('\n')[0] || fallback,
      exception: exceptionOf(a.errors[0] ?? '', a.stacks.join('\n')),
    });
  };
  for (const t of order) {
    const done = t.done;
    if (done !== null && done.hidden === true) continue;
    const stdout = t.prints.length ? t.prints.join('\n') : null;
    const executions: Execution[] = [];
    // Attempts before a `Retry:` failed (that is why the test ran again).
    for (let k = 0; k < t.attempts.length - 1; k++) {
      const a = t.attempts[k];
      executions.push(failing(a, a.crashed ? 'error' : 'failed', null, `failed before retry ${k + 1}`));
    }
    const last = t.attempts[t.attempts.length - 1];
    if (done === null) {
      const why = 'no result: the Dart JSON stream ends before this test finished; the run crashed, timed out or the file was cut.';
      executions.push(newExecution('error', { stdout, report: [...last.errors, why].join('\n'), message: why }));
    } else if (done.skipped === true) {
      const reason = t.prints.find((p) => p.startsWith('Skip: '))?.slice(6) ?? '';
      executions.push(newExecution('skipped', { stdout, report: reason || 'None', message: reason || null }));
    } else if (done.result === 'success') {
      executions.push(newExecution('passed', { stdout }));
    } else {
      executions.push(failing(last, done.result === 'failure' ? 'failed' : 'error', stdout, str(done.result) || 'failed'));
    }
    collector.add(t.id, t.fspath, t.line, executions);
  }
  const out = collector.tests();
  const notice = repeatNotice(collector, ctx.file, 'Dart JSON');
  if (notice) warnings.push(notice);
  return { dialect: 'dart-json', tests: out, warnings };
}
