/**
 * `results-artifact`: the workflow_run workflow reads the fork's result files and coverage from artifacts of the
 * triggering run, downloaded by the built dist/index.js with the real @actions/artifact client from the stand-in
 * artifact service. The base repository's history (a sql.js artifact of an earlier run on main) classifies them, the
 * run is saved at the pull request's commit and the comment goes on its pull request; two legs' artifacts; the
 * failures (no artifact, no permission, expired, an archive that escapes its folder), each one line.
 * `npm run build` first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { json } from '../helpers/rest-stand-in.ts';
import { makeZip, startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { makePytestProject, runPytest } from '../coverage/pytest-contexts-project.ts';

const TOKEN = 'ghs_forkArtifactToken0123456789';
const PR = 31;
const FORK_SHA = 'fa'.repeat(20);
const SUPPLIER = 'tests/test_shop.py::TestInventory::test_supplier_online';
const TOTAL = 'tests/test_shop.py::TestCart::test_total';
let s: ArtifactStandIn;
let nextRun = 1200;

before(async () => {
  s = await startArtifactStandIn();
  s.rest.route('GET', /^\/repos\/octo\/demo\/pulls$/, (req) =>
    json(req.query.get('head') === 'evil:feature' && req.query.get('state') === 'open' ? [{ number: PR, head: { sha: FORK_SHA, ref: 'feature', repo: { full_name: 'evil/demo' } } }] : []),
  );
});
after(() => s?.close());

const sample = (run: string) => readFileSync(join(repoRoot, 'samples', run, 'junit.xml'));

/** The base repository's checkout in the workflow_run job: the project, and no result file at all. */
function checkout(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-forkart-'));
  cpSync(join(repoRoot, 'samples', 'project'), join(ws, 'project'), { recursive: true });
  return ws;
}

/** The fork's pull request run, by id, as the workflow_run event names it. */
function forkRun(id: number, headSha = FORK_SHA) {
  s.defineRun({ id, headBranch: 'feature', headSha, event: 'pull_request', workflowId: 91, workflowName: 'Tests', path: '.github/workflows/tests.yml', headRepositoryId: 999 });
  return {
    name: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: {
        id, name: 'Tests', path: '.github/workflows/tests.yml', event: 'pull_request', conclusion: 'failure',
        head_sha: headSha, head_branch: 'feature', pull_requests: [],
        head_repository: { full_name: 'evil/demo', owner: { login: 'evil' } },
      },
      repository: { full_name: 'octo/demo', default_branch: 'main' },
    },
  };
}

/** The workflow_run job in the base repository (on main), with RUNNER_TEMP where the test can look. */
async function classify(ws: string, event: ReturnType<typeof forkRun>, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const id = nextRun++;
  s.defineRun({ id, headBranch: 'main', event: 'workflow_run' });
  const temp = mkdtempSync(join(tmpdir(), 'ff-e2e-forkart-temp-'));
  const r = await runAction({
    workspace: ws,
    inputs: { 'github-token': TOKEN, 'fail-on': 'never', ...inputs },
    env: s.env(id, { GITHUB_WORKSPACE: ws, GITHUB_EVENT_NAME: 'workflow_run', RUNNER_TEMP: temp, FLAKEFIGHTERS_COMMENT_VERIFY_MS: '50', ...env }),
    event,
  });
  return { ...r, temp };
}

const errors = (r: ActionRun) => r.annotations.filter((a) => a.level === 'error').map((a) => a.message);
const plainWarnings = (r: ActionRun) => r.annotations.filter((a) => a.level === 'warning' && !a.props.file).map((a) => a.message);

test('the fork’s results artifact is read, classified with the base history, saved at its commit and commented on its pull request', async () => {
  // 1. The base repository's tests on main: run 1 of the samples (a flaky failure), history uploaded as an artifact.
  s.defineRun({ id: 1101, headBranch: 'main', runNumber: 1, runStartedAt: new Date(Date.now() - 60_000) });
  const ws1 = mkdtempSync(join(tmpdir(), 'ff-e2e-forkart-base-'));
  cpSync(join(repoRoot, 'samples'), ws1, { recursive: true });
  const base = await runAction({ workspace: ws1, inputs: { 'test-results': 'run-1/*.xml', root: 'project', 'github-token': TOKEN }, env: s.env(1101, { GITHUB_WORKSPACE: ws1 }) });
  assert.equal(base.code, 0, base.all);
  assert.ok(s.artifacts.some((a) => a.runId === 1101 && a.name.startsWith('flakefighters-db')), 'the base run uploaded its history');

  // 2. The fork's run uploaded run 3 of the samples (flaky and genuine) as `test-results`, beside another artifact.
  const event = forkRun(1901);
  s.addArtifact({ runId: 1901, name: 'test-results', files: { 'junit.xml': sample('run-3') } });
  s.addArtifact({ runId: 1901, name: 'screenshots', files: { 'shot.xml': sample('run-2') } });

  const ws = checkout();
  const r = await classify(ws, event, { 'results-artifact': 'test-results*', 'test-results': '*/*.xml', root: 'project', comment: 'true' });
  assert.equal(r.code, 0, r.all);
  assert.deepEqual(plainWarnings(r), []);
  assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), [SUPPLIER], 'flaky from the base repository’s history');
  assert.equal(r.outputs['genuine-failures'], '1');
  assert.equal(r.outputs.total, '6', 'only the matching artifact is read (run 3 of the samples has six tests)');
  assert.match(r.summary, /commit `fafafaf`/, 'saved at the pull request’s commit');
  assert.match(r.summary, /\(1 earlier run\)/);
  assert.ok(r.outputs['run-id'], 'saved');

  // Downloaded with the client's public path (REST, findBy), into RUNNER_TEMP, never the workspace.
  const listed = s.rest.log.filter((l) => l.path === '/repos/octo/demo/actions/runs/1901/artifacts');
  assert.equal(listed.length, 1);
  const downloads = s.rest.log.filter((l) => /^\/repos\/octo\/demo\/actions\/artifacts\/\d+\/zip$/.test(l.path) && l.path.includes(String(s.artifacts.find((a) => a.runId === 1901 && a.name === 'test-results')!.id)));
  assert.equal(downloads.length, 1);
  assert.ok(!s.rest.log.some((l) => l.path.endsWith(`/artifacts/${s.artifacts.find((a) => a.name === 'screenshots')!.id}/zip`)), 'other artifacts are not downloaded');
  const m = /Read artifact 'test-results' \(id \d+\) of run 1901: 1 file\(s\), in (\S+)\./.exec(r.all);
  assert.ok(m, r.all);
  assert.ok(!relative(r.temp, m[1]!).startsWith('..'), `${m[1]} is under RUNNER_TEMP`);
  assert.ok(existsSync(join(m[1]!, 'junit.xml')));
  assert.deepEqual(readdirSync(ws).sort(), ['flakefighters-report', 'flakefighters.db', 'project'], 'nothing downloaded into the workspace');
  const report = JSON.parse(readFileSync(join(ws, 'flakefighters-report', 'flakefighters.json'), 'utf8')) as { inputs: { files: string[] } };
  assert.deepEqual(report.inputs.files, ['test-results/junit.xml']);

  // 3. The comment is on the fork's pull request.
  const comments = s.comments.filter((c) => c.issue === PR);
  assert.equal(comments.length, 1);
  assert.match(comments[0]!.body, /flakefighters · tests\.yml: 1 genuine failure on 1 leg, 1 flaky failure/);
  assert.match(comments[0]!.body, /TracebackMatching/);
});

describe('coverage from the artifact', () => {
  const p = makePytestProject();
  let r: Awaited<ReturnType<typeof classify>>;
  before(async () => {
    // The fork's run at commit 2 (mul broken, the network down), measured per test by coverage.py.
    runPytest(p.dir, p.c2, { contexts: 'plugin', env: { NETWORK: 'down' } });
    const event = forkRun(1902, p.c2);
    s.addArtifact({ runId: 1902, name: 'test-results', files: { 'junit.xml': readFileSync(join(p.dir, 'junit.xml')), '.coverage': readFileSync(join(p.dir, '.coverage')) } });
    // The base repository's checkout of the same commit holds no result or coverage file.
    for (const f of ['junit.xml', '.coverage', '.coverage.plugin', '.coverage.pytestcov']) rmSync(join(p.dir, f), { force: true });
    r = await classify(p.dir, event, {
      'results-artifact': 'test-results',
      'test-results': 'test-results/junit.xml',
      coverage: 'test-results/.coverage',
      'source-commit': p.c1,
      'target-commit': p.c2,
      'history-from-artifact': 'false',
      'upload-artifact': 'false',
    });
  });

  test('DiffCov reads it: the regression covers its changed line and is genuine, the network failure flaky', () => {
    assert.equal(r.code, 0, r.all);
    assert.doesNotMatch(r.all, /No coverage file matched|match no test|Per-test coverage not used/);
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), ['tests/test_app.py::test_network']);
    assert.equal(r.outputs['genuine-failures'], '1');
    const doc = JSON.parse(readFileSync(join(p.dir, 'flakefighters-report', 'flakefighters.json'), 'utf8')) as {
      tests: { name: string; executions: { results: { name: string; evidence: { reason?: string } | null }[] }[] }[];
    };
    const mul = doc.tests.find((t) => t.name === 'tests/test_app.py::TestMul::test_mul')!;
    const diffcov = mul.executions.flatMap((e) => e.results).filter((x) => x.name === 'DiffCov');
    assert.match(diffcov[0]?.evidence?.reason ?? '', /^covers line 6 of .*app\.py, changed since the source commit$/);
  });
});

test('two legs’ artifacts: a folder each, and a test in both is a test per leg named after its folder', async () => {
  const event = forkRun(1903);
  s.addArtifact({ runId: 1903, name: 'test-results-py3.11', files: { 'junit.xml': sample('run-3') } });
  s.addArtifact({ runId: 1903, name: 'test-results-py3.12', files: { 'junit.xml': sample('run-2') } });
  const ws = checkout();
  const r = await classify(ws, event, { 'results-artifact': 'test-results-*', 'test-results': '*/junit.xml', root: 'project', 'history-from-artifact': 'false', 'upload-artifact': 'false' });
  assert.equal(r.code, 0, r.all);
  assert.equal(r.outputs.total, '12');
  assert.equal(r.outputs.failed, '2');
  const report = JSON.parse(readFileSync(join(ws, 'flakefighters-report', 'flakefighters.json'), 'utf8')) as { inputs: { files: string[] }; tests: { name: string }[] };
  assert.deepEqual([...report.inputs.files].sort(), ['test-results-py3.11/junit.xml', 'test-results-py3.12/junit.xml']);
  const names = report.tests.map((t) => t.name);
  assert.ok(names.includes(`${TOTAL} [test-results-py3.11]`), names.join('\n'));
  assert.ok(names.includes(`${TOTAL} [test-results-py3.12]`), names.join('\n'));
  assert.match(r.all, /each copy is its own test, named with its file's distinguishing part/);
});

test('no matching artifact: one line naming the run and what it has, and the step fails (if-no-files-found: error)', async () => {
  const event = forkRun(1904);
  s.addArtifact({ runId: 1904, name: 'coverage-html', files: { 'index.html': '<html></html>' } });
  const r = await classify(checkout(), event, { 'results-artifact': 'test-results', 'test-results': '*/*.xml', 'history-from-artifact': 'false', 'upload-artifact': 'false' });
  assert.equal(r.code, 1, r.all);
  assert.deepEqual(errors(r), ["results-artifact: run 1904 (https://github.com/octo/demo/actions/runs/1904) has no artifact matching test-results; it has 'coverage-html'."]);
  assert.doesNotMatch(r.all, /\n\s+at /, 'no stack trace');

  const warned = await classify(checkout(), event, { 'results-artifact': 'test-results', 'test-results': '*/*.xml', 'if-no-files-found': 'warn', 'history-from-artifact': 'false', 'upload-artifact': 'false' });
  assert.equal(warned.code, 0, warned.all);
  assert.deepEqual(plainWarnings(warned), ["results-artifact: run 1904 (https://github.com/octo/demo/actions/runs/1904) has no artifact matching test-results; it has 'coverage-html'."]);
  assert.equal(warned.outputs.total, '0');
});

test('an archive whose entry escapes its folder is refused as a whole, nothing written', async () => {
  const event = forkRun(1905);
  s.addArtifact({ runId: 1905, name: 'test-results', zip: makeZip([{ name: 'junit.xml', data: sample('run-3') }, { name: '../../escaped.xml', data: sample('run-2') }]) });
  const r = await classify(checkout(), event, { 'results-artifact': 'test-results', 'test-results': '**/*.xml', 'history-from-artifact': 'false', 'upload-artifact': 'false' });
  assert.equal(r.code, 1, r.all);
  const [line, ...more] = errors(r);
  assert.deepEqual(more, []);
  assert.match(line!, /^results-artifact: artifact 'test-results' \(id \d+\) of run 1905 \(\S+\) was refused: entry '\.\.\/\.\.\/escaped\.xml' points outside the target folder; nothing from it was read\.$/);
  const found = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? found(join(dir, e.name)) : [e.name]));
  assert.deepEqual(found(r.temp).filter((f) => f.endsWith('.xml')), [], 'no file of the archive was written');
});

test('no actions: read, and an expired artifact: one line each, the step fails', async () => {
  const event = forkRun(1906);
  const a = s.addArtifact({ runId: 1906, name: 'test-results', files: { 'junit.xml': sample('run-3') } });
  const inputs = { 'results-artifact': 'test-results', 'test-results': '*/*.xml', 'history-from-artifact': 'false', 'upload-artifact': 'false' };
  s.forbidden.add('artifacts');
  try {
    const r = await classify(checkout(), event, inputs);
    assert.equal(r.code, 1, r.all);
    assert.deepEqual(errors(r).length, 1, r.all);
    assert.match(errors(r)[0]!, /^results-artifact: the artifacts of run 1906 \(\S+\) could not be listed: the github-token lacks the 'actions: read' permission \(403 .*\); add 'actions: read' to the job's permissions\.$/);
    assert.ok(!r.all.replace(/^::add-mask::.*$/gm, '').includes(TOKEN), 'the token is never printed (only registered as a secret)');
  } finally {
    s.forbidden.delete('artifacts');
  }
  s.forbidden.add('download');
  try {
    const r = await classify(checkout(), event, inputs);
    assert.equal(r.code, 1, r.all);
    assert.deepEqual(errors(r).length, 1, r.all);
    assert.match(errors(r)[0]!, /^results-artifact: artifact 'test-results' \(id \d+\) of run 1906 \(\S+\) could not be downloaded: the github-token lacks the 'actions: read' permission \(403 .*\); add 'actions: read' to the job's permissions\.$/);
  } finally {
    s.forbidden.delete('download');
  }
  s.expireOnDownload.add(a.id);
  const r = await classify(checkout(), event, inputs);
  assert.equal(r.code, 1, r.all);
  assert.deepEqual(errors(r), [`results-artifact: artifact 'test-results' (id ${a.id}) of run 1906 (https://github.com/octo/demo/actions/runs/1906) has expired (artifacts are kept for the repository's retention days); re-run that workflow to upload it again.`]);
});

test('an artifact whose bytes do not match its digest is refused in one line', async () => {
  const event = forkRun(1908);
  const a = s.addArtifact({ runId: 1908, name: 'test-results', files: { 'junit.xml': sample('run-3') } });
  s.corrupt(a.id);
  const r = await classify(checkout(), event, { 'results-artifact': 'test-results', 'test-results': '*/*.xml', 'history-from-artifact': 'false', 'upload-artifact': 'false' });
  assert.equal(r.code, 1, r.all);
  assert.deepEqual(errors(r), [`results-artifact: artifact 'test-results' (id ${a.id}) of run 1908 (https://github.com/octo/demo/actions/runs/1908): its content does not match its digest (${a.digest}); re-run that workflow to upload it again.`]);
});

test('bad inputs: one line each', async () => {
  const event = forkRun(1907);
  const bad = await classify(checkout(), event, { 'results-artifact': 'reports/junit', 'test-results': '*.xml' });
  assert.deepEqual(errors(bad), ["Input 'results-artifact' has 'reports/junit'; give artifact names or globs of them (e.g. test-results-*), without \" : < > | \\ / or control characters."]);
  const run = await classify(checkout(), event, { 'results-artifact': 'x', 'results-run-id': 'latest', 'test-results': '*.xml' });
  assert.deepEqual(errors(run), ["Input 'results-run-id' is 'latest'; give the numeric id of a workflow run (e.g. ${{ github.event.workflow_run.id }}), or leave it empty for the triggering run."]);
});

test('docs/workflows/fork-pr.yml reads the artifact with the action and asks for actions: read', () => {
  const wf = parse(readFileSync(join(repoRoot, 'docs', 'workflows', 'fork-pr.yml'), 'utf8')) as {
    permissions: Record<string, string>;
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  assert.equal(wf.permissions.actions, 'read');
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  assert.ok(!steps.some((st) => st.uses?.startsWith('actions/download-artifact')), 'no separate download step');
  const ours = steps.find((st) => st.uses?.startsWith('flakefighters/flakefighters-action@'))!;
  assert.equal(ours.with!['results-artifact'], 'test-results*');
});
