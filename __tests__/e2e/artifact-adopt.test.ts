/**
 * A fresh runner (no database file in its workspace) takes the downloaded history database as its
 * file as it is, and merges only the further artifacts into it (issue 17, goal 6); an artifact that
 * is not exactly a database of ours is merged run by run or refused, as before. The built
 * dist/index.js run as the runner runs it, against the artifact stand-in; `npm run build` first.
 */
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn, type StoredArtifact } from '../helpers/artifact-stand-in.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { extractZip } from '../../src/github/zip-reader.ts';
import { FFA_TABLES, PLUGIN_TABLES } from '../../src/store/schema.ts';

const TOKEN = 'ghs_e2eAdoptToken0123456789';
const TABLES = [...PLUGIN_TABLES, ...FFA_TABLES];

interface JobRun extends ActionRun {
  workspace: string;
}

/** One job (matrix leg `leg`) of workflow run `runId` in a fresh workspace. */
async function job(s: ArtifactStandIn, runId: number, leg: string, results: 1 | 2 | 3): Promise<JobRun> {
  const workspace = mkdtempSync(join(tmpdir(), 'ff-e2e-adopt-'));
  cpSync(join(repoRoot, 'samples'), workspace, { recursive: true });
  const r = await runAction({
    workspace,
    inputs: { 'test-results': `run-${results}/*.xml`, root: 'project', 'github-token': TOKEN, matrix: JSON.stringify({ leg }), 'fail-on': 'never' },
    env: s.env(runId, { GITHUB_WORKSPACE: workspace }),
  });
  assert.equal(r.code, 0, r.all);
  assert.doesNotMatch(r.all, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
  return { ...r, workspace };
}

const startRun = (s: ArtifactStandIn, id: number) => s.defineRun({ id, runNumber: id % 1000, runStartedAt: new Date() });

/** The database inside an artifact's zip. */
function databaseOf(a: StoredArtifact): string {
  const dir = mkdtempSync(join(tmpdir(), 'ff-e2e-adopt-unzip-'));
  const files = extractZip(a.bytes, dir, { maxBytes: 64 * 1024 * 1024 });
  assert.equal(files.length, 1);
  return files[0]!;
}

/** Takes the artifact a job uploaded out of the stand-in and returns its database bytes. */
function takeUpload(s: ArtifactStandIn, runId: number, leg: string): Buffer {
  const a = s.artifacts.find((x) => x.runId === runId && x.name === `flakefighters-db-test-${leg}` && x.finalized);
  assert.ok(a, `run ${runId} uploaded leg ${leg}'s database`);
  s.artifacts.splice(s.artifacts.findIndex((x) => x.id === a.id), 1);
  return readFileSync(databaseOf(a));
}

/** Runs SQL on database bytes with sql.js directly (not through our store) and returns the new bytes. */
async function edit(bytes: Buffer, sql: string): Promise<Buffer> {
  const SQL = await initSqlJs();
  // sql.js writes into the array it is given: hand it a copy, so `bytes` stays as it was.
  const db = new SQL.Database(Uint8Array.from(bytes));
  try {
    db.run(sql);
    return Buffer.from(db.export());
  } finally {
    db.close();
  }
}

/** Every row of every table, as JSON lines, by table. */
async function allRows(path: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) out[t] = (await dbRows(path, `SELECT * FROM ${t} ORDER BY rowid`)).map((r) => JSON.stringify(r));
  return out;
}

const serviceWarnings = (r: ActionRun) => r.annotations.filter((a) => a.level === 'warning' && !a.props.file).map((a) => a.message);
const historyLine = (r: ActionRun) => (r.summary.split('\n').find((l) => l.startsWith('history:')) ?? '').replace(/\\(.)/g, '$1');
const ghRunIds = async (path: string) =>
  (await dbRows(path, 'SELECT CAST(f.gh_run_id AS INTEGER) AS id FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id')).map((x) => x.id);

describe('a fresh runner takes the downloaded database as its file', () => {
  // A stand-in per test: every artifact of an earlier run is history, whatever its leg.
  let s: ArtifactStandIn;
  beforeEach(async () => {
    s = await startArtifactStandIn();
  });
  afterEach(() => s.close());

  test('one earlier artifact: the local file is that database, unchanged, plus the new run', async () => {
    startRun(s, 6101);
    await job(s, 6101, 'a', 1);
    // A row only a byte-for-byte adoption keeps: a merge copies runs, never ffa_meta's other keys.
    const earlier = await edit(takeUpload(s, 6101, 'a'), "INSERT INTO ffa_meta (key, value) VALUES ('adopt-probe', 'kept')");
    s.addArtifact({ runId: 6101, name: 'flakefighters-db-test-a', files: { 'flakefighters.db': earlier } });
    const earlierPath = join(mkdtempSync(join(tmpdir(), 'ff-e2e-adopt-')), 'earlier.db');
    writeFileSync(earlierPath, earlier);

    startRun(s, 6102);
    const r = await job(s, 6102, 'a', 3);
    assert.deepEqual(serviceWarnings(r), []);
    assert.match(r.stdout, /History: took artifact 'flakefighters-db-test-a' \(1 run\(s\)\) as \S*\/flakefighters\.db\./);
    assert.match(historyLine(r), /\(1 earlier run\)/);
    assert.equal(r.outputs['flaky-failures'], '1', 'the adopted history makes the supplier failure flaky');

    const local = join(r.workspace, 'flakefighters.db');
    const before = await allRows(earlierPath);
    const after = await allRows(local);
    assert.ok(after.ffa_meta!.includes(JSON.stringify({ key: 'adopt-probe', value: 'kept' })), 'the file was taken as it is');
    for (const t of TABLES) {
      // Every earlier row is there with its own ids; what is new belongs to the new run only.
      assert.deepEqual(after[t]!.slice(0, before[t]!.length), before[t], `table ${t}: the earlier rows unchanged`);
    }
    assert.deepEqual(await ghRunIds(local), [6101, 6102]);
    const newRunId = (await dbRows(local, 'SELECT MAX(id) AS id FROM run'))[0]!.id;
    const newTests = await dbRows(local, `SELECT COUNT(*) AS n FROM test WHERE id > (SELECT MAX(id) FROM test WHERE run_id < ${newRunId})`);
    const ownTests = await dbRows(local, `SELECT COUNT(*) AS n FROM test WHERE run_id = ${newRunId}`);
    assert.deepEqual(newTests, ownTests, 'every added test row is the new run’s');
    const uuids = await dbRows(local, 'SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS d FROM ffa_run');
    assert.equal(uuids[0]!.n, uuids[0]!.d, 'uuids unique');
  });

  test('two legs: its own leg’s database is taken, the other leg’s runs merged into it', async () => {
    startRun(s, 6201);
    await job(s, 6201, 'a', 1);
    await job(s, 6201, 'b', 2);
    for (const leg of ['a', 'b']) {
      const bytes = await edit(takeUpload(s, 6201, leg), `INSERT INTO ffa_meta (key, value) VALUES ('leg', '${leg}')`);
      s.addArtifact({ runId: 6201, name: `flakefighters-db-test-${leg}`, files: { 'flakefighters.db': bytes } });
    }
    startRun(s, 6202);
    const r = await job(s, 6202, 'a', 3);
    assert.deepEqual(serviceWarnings(r), []);
    assert.match(r.stdout, /History: took artifact 'flakefighters-db-test-a' \(1 run\(s\)\)/);
    assert.match(historyLine(r), /2 of 2 artifact\(s\) merged/);
    const local = join(r.workspace, 'flakefighters.db');
    assert.deepEqual(await dbRows(local, "SELECT value FROM ffa_meta WHERE key = 'leg'"), [{ value: 'a' }], 'leg a adopted; leg b merged run by run');
    assert.deepEqual(await ghRunIds(local), [6201, 6201, 6202]);
    assert.equal((await dbRows(local, 'SELECT COUNT(DISTINCT uuid) AS d FROM ffa_run'))[0]!.d, 3);
  });
});

describe('an artifact that is not exactly our database is merged or refused, as before', () => {
  let s: ArtifactStandIn;
  let base: Buffer;
  let nextRun = 6300;
  before(async () => {
    s = await startArtifactStandIn();
    startRun(s, nextRun);
    await job(s, nextRun, 'c', 1);
    base = takeUpload(s, nextRun++, 'c');
  });
  after(() => s.close());

  /** A job on a fresh runner whose only history artifact holds `bytes`. */
  async function withHistory(bytes: Buffer): Promise<JobRun & { local: string }> {
    const earlier = nextRun++;
    startRun(s, earlier);
    const a = s.addArtifact({ runId: earlier, name: 'flakefighters-db-test-c', files: { 'flakefighters.db': bytes } });
    const id = nextRun++;
    startRun(s, id);
    try {
      const r = await job(s, id, 'c', 3);
      takeUpload(s, id, 'c');
      return { ...r, local: join(r.workspace, 'flakefighters.db') };
    } finally {
      s.artifacts.splice(s.artifacts.findIndex((x) => x.id === a.id), 1);
    }
  }

  test('a trigger: merged run by run, the trigger left behind and never fired', async () => {
    const bytes = await edit(base, "CREATE TRIGGER probe AFTER INSERT ON run BEGIN INSERT INTO ffa_meta (key, value) VALUES ('fired', 'yes'); END");
    const r = await withHistory(bytes);
    assert.deepEqual(serviceWarnings(r), []);
    assert.match(r.stdout, /is merged run by run rather than taken as \S*\/flakefighters\.db: its schema differs from this action's \(other trigger probe\)/);
    assert.match(historyLine(r), /\(1 earlier run\)/);
    assert.deepEqual(await dbRows(r.local, "SELECT name FROM sqlite_master WHERE type = 'trigger'"), []);
    assert.deepEqual(await dbRows(r.local, "SELECT * FROM ffa_meta WHERE key = 'fired'"), []);
    assert.equal((await dbRows(r.local, 'SELECT COUNT(*) AS n FROM run'))[0]!.n, 2);
  });

  test('rows without their parent (a test waiting for the next run id): merged, the orphan left behind', async () => {
    const bytes = await edit(base, "INSERT INTO test (id, run_id, fspath, line_no, name, skipped) VALUES (99999, (SELECT MAX(id) + 1 FROM run), 'tests/ghost.py', 1, 'tests/ghost.py::test_ghost', 0)");
    const r = await withHistory(bytes);
    assert.match(r.stdout, /merged run by run rather than taken as \S*\/flakefighters\.db: it holds rows whose parent row is missing/);
    assert.deepEqual(await dbRows(r.local, "SELECT id FROM test WHERE name LIKE '%ghost%'"), [], 'the new run does not inherit the orphan');
    assert.equal((await dbRows(r.local, 'SELECT COUNT(*) AS n FROM run'))[0]!.n, 2);
  });

  test('a newer schema: refused with the same warning as before, a fresh history', async () => {
    const r = await withHistory(await edit(base, "UPDATE ffa_meta SET value = '99' WHERE key = 'schema_version'"));
    const w = serviceWarnings(r);
    assert.equal(w.length, 1, `${w}`);
    assert.match(w[0]!, /^History database .* skipped: .* was written by a newer flakefighters-action \(schema 99 > \d+\); upgrade the action$/);
    assert.match(historyLine(r), /\(0 earlier runs\)/);
    assert.equal((await dbRows(r.local, "SELECT value FROM ffa_meta WHERE key = 'schema_version'"))[0]!.value !== '99', true);
    assert.equal((await dbRows(r.local, 'SELECT COUNT(*) AS n FROM run'))[0]!.n, 1);
  });

  test('damaged pages under a good header: refused as before (read as empty), nothing moved aside in the workspace', async () => {
    const bytes = Buffer.from(base);
    const pageSize = bytes.readUInt16BE(16);
    assert.ok(bytes.length >= pageSize * 4, 'a database of several pages');
    bytes.fill(0x5a, pageSize * 2, pageSize * 4);
    const r = await withHistory(bytes);
    const w = serviceWarnings(r);
    assert.equal(w.length, 1, `${w}`);
    assert.match(w[0]!, /^History database: .* is not a readable SQLite database \(.*\); reading it as empty$/);
    assert.match(historyLine(r), /\(0 earlier runs\)/);
    assert.equal((await dbRows(r.local, 'SELECT COUNT(*) AS n FROM run'))[0]!.n, 1);
    assert.deepEqual(readdirSync(r.workspace).filter((f) => f.includes('corrupt')), []);
  });
});
