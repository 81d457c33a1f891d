/**
 * Reads a JSON report this action wrote, schema version 1 or 2 (docs/report-schema-v1.json, docs/report-schema.json),
 * into one shape: version 1's tests are all full; version 2's simply-passing tests are compact. `executionsOf` and
 * `verdictsOf` let a reader treat both alike.
 */
import { readFileSync } from 'node:fs';

const READABLE_JSON_REPORT_VERSIONS = [1, 2] as const;

export interface JsonReportResult {
  name: string;
  flaky: boolean;
  verdict: 'flaky' | 'genuine';
  evidence: ({ reason: string } & Record<string, unknown>) | null;
  learned?: { at: string | null; fromRunUuid: string | null } | null;
}

export interface JsonReportExecution {
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  startTime: string | null;
  endTime: string | null;
  message: string | null;
  report: string | null;
  stdout: string | null;
  stderr: string | null;
  exception: { name: string; frames: { path: string; line: number; column: number | null; statement: string | null }[] } | null;
  coveredFiles: number | null;
  results: JsonReportResult[];
}

export interface JsonReportTest {
  name: string;
  file: string | null;
  line: number | null;
  fspath: string | null;
  skipped: boolean;
  verdict: 'passed' | 'skipped' | 'flaky' | 'genuine';
  flaky: boolean | null;
  message: string | null;
  durationSeconds: number;
  results: JsonReportResult[];
  executions: JsonReportExecution[];
}

/** Version 2's entry for a test with one passing execution and no verdict. */
export interface JsonReportPassedTest {
  name: string;
  verdict: 'passed';
  durationSeconds: number;
}

export interface JsonReport {
  schemaVersion: 1 | 2;
  generator: 'flakefighters-action';
  run: { id: number | null; uuid: string; startTime: string | null; commitSha: string | null; counts: Record<string, number> } & Record<string, unknown>;
  tests: (JsonReportTest | JsonReportPassedTest)[];
  [field: string]: unknown;
}

export class JsonReportError extends Error {}

export const isPassedTest = (t: JsonReportTest | JsonReportPassedTest): t is JsonReportPassedTest => !('executions' in t);

/** A test's executions; a compact passing test had exactly one, passed, which the report does not spell out. */
export function executionsOf(t: JsonReportTest | JsonReportPassedTest): JsonReportExecution[] {
  return isPassedTest(t) ? [] : t.executions;
}

/** Every test's verdict by name, whichever version wrote the file. */
export function verdictsOf(report: JsonReport): Map<string, JsonReportTest['verdict']> {
  return new Map(report.tests.map((t) => [t.name, t.verdict]));
}

/** Parses report text; `source` names the file in the one-line error a bad document gets. */
export function parseJsonReport(text: string, source: string): JsonReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new JsonReportError(`${source}: not JSON (${(e as Error).message}); give the flakefighters.json a run wrote`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || (doc as { generator?: unknown }).generator !== 'flakefighters-action') {
    throw new JsonReportError(`${source}: not a flakefighters-action JSON report (no "generator": "flakefighters-action"); give the flakefighters.json a run wrote`);
  }
  const report = doc as Record<string, unknown>;
  const version = report.schemaVersion;
  if (!READABLE_JSON_REPORT_VERSIONS.includes(version as 1 | 2)) {
    throw new JsonReportError(
      `${source}: JSON report schemaVersion ${JSON.stringify(version)} is not one this version reads (${READABLE_JSON_REPORT_VERSIONS.join(' or ')}); read it with the flakefighters-action that wrote it, or a newer one`,
    );
  }
  if (!Array.isArray(report.tests) || !report.run || typeof report.run !== 'object') {
    throw new JsonReportError(`${source}: the JSON report has no tests array or run object; the file is cut short or was edited`);
  }
  for (const [i, t] of (report.tests as unknown[]).entries()) {
    const entry = t as Record<string, unknown> | null;
    const ok = !!entry && typeof entry.name === 'string' && typeof entry.verdict === 'string' && (Array.isArray(entry.executions) || (version === 2 && entry.verdict === 'passed'));
    if (!ok) throw new JsonReportError(`${source}: tests[${i}] is not a test of a version ${version} JSON report; the file was edited or is damaged`);
  }
  return report as unknown as JsonReport;
}

export function readJsonReport(path: string): JsonReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new JsonReportError(`${path}: cannot read the JSON report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseJsonReport(text, path);
}
