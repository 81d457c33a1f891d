/**
 * The Dart/Flutter JSON reporter (`dart test --file-reporter json:results.json`, `flutter test
 * --file-reporter json:…`): one event a line — `suite`, `group`, `testStart`, `print`, `error`, `testDone`,
 * `done`. Test id = `suite path::test name` (the name already holds its groups), with the platform added when
 * it is not the VM (`test/a_test.dart [chrome]::…`). Hidden tests (passing `loading …` tests, setUpAll and
 * tearDownAll) are left out; a suite that fails to load is a failing `loading …` test. A test that started
 * and never finished (the stream stops) is an error saying so. Repeated ids are kept apart (an ordinal each).
 */
import type { ExceptionInfo, Execution, Outcome } from '../model.ts';
import { UserError } from '../store/store.ts';
import { DISTINCT_TESTS, repeatNotice } from './distinct-tests.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { ReportPaths } from './report-paths.ts';
import { newExecution, TestCollector } from './test-collector.ts';
import { extractFrames } from './tracebacks.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const DART_TYPES = new Set(['start', 'suite', 'group', 'testStart', 'print', 'error', 'testDone', 'done', 'allSuites', 'debug']);

/** True when a JSON line is a Dart test reporter event. */
export function isDartEvent(ev: Obj): boolean {
  return typeof ev.type === 'string' && DART_TYPES.has(ev.type) && (ev.type !== 'start' || 'protocolVersion' in ev);
}

interface DartTest {
  id: string;
  fspath: string;
  line: number | null;
  prints: string[];
  errors: string[];
  stacks: string[];
  done: Obj | null;
}

export function parseDartJson(text: string, ctx: ReportContext): ParsedReport {
  const warnings: string[] = [];
  const paths = new ReportPaths(ctx.files);
  const suites = new Map<number, { path: string; platform: string }>();
  const tests = new Map<number, DartTest>();
  const order: DartTest[] = [];
  let events = 0;
  let pos = 0;
  let lineNo = 0;
  const contentEnd = text.trimEnd().length;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const line = text.slice(pos, nl).trim();
    const last = nl >= contentEnd;
    pos = nl + 1;
    lineNo++;
    if (!line) continue;
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
        const dt: DartTest = { id: where ? `${where}::${name}` : name, fspath: suite.path ? paths.abs(suite.path) : '', line, prints: [], errors: [], stacks: [], done: null };
        tests.set(t.id, dt);
        order.push(dt);
        break;
      }
      case 'print': {
        const t = tests.get(ev.testID as number);
        if (t && typeof ev.message === 'string') t.prints.push(ev.message);
        break;
      }
      case 'error': {
        const t = tests.get(ev.testID as number);
        if (t) {
          t.errors.push(str(ev.error));
          t.stacks.push(str(ev.stackTrace));
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
    if (exc === null) return name ? { name, frames: [] } : null;
    if (name) exc.name = name;
    return exc;
  };
  const collector = new TestCollector(DISTINCT_TESTS);
  for (const t of order) {
    const done = t.done;
    if (done !== null && done.hidden === true) continue;
    const stdout = t.prints.length ? t.prints.join('\n') : null;
    let ex: Execution;
    if (done === null) {
      const report = [...t.errors, 'no result: the Dart JSON stream ends before this test finished; the run crashed, timed out or the file was cut.'].join('\n');
      ex = newExecution('error', { stdout, report, message: report.split('\n')[0] });
    } else if (done.skipped === true) {
      const reason = t.prints.find((p) => p.startsWith('Skip: '))?.slice(6) ?? '';
      ex = newExecution('skipped', { stdout, report: reason || 'None', message: reason || null });
    } else if (done.result === 'success') {
      ex = newExecution('passed', { stdout });
    } else {
      const outcome: Outcome = done.result === 'failure' ? 'failed' : 'error';
      const parts: string[] = [];
      for (let i = 0; i < t.errors.length; i++) parts.push(t.errors[i].replace(/\s+$/, ''), t.stacks[i].replace(/\s+$/, ''));
      const report = parts.filter((s) => s).join('\n') || str(done.result) || 'failed';
      ex = newExecution(outcome, {
        stdout,
        report,
        message: t.errors[0]?.trim().split('\n')[0] || null,
        exception: exceptionOf(t.errors[0] ?? '', t.stacks.join('\n')),
      });
    }
    collector.add(t.id, t.fspath, t.line, [ex]);
  }
  const out = collector.tests();
  const notice = repeatNotice(collector, ctx.file, 'Dart JSON');
  if (notice) warnings.push(notice);
  return { dialect: 'dart-json', tests: out, warnings };
}
