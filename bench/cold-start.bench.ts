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
    // Each run is a fresh runner's first job (no history to fetch) in a run of its own: its database is created, kept
    // and uploaded. A reused workspace or run would time opening an existing file and a refused CreateArtifact instead.
    // The workspace and run are made before the timer starts (runNode times the child process only).
    let nextRunId = 7001;
    const runIds: number[] = [];
    const uploadOnce = () => {
      const up = workspace();
      const runId = s.defineRun({ id: nextRunId++, runStartedAt: new Date() }).id;
      runIds.push(runId);
      const upEnv = runnerEnv({ workspace: up, inputs: { 'test-results': 'one.xml', 'history-from-artifact': 'false', 'report-dir': '' }, env: s.env(runId, { GITHUB_WORKSPACE: up }) }, runnerFiles());
      return runNode([distIndex], upEnv, up);
    };
    const u = await pair(uploadOnce, () => runNode(['-e', '0']), runs);
    const uploads = runIds.filter((id) => s.artifacts.some((a) => a.runId === id && a.finalized)).length;
    rows.push(
      { scenario: 'cold start', measure: `dist/index.js, 1-test report, keeps and uploads its database (${uploads} of ${runIds.length} runs uploaded)`, value: ms(u.a.wallMs), baseline: `node -e 0 ${ms(u.b.wallMs)}`, ratio: u.ratio, target: '≤ 5×', met: u.ratio <= 5 && uploads === runIds.length },
      { scenario: 'cold start', measure: 'peak RSS, uploads', value: mib(u.a.rssMiB), baseline: `node -e 0 ${mib(u.b.rssMiB)}` },
    );
  } finally {
    await s.close();
  }
  return rows;
}
