/** Cold start of dist/index.js on a one-test report against `node -e 0`. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distIndex, runnerEnv, runnerFiles } from '../scripts/local-runner.ts';
import type { BenchContext } from './run.ts';
import { pair, runNode } from './measure.ts';
import { mib, ms, type Row } from './row.ts';

export default async function coldStart(ctx: BenchContext): Promise<Row[]> {
  const ws = mkdtempSync(join(tmpdir(), 'ff-bench-cold-'));
  writeFileSync(join(ws, 'one.xml'), '<testsuite name="s" tests="1"><testcase classname="a.B" name="test_one" time="0.1"/></testsuite>');
  const env = runnerEnv(
    { workspace: ws, inputs: { 'test-results': 'one.xml', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '', save: 'false' } },
    runnerFiles(),
  );
  const r = await pair(() => runNode([distIndex], env, ws), () => runNode(['-e', '0']), Math.max(ctx.runs, 10));
  return [
    { scenario: 'cold start', measure: 'dist/index.js, 1-test report', value: ms(r.a.wallMs), baseline: `node -e 0 ${ms(r.b.wallMs)}`, ratio: r.ratio, target: '≤ 3×', met: r.ratio <= 3 },
    { scenario: 'cold start', measure: 'peak RSS', value: mib(r.a.rssMiB), baseline: `node -e 0 ${mib(r.b.rssMiB)}` },
  ];
}
