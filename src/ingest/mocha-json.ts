/**
 * Mocha's built-in JSON reporter (`mocha --reporter json --reporter-option output=mocha.json`): `stats` and the
 * lists `passes`, `failures`, `pending`, each entry with `title`, `fullTitle`, `file`, `duration`,
 * `currentRetry` and `err`. Test id = `spec file › full title` (the file relative to root), the same id as
 * mocha-junit-reporter's. A hook failure (`"before each" hook for "x"`) is in `failures` only and is read as a
 * failing test of that name, so it is never lost. `currentRetry: n` (with `--retries` or `this.retries()`)
 * means the test ran n+1 times: the n attempts before the one written failed.
 */
import type { Execution, Outcome } from '../model.ts';
import { UserError } from '../store/store.ts';
import { repeatNotice } from './junit-notices.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { ReportPaths } from './report-paths.ts';
import { distinctInvocations } from './retries.ts';
import { newExecution, parseTimestamp, TestCollector } from './test-collector.ts';
import { extractFrames, shortExceptionName, withReportedName } from './tracebacks.ts';
import { isObj, type Obj, str } from './json-values.ts';

const MAX_RETRIES = 1000;

export function isMochaJson(doc: Obj): boolean {
  return isObj(doc.stats) && (Array.isArray(doc.passes) || Array.isArray(doc.failures) || Array.isArray(doc.tests));
}

export function parseMochaJson(doc: Obj, ctx: ReportContext): ParsedReport {
  const bad = (path: string, what: string): never => {
    throw new UserError(`${ctx.file}: ${path} ${what}, so this is not a mocha JSON report; write it with \`mocha --reporter json --reporter-option output=mocha.json\` or leave it out of test-results.`);
  };
  for (const k of ['passes', 'failures', 'pending'] as const) if (doc[k] !== undefined && !Array.isArray(doc[k])) bad(`$.${k}`, 'is not an array');
  const collector = new TestCollector(distinctInvocations);
  const paths = new ReportPaths(ctx.files);
  const clock = typeof (doc.stats as Obj).start === 'string' ? parseTimestamp((doc.stats as Obj).start as string) : null;

  const read = (list: unknown, key: string, outcome: Outcome): void => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      if (!isObj(raw)) bad(`$.${key}[${i}]`, 'is not an object');
      const t = raw as Obj;
      const fullTitle = str(t.fullTitle) || str(t.title);
      if (!fullTitle) bad(`$.${key}[${i}].fullTitle`, 'is missing');
      const file = str(t.file);
      const id = file ? `${paths.rel(file)} › ${fullTitle}` : fullTitle;
      const dur = typeof t.duration === 'number' && t.duration >= 0 ? t.duration : null;
      const err = isObj(t.err) ? t.err : {};
      const stack = str(err.stack);
      const message = str(err.message);
      let final: Execution;
      if (outcome === 'failed') {
        const report = stack || message || 'failed';
        const exc = paths.frames(extractFrames(report, 'javascript', ctx.files));
        const name = str(err.name) || (/^([A-Z]\w*(?:Error|Exception))\b/.exec(stack)?.[1] ?? '');
        final = newExecution('failed', {
          report,
          message: message.split('\n')[0] || report.split('\n')[0],
          exception: withReportedName(exc, name ? shortExceptionName(name) : null),
        });
      } else if (outcome === 'skipped') final = newExecution('skipped', { report: 'None' });
      else final = newExecution('passed');
      if (clock !== null && dur !== null) {
        final.startTime = clock;
        final.endTime = new Date(clock.getTime() + dur);
      }
      const retries = Number.isInteger(t.currentRetry) ? Math.min(t.currentRetry as number, MAX_RETRIES) : 0;
      const executions: Execution[] = [];
      for (let k = 0; k < retries && outcome !== 'skipped'; k++) {
        executions.push(newExecution('failed', { report: '', message: `failed before retry ${k + 1} (mocha currentRetry: ${retries})` }));
      }
      executions.push(final);
      collector.add(id, file ? paths.abs(file) : '', null, executions);
    });
  };
  read(doc.passes, 'passes', 'passed');
  read(doc.failures, 'failures', 'failed');
  read(doc.pending, 'pending', 'skipped');
  const tests = collector.tests();
  const notice = repeatNotice(collector, ctx.file, 'mocha JSON');
  return { dialect: 'mocha-json', tests, warnings: notice ? [notice] : [] };
}
