/**
 * A database artifact this action uploaded carries DATABASE_ZIP_COMMENT; a download whose digest
 * matches and that carries it is adopted without the full-table checks. One zipped by anything else
 * (or without a digest) is checked in full. And the bytes adoption read are handed to the store's
 * read of the same file instead of reading it twice. Real sql.js files, real clients, the stand-in.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { DATABASE_ZIP_COMMENT, uploadDatabase } from '../../src/github/artifacts.ts';
import { fetchHistoryArtifacts } from '../../src/github/artifact-history.ts';
import { readContext } from '../../src/github/context.ts';
import { adoptDatabase } from '../../src/github/merge-history.ts';
import { fileIdentity, handOverBytes, readDatabaseFile } from '../../src/store/sqlite-file.ts';
import type { Run } from '../../src/model.ts';
import { actionRun, saveRuns } from '../helpers/saved-runs.ts';
import { editSqlite } from '../helpers/sqlite-rows.ts';

let s: ArtifactStandIn;
const dir = mkdtempSync(join(tmpdir(), 'ffa-vouch-'));

function run(): Run {
  return actionRun(0, (t) => [{ name: 'tests/test_a.py::test_x', fspath: '/w/tests/test_a.py', lineNo: 3, skipped: false, results: [], executions: [{ outcome: 'passed', startTime: t, endTime: t, stdout: null, stderr: null, report: '', coverage: null, exception: null, results: [] }] }]);
}

/** A database written by our store; with `orphan`, an execution whose test is missing is added with sql.js. */
async function database(name: string, orphan = false): Promise<string> {
  const p = await saveRuns(join(dir, name), [run()]);
  if (orphan) await editSqlite(p, "INSERT INTO test_execution (id, test_id, outcome) VALUES (500, 999, 'failed')");
  return p;
}

before(async () => {
  s = await startArtifactStandIn();
});
after(() => s.close());

test('an artifact this action uploaded is known as its own on download; one zipped otherwise is not', async () => {
  s.defineRun({ id: 301, headBranch: 'main', runStartedAt: new Date(Date.now() - 3600e3) });
  Object.assign(process.env, s.env(301), { GITHUB_WORKSPACE: dir });
  const up = await uploadDatabase(await database('own.db'), { name: 'vouch', suffix: 'a' });
  assert.equal(up.warning, undefined);
  const stored = s.artifacts.find((a) => a.id === up.id)!;
  assert.equal(stored.bytes.subarray(stored.bytes.length - Buffer.byteLength(DATABASE_ZIP_COMMENT)).toString('utf8'), DATABASE_ZIP_COMMENT);
  // Another leg's artifact, zipped by the test helper (no comment), as another tool would.
  s.addArtifact({ runId: 301, name: 'vouch-b', files: { 'flakefighters.db': readFileSync(await database('other.db')) } });

  s.defineRun({ id: 302, headBranch: 'main' });
  const p = join(dir, 'event.json');
  writeFileSync(p, JSON.stringify({ repository: { default_branch: 'main' } }));
  const got = await fetchHistoryArtifacts({ name: 'vouch', suffix: 'a', token: 't', context: readContext({ ...s.env(302), GITHUB_EVENT_PATH: p }), dir: join(dir, 'dl') });
  const by = Object.fromEntries(got.databases.map((d) => [d.artifactName, d.exportedByAction]));
  assert.deepEqual(by, { 'vouch-a': true, 'vouch-b': false });
});

test('the full-table checks are skipped only for a file exported by the action', async () => {
  const src = await database('orphan.db', true);
  const refused = await adoptDatabase(src, join(mkdtempSync(join(dir, 'ws-')), 'flakefighters.db'));
  assert.equal(refused.adopted, false);
  assert.match((refused as { reason: string }).reason, /rows whose parent row is missing/);
  const to = join(mkdtempSync(join(dir, 'ws-')), 'flakefighters.db');
  const taken = await adoptDatabase(src, to, { exportedByAction: true });
  assert.equal(taken.adopted, true);
  // The header, schema and plugin-run checks still apply to it.
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all, not even close to 100 bytes of header......................................');
  assert.equal((await adoptDatabase(junk, join(mkdtempSync(join(dir, 'ws-')), 'f.db'), { exportedByAction: true })).adopted, false);
});

test('bytes handed over are read instead of the file only while it is the same file', async () => {
  const p = await database('handed.db');
  const disk = new Uint8Array(readFileSync(p));
  const marked = Uint8Array.from(disk);
  marked[200] = marked[200]! ^ 0xff;
  handOverBytes((await fileIdentity(p))!, marked);
  const first = await readDatabaseFile(p);
  assert.equal(first.kind, 'bytes');
  assert.equal((first as { bytes: Uint8Array }).bytes, marked, 'the handed-over array itself');
  // Taken once: the next read is the disk's.
  assert.deepEqual((await readDatabaseFile(p)) as { bytes: Uint8Array }, { kind: 'bytes', bytes: disk });
  // A file replaced meanwhile (a new inode renamed in) is read from disk.
  handOverBytes((await fileIdentity(p))!, marked);
  writeFileSync(`${p}.new`, disk);
  renameSync(`${p}.new`, p);
  assert.deepEqual((await readDatabaseFile(p)) as { bytes: Uint8Array }, { kind: 'bytes', bytes: disk });
  // Handed-over bytes get the header checks bytes read from disk get.
  handOverBytes((await fileIdentity(p))!, new Uint8Array(200));
  assert.deepEqual(await readDatabaseFile(p), { kind: 'not-sqlite', reason: 'no SQLite header' });
});
