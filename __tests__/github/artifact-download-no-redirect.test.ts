// The REST zip endpoint normally answers 302 to the blob store; a server or proxy that follows the
// redirect itself answers 200 with the zip. fetchZip takes those bytes as the download.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArtifactStandIn, makeZip, fakeSqlite, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { fetchHistoryArtifacts } from '../../src/github/artifact-history.ts';
import { ctxFor, days } from '../helpers/stand-in-context.ts';

const NAME = 'ffdb';
let s: ArtifactStandIn | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

test('a zip endpoint that answers 200 with the archive itself: the database is read from those bytes, the blob store is not asked', async () => {
  const st = await startArtifactStandIn();
  s = st;
  st.defineRun({ id: 700, headBranch: 'main', runStartedAt: days(1) });
  const db = fakeSqlite('direct');
  const id = st.addArtifact({ runId: 700, name: `${NAME}-test`, files: { 'flakefighters.db': db }, createdAt: days(1) }).id;
  st.zipWithoutRedirect.add(id);
  st.defineRun({ id: 701, headBranch: 'main' });

  const r = await fetchHistoryArtifacts({ name: NAME, suffix: 'test', token: 't', context: ctxFor(st, 701), dir: mkdtempSync(join(tmpdir(), 'ffa-nr-')) });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.databases.map((d) => [d.artifactName, d.artifactId, d.runId]), [[`${NAME}-test`, id, 700]]);
  assert.deepEqual(readFileSync(r.databases[0]!.path), db);
  assert.match(r.source!, /artifact ffdb-test of run #700/);
  const zipCalls = st.rest.log.filter((l) => l.path.endsWith(`/actions/artifacts/${id}/zip`));
  assert.deepEqual(zipCalls.map((l) => l.status), [200]);
  assert.equal(st.rest.log.filter((l) => l.path.startsWith('/blob/')).length, 0, 'no blob request when the endpoint hands back the bytes');
});

test('bytes handed back without a redirect are checked against the digest like any download', async () => {
  const st = await startArtifactStandIn();
  s = st;
  st.defineRun({ id: 710, headBranch: 'main', runStartedAt: days(1) });
  const good = st.addArtifact({ runId: 710, name: `${NAME}-good`, files: { 'f.db': fakeSqlite('good') }, createdAt: days(1) });
  const bad = st.addArtifact({ runId: 710, name: `${NAME}-bad`, files: { 'f.db': fakeSqlite('bad') }, createdAt: days(1) });
  // Changed after upload (as after a storage fault): only the digest can tell.
  bad.bytes = makeZip([{ name: 'f.db', data: fakeSqlite('BAD') }]);
  st.zipWithoutRedirect.add(good.id);
  st.zipWithoutRedirect.add(bad.id);
  st.defineRun({ id: 711, headBranch: 'main' });

  const r = await fetchHistoryArtifacts({ name: NAME, token: 't', context: ctxFor(st, 711), dir: mkdtempSync(join(tmpdir(), 'ffa-nr-')) });
  assert.deepEqual(r.databases.map((d) => d.artifactName), [`${NAME}-good`]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, new RegExp(`History artifact 'ffdb-bad' \\(id ${bad.id}, run 710\\) skipped: its content does not match its digest \\(sha256:[0-9a-f]{64}\\)\\.`));
});
