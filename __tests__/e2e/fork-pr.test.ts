/**
 * Fork pull requests through `workflow_run`, end to end with the built dist/index.js against the stand-in artifact
 * service and REST API: the base repository's run on main stores history as an artifact; then a fork's pull request
 * run has uploaded its result files, and the workflow_run workflow in the base repository (its event payload names
 * the triggering run, with GitHub's empty pull_requests list for forks) classifies them with the base repository's
 * history, saves the run at the pull request's commit, and comments on the fork's pull request.
 * `npm run build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '../helpers/rest-stand-in.ts';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { repoRoot, runAction } from '../../scripts/local-runner.ts';

const TOKEN = 'ghs_forkFlowToken0123456789';
const PR = 21;
const FORK_SHA = 'f0'.repeat(20);
let s: ArtifactStandIn;

before(async () => {
  s = await startArtifactStandIn();
  s.rest.route('GET', /^\/repos\/octo\/demo\/pulls$/, (req) =>
    json(req.query.get('head') === 'evil:feature' && req.query.get('state') === 'open' ? [{ number: PR, head: { sha: FORK_SHA, ref: 'feature', repo: { full_name: 'evil/demo' } } }] : []),
  );
});
after(() => s?.close());

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-fork-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  return ws;
}

test('the workflow_run workflow classifies the fork’s results with the base history and comments on its pull request', async () => {
  // 1. The base repository's tests on main (run 1 of the samples: a flaky failure), history uploaded as an artifact.
  s.defineRun({ id: 801, headBranch: 'main', runNumber: 1, runStartedAt: new Date(Date.now() - 60_000) });
  const ws1 = workspace();
  const base = await runAction({
    workspace: ws1,
    inputs: { 'test-results': 'run-1/*.xml', root: 'project', 'github-token': TOKEN },
    env: s.env(801, { GITHUB_WORKSPACE: ws1 }),
  });
  assert.equal(base.code, 0, base.all);

  // 2. The workflow_run workflow, in the base repository on main, after the fork's run 900 uploaded its results
  //    (actions/download-artifact put them in the workspace; run 3 of the samples: flaky and genuine).
  s.defineRun({ id: 802, headBranch: 'main', runNumber: 2, event: 'workflow_run' });
  const ws2 = workspace();
  const event = {
    name: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: {
        id: 900, name: 'Tests', path: '.github/workflows/tests.yml', event: 'pull_request', conclusion: 'failure',
        head_sha: FORK_SHA, head_branch: 'feature', pull_requests: [],
        head_repository: { full_name: 'evil/demo', owner: { login: 'evil' } },
      },
      repository: { full_name: 'octo/demo', default_branch: 'main' },
    },
  };
  const r = await runAction({
    workspace: ws2,
    inputs: { 'test-results': 'run-3/*.xml', root: 'project', 'github-token': TOKEN, comment: 'true', 'fail-on': 'never' },
    env: s.env(802, { GITHUB_WORKSPACE: ws2, GITHUB_EVENT_NAME: 'workflow_run', FLAKEFIGHTERS_COMMENT_VERIFY_MS: '50' }),
    event,
  });
  assert.equal(r.code, 0, r.all);
  assert.deepEqual(r.annotations.filter((a) => a.level === 'warning' && !a.props.file).map((a) => a.message), []);
  assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), ['tests/test_shop.py::TestInventory::test_supplier_online'], 'flaky from the base repository’s history');
  assert.equal(r.outputs['genuine-failures'], '1');
  assert.match(r.summary, /commit `f0f0f0f`/, 'the run is the pull request’s commit, not main’s');
  assert.match(r.summary, /\(1 earlier run\)/);

  // 3. The comment is on the fork's pull request, named for the triggering workflow.
  const comments = s.comments.filter((c) => c.issue === PR);
  assert.equal(comments.length, 1);
  const body = comments[0]!.body;
  assert.ok(body.startsWith('<!-- flakefighters-action -->\n<!-- workflow: .github/workflows/tests.yml -->'), body.slice(0, 120));
  assert.match(body, /flakefighters · tests\.yml: 1 genuine failure on 1 leg, 1 flaky failure/);
  assert.match(body, /test\\_supplier\\_online/);
  assert.match(body, /TracebackMatching/);
  const lookups = s.rest.log.filter((l) => l.path === '/repos/octo/demo/pulls');
  assert.equal(lookups.length, 1);
  assert.match(lookups[0]!.query, /head=evil%3Afeature/);
});

test('a workflow_run of a push (no pull request) classifies and comments nowhere, without a warning', async () => {
  s.defineRun({ id: 803, headBranch: 'main', runNumber: 3, event: 'workflow_run' });
  const ws = workspace();
  const before = s.comments.length;
  const r = await runAction({
    workspace: ws,
    inputs: { 'test-results': 'run-2/*.xml', root: 'project', 'github-token': TOKEN, comment: 'true' },
    env: s.env(803, { GITHUB_WORKSPACE: ws, GITHUB_EVENT_NAME: 'workflow_run' }),
    event: { name: 'workflow_run', payload: { workflow_run: { id: 901, event: 'push', head_sha: 'a1'.repeat(20), head_branch: 'main', pull_requests: [] } } },
  });
  assert.equal(r.code, 0, r.all);
  assert.equal(s.comments.length, before);
  assert.deepEqual(r.annotations.filter((a) => a.level === 'warning' && !a.props.file).map((a) => a.message), []);
});
