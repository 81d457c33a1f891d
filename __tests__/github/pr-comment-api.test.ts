import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { readContext, type GitHubContext } from '../../src/github/context.ts';
import { upsertPrComment, MAX_COMMENT_CHARS } from '../../src/github/pr-comment-api.ts';

let s: ArtifactStandIn;
before(async () => {
  s = await startArtifactStandIn();
  s.defineRun({ id: 700, event: 'pull_request', headBranch: 'feature' });
});
after(() => s.close());

const MARKER = '<!-- flakefighters-action -->';

function prContext(number: number, headRepo = 'octo/demo', eventName = 'pull_request'): GitHubContext {
  const p = join(mkdtempSync(join(tmpdir(), 'ffa-pr-')), 'event.json');
  writeFileSync(p, JSON.stringify({ number, pull_request: { number, head: { ref: 'feature', repo: { full_name: headRepo } }, base: { ref: 'main', repo: { full_name: 'octo/demo' } } } }));
  return readContext({ ...s.env(700), GITHUB_EVENT_PATH: p, GITHUB_HEAD_REF: 'feature', GITHUB_BASE_REF: 'main', GITHUB_REF: `refs/pull/${number}/merge`, GITHUB_EVENT_NAME: eventName });
}

test('the comment is created once, then updated in place, found past the first page of comments', async () => {
  // 120 other comments first: ours must be found through pagination, not only on page 1.
  for (let i = 0; i < 120; i++) s.addComment(12, `chatter ${i}`, 'someone');
  const ctx = prContext(12);
  const one = await upsertPrComment({ token: 'ghs_w', context: ctx, body: '## Flakefighters\n1 flaky', marker: MARKER });
  assert.equal(one.action, 'created');
  assert.equal(one.warning, undefined);
  const two = await upsertPrComment({ token: 'ghs_w', context: ctx, body: '## Flakefighters\n2 flaky', marker: MARKER });
  assert.equal(two.action, 'updated');
  assert.equal(two.id, one.id);
  const ours = s.comments.filter((c) => c.issue === 12 && c.body.includes(MARKER));
  assert.equal(ours.length, 1);
  assert.equal(ours[0]!.body, `${MARKER}\n## Flakefighters\n2 flaky`);
  assert.ok(s.rest.log.some((l) => l.path.endsWith('/issues/12/comments') && l.query.includes('page=2')));
  assert.ok(s.rest.log.filter((l) => l.path.includes('/issues/')).every((l) => l.authorization === 'token ghs_w'));
});

test('each marker has its own comment (one per matrix leg when the caller wants that)', async () => {
  const ctx = prContext(13);
  await upsertPrComment({ token: 't', context: ctx, body: `<!-- ffa leg a -->\nA`, marker: '<!-- ffa leg a -->' });
  await upsertPrComment({ token: 't', context: ctx, body: `B`, marker: '<!-- ffa leg b -->' });
  await upsertPrComment({ token: 't', context: ctx, body: `A2`, marker: '<!-- ffa leg a -->' });
  assert.deepEqual(s.comments.filter((c) => c.issue === 13).map((c) => c.body), ['<!-- ffa leg a -->\nA2', '<!-- ffa leg b -->\nB']);
});

test('not a PR, no token, a fork, 403: skipped with a warning where something was wanted, never a throw', async () => {
  const push = readContext(s.env(700, { GITHUB_EVENT_NAME: 'push' }));
  assert.deepEqual(await upsertPrComment({ token: 't', context: push, body: 'x', marker: MARKER }), { action: 'skipped' });
  const noToken = await upsertPrComment({ token: '', context: prContext(14), body: 'x', marker: MARKER });
  assert.match(noToken.warning!, /no github-token/);
  const fork = await upsertPrComment({ token: 't', context: prContext(14, 'evil/demo'), body: 'x', marker: MARKER });
  assert.match(fork.warning!, /fork/);
  const target = await upsertPrComment({ token: 't', context: prContext(16, 'evil/demo', 'pull_request_target'), body: 'x', marker: MARKER });
  assert.equal(target.action, 'created', 'pull_request_target has a write token even for forks');
  s.forbidden.add('comments');
  try {
    const denied = await upsertPrComment({ token: 't', context: prContext(14), body: 'x', marker: MARKER });
    assert.equal(denied.action, 'skipped');
    assert.match(denied.warning!, /PR comment on #14 skipped: the github-token lacks the 'pull-requests: write' permission \(403/);
  } finally {
    s.forbidden.clear();
  }
  const badMarker = await upsertPrComment({ token: 't', context: prContext(14), body: 'x', marker: 'plain text' });
  assert.match(badMarker.warning!, /HTML comment/);
  assert.equal(s.comments.filter((c) => c.issue === 14).length, 0);
});

test('an over-long body is cut to GitHub’s limit and keeps its marker', async () => {
  const body = Array.from({ length: 5000 }, (_, i) => `| test_${i} | flaky | OutcomeFlip |`).join('\n');
  const r = await upsertPrComment({ token: 't', context: prContext(15), body, marker: MARKER });
  assert.equal(r.action, 'created');
  const c = s.comments.find((x) => x.id === r.id)!;
  assert.ok(c.body.length <= MAX_COMMENT_CHARS);
  assert.ok(c.body.startsWith(MARKER));
  assert.match(c.body, /cut to fit/);
});
