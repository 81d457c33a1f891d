/**
 * `npm run demo`: runs the built action (dist/index.js) as the GitHub runner would over the three
 * bundled sample runs in samples/, with one sql.js database written to demo-output/, and shows
 * what a team would see: verdicts, outputs, annotations and the exit status of each step.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from './local-runner.ts';

const out = join(repoRoot, 'demo-output');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const database = join(out, 'flakefighters.db');

const runs: ActionRun[] = [];
for (const n of [1, 2, 3]) {
  const r = await runAction({
    workspace: join(repoRoot, 'samples'),
    inputs: {
      'test-results': `run-${n}/*.xml`,
      root: 'project',
      'database-path': database,
      'report-dir': join(out, `run-${n}`),
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
    },
    runId: String(9000 + n),
    runNumber: n,
    sha: 'abc'[n - 1].repeat(40),
  });
  runs.push(r);
  console.log(`\n━━━ run ${n}: step ${r.code === 0 ? 'passed ✔' : 'FAILED ✘'} (exit ${r.code}) ━━━`);
  for (const line of r.summary.split('\n').slice(0, 14)) console.log(`  ${line}`);
  console.log('  outputs:', JSON.stringify(pick(r.outputs, ['total', 'failed', 'flaky-failures', 'genuine-failures', 'flaky-tests', 'run-id'])));
  for (const a of r.annotations) console.log(`  ::${a.level} ${a.props.file ?? ''}:${a.props.line ?? ''} ${a.message.split('\n')[0]}`);
  if (r.code !== 0) console.log(`  ${r.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''}`);
}

console.log(`\nDatabase: ${database} (${statSync(database).size} bytes); reports: ${out}/run-N/flakefighters.html`);
const ok =
  runs[0].code === 0 &&
  runs[0].outputs['flaky-tests']?.includes('test_supplier_online') &&
  runs[1].code === 0 &&
  runs[1].outputs.failed === '0' &&
  runs[2].code !== 0 &&
  runs[2].outputs['flaky-tests']?.includes('test_supplier_online') &&
  runs[2].outputs['genuine-failures'] === '1';
console.log(ok ? '\nDemo behaved as described in samples/README.md.' : '\nDemo did NOT behave as described in samples/README.md.');
process.exit(ok ? 0 : 1);

function pick(o: Record<string, string>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
