/**
 * RSpec's JSON formatter (`rspec --format json --out rspec.json`): `examples` with `id`, `full_description`,
 * `file_path`, `line_number`, `status` (passed, failed, pending) and `exception` {class, message, backtrace}.
 * Test id = `spec file::full description`; two examples with one description in one file (shared examples,
 * repeated `it` titles) are told apart by RSpec's own scoped id (`[1:2:1]`). Errors outside examples (a spec
 * file that does not load) are failures of that file, so they are never lost.
 */
import type { Execution } from '../model.ts';
import { UserError } from '../store/store.ts';
import { repeatNotice } from './junit-notices.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { ReportPaths } from './report-paths.ts';
import { distinctInvocations } from './retries.ts';
import { newExecution, TestCollector } from './test-collector.ts';
import { extractFrames, shortExceptionName, withReportedName } from './tracebacks.ts';
import { isObj, type Obj, str } from './json-values.ts';

export function isRspecJson(doc: Obj): boolean {
  return Array.isArray(doc.examples) && (isObj(doc.summary) || typeof doc.version === 'string');
}

export function parseRspecJson(doc: Obj, ctx: ReportContext): ParsedReport {
  const bad = (path: string, what: string): never => {
    throw new UserError(`${ctx.file}: ${path} ${what}, so this is not an RSpec JSON report; write it with \`rspec --format json --out rspec.json\` or leave it out of test-results.`);
  };
  const paths = new ReportPaths(ctx.files);
  const examples = doc.examples as unknown[];
  const base = (e: Obj): string => `${paths.rel(str(e.file_path))}::${str(e.full_description)}`;
  const seen = new Map<string, number>();
  examples.forEach((e, i) => {
    if (!isObj(e)) bad(`$.examples[${i}]`, 'is not an object');
    if (typeof (e as Obj).full_description !== 'string') bad(`$.examples[${i}].full_description`, 'is missing or not a string');
    const b = base(e as Obj);
    seen.set(b, (seen.get(b) ?? 0) + 1);
  });

  const collector = new TestCollector(distinctInvocations);
  for (const raw of examples) {
    const e = raw as Obj;
    let id = base(e);
    // RSpec's scoped id (`./spec/a_spec.rb[1:2:1]`) tells apart examples that share a description.
    const scoped = /\[[\d:]+\]$/.exec(str(e.id));
    if ((seen.get(id) ?? 0) > 1 && scoped) id = `${id} ${scoped[0]}`;
    const status = str(e.status);
    let ex: Execution;
    if (status === 'passed') ex = newExecution('passed');
    else if (status === 'failed') {
      const x = isObj(e.exception) ? e.exception : {};
      const cls = str(x.class);
      const message = str(x.message);
      const backtrace = Array.isArray(x.backtrace) ? x.backtrace.filter((l): l is string => typeof l === 'string') : [];
      const report = [cls ? `${cls}: ${message}` : message, ...backtrace].filter((s) => s).join('\n') || 'failed';
      const exc = paths.frames(extractFrames(backtrace.join('\n'), 'ruby', ctx.files));
      const name = cls ? shortExceptionName(cls.replace(/::/g, '.')) : null;
      ex = newExecution('failed', {
        report,
        message: message.trim().split('\n')[0] || cls || 'failed',
        exception: withReportedName(exc, name),
      });
    } else {
      const reason = str(e.pending_message);
      ex = newExecution('skipped', { report: reason || 'None', message: reason || null });
    }
    const line = Number.isInteger(e.line_number) && (e.line_number as number) > 0 ? (e.line_number as number) : null;
    collector.add(id, str(e.file_path) ? paths.abs(str(e.file_path)) : '', line, [ex]);
  }

  // A spec file that does not load writes no examples, only a message and a count.
  const summary = isObj(doc.summary) ? doc.summary : {};
  const outside = typeof summary.errors_outside_of_examples_count === 'number' ? summary.errors_outside_of_examples_count : 0;
  if (outside > 0) {
    const messages = Array.isArray(doc.messages) ? doc.messages.filter((m): m is string => typeof m === 'string') : [];
    const loadErrors = messages.filter((m) => /error occurred (?:while loading|outside of examples)/i.test(m));
    const texts = loadErrors.length ? loadErrors : [messages.join('\n') || `${outside} error(s) occurred outside of examples`];
    for (const text of texts) {
      const file = /while loading (\S+?)\.?\s*(?:-|\n|$)/.exec(text)?.[1];
      const id = file ? `${paths.rel(file)}::(load error)` : '(errors outside of examples)';
      const exc = paths.frames(extractFrames(text, 'ruby', ctx.files));
      collector.add(id, file ? paths.abs(file) : '', null, [
        newExecution('error', { report: text, message: text.split('\n').find((l) => l.trim())?.trim() ?? 'error outside of examples', exception: exc }),
      ]);
    }
  }
  const tests = collector.tests();
  const notice = repeatNotice(collector, ctx.file, 'RSpec JSON');
  return { dialect: 'rspec-json', tests, warnings: notice ? [notice] : [] };
}
