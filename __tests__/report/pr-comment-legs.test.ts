/**
 * The matrix PR comment: one comment per workflow and pull request, a section per leg, legs finishing at the same
 * moment. Driven through the real Octokit client against the REST stand-in, whose comment routes answer with a random
 * delay so reads and writes of the legs interleave.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiError, json, jsonBody, startRestStandIn, type RestStandIn } from '../helpers/rest-stand-in.ts';
import { readContext, type GitHubContext } from '../../src/github/context.ts';
import { upsertLegComment, workflowCommentMarker } from '../../src/github/pr-comment-api.ts';
import { legSection, parseLegSections, type LegSection } from '../../src/report/pr-comment.ts';
import type { Run, Test } from '../../src/model.ts';
import type { ReportData } from '../../src/report/report-data.ts';

interface StoredComment {
  id: number;
  issue: number;
  body: string;
}

let rest: RestStandIn;
const comments: StoredComment[] = [];
let nextId = 500;
/** Called after each PATCH is applied: a test uses it to play a leg that read before and writes after. */
let afterPatch: ((c: StoredComment, before: string) => void) | null = null;
const latency = () => new Promise<void>((r) => setTimeout(r, 5 + Math.random() * 60));

before(async () => {
  rest = await startRestStandIn();
  const R = (p: string) => new RegExp(`^/repos/octo/demo${p}$`);
  const view = (c: StoredComment) => ({ id: c.id, body: c.body, html_url: `https://github.com/octo/demo/pull/${c.issue}#issuecomment-${c.id}` });
  rest.route('GET', R('/issues/(\\d+)/comments'), async (req) => {
    await latency();
    return json(comments.filter((c) => c.issue === Number(req.params[1])).map(view));
  });
  rest.route('POST', R('/issues/(\\d+)/comments'), async (req) => {
    await latency();
    const c = { id: nextId++, issue: Number(req.params[1]), body: jsonBody<{ body: string }>(req)!.body };
    comments.push(c);
    return json(view(c), 201);
  });
  rest.route('PATCH', R('/issues/comments/(\\d+)'), async (req) => {
    await latency();
    const c = comments.find((x) => x.id === Number(req.params[1]));
    if (!c) return apiError(404, 'Not Found');
    const was = c.body;
    c.body = jsonBody<{ body: string }>(req)!.body;
    afterPatch?.(c, was);
    return json(view(c));
  });
  rest.route('DELETE', R('/issues/comments/(\\d+)'), async (req) => {
    await latency();
    const i = comments.findIndex((x) => x.id === Number(req.params[1]));
    if (i < 0) return apiError(404, 'Not Found');
    comments.splice(i, 1);
    return { status: 204 };
  });
});
after(() => rest.close());

function prContext(pr: number): GitHubContext {
  const p = join(mkdtempSync(join(tmpdir(), 'ffa-legs-')), 'event.json');
  writeFileSync(p, JSON.stringify({ number: pr, pull_request: { number: pr, head: { repo: { full_name: 'octo/demo' } }, base: { repo: { full_name: 'octo/demo' } } } }));
  return readContext({
    GITHUB_REPOSITORY: 'octo/demo',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: p,
    GITHUB_REF: `refs/pull/${pr}/merge`,
    GITHUB_RUN_ID: '9001',
    GITHUB_RUN_NUMBER: '77',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_WORKFLOW_REF: 'octo/demo/.github/workflows/ci.yml@refs/pull/1/merge',
    GITHUB_JOB: 'test',
    GITHUB_API_URL: rest.url,
  });
}

const SHA = 'c0ffee'.padEnd(40, '0');

function legData(os: string, genuine: boolean, sha = SHA, runNumber = 77): ReportData {
  const pass = (name: string): Test => ({ name, fspath: '', lineNo: null, skipped: false, results: [], executions: [{ outcome: 'passed', startTime: null, endTime: null, stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [] }] });
  const tests = [pass('tests/test_a.py::test_ok'), pass('tests/test_a.py::test_also_ok')];
  if (genuine) {
    tests.push({
      name: 'tests/test_paths.py::test_windows_separator',
      fspath: '',
      lineNo: null,
      skipped: false,
      results: [],
      executions: [{
        outcome: 'failed', startTime: null, endTime: null, stdout: null, stderr: null, report: 'E   AssertionError', coverage: null, exception: null,
        message: "AssertionError: 'a\\\\b' != 'a/b'",
        results: [{ name: 'OutcomeFlip', flaky: false, evidence: { reason: `never passed on this commit c0ffee0, in this run or in 3 stored run(s) of this environment` } }],
      }],
    });
  }
  const run: Run = {
    startTime: new Date('2026-12-04T20:00:00Z'),
    root: '/w',
    commitSha: sha,
    tests,
    activeFlakefighters: [],
    meta: { uuid: `u-${os}-${runNumber}`, runId: String(9000 + runNumber), runNumber, runAttempt: 1, repository: 'octo/demo', environmentLabel: `ci.yml › test › os ${os}` },
  };
  return { run, history: [], files: [], dialects: ['pytest'], flakefighters: ['OutcomeFlip'], warnings: [], database: { kind: 'sqlite', description: 'x' }, repoUrl: 'https://github.com/octo/demo', sha };
}

const leg = (d: ReportData, os: string): LegSection => legSection(d, { key: `k-${os}`, label: d.run.meta.environmentLabel! });
const ours = (pr: number, marker: string) => comments.filter((c) => c.issue === pr && c.body.startsWith(marker));

test('three legs finishing together leave one comment with every leg; the genuine failure on one leg shows', async () => {
  // Several rounds: the random latency gives each a different interleaving of reads and writes.
  for (let round = 0; round < 4; round++) {
    const pr = 40 + round;
    const ctx = prContext(pr);
    const marker = workflowCommentMarker(ctx);
    const legs = [leg(legData('ubuntu', false), 'ubuntu'), leg(legData('windows', true), 'windows'), leg(legData('macos', false), 'macos')];
    const results = await Promise.all(legs.map((l) => upsertLegComment({ token: 't', context: ctx, marker, title: 'ci.yml', leg: l, verifyDelaysMs: [150, 400] })));
    for (const r of results) assert.equal(r.warning, undefined);
    const mine = ours(pr, marker);
    assert.equal(mine.length, 1, `round ${round}: one comment of this workflow, got ${mine.length}`);
    const body = mine[0]!.body;
    assert.deepEqual(parseLegSections(body).map((s) => s.label).sort(), ['ci.yml › test › os macos', 'ci.yml › test › os ubuntu', 'ci.yml › test › os windows']);
    assert.ok(results.every((r) => r.id === mine[0]!.id), 'every leg reports the surviving comment');
    assert.match(body, /### ❌ flakefighters · ci\.yml: 1 genuine failure on 1 leg/);
    assert.match(body, /\| ❌ ci\.yml › test › os windows \| 1 failed: 1 genuine, 0 flaky · 2 passed \| \[\\#77\]\(https:\/\/github\.com\/octo\/demo\/actions\/runs\/9077\/attempts\/1\) \|/);
    assert.match(body, /\| ✅ ci\.yml › test › os ubuntu \| no failures · 2 passed/);
    assert.match(body, /test\\_windows\\_separator/);
    assert.match(body, /🔴 genuine/);
    assert.match(body, /never passed on this commit c0ffee0/);
    assert.match(body, /3 legs reported/);
  }
});

test('a leg whose section another leg overwrote from a stale read writes it back', async () => {
  const pr = 50;
  const ctx = prContext(pr);
  const marker = workflowCommentMarker(ctx);
  await upsertLegComment({ token: 't', context: ctx, marker, title: 'ci.yml', leg: leg(legData('ubuntu', false), 'ubuntu'), verifyDelaysMs: [] });
  // A leg that read the comment before windows wrote, and writes after: windows' write is undone once.
  let undone = 0;
  afterPatch = (c, was) => {
    if (undone === 0 && c.body.includes('os windows')) {
      undone++;
      setTimeout(() => (c.body = was), 30);
    }
  };
  try {
    await upsertLegComment({ token: 't', context: ctx, marker, title: 'ci.yml', leg: leg(legData('windows', true), 'windows'), verifyDelaysMs: [300] });
  } finally {
    afterPatch = null;
  }
  assert.equal(undone, 1);
  const labels = parseLegSections(ours(pr, marker)[0]!.body).map((s) => s.label).sort();
  assert.deepEqual(labels, ['ci.yml › test › os ubuntu', 'ci.yml › test › os windows']);
});

test('a new commit: legs that have not reported for it are marked waiting, and an older run never replaces a newer section', async () => {
  const pr = 51;
  const ctx = prContext(pr);
  const marker = workflowCommentMarker(ctx);
  const opts = { token: 't', context: ctx, marker, title: 'ci.yml', verifyDelaysMs: [] };
  await upsertLegComment({ ...opts, leg: leg(legData('ubuntu', false), 'ubuntu') });
  await upsertLegComment({ ...opts, leg: leg(legData('windows', true), 'windows') });
  const NEW = 'beef'.padEnd(40, '1');
  await upsertLegComment({ ...opts, leg: leg(legData('ubuntu', false, NEW, 78), 'ubuntu') });
  let body = ours(pr, marker)[0]!.body;
  assert.match(body, /Commit `beef111` · 1 leg reported, 1 leg not yet for this commit/);
  assert.match(body, /\| ⏳ ci\.yml › test › os windows \| not reported yet for this commit \(last: `c0ffee0`\)/);
  assert.match(body, /### ⏳ flakefighters/, 'the old genuine failure does not count for the new commit');
  // The old run's windows leg finishing late (a slow runner) does not replace a newer write.
  await upsertLegComment({ ...opts, leg: leg(legData('ubuntu', true), 'ubuntu') });
  body = ours(pr, marker)[0]!.body;
  assert.match(body, /\| ✅ ci\.yml › test › os ubuntu \| no failures/);
});

test('another workflow keeps its own comment; a comment of the previous version is taken over', async () => {
  const pr = 52;
  comments.push({ id: nextId++, issue: pr, body: '<!-- flakefighters-action -->\n### ✅ flakefighters: no failures · 3 passed\n' });
  const ctx = prContext(pr);
  const marker = workflowCommentMarker(ctx);
  await upsertLegComment({ token: 't', context: ctx, marker, title: 'ci.yml', leg: leg(legData('ubuntu', false), 'ubuntu'), verifyDelaysMs: [] });
  const other = { ...ctx, workflowRef: 'octo/demo/.github/workflows/nightly.yml@refs/heads/main' };
  await upsertLegComment({ token: 't', context: other, marker: workflowCommentMarker(other), title: 'nightly.yml', leg: leg(legData('ubuntu', true), 'ubuntu'), verifyDelaysMs: [] });
  const all = comments.filter((c) => c.issue === pr);
  assert.equal(all.length, 2);
  assert.ok(all[0]!.body.startsWith(marker), 'the old comment became ci.yml’s');
  assert.ok(all[1]!.body.startsWith(workflowCommentMarker(other)));
  assert.notEqual(marker, workflowCommentMarker(other));
});
