/** The environment key of action and CLI runs (src/github/context.ts): what makes two runs one environment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionEnvironment, cliEnvironment, readContext, workflowFile } from '../../src/github/context.ts';
import { UserError } from '../../src/store/store.ts';

const base = {
  GITHUB_REPOSITORY: 'octo/demo',
  GITHUB_RUN_ID: '123456',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_WORKFLOW_REF: 'octo/demo/.github/workflows/ci.yml@refs/heads/main',
  GITHUB_JOB: 'test',
  RUNNER_OS: 'Linux',
  RUNNER_ARCH: 'X64',
  ImageOS: 'ubuntu24',
};
const env = (matrix: string, extra: Record<string, string | undefined> = {}) => actionEnvironment(readContext({ ...base, ...extra }, { matrix }));

test('the workflow file, the job and the matrix leg make the key; attempts, run ids and the ref do not', () => {
  const a = env('{"python":"3.12","os":"ubuntu-latest"}');
  assert.equal(a.label, 'ci.yml › test › os ubuntu-latest, python 3.12');
  assert.equal(a.key, '["action",".github/workflows/ci.yml","test","matrix:{\\"os\\":\\"ubuntu-latest\\",\\"python\\":\\"3.12\\"}"]');
  assert.equal(env('{"os":"ubuntu-latest","python":"3.12"}').key, a.key, 'key order does not matter');
  assert.equal(env('{"cfg":{"b":1,"a":[2,{"y":1,"x":0}]}}').key, env('{"cfg":{"a":[2,{"x":0,"y":1}],"b":1}}').key, 'nor at any depth');
  assert.equal(env('{"python":"3.12","os":"ubuntu-latest"}', { GITHUB_RUN_ATTEMPT: '3', GITHUB_RUN_ID: '9', GITHUB_WORKFLOW_REF: 'octo/demo/.github/workflows/ci.yml@refs/pull/7/merge' }).key, a.key);
  assert.equal(env('{"python":"3.12","os":"ubuntu-latest"}', { RUNNER_OS: 'Windows' }).key, a.key, 'with a matrix, the matrix names the leg');
  assert.notEqual(env('{"python":"3.9","os":"ubuntu-latest"}').key, a.key, 'another leg');
  assert.notEqual(env('{"python":"3.12","os":"ubuntu-latest"}', { GITHUB_JOB: 'lint' }).key, a.key, 'another job');
  assert.notEqual(env('{"python":"3.12","os":"ubuntu-latest"}', { GITHUB_WORKFLOW_REF: 'octo/demo/.github/workflows/nightly.yml@refs/heads/main' }).key, a.key, 'another workflow file');
  assert.equal(env('{"python":"3.12","os":"ubuntu-latest"}', { GITHUB_WORKFLOW: 'Renamed CI' }).key, a.key, 'the workflow file, not its display name');
  assert.equal(env('{"n":2,"flag":true}').label, 'ci.yml › test › flag true, n 2');
});

test('without a matrix the runner tells legs apart; without GITHUB_WORKFLOW_REF the workflow name stands in', () => {
  const linux = env('');
  assert.equal(linux.label, 'ci.yml › test › Linux/X64/ubuntu24');
  assert.equal(env('null').key, linux.key);
  assert.equal(env('{}').key, linux.key);
  assert.notEqual(env('', { RUNNER_OS: 'Windows', ImageOS: 'win22' }).key, linux.key);
  assert.notEqual(env('', { RUNNER_ARCH: 'ARM64' }).key, linux.key);
  assert.notEqual(env('{"python":"3.12"}').key, linux.key, 'a matrix leg is never the runner fallback');
  const named = env('', { GITHUB_WORKFLOW_REF: undefined });
  assert.equal(named.label, 'CI › test › Linux/X64/ubuntu24');
  assert.notEqual(named.key, linux.key);
  assert.throws(() => env('{oops'), (e: Error) => e instanceof UserError && /Input 'matrix' is not JSON/.test(e.message));
});

test('workflowFile takes the path inside the repository', () => {
  assert.equal(workflowFile('octo/demo/.github/workflows/ci.yml@refs/heads/main'), '.github/workflows/ci.yml');
  assert.equal(workflowFile('octo/demo/.github/workflows/a@b.yml@refs/tags/v1'), '.github/workflows/a@b.yml');
  assert.equal(workflowFile(''), '');
  assert.equal(workflowFile('nonsense'), '');
});

test('the CLI: the machine, or a name from --environment / FLAKEFIGHTERS_ENVIRONMENT; never an action environment', () => {
  const machine = { host: 'dev-box', os: 'linux', arch: 'x64' };
  const m = cliEnvironment(undefined, {}, machine);
  assert.deepEqual(m, { key: '["machine","dev-box","linux","x64"]', label: 'dev-box (linux x64)' });
  assert.notEqual(cliEnvironment(undefined, {}, { ...machine, host: 'ci-7' }).key, m.key);
  assert.deepEqual(cliEnvironment(undefined, { FLAKEFIGHTERS_ENVIRONMENT: ' docker-py3.11 ' }, machine), { key: '["named","docker-py3.11"]', label: 'docker-py3.11' });
  assert.equal(cliEnvironment('laptop', { FLAKEFIGHTERS_ENVIRONMENT: 'other' }, machine).label, 'laptop', 'the flag wins');
  assert.deepEqual(cliEnvironment('  ', {}, machine), m, 'an empty name is no name');
  assert.notEqual(cliEnvironment('dev-box', {}, machine).key, m.key, 'a name never collides with a machine');
  assert.throws(() => cliEnvironment('a\nb', {}, machine), (e: Error) => e instanceof UserError && /^--environment must be one line/.test(e.message));
  assert.throws(() => cliEnvironment(undefined, { FLAKEFIGHTERS_ENVIRONMENT: 'x'.repeat(201) }, machine), /FLAKEFIGHTERS_ENVIRONMENT must be/);
});
