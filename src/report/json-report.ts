/**
 * The machine-readable report. Its shape is documented by docs/report-schema.json (version 1: docs/report-schema-v1.json);
 * bump `schemaVersion` on any change that could break a reader (removing or retyping a field), not for added fields.
 * Version 2: a test that simply passed (one passing execution, no verdict) is written as `{name, verdict, durationSeconds}`
 * in its place in `tests`, so every test is still there by name, at a tenth of the bytes. The file is written as it is
 * rendered (writeJsonReport), never held whole.
 */
import { isFailing, testFlaky, verdictOf, type Execution, type FlakefighterResult, type Run, type Test } from '../model.ts';
import type { ReportData } from './report-data.ts';
import { countRun, failureMessage, flipRanking, testLocation, testSeconds, webLinks } from './facts.ts';
import { hideUrls, truncate } from './text.ts';
import { renderedText, type TextSink } from './text-sink.ts';

export const JSON_REPORT_SCHEMA_VERSION = 2;

/** Failure text per execution; whole tracebacks of 100k failures would make the file unusable. */
const TEXT_MAX = 20_000;

const iso = (d: Date | null | undefined): string | null => (d && Number.isFinite(d.getTime()) ? d.toISOString() : null);
const text = (s: string | null | undefined): string | null => (s ? truncate(s, TEXT_MAX) : null);
const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * JSON.stringify with bigints written as strings. A replacer function is called for every value (it doubled the time
 * of the failing tests' objects) and bigints are rare: without it first, with it only when JSON.stringify refused one.
 */
function stringify(v: unknown, indent: number | undefined): string {
  try {
    return JSON.stringify(v, null, indent);
  } catch (err) {
    if (err instanceof TypeError) return JSON.stringify(v, replacer, indent);
    throw err;
  }
}

export function renderJsonReport(data: ReportData): string {
  return renderedText((sink) => writeJsonReport(data, sink));
}

/**
 * Writes the report field by field and `tests` test by test, with the bytes JSON.stringify of the whole document
 * would give. `schemaVersion` and `generator` come first: ingest recognises the file by them in its first bytes.
 */
export function writeJsonReport(data: ReportData, out: TextSink): void {
  const run = data.run;
  const fields: [string, unknown][] = [
    ['schemaVersion', JSON_REPORT_SCHEMA_VERSION],
    ['generator', 'flakefighters-action'],
    [
      'run',
      {
        ...runSummary(run),
        createdAt: iso(run.createdAt),
        root: run.root,
        workflow: run.meta.workflow ?? null,
        job: run.meta.job ?? null,
        githubRunId: run.meta.runId ?? null,
        runAttempt: run.meta.runAttempt ?? null,
        repository: run.meta.repository ?? null,
        eventName: run.meta.eventName ?? null,
        source: run.meta.source ?? null,
        flakefighters: data.flakefighters,
      },
    ],
    ['inputs', { files: data.files, dialects: data.dialects }],
    ['database', { kind: data.database.kind, description: hideUrls(data.database.description) }],
    ['historySource', data.historySource ?? null],
    ['repoUrl', data.repoUrl ?? null],
    ['sha', data.sha ?? run.commitSha ?? null],
    ['tests', TESTS],
    ['history', { runs: data.history.map(runSummary) }],
    ['flakiest', flipRanking(data, 100)],
    ['flakiestStored', data.flakiest ? data.flakiest.slice(0, 100) : null],
    ['sffl', data.sffl ? { formula: data.sffl.formula, rows: data.sffl.rows } : null],
    ['warnings', data.warnings],
    // Only web links: a javascript: URL from a misconfigured input must not reach a page that renders this.
    ['links', webLinks(data)],
  ];
  // Indented for people, unless the run is so big that the indentation alone would add megabytes.
  const indent = run.tests.length > 5000 ? 0 : 2;
  const nl = indent ? '\n' : '';
  const pad1 = indent ? '  ' : '';
  const pad2 = indent ? '    ' : '';
  const colon = indent ? ': ' : ':';
  // A nested value's own line breaks shifted right by its depth, as JSON.stringify(whole, _, 2) would place them.
  const value = (v: unknown, pad: string): string => {
    const json = stringify(v, indent || undefined);
    return indent ? json.replaceAll('\n', `\n${pad}`) : json;
  };
  out.write('{');
  for (const [i, [key, v]] of fields.entries()) {
    out.write(`${i ? ',' : ''}${nl}${pad1}${JSON.stringify(key)}${colon}`);
    if (v !== TESTS) out.write(value(v, pad1));
    else if (!run.tests.length) out.write('[]');
    else {
      out.write('[');
      for (let j = 0; j < run.tests.length; j++) {
        const t = run.tests[j];
        // A simply passing test unindented (big runs) is written directly: JSON.stringify of its three fields, same bytes.
        const json = !indent && simplyPassed(t) ? `{"name":${JSON.stringify(t.name)},"verdict":"passed","durationSeconds":${secondsJson(seconds(t))}}` : value(testJson(t, run.root), pad2);
        out.write(`${j ? ',' : ''}${nl}${pad2}${json}`);
      }
      out.write(`${nl}${pad1}]`);
    }
  }
  out.write(`${nl}}\n`);
}

/** Marks where the tests are streamed in the field list. */
const TESTS = Symbol('tests');

function runSummary(run: Run) {
  return {
    id: run.id ?? null,
    uuid: run.meta.uuid,
    startTime: iso(run.startTime),
    commitSha: run.commitSha,
    branch: run.meta.branch ?? null,
    counts: countRun(run),
  };
}

/** One passing execution and no verdict on the test or the execution: nothing to say beyond the name and time. */
function simplyPassed(t: Test): boolean {
  const only = t.executions.length === 1 ? t.executions[0] : undefined;
  return !t.skipped && !!only && only.outcome === 'passed' && only.results.length === 0 && t.results.length === 0;
}

const seconds = (t: Test): number => Math.round(testSeconds(t) * 1e6) / 1e6;

/**
 * JSON.stringify of a test's seconds, from a table for whole milliseconds (what testSeconds gives; 100k number-to-text
 * conversions were several milliseconds): their shortest form is the milliseconds' digits without trailing zeros.
 * Any other number goes to JSON.stringify itself.
 */
function secondsJson(v: number): string {
  const ms = Math.round(v * 1000);
  if (ms / 1000 !== v || !(ms >= 0 && ms < 1e12)) return JSON.stringify(v);
  const milli = ms % 1000;
  return `${(ms - milli) / 1000}${FRACTIONS[milli]}`;
}

/** `.5`, `.05`, `.123` for 500, 50, 123 milliseconds; nothing for 0. */
const FRACTIONS = Array.from({ length: 1000 }, (_, ms) => (ms ? `.${String(ms).padStart(3, '0').replace(/0+$/, '')}` : ''));

function testJson(t: Test, root: string) {
  if (simplyPassed(t)) return { name: t.name, verdict: 'passed', durationSeconds: seconds(t) };
  const loc = testLocation(t, root);
  const failed = t.executions.some((e) => isFailing(e.outcome));
  return {
    name: t.name,
    file: loc.file ?? null,
    line: loc.line ?? null,
    fspath: t.fspath || null,
    skipped: t.skipped,
    verdict: verdictOf(t),
    flaky: testFlaky(t),
    message: failed ? failureMessage(t) || null : null,
    durationSeconds: seconds(t),
    results: t.results.map(resultJson),
    executions: t.executions.map(executionJson),
  };
}

function executionJson(e: Execution) {
  const failing = isFailing(e.outcome);
  return {
    outcome: e.outcome,
    startTime: iso(e.startTime),
    endTime: iso(e.endTime),
    message: e.message ?? null,
    // The plugin stores the string 'None' for passing tests; a reader should not have to know that.
    report: e.report === 'None' ? null : text(e.report),
    stdout: failing ? text(e.stdout) : null,
    stderr: failing ? text(e.stderr) : null,
    exception: e.exception
      ? {
          name: e.exception.name,
          frames: e.exception.frames.map((f) => ({ path: f.path, line: f.lineno + 1, column: f.colno, statement: f.statement })),
        }
      : null,
    coveredFiles: e.coverage ? Object.keys(e.coverage).length : null,
    results: e.results.map(resultJson),
  };
}

function resultJson(r: FlakefighterResult) {
  return {
    name: r.name,
    flaky: r.flaky,
    verdict: r.flaky ? 'flaky' : 'genuine',
    evidence: r.evidence ?? null,
    // A verdict learned after the run was saved (it passed on a re-run): when, and the uuid of the run that taught it.
    ...(r.learned ? { learned: { at: iso(r.learned.at), fromRunUuid: r.learned.fromRunUuid } } : {}),
  };
}
