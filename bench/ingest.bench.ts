/** The 100k-testcase JUnit end to end (empty history) against the bare fast-xml-parser parse of the same file. */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distIndex, runnerEnv, runnerFiles } from '../scripts/local-runner.ts';
import type { BenchContext } from './run.ts';
import { writeJunit } from './generate.ts';
import { pair, runNode } from './measure.ts';
import { mib, ms, type Row } from './row.ts';

export default async function ingest(ctx: BenchContext): Promise<Row[]> {
  const file = join(ctx.dataDir, 'junit-100k.xml');
  const bytes = existsSync(file) ? 0 : writeJunit(file, { tests: 100_000, seed: 100 });
  const bare = join(import.meta.dirname, 'bare-parse.mjs');
  const endToEnd = (extra: Record<string, string> = {}) => async () => {
    const ws = mkdtempSync(join(tmpdir(), 'ff-bench-ws-'));
    // Result files must be inside the workspace, as on a runner.
    copyFileSync(file, join(ws, 'junit.xml'));
    const env = runnerEnv(
      { workspace: ws, inputs: { 'test-results': 'junit.xml', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'fail-on': 'never', 'database-path': join(ws, 'ff.db'), ...extra } },
      runnerFiles(),
    );
    try {
      return await runNode([distIndex], env, ws);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  };
  const vsDefault = await pair(endToEnd(), () => runNode([bare, file]), ctx.runs);
  const vsAttrs = await pair(endToEnd(), () => runNode([bare, file, 'attributes']), ctx.runs);
  // Where the time goes: the same run without saving 200k rows to SQLite and without report files.
  const lean = await pair(endToEnd({ save: 'false', 'report-dir': '' }), () => runNode([bare, file]), ctx.runs);
  // What the report files alone cost (JSON and JUnit streamed to disk, the HTML page): save: false with and without them.
  const reports = await pair(endToEnd({ save: 'false' }), endToEnd({ save: 'false', 'report-dir': '' }), ctx.runs);
  const size = bytes ? `${(bytes / 1e6).toFixed(1)} MB` : '100k testcases';
  return [
    { scenario: 'ingest 100k JUnit', measure: `end to end, empty history (${size})`, value: ms(vsDefault.a.wallMs), baseline: `bare parse ${ms(vsDefault.b.wallMs)}`, ratio: vsDefault.ratio, target: '≤ 1.5×', met: vsDefault.ratio <= 1.5 },
    { scenario: 'ingest 100k JUnit', measure: 'end to end vs parse with attributes', value: ms(vsAttrs.a.wallMs), baseline: `attrs parse ${ms(vsAttrs.b.wallMs)}`, ratio: vsAttrs.ratio },
    { scenario: 'ingest 100k JUnit', measure: 'read + classify + summary (save: false, no report-dir)', value: ms(lean.a.wallMs), baseline: `bare parse ${ms(lean.b.wallMs)}`, ratio: lean.ratio, target: '≤ 1.5×', met: lean.ratio <= 1.5 },
    { scenario: 'ingest 100k JUnit', measure: 'report files: time with vs without (save: false)', value: ms(reports.a.wallMs), baseline: `no report-dir ${ms(reports.b.wallMs)}`, ratio: reports.ratio },
    { scenario: 'ingest 100k JUnit', measure: 'report files: peak RSS with vs without (save: false)', value: mib(reports.a.rssMiB), baseline: `no report-dir ${mib(reports.b.rssMiB)}`, ratio: reports.a.rssMiB / reports.b.rssMiB },
    { scenario: 'ingest 100k JUnit', measure: 'peak RSS end to end', value: mib(vsDefault.a.rssMiB), baseline: `bare parse ${mib(vsDefault.b.rssMiB)}`, target: '≤ 400 MiB', met: vsDefault.a.rssMiB <= 400 },
  ];
}
