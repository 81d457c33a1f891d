import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArtifactStandIn, makeZip, fakeSqlite, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { readContext } from '../../src/github/context.ts';
import { fetchHistoryArtifacts } from '../../src/github/artifact-history.ts';
import { ctxFor, days } from '../helpers/stand-in-context.ts';

const NAME = 'ffdb';
let s: ArtifactStandIn | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A repository with history in several runs, workflows, branches and states. */
async function world() {
  const st = await startArtifactStandIn();
  st.defineRun({ id: 100, headBranch: 'main', runStartedAt: days(6) });
  st.defineRun({ id: 101, headBranch: 'feature/x', runStartedAt: days(5) });
  st.defineRun({ id: 102, headBranch: 'main', workflowId: 88, path: '.github/workflows/other.yml', runStartedAt: days(4) });
  st.defineRun({ id: 103, headBranch: 'main', runStartedAt: days(3) });
  st.defineRun({ id: 104, headBranch: 'main', headRepositoryId: 999, event: 'pull_request', runStartedAt: days(2) });
  st.defineRun({ id: 105, headBranch: 'main', runStartedAt: days(1) });
  const t105 = days(1); // one instant for both legs: two days(1) calls may straddle a millisecond
  const ids = {
    main100: st.addArtifact({ runId: 100, name: `${NAME}-test`, files: { 'flakefighters.db': fakeSqlite('r100') }, createdAt: days(6) }).id,
    feat101: st.addArtifact({ runId: 101, name: `${NAME}-test`, files: { 'flakefighters.db': fakeSqlite('r101') }, createdAt: days(5) }).id,
    other102: st.addArtifact({ runId: 102, name: `${NAME}-test`, files: { 'flakefighters.db': fakeSqlite('r102') }, createdAt: days(4) }).id,
    expired103: st.addArtifact({ runId: 103, name: `${NAME}-test`, files: { 'flakefighters.db': fakeSqlite('r103') }, createdAt: days(3), expired: true }).id,
    fork104: st.addArtifact({ runId: 104, name: `${NAME}-test`, files: { 'flakefighters.db': fakeSqlite('r104') }, createdAt: days(2) }).id,
    legA105: st.addArtifact({ runId: 105, name: `${NAME}-test-a`, files: { 'flakefighters.db': fakeSqlite('r105a') }, createdAt: t105 }).id,
    legB105: st.addArtifact({ runId: 105, name: `${NAME}-test-b`, files: { 'flakefighters.db': fakeSqlite('r105b') }, createdAt: t105 }).id,
    unrelated: st.addArtifact({ runId: 105, name: 'coverage-report', files: { 'x.txt': 'x' }, createdAt: days(1) }).id,
  };
  return { st, ids };
}
const tag = (path: string) => readFileSync(path).subarray(16, 21).toString();

test('on the default branch: newest per matrix leg, same workflow, skipping expired, fork and other-workflow artifacts', async () => {
  const { st } = await world();
  s = st;
  st.defineRun({ id: 200, headBranch: 'main', runStartedAt: days(0.5) });
  // A run that started after this one (a concurrent push) is not history.
  st.defineRun({ id: 210, headBranch: 'main', runStartedAt: days(0.1) });
  st.addArtifact({ runId: 210, name: `${NAME}-test`, files: { 'flakefighters.db': fakeSqlite('later') }, createdAt: days(0.05) });
  const r = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 'ghs_t', context: ctxFor(st, 200), dir: mkdtempSync(join(tmpdir(), 'ffa-h-')) });
  assert.deepEqual(r.warnings, []);
  // Own leg first (ffdb-test: newest usable is run 100, since 103 expired, 104 is a fork, 102 another workflow), then the other legs.
  assert.deepEqual(r.databases.map((d) => [d.artifactName, d.runId, tag(d.path)]), [
    [`${NAME}-test`, 100, 'r100.'],
    [`${NAME}-test-a`, 105, 'r105a'],
    [`${NAME}-test-b`, 105, 'r105b'],
  ]);
  assert.match(r.source!, /artifact ffdb-test of run #100 .*and 2 more/);
  assert.ok(r.databases.every((d) => d.url?.includes('/actions/runs/')));
  // A small request budget: the GITHUB_TOKEN's hourly limit is shared by every job of the repository.
  const restCalls = st.rest.log.filter((l) => l.path.startsWith('/repos/'));
  assert.ok(restCalls.length <= 15, `${restCalls.length} REST calls: ${restCalls.map((l) => l.path + l.query).join(' ')}`);
  // The token went along on every REST call.
  assert.ok(st.rest.log.filter((l) => l.path.startsWith('/repos/')).every((l) => l.authorization === 'token ghs_t'));
});

test('the same branch wins over the base and default branches; a PR falls back to its base branch', async () => {
  const { st } = await world();
  s = st;
  st.defineRun({ id: 201, headBranch: 'feature/x' });
  const onBranch = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 't', context: ctxFor(st, 201), maxArtifacts: 1 });
  assert.deepEqual(onBranch.databases.map((d) => d.runId), [101]);

  const prTo = (base: string) => {
    const payload = { pull_request: { number: 7, head: { ref: 'feature/y', repo: { full_name: 'octo/demo' } }, base: { ref: base, repo: { full_name: 'octo/demo' } } }, repository: { default_branch: 'main' } };
    return ctxFor(st, 202, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_HEAD_REF: 'feature/y', GITHUB_BASE_REF: base, GITHUB_REF: 'refs/pull/7/merge' }, payload);
  };
  st.defineRun({ id: 202, headBranch: 'feature/y', event: 'pull_request' });
  const pr = prTo('main');
  assert.equal(pr.prNumber, 7);
  assert.equal(pr.isForkPr, false);
  const r = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 't', context: pr, maxArtifacts: 1 });
  assert.deepEqual(r.databases.map((d) => d.runId), [100]);

  // A PR into 'release': release's history beats the default branch's newer one.
  st.defineRun({ id: 150, headBranch: 'release', runStartedAt: days(9) });
  st.addArtifact({ runId: 150, name: `${NAME}-test`, files: { 'f.db': fakeSqlite('rel') }, createdAt: days(9) });
  const toRelease = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 't', context: prTo('release'), maxArtifacts: 1 });
  assert.deepEqual(toRelease.databases.map((d) => d.runId), [150]);
  // No artifact on any preferred branch: nothing, and no warning (a first run is normal).
  const lonely = await fetchHistoryArtifacts({ name: 'nothing-here', token: 't', context: pr });
  assert.deepEqual(lonely, { databases: [], warnings: [] });
});

test("this run's own artifacts are not history, except those of an earlier attempt of a re-run", async () => {
  const st = await startArtifactStandIn();
  s = st;
  st.defineRun({ id: 300, headBranch: 'main', runStartedAt: days(2) });
  st.addArtifact({ runId: 300, name: `${NAME}-test`, files: { 'a.db': fakeSqlite('older') }, createdAt: days(2) });
  // Attempt 1 of run 301 uploaded a database; then another job of attempt 1 too (just now).
  st.defineRun({ id: 301, headBranch: 'main', attempt: 1, runStartedAt: days(1) });
  st.addArtifact({ runId: 301, name: `${NAME}-test`, files: { 'a.db': fakeSqlite('att1') }, createdAt: days(0.9) });
  st.addArtifact({ runId: 301, name: `${NAME}-other`, files: { 'a.db': fakeSqlite('conc') }, createdAt: new Date() });
  const first = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 't', context: ctxFor(st, 301) });
  assert.deepEqual(first.databases.map((d) => tag(d.path)), ['older']);

  // Attempt 2 started an hour ago: attempt 1's artifact (older than that) is history; the concurrent one isn't.
  st.defineRun({ id: 301, headBranch: 'main', attempt: 2, runStartedAt: new Date(Date.now() - 3600e3) });
  st.artifacts.find((a) => a.name === `${NAME}-other`)!.createdAt = new Date();
  const rerun = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 't', context: ctxFor(st, 301) });
  assert.deepEqual(rerun.databases.map((d) => [d.runId, tag(d.path)]), [[301, 'att1.']]);
});

test('missing permission, missing token, fork PRs and outside Actions: a warning and nothing, never a throw', async () => {
  const { st } = await world();
  s = st;
  st.defineRun({ id: 400, headBranch: 'main' });
  st.forbidden.add('artifacts');
  const r403 = await fetchHistoryArtifacts({ name: NAME, token: 't', context: ctxFor(st, 400) });
  assert.deepEqual(r403.databases, []);
  assert.equal(r403.warnings.length, 1);
  assert.match(r403.warnings[0]!, /lacks the 'actions: read' permission \(403/);
  st.forbidden.clear();

  const noToken = await fetchHistoryArtifacts({ name: NAME, token: '', context: ctxFor(st, 400) });
  assert.match(noToken.warnings[0]!, /no github-token/);

  const forkPayload = { pull_request: { number: 9, head: { ref: 'main', repo: { full_name: 'evil/demo' } }, base: { ref: 'main', repo: { full_name: 'octo/demo' } } } };
  const fork = await fetchHistoryArtifacts({ name: NAME, token: 't', context: ctxFor(st, 400, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_HEAD_REF: 'main' }, forkPayload) });
  assert.deepEqual(fork.databases, []);
  assert.match(fork.warnings[0]!, /fork/);

  const outside = await fetchHistoryArtifacts({ name: NAME, token: 't', context: readContext({}) });
  assert.match(outside.warnings[0]!, /not running in GitHub Actions/);

  const down = await fetchHistoryArtifacts({ name: NAME, token: 't', context: { ...ctxFor(st, 400), apiUrl: 'http://127.0.0.1:1' } });
  assert.deepEqual(down.databases, []);
  assert.equal(down.warnings.length, 1);
});

test('a corrupt zip, a zip-slip entry, a non-SQLite file, a digest mismatch and an oversized artifact are each refused with a warning', async () => {
  const st = await startArtifactStandIn();
  s = st;
  st.defineRun({ id: 500, headBranch: 'main', runStartedAt: days(1) });
  const legs = ['corrupt', 'slip', 'text', 'digest', 'big', 'good'];
  const ids: Record<string, number> = {};
  for (const leg of legs) ids[leg] = st.addArtifact({ runId: 500, name: `${NAME}-${leg}`, files: { 'f.db': fakeSqlite(leg) }, createdAt: days(1) }).id;
  st.corrupt(ids.corrupt!);
  const a = st.artifacts.find((x) => x.id === ids.corrupt)!;
  a.digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(a.bytes).digest('hex')}`; // damaged before upload: digest agrees
  const slip = st.artifacts.find((x) => x.id === ids.slip)!;
  slip.bytes = makeZip([{ name: 'ok.db', data: fakeSqlite('slip') }, { name: '../../../outside.db', data: fakeSqlite('evil') }]);
  slip.digest = '';
  const text = st.artifacts.find((x) => x.id === ids.text)!;
  text.bytes = makeZip([{ name: 'f.db', data: Buffer.from('just text, no database here') }]);
  text.digest = '';
  st.artifacts.find((x) => x.id === ids.digest)!.bytes = makeZip([{ name: 'f.db', data: fakeSqlite('tampered') }]);
  st.artifacts.find((x) => x.id === ids.big)!.bytes = makeZip([{ name: 'f.db', data: Buffer.concat([fakeSqlite('big'), Buffer.alloc(200_000, 7)]), stored: true }]);
  st.artifacts.find((x) => x.id === ids.big)!.digest = '';

  st.defineRun({ id: 501, headBranch: 'main' });
  const dir = mkdtempSync(join(tmpdir(), 'ffa-bad-'));
  const started = Date.now();
  const r = await fetchHistoryArtifacts({ name: NAME, token: 't', context: ctxFor(st, 501), dir, maxBytes: 100_000 });
  assert.ok(Date.now() - started < 3000, 'failures do not wait on retries');
  assert.deepEqual(r.databases.map((d) => d.artifactName), [`${NAME}-good`]);
  const w = r.warnings.join('\n');
  assert.match(w, /ffdb-corrupt.*not a usable zip archive/);
  assert.match(w, /ffdb-slip.*points outside the target folder/);
  assert.match(w, /ffdb-text.*holds no SQLite database/);
  assert.match(w, /ffdb-digest.*does not match its digest/);
  assert.match(w, /ffdb-big.*over the 100000-byte limit/);
  assert.equal(r.warnings.length, 5);
  assert.equal(existsSync(join(dir, '..', 'outside.db')), false);
  assert.equal(existsSync(join(dir, String(ids.slip), 'ok.db')), false, 'a refused archive writes nothing');
});

test('an artifact that expires between listing and download is a warning', async () => {
  const st = await startArtifactStandIn();
  s = st;
  st.defineRun({ id: 600, headBranch: 'main', runStartedAt: days(1) });
  const id = st.addArtifact({ runId: 600, name: NAME, files: { 'f.db': fakeSqlite('x') }, createdAt: days(1) }).id;
  st.defineRun({ id: 601, headBranch: 'main' });
  st.expireOnDownload.add(id);
  const r = await fetchHistoryArtifacts({ name: NAME, token: 't', context: ctxFor(st, 601) });
  assert.deepEqual(r.databases, []);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /History artifact 'ffdb' .* skipped: 410 Artifact has expired/);
});
