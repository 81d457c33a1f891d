import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContext, jobSuffix, runUrl } from '../../src/github/context.ts';
import { UserError } from '../../src/store/store.ts';

const event = (payload: unknown) => {
  const p = join(mkdtempSync(join(tmpdir(), 'ffa-ctx-')), 'event.json');
  writeFileSync(p, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return p;
};

const base = {
  GITHUB_REPOSITORY: 'octo/demo',
  GITHUB_RUN_ID: '123456',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_RUN_NUMBER: '41',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_WORKFLOW_REF: 'octo/demo/.github/workflows/ci.yml@refs/heads/main',
  GITHUB_JOB: 'test',
  GITHUB_SHA: 'abc',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com/',
};

test('a push: branch from the ref, no PR, default branch from the payload', () => {
  const c = readContext({ ...base, GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/release/1.x', GITHUB_REF_NAME: 'release/1.x', GITHUB_EVENT_PATH: event({ repository: { default_branch: 'main' } }) });
  assert.equal(c.owner, 'octo');
  assert.equal(c.repo, 'demo');
  assert.equal(c.runId, 123456);
  assert.equal(c.runAttempt, 2);
  assert.equal(c.runNumber, 41);
  assert.equal(c.branch, 'release/1.x');
  assert.equal(c.defaultBranch, 'main');
  assert.equal(c.prNumber, null);
  assert.equal(c.isForkPr, false);
  assert.equal(c.apiUrl, 'https://api.github.com');
  assert.equal(runUrl(c), 'https://github.com/octo/demo/actions/runs/123456');
});

test('a pull request: head branch, base branch, number, and whether it comes from a fork', () => {
  const pr = (head: unknown) => ({ number: 8, pull_request: { number: 8, head: { ref: 'fix', repo: head }, base: { ref: 'main', repo: { full_name: 'octo/demo' } } } });
  const env = { ...base, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/8/merge', GITHUB_REF_NAME: '8/merge', GITHUB_HEAD_REF: 'fix', GITHUB_BASE_REF: 'main' };
  const same = readContext({ ...env, GITHUB_EVENT_PATH: event(pr({ full_name: 'octo/demo' })) });
  assert.equal(same.branch, 'fix');
  assert.equal(same.baseBranch, 'main');
  assert.equal(same.prNumber, 8);
  assert.equal(same.isForkPr, false);
  assert.equal(readContext({ ...env, GITHUB_EVENT_PATH: event(pr({ full_name: 'someone/demo' })) }).isForkPr, true);
  assert.equal(readContext({ ...env, GITHUB_EVENT_PATH: event(pr(null)) }).isForkPr, true, 'a deleted head repository counts as a fork');
  // No payload file: the number still comes from the ref.
  assert.equal(readContext(env).prNumber, 8);
});

test('outside Actions or with a broken payload nothing throws', () => {
  const c = readContext({});
  assert.equal(c.repository, '');
  assert.equal(c.runId, 0);
  assert.equal(c.runAttempt, 1);
  assert.deepEqual(c.payload, {});
  assert.deepEqual(readContext({ ...base, GITHUB_EVENT_PATH: event('{not json') }).payload, {});
  assert.deepEqual(readContext({ ...base, GITHUB_EVENT_PATH: '/no/such/file' }).payload, {});
  assert.equal(readContext({ ...base, GITHUB_REF: 'refs/tags/v1', GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1' }).branch, '');
});

test('jobSuffix: matrix values in key order, stable, safe for artifact names, bounded', () => {
  const ctx = (matrix: string, extra: Record<string, string> = {}) => readContext({ ...base, ...extra }, { matrix });
  assert.equal(jobSuffix(ctx('{"python":"3.12","os":"ubuntu-latest"}')), 'test-ubuntu-latest-3.12');
  assert.equal(jobSuffix(ctx('{"os":"ubuntu-latest","python":"3.12"}')), 'test-ubuntu-latest-3.12');
  assert.equal(jobSuffix(ctx('{"cfg":{"a":1},"n":2}')), 'test-_a_1_-2');
  assert.match(jobSuffix(ctx('{"path":"a/b:c*d"}')), /^test-a_b_c_d$/);
  const long = jobSuffix(ctx(JSON.stringify({ x: 'y'.repeat(200) })));
  assert.equal(long.length, 60);
  assert.notEqual(long, jobSuffix(ctx(JSON.stringify({ x: 'y'.repeat(199) }))));
  // No matrix: job plus a hash of runner facts; legs on different OSes differ, runner names don't matter.
  const linux = jobSuffix(ctx('', { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', RUNNER_NAME: 'GitHub Actions 12' }));
  assert.match(linux, /^test-[0-9a-f]{8}$/);
  assert.equal(linux, jobSuffix(ctx('null', { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', RUNNER_NAME: 'GitHub Actions 99' })));
  assert.notEqual(linux, jobSuffix(ctx('{}', { RUNNER_OS: 'Windows', RUNNER_ARCH: 'X64' })));
  assert.throws(() => jobSuffix(ctx('{oops')), (e: Error) => e instanceof UserError && /Input 'matrix' is not JSON/.test(e.message));
  assert.throws(() => jobSuffix(ctx('[1,2]')), UserError);
});
