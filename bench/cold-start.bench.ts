/**
 * Cold start of dist/index.js on a one-test report against `node -e 0`: one run that uploads nothing
 * (no database kept, no report files: sql.js, the artifact and REST clients and the renderers stay
 * unloaded), and one with the defaults that keeps the database and uploads it to the local stand-in
 * for the artifact service.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distIndex, runnerEnv, runnerFiles } from '../scripts/local-runner.ts';
import { startArtifactStandIn } from '../__tests__/helpers/artifact-stand-in.ts';
import type { BenchContext } from './run.ts';
import { pair, runNode } from './measure.ts';
import { mib, ms, type Row } from './row.ts';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-bench-cold-'));
  writeFileSync(join(ws, 'one.xml'), '<testsuite name="s" tests="1"><testcase classname="a.B" name="test_one" time="0.1"/></testsuite>');
  return ws;
}

export default async function coldStart(ctx: BenchContext): Promise<Row[]> {
  const runs = Math.max(ctx.runs, 10);
  const ws = workspace();
  const env = runnerEnv(
    { workspace: ws, inputs: { 'test-results': 'one.xml', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '', save: 'false' } },
    runnerFiles(),
  );
  const r = await pair(() => runNode([distIndex], env, ws), () => runNode(['-e', '0']), runs);
  const rows: Row[] = [
    { scenario: 'cold start', measure: 'dist/index.js, 1-test report, uploads nothing', value: ms(r.a.wallMs), baseline: `node -e 0 ${ms(r.b.wallMs)}`, ratio: r.ratio, target: '≤ 3×', met: r.ratio <= 3 },
    { scenario: 'cold start', measure: 'peak RSS, uploads nothing', value: mib(r.a.rssMiB), baseline: `node -e 0 ${mib(r.b.rssMiB)}` },
  ];
  const s = await startArtifactStandIn();
  try {
    const up = workspace();
    const runId = s.defineRun({ id: 7001, runStartedAt: new Date() }).id;
    // The defaults but history (a fresh runner's first job has none to fetch): the database is kept and uploaded.
    const upEnv = runnerEnv({ workspace: up, inputs: { 'test-results': 'one.xml', 'history-from-artifact': 'false', 'report-dir': '' }, env: s.env(runId, { GITHUB_WORKSPACE: up }) }, runnerFiles());
    const u = await pair(() => runNode([distIndex], upEnv, up), () => runNode(['-e', '0']), runs);
    const uploads = s.artifacts.filter((a) => a.runId === runId && a.finalized).length;
    rows.push(
      { scenario: 'cold start', measure: `dist/index.js, 1-test report, keeps and uploads its database (${uploads} uploads)`, value: ms(u.a.wallMs), baseline: `node -e 0 ${ms(u.b.wallMs)}`, ratio: u.ratio, target: '≤ 5×', met: u.ratio <= 5 && uploads > 0 },
      { scenario: 'cold start', measure: 'peak RSS, uploads', value: mib(u.a.rssMiB), baseline: `node -e 0 ${mib(u.b.rssMiB)}` },
    );
  } finally {
    await s.close();
  }
  return rows;
}
