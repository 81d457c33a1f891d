import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startArtifactStandIn, makeZip, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { uploadDatabase, uploadDirectory } from '../../src/github/artifacts.ts';

let s: ArtifactStandIn;
const dir = mkdtempSync(join(tmpdir(), 'ffa-art-'));
const RUN = 5001;

before(async () => {
  s = await startArtifactStandIn();
  s.defineRun({ id: RUN });
  // Set before the first import of @actions/artifact: @actions/github reads GITHUB_API_URL at import.
  Object.assign(process.env, s.env(RUN), { GITHUB_WORKSPACE: dir });
});
after(() => s.close());

test('a database round-trips byte for byte through the real upload, list and download clients', async () => {
  const db = join(dir, 'flakefighters.db');
  const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(300_000)]);
  writeFileSync(db, bytes);
  const up = await uploadDatabase(db, { name: 'flakefighters-db', suffix: 'test-a' });
  assert.equal(up.warning, undefined);
  assert.equal(up.name, 'flakefighters-db-test-a');
  assert.ok(up.id && up.id > 0);
  assert.ok(up.size && up.size > 300_000, `zip size ${up.size}`);

  const { DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();
  const { artifacts } = await client.listArtifacts();
  assert.deepEqual(artifacts.map((a) => a.name), ['flakefighters-db-test-a']);

  // Same run, internal Twirp path.
  const out1 = join(dir, 'dl-internal');
  const r1 = await client.downloadArtifact(up.id!, { path: out1 });
  assert.equal(r1.digestMismatch, false);
  assert.deepEqual(readFileSync(join(out1, 'flakefighters.db')), bytes);

  // Cross-run REST path (findBy), as another run would fetch it.
  const out2 = join(dir, 'dl-rest');
  const stored = s.artifacts.find((a) => a.id === up.id)!;
  const r2 = await client.downloadArtifact(up.id!, {
    path: out2,
    expectedHash: stored.digest,
    findBy: { token: 'ghs_x', workflowRunId: RUN, repositoryOwner: s.owner, repositoryName: s.repo },
  });
  assert.equal(r2.digestMismatch, false);
  assert.deepEqual(readFileSync(join(out2, 'flakefighters.db')), bytes);
});

test('three jobs of one run upload with different suffixes; the same name twice is a warning, not a throw', async () => {
  const db = join(dir, 'm.db');
  writeFileSync(db, 'SQLite format 3\0 matrix');
  const names = [];
  for (const suffix of ['test-py3.11', 'test-py3.12', 'test-py3.13']) {
    const r = await uploadDatabase(db, { name: 'hist', suffix });
    assert.equal(r.warning, undefined, r.warning);
    names.push(r.name);
  }
  assert.deepEqual(names, ['hist-test-py3.11', 'hist-test-py3.12', 'hist-test-py3.13']);
  const again = await uploadDatabase(db, { name: 'hist', suffix: 'test-py3.12' });
  assert.equal(again.id, undefined);
  assert.match(again.warning!, /already uploaded an artifact of that name.*matrix/);
});

test('on a re-run attempt a name taken by the earlier attempt is retried with the attempt number', async () => {
  const db = join(dir, 'r.db');
  writeFileSync(db, 'SQLite format 3\0 rerun');
  const first = await uploadDatabase(db, { name: 'rr', suffix: 'test', runAttempt: 1 });
  assert.equal(first.warning, undefined);
  const second = await uploadDatabase(db, { name: 'rr', suffix: 'test', runAttempt: 2 });
  assert.equal(second.warning, undefined, second.warning);
  assert.equal(second.name, 'rr-test-attempt2');
  const rep = join(dir, 'rr-report');
  mkdirSync(rep, { recursive: true });
  writeFileSync(join(rep, 'index.html'), 'x');
  assert.equal((await uploadDirectory(rep, 'rr-report', undefined, { runAttempt: 1 })).warning, undefined);
  assert.match((await uploadDirectory(rep, 'rr-report', undefined, { runAttempt: 1 })).warning!, /409/);
  assert.equal((await uploadDirectory(rep, 'rr-report', undefined, { runAttempt: 2 })).name, 'rr-report-attempt2');
});

test('upload failures come back as warnings: no runtime token, missing file, service down', async () => {
  const db = join(dir, 'w.db');
  writeFileSync(db, 'x');
  const saved = process.env.ACTIONS_RUNTIME_TOKEN;
  delete process.env.ACTIONS_RUNTIME_TOKEN;
  try {
    const r = await uploadDatabase(db, { name: 'nt' });
    assert.match(r.warning!, /ACTIONS_RUNTIME_TOKEN/);
  } finally {
    process.env.ACTIONS_RUNTIME_TOKEN = saved;
  }
  const missing = await uploadDatabase(join(dir, 'nope.db'), { name: 'nf' });
  assert.ok(missing.warning, 'missing file warns');
  const savedUrl = process.env.ACTIONS_RESULTS_URL;
  process.env.ACTIONS_RESULTS_URL = 'http://127.0.0.1:1/';
  try {
    const r = await uploadDatabase(db, { name: 'down' });
    assert.ok(r.warning && /not uploaded/.test(r.warning), r.warning);
  } finally {
    process.env.ACTIONS_RESULTS_URL = savedUrl;
  }
});

test('uploadDirectory uploads a report folder with its subfolders', async () => {
  const rep = join(dir, 'report');
  mkdirSync(join(rep, 'assets'), { recursive: true });
  writeFileSync(join(rep, 'index.html'), '<html>hi</html>');
  writeFileSync(join(rep, 'assets', 'data.json'), '{"a":1}');
  const r = await uploadDirectory(rep, 'flakefighters-report', 3);
  assert.equal(r.warning, undefined, r.warning);
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const out = join(dir, 'rep-dl');
  await new DefaultArtifactClient().downloadArtifact(r.id!, { path: out });
  assert.equal(readFileSync(join(out, 'assets', 'data.json'), 'utf8'), '{"a":1}');
  assert.equal(readFileSync(join(out, 'index.html'), 'utf8'), '<html>hi</html>');
  const stored = s.artifacts.find((a) => a.id === r.id)!;
  assert.ok(stored.expiresAt && stored.expiresAt.getTime() > Date.now() + 2 * 86400e3);
  const empty = await uploadDirectory(join(dir, 'no-such-dir'), 'x');
  assert.match(empty.warning!, /cannot read/);
});

test("the real client's unzip keeps '..' entries inside the download folder", async () => {
  // unzip-stream 0.3.4 rewrites '..' path parts to '.'; this pins that behaviour we rely on for the client path.
  const a = s.addArtifact({ runId: RUN, name: 'slip', zip: makeZip([{ name: '../../escaped.txt', data: Buffer.from('x') }, { name: 'ok.txt', data: Buffer.from('y') }]) });
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const out = join(dir, 'slip', 'inner');
  await new DefaultArtifactClient().downloadArtifact(a.id, { path: out });
  assert.equal(existsSync(join(dir, 'escaped.txt')), false);
  assert.equal(existsSync(join(dir, 'slip', 'escaped.txt')), false);
  assert.ok(readdirSync(out, { recursive: true }).map(String).some((p) => p.endsWith('escaped.txt')));
});

test('a database uploaded by one run is found, downloaded and unpacked as history by the next run', async () => {
  const { fetchHistoryArtifacts } = await import('../../src/github/artifact-history.ts');
  const { readContext } = await import('../../src/github/context.ts');
  const db = join(dir, 'flakefighters.db');
  const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(2_000_000)]);
  writeFileSync(db, bytes);
  const up = await uploadDatabase(db, { name: 'hist-e2e', suffix: 'test-x' });
  assert.equal(up.warning, undefined);
  s.defineRun({ id: 5002, headBranch: 'main' });
  const ctx = readContext({ ...s.env(5002), GITHUB_EVENT_PATH: '' });
  const r = await fetchHistoryArtifacts({ name: 'hist-e2e', suffix: 'test-x', token: 'ghs_r', context: ctx, dir: join(dir, 'hist') });
  assert.deepEqual(r.warnings, []);
  assert.equal(r.databases.length, 1);
  assert.equal(r.databases[0]!.runId, RUN);
  assert.equal(r.databases[0]!.artifactName, 'hist-e2e-test-x');
  assert.deepEqual(readFileSync(r.databases[0]!.path), bytes);
});
