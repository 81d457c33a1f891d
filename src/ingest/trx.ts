/**
 * Visual Studio TRX (`dotnet test --logger trx`; MSTest, xUnit v2/v3, NUnit adapters): `<TestRun>` with
 * `<Results>` of `<UnitTestResult>` and `<TestDefinitions>` naming each test's class and method.
 * Test id = `Class.testName` (testName alone when it already starts with the class): xUnit writes the fully
 * qualified name or a custom display name, MSTest the method name, and data rows carry their arguments.
 * Data-driven tests nest one result per row under `<InnerResults>`; the parent only sums its rows, so the rows
 * are the tests. TRX has no retry records: a result written twice for one id is two tests (an ordinal each).
 */
import type { Execution, Outcome } from '../model.ts';
import { repeatNotice } from './junit-notices.ts';
import type { ParsedReport, ReportContext } from './parsed-report.ts';
import { ReportPaths } from './report-paths.ts';
import { distinctInvocations } from './retries.ts';
import { newExecution, parseTimestamp, TestCollector } from './test-collector.ts';
import { extractFrames, shortExceptionName, withReportedName } from './tracebacks.ts';
import { child, type XmlElement } from './xml-scan.ts';

/** The TestOutcome enumeration of the TRX schema (vstst.xsd). */
const OUTCOMES: Record<string, Outcome> = {
  Passed: 'passed',
  PassedButRunAborted: 'passed',
  Completed: 'passed',
  Warning: 'passed',
  Failed: 'failed',
  Timeout: 'failed',
  Error: 'error',
  Aborted: 'error',
  Disconnected: 'error',
  NotExecuted: 'skipped',
  NotRunnable: 'skipped',
  Inconclusive: 'skipped',
  Pending: 'skipped',
  InProgress: 'skipped',
};

/** `hh:mm:ss.fffffff`, optionally `d.hh:mm:ss…` (a .NET TimeSpan) → milliseconds. */
function timeSpanMs(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(s.trim());
  if (!m) return null;
  const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60000 + Number(m[4]) * 1000;
  return Number.isFinite(ms) && ms <= 366 * 24 * 3600 * 1000 ? ms : null;
}

function isResult(el: XmlElement): boolean {
  return el.name.endsWith('TestResult') || el.name === 'TestResultAggregation';
}

interface Definition {
  className: string;
}

function definitions(root: XmlElement): Map<string, Definition> {
  const defs = new Map<string, Definition>();
  const lists = root.children.filter((c) => c.name === 'TestDefinitions');
  for (const list of lists) {
    for (const t of list.children) {
      const id = t.attrs.id;
      if (!id) continue;
      const method = child(t, 'TestMethod');
      // Older MSTest writes an assembly-qualified class name: `Ns.Class, Assembly, Version=…`.
      const className = (method?.attrs.className ?? '').split(',')[0].trim();
      defs.set(id, { className });
    }
  }
  return defs;
}

export function parseTrx(root: XmlElement, ctx: ReportContext): ParsedReport {
  const collector = new TestCollector(distinctInvocations);
  const paths = new ReportPaths(ctx.files);
  const defs = definitions(root);
  const warnings: string[] = [];

  const execution = (r: XmlElement, outcome: Outcome): Execution => {
    const start = parseTimestamp(r.attrs.startTime);
    const dur = timeSpanMs(r.attrs.duration);
    const end = start !== null && dur !== null ? new Date(start.getTime() + dur) : parseTimestamp(r.attrs.endTime);
    const output = child(r, 'Output');
    const stdout = output ? (child(output, 'StdOut')?.text ?? null) : null;
    const stderr = output ? (child(output, 'StdErr')?.text ?? null) : null;
    const info = output ? child(output, 'ErrorInfo') : null;
    const message = (info ? (child(info, 'Message')?.text ?? '') : '').replace(/\r\n?/g, '\n');
    const stack = (info ? (child(info, 'StackTrace')?.text ?? '') : '').replace(/\r\n?/g, '\n');
    if (outcome === 'passed') return newExecution('passed', { startTime: start, endTime: end, stdout, stderr });
    if (outcome === 'skipped') {
      const reason = message.trim() || (stdout ?? '').trim();
      return newExecution('skipped', { startTime: start, endTime: end, stdout, stderr, report: reason || 'None', message: reason.split('\n')[0] || null });
    }
    const report = [message.trim(), stack].filter((s) => s.trim()).join('\n') || `${r.attrs.outcome ?? 'Failed'} (no error text in the TRX)`;
    const exc = paths.frames(extractFrames(report, 'dotnet', ctx.files));
    // xUnit writes `System.DivideByZeroException : Attempted to divide by zero.`; assertion messages name no type.
    const typed = /^([A-Za-z_][\w.]*(?:Exception|Error))\s*:/.exec(message.trim());
    const name = typed ? shortExceptionName(typed[1]) : null;
    return newExecution(outcome, {
      startTime: start,
      endTime: end,
      stdout,
      stderr,
      report,
      message: message.trim().split('\n')[0] || r.attrs.outcome || null,
      exception: withReportedName(exc, name),
    });
  };

  const visit = (r: XmlElement): void => {
    const inner = child(r, 'InnerResults');
    const rows = inner ? inner.children.filter(isResult) : [];
    if (rows.length) {
      for (const row of rows) visit(row);
      return;
    }
    const testName = r.attrs.testName ?? '';
    const className = defs.get(r.attrs.testId ?? '')?.className ?? '';
    const id = className && !testName.startsWith(className + '.') ? `${className}.${testName}` : testName || className;
    const outcome = OUTCOMES[r.attrs.outcome ?? ''] ?? 'error';
    collector.add(id, '', null, [execution(r, outcome)]);
  };

  for (const results of root.children) {
    if (results.name !== 'Results') continue;
    // Flat data-driven layouts write the summary result beside its rows (same testId): keep the rows.
    const rowIds = new Set(results.children.filter((c) => c.attrs.resultType === 'DataDrivenDataRow').map((c) => c.attrs.testId));
    for (const r of results.children) {
      if (!isResult(r)) continue;
      if (r.attrs.resultType === 'DataDrivenTest' && rowIds.has(r.attrs.testId) && !child(r, 'InnerResults')) continue;
      visit(r);
    }
  }
  const tests = collector.tests();
  const notice = repeatNotice(collector, ctx.file, 'TRX');
  if (notice) warnings.push(notice);
  return { dialect: 'trx', tests, warnings };
}
