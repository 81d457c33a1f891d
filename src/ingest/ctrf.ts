/**
 * CTRF JSON (https://ctrf.io): `{results: {tool: {name}, summary, tests: [...]}}`. A test with `retries: N`
 * ran N+1 times: when it ends `passed` (and is `flaky`), the first N attempts failed. `retryAttempts`, when
 * present, gives each attempt. Schema violations name the JSON path.
 */
import type { Execution, Outcome } from '../model.ts';
import { UserError } from '../store/store.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { IdPaths, isAbsolutePath } from './id-paths.ts';
import { repeatNotice } from './junit-notices.ts';
import { RETRY_RULES } from './retries.ts';
import { newExecution, TestCollector } from './test-collector.ts';
import { extractFrames, type Language } from './tracebacks.ts';
import { isObj, type Obj } from './json-values.ts';

const STATUSES = new Set(['passed', 'failed', 'skipped', 'pending', 'other']);
const MAX_RETRIES = 1000;
/** 9999-12-31T23:59:59.999Z: the last instant Python's datetime (the plugin) can hold. */
const MAX_EPOCH_MS = 253402300799999;

const TOOL_LANGUAGE: [RegExp, Language][] = [
  [/pytest|python|unittest/i, 'python'],
  [/jest|mocha|vitest|playwright|cypress|jasmine|node|webdriverio|cucumber-js/i, 'javascript'],
  [/junit|maven|gradle|testng|surefire/i, 'java'],
  [/go/i, 'go'],
  [/nunit|xunit|mstest|dotnet/i, 'dotnet'],
  [/phpunit|pest/i, 'php'],
];

function outcomeOf(status: string, rawStatus: unknown): Outcome {
  if (status === 'passed') return 'passed';
  if (status === 'failed') return 'failed';
  if (status === 'other' && typeof rawStatus === 'string' && /error|broken|timed?out|interrupted|crash/i.test(rawStatus)) return 'error';
  return 'skipped';
}

export function parseCtrf(text: string, ctx: ReportContext): ParsedReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new UserError(`${ctx.file}: not valid JSON (${why}); CTRF reports must be JSON objects with a "results" key.`);
  }
  const bad = (path: string, what: string): never => {
    throw new UserError(`${ctx.file}: ${path} ${what}, so this is not a CTRF report (https://ctrf.io); fix the reporter's output or leave the file out of test-results.`);
  };
  if (!isObj(doc)) bad('$', 'is not an object');
  const results = (doc as Obj).results;
  if (!isObj(results)) bad('$.results', 'is missing or not an object');
  const r = results as Obj;
  if (!isObj(r.tool) || typeof (r.tool as Obj).name !== 'string') bad('$.results.tool.name', 'is missing or not a string');
  if (!isObj(r.summary)) bad('$.results.summary', 'is missing or not an object');
  if (!Array.isArray(r.tests)) bad('$.results.tests', 'is missing or not an array');
  const toolName = (r.tool as Obj).name as string;
  const lang = TOOL_LANGUAGE.find(([re]) => re.test(toolName))?.[1] ?? null;
  // A repeated test in CTRF is another test (a test.each row), never an attempt: retries are in `retries`.
  const collector = new TestCollector(RETRY_RULES.ctrf);
  const paths = new IdPaths(ctx.files);

  const checkAttempt = (t: Obj, path: string): void => {
    if (typeof t.status !== 'string' || !STATUSES.has(t.status)) bad(`${path}.status`, `must be one of passed, failed, skipped, pending, other (got ${JSON.stringify(t.status)})`);
    if (t.duration !== undefined && (typeof t.duration !== 'number' || !(t.duration >= 0) || t.duration > MAX_EPOCH_MS)) bad(`${path}.duration`, 'must be a non-negative number');
    // Times are stored as datetimes the plugin (Python) must read back: years 1970 to 9999 only.
    for (const k of ['start', 'stop'] as const) {
      const v = t[k];
      if (v !== undefined && v !== null && (typeof v !== 'number' || !(v >= 0 && v <= MAX_EPOCH_MS))) bad(`${path}.${k}`, 'must be milliseconds since 1970 (before the year 10000)');
    }
    for (const k of ['message', 'trace', 'filePath', 'suite', 'rawStatus'] as const) {
      if (t[k] !== undefined && t[k] !== null && typeof t[k] !== 'string') bad(`${path}.${k}`, 'must be a string');
    }
    for (const k of ['stdout', 'stderr'] as const) {
      const v = t[k];
      if (v !== undefined && !(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) bad(`${path}.${k}`, 'must be an array of strings');
    }
  };

  const execution = (t: Obj, fallbackStart: number | null): Execution => {
    const outcome = outcomeOf(t.status as string, t.rawStatus);
    const start = typeof t.start === 'number' && t.start > 0 ? t.start : fallbackStart;
    let stop = typeof t.stop === 'number' && t.stop > 0 ? t.stop : start !== null && typeof t.duration === 'number' ? start + t.duration : null;
    if (stop !== null && stop > MAX_EPOCH_MS) stop = null;
    const join = (v: unknown): string | null => (v === undefined ? null : Array.isArray(v) ? v.join('\n') : (v as string));
    const failing = outcome === 'failed' || outcome === 'error';
    const message = (t.message as string | undefined) ?? null;
    const trace = (t.trace as string | undefined) ?? '';
    const report = failing ? [message ?? '', trace].filter((s) => s).join('\n') : outcome === 'skipped' ? message || 'None' : 'None';
    return newExecution(outcome, {
      startTime: start !== null ? new Date(start) : null,
      endTime: stop !== null ? new Date(stop) : null,
      stdout: join(t.stdout),
      stderr: join(t.stderr),
      report,
      message: message ? message.split('\n')[0] : null,
      exception: failing ? extractFrames(report, lang, ctx.files) : null,
    });
  };

  (r.tests as unknown[]).forEach((raw, i) => {
    const path = `$.results.tests[${i}]`;
    if (!isObj(raw)) bad(path, 'is not an object');
    const t = raw as Obj;
    if (typeof t.name !== 'string' || t.name === '') bad(`${path}.name`, 'is missing or not a string');
    checkAttempt(t, path);
    if (t.retries !== undefined && (!Number.isInteger(t.retries) || (t.retries as number) < 0)) bad(`${path}.retries`, 'must be a non-negative integer');
    // Each retry becomes an execution: an absurd count would exhaust memory before anything is read.
    if ((t.retries as number) > MAX_RETRIES) bad(`${path}.retries`, `is ${t.retries}, more than the ${MAX_RETRIES} attempts a test runner makes`);
    if (t.line !== undefined && !Number.isInteger(t.line)) bad(`${path}.line`, 'must be an integer');
    if (t.flaky !== undefined && typeof t.flaky !== 'boolean') bad(`${path}.flaky`, 'must be a boolean');
    const attempts = t.retryAttempts;
    if (attempts !== undefined && !Array.isArray(attempts)) bad(`${path}.retryAttempts`, 'must be an array');

    const executions: Execution[] = [];
    const retries = (t.retries as number | undefined) ?? 0;
    if (Array.isArray(attempts) && attempts.length > 0) {
      attempts.forEach((a, k) => {
        if (!isObj(a)) bad(`${path}.retryAttempts[${k}]`, 'is not an object');
        checkAttempt(a as Obj, `${path}.retryAttempts[${k}]`);
        executions.push(execution(a as Obj, null));
      });
      // Attempts listed before the final one, or all of them including it.
      if (attempts.length !== retries + 1) executions.push(execution(t, null));
    } else {
      const final = execution(t, null);
      if (retries > 0) {
        // No per-attempt data: the earlier attempts failed (that is why they were retried).
        for (let k = 0; k < retries; k++) {
          executions.push(newExecution('failed', { report: '', message: final.outcome === 'passed' ? 'failed before a retry (CTRF retries)' : final.message, exception: final.outcome === 'passed' ? null : final.exception }));
        }
      }
      executions.push(final);
    }
    const suite = typeof t.suite === 'string' && t.suite ? t.suite : '';
    const filePath = typeof t.filePath === 'string' ? t.filePath : '';
    const where = filePath ? paths.of(filePath) : null;
    const id = where ? `${where.rel}::${suite ? suite + ' › ' : ''}${t.name}` : suite ? `${suite} › ${t.name}` : (t.name as string);
    const fspath = where ? where.abs || (isAbsolutePath(filePath) ? filePath : ctx.files.abs(where.rel)) : '';
    collector.add(id, fspath, typeof t.line === 'number' && t.line > 0 ? t.line : null, executions);
  });
  const tests = collector.tests();
  const repeats = repeatNotice(collector, ctx.file, 'ctrf');
  return { dialect: 'ctrf', tests, warnings: repeats === null ? [] : [repeats] };
}
