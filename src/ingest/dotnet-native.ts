/**
 * The native XML of NUnit 3 (`<test-run>`) and xUnit.net v2 (`<assemblies>`), which .NET projects often
 * upload instead of JUnit. Test id = the full name the runner reports (`Ns.Class.Method(args)`).
 */
import type { Execution, Outcome } from '../model.ts';
import type { ParsedReport, ReportContext } from './parsed-report.ts';
import { newExecution, parseTimestamp, secondsToMs, TestCollector } from './test-collector.ts';
import { extractFrames, withReportedName } from './tracebacks.ts';
import { child, type XmlElement } from './xml-scan.ts';

function failureExecution(outcome: Outcome, failure: XmlElement | null, ctx: ReportContext, fields: Partial<Execution>): Execution {
  const message = failure ? (child(failure, 'message')?.text.trim() ?? '') : '';
  const stack = failure ? (child(failure, 'stack-trace')?.text ?? '') : '';
  const report = [message, stack].filter((s) => s.trim()).join('\n') || 'failed';
  const exc = extractFrames(report, 'dotnet', ctx.files);
  const typed = failure?.attrs['exception-type'];
  return newExecution(outcome, {
    ...fields,
    report,
    message: message.split('\n')[0] || null,
    exception: withReportedName(exc, typed ? typed.split('.').pop()! : null),
  });
}

function nunit(root: XmlElement, ctx: ReportContext, collector: TestCollector): void {
  const stack: XmlElement[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    if (el.name !== 'test-case') {
      for (let i = el.children.length - 1; i >= 0; i--) {
        const c = el.children[i];
        if (c.name === 'test-suite' || c.name === 'test-case') stack.push(c);
      }
      continue;
    }
    const result = el.attrs.result ?? '';
    const label = el.attrs.label ?? '';
    const start = parseTimestamp(el.attrs['start-time']);
    const end = parseTimestamp(el.attrs['end-time']);
    const output = child(el, 'output')?.text ?? null;
    let ex: Execution;
    if (result === 'Failed') {
      const outcome: Outcome = label === 'Error' || label === 'Cancelled' || label === 'Invalid' ? 'error' : 'failed';
      ex = failureExecution(outcome, child(el, 'failure'), ctx, { startTime: start, endTime: end, stdout: output });
      // An assertion failure's message is "Expected: ... But was: ...", with no exception type in it.
      if (outcome === 'failed' && ex.exception?.name === 'Exception' && !/\bSystem\.Exception\b/.test(ex.report)) ex.exception.name = 'AssertionException';
    } else if (result === 'Skipped' || result === 'Inconclusive') {
      const reason = child(el, 'reason');
      const msg = reason ? (child(reason, 'message')?.text.trim() ?? '') : '';
      ex = newExecution('skipped', { startTime: start, endTime: end, stdout: output, report: msg || 'None', message: msg || label || null });
    } else {
      ex = newExecution('passed', { startTime: start, endTime: end, stdout: output });
    }
    const name = el.attrs.fullname ?? [el.attrs.classname, el.attrs.name].filter(Boolean).join('.');
    collector.add(name, '', null, [ex]);
  }
}

function xunitNet(root: XmlElement, ctx: ReportContext, collector: TestCollector): void {
  for (const assembly of root.children) {
    if (assembly.name !== 'assembly') continue;
    const clock = { t: parseTimestamp(`${assembly.attrs['run-date'] ?? ''}T${assembly.attrs['run-time'] ?? ''}`)?.getTime() ?? null };
    for (const collection of assembly.children) {
      if (collection.name !== 'collection') continue;
      for (const t of collection.children) {
        if (t.name !== 'test') continue;
        const dur = secondsToMs(t.attrs.time);
        const start = clock.t !== null ? new Date(clock.t) : null;
        const end = start && dur !== null ? new Date(start.getTime() + dur) : null;
        if (end) clock.t = end.getTime();
        const output = child(t, 'output')?.text ?? null;
        const result = t.attrs.result ?? '';
        let ex: Execution;
        if (result === 'Fail') ex = failureExecution('failed', child(t, 'failure'), ctx, { startTime: start, endTime: end, stdout: output });
        else if (result === 'Skip' || result === 'NotRun') {
          const reason = child(t, 'reason')?.text.trim() ?? '';
          ex = newExecution('skipped', { startTime: start, endTime: end, stdout: output, report: reason || 'None', message: reason || null });
        } else ex = newExecution('passed', { startTime: start, endTime: end, stdout: output });
        collector.add(t.attrs.name ?? `${t.attrs.type}.${t.attrs.method}`, '', null, [ex]);
      }
    }
  }
}

export function parseNativeDotnet(root: XmlElement, ctx: ReportContext): ParsedReport {
  const collector = new TestCollector();
  if (root.name === 'test-run') {
    nunit(root, ctx, collector);
    return { dialect: 'nunit', tests: collector.tests(), warnings: [] };
  }
  xunitNet(root, ctx, collector);
  return { dialect: 'xunit.net', tests: collector.tests(), warnings: [] };
}
