/**
 * Issue 16, cases 1 and 2: pickles whose shared references expand without end. The poisoned pickles
 * are written by python3's own pickler at test time; the database carrying them arrives as an earlier
 * run's artifact through the artifact stand-in, merged by the built dist/index.js; then the same file
 * goes through `flakefighters sync --from` (dist/cli.js). `npm run build` first.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn, type StoredArtifact } from '../helpers/artifact-stand-in.ts';
import { extractZip } from '../../src/github/zip-reader.ts';
import { PickleError, pickle, unpickle, PICKLE_LIMITS, type PickleValue } from '../../src/store/pickle.ts';
import { endedInTime, noStackTrace, plainWarnings, rows, runCli, runCount, sampleWorkspace } from './fault-helpers.ts';

const TOKEN = 'ghs_faultPickleToken0123456789';

function python(script: string): Buffer {
  return Buffer.from(execFileSync('python3', ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }), 'base64');
}

/** Case 1: a list holding itself twice, 64 levels deep (429 bytes). */
const selfDoubling = () =>
  python('import pickle,sys,base64\na=[]\nfor i in range(64): a=[a,a]\nsys.stdout.write(base64.b64encode(pickle.dumps({"x": a}, 4)).decode())');
/** Case 2: 50,000 coverage keys that all point at one 50,000-int list (about 1 MB). */
const sharedCoverage = () =>
  python('import pickle,sys,base64\nl=list(range(1,50001))\nd={"f%d.py" % i: l for i in range(50000)}\nsys.stdout.write(base64.b64encode(pickle.dumps(d, 4)).decode())');

describe('the pickle codec bounds work, not just bytes', () => {
  test('case 1: the self-doubling list is refused at once, not expanded', () => {
    const bytes = selfDoubling();
    assert.ok(bytes.length < 1000, `${bytes.length} bytes`);
    const t0 = Date.now();
    assert.throws(() => unpickle(bytes), (e: unknown) => e instanceof PickleError && /expands to more than/.test(e.message));
    assert.ok(Date.now() - t0 < 2000);
  });

  test('case 2: 50,000 keys sharing one 50,000-int list are refused without exhausting the heap', () => {
    const bytes = sharedCoverage();
    const t0 = Date.now();
    assert.throws(() => unpickle(bytes), /expands to more than/);
    assert.ok(Date.now() - t0 < 5000);
  });

  test('shared references under the limits stay shared when read and when written again', () => {
    // 2^20 elements expanded, 20 distinct lists.
    const bytes = python('import pickle,sys,base64\na=[1]\nfor i in range(19): a=[a,a]\nsys.stdout.write(base64.b64encode(pickle.dumps(a, 4)).decode())');
    const v = unpickle(bytes) as PickleValue[];
    assert.equal(v[0], v[1], 'one decoded object, referenced twice');
    const again = pickle(v);
    assert.ok(again.length < 4 * bytes.length, `re-pickled in ${again.length} bytes (from ${bytes.length})`);
    // Python reads ours back with the sharing intact.
    const check = execFileSync('python3', ['-c', 'import pickle,sys,base64\nv=pickle.loads(base64.b64decode(sys.stdin.read()))\nd=0\nwhile isinstance(v,list) and len(v)==2:\n  assert v[0] is v[1]; v=v[0]; d+=1\nprint(d)'], {
      input: Buffer.from(again).toString('base64'),
      encoding: 'utf8',
    });
    assert.equal(check.trim(), '19');
  });

  test('the limits are what the docs say', () => {
    assert.equal(PICKLE_LIMITS.maxElements, 5_000_000);
    assert.equal(PICKLE_LIMITS.maxDepth, 1000);
  });
});

function unzipDb(a: StoredArtifact): string {
  const dir = mkdtempSync(join(tmpdir(), 'ff-fault-unzip-'));
  const files = extractZip(a.bytes, dir, { maxBytes: 64 * 1024 * 1024 });
  const db = files.find((f) => f.endsWith('flakefighters.db'));
  assert.ok(db, `artifact ${a.name} holds the database`);
  return db;
}

/** The database of `clean` with the poisoned pickles in its first activeflakefighter and test_execution rows. */
async function poison(clean: string): Promise<{ bytes: Buffer; affId: number; execId: number }> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(clean));
  try {
    const affId = Number(db.exec('SELECT min(id) FROM activeflakefighter')[0]!.values[0]![0]);
    const execId = Number(db.exec('SELECT min(id) FROM test_execution')[0]!.values[0]![0]);
    db.run('UPDATE activeflakefighter SET params = ? WHERE id = ?', [selfDoubling(), affId]);
    db.run('UPDATE test_execution SET coverage = ? WHERE id = ?', [sharedCoverage(), execId]);
    return { bytes: Buffer.from(db.export()), affId, execId };
  } finally {
    db.close();
  }
}

describe('cases 1 and 2 end to end: a poisoned history artifact neither hangs nor loses history', () => {
  let s: ArtifactStandIn;
  let poisoned: { bytes: Buffer; affId: number; execId: number };
  let artifactName = '';
  const runs: ActionRun[] = [];
  const LIMIT_MS = 60_000;

  before(async () => {
    s = await startArtifactStandIn();
    // Run 1 (clean) makes a real database; run 2 "uploads" it with both pickles poisoned.
    s.defineRun({ id: 6101, runNumber: 61, runStartedAt: new Date(Date.now() - 3000) });
    const ws1 = sampleWorkspace();
    const first = await runAction({ workspace: ws1, inputs: { 'test-results': 'run-1/*.xml', root: 'project', 'github-token': TOKEN }, env: s.env(6101, { GITHUB_WORKSPACE: ws1 }) });
    assert.equal(first.code, 0, first.all);
    const a1 = s.artifacts.find((a) => a.runId === 6101 && a.finalized)!;
    artifactName = a1.name;
    poisoned = await poison(unzipDb(a1));
    s.defineRun({ id: 6102, runNumber: 62, runStartedAt: new Date(Date.now() - 2000) });
    s.addArtifact({ runId: 6102, name: artifactName, files: { 'flakefighters.db': poisoned.bytes } });
    for (const [id, results] of [[6103, 2], [6104, 3]] as const) {
      s.defineRun({ id, runNumber: id - 6040, runStartedAt: new Date() });
      const ws = sampleWorkspace();
      runs.push(await runAction({ workspace: ws, inputs: { 'test-results': `run-${results}/*.xml`, root: 'project', 'github-token': TOKEN }, env: s.env(id, { GITHUB_WORKSPACE: ws }), timeoutMs: LIMIT_MS }));
    }
  });
  after(() => s.close());

  test('the run that merges the poisoned artifact ends, warns naming both rows, and keeps run 1', async () => {
    const r = runs[0]!;
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    noStackTrace(r.all);
    const warnings = plainWarnings(r).join('\n');
    assert.match(warnings, new RegExp(`activeflakefighter ${poisoned.affId}: params pickle unreadable \\(pickle expands to more than`));
    assert.match(warnings, new RegExp(`test_execution ${poisoned.execId}: coverage pickle unreadable \\(pickle expands to more than`));
    assert.ok(r.summary.length > 0, 'the summary is written');
    assert.equal(r.outputs.failed, '0');
    const a = s.artifacts.find((x) => x.runId === 6103 && x.finalized);
    assert.ok(a, 'the run uploaded its database');
    assert.equal(await runCount(unzipDb(a)), 2, 'run 1 (from the poisoned file) and this run');
  });

  test('the next run takes that artifact: no hang, all three runs, the same verdicts as without the fault', async () => {
    const r = runs[1]!;
    endedInTime(r);
    noStackTrace(r.all);
    assert.notEqual(r.code, 0, 'the genuine failure fails the step');
    assert.equal(r.outputs['genuine-failures'], '1');
    assert.equal(r.outputs['flaky-failures'], '1', 'the flaky verdict that needs run 1 still holds');
    const a = s.artifacts.find((x) => x.runId === 6104 && x.finalized)!;
    const db = unzipDb(a);
    assert.equal(await runCount(db), 3);
    // The poisoned params were replaced by a small placeholder, not carried on.
    const sizes = await rows(db, 'SELECT max(length(params)) AS n FROM activeflakefighter');
    assert.ok(Number(sizes[0]!.n) < 400, `params are small now (${sizes[0]!.n} bytes)`);
  });

  test('flakefighters sync --from the poisoned file ends, copies the run and names the rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-fault-sync-'));
    const from = join(dir, 'poisoned.db');
    writeFileSync(from, poisoned.bytes);
    const to = join(dir, 'to.db');
    const r = await runCli(['sync', '--from', from, '--to', to], { timeoutMs: LIMIT_MS });
    assert.notEqual(r.code, null, 'sync ended by itself');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`activeflakefighter ${poisoned.affId}`));
    assert.match(r.stdout + r.stderr, new RegExp(`test_execution ${poisoned.execId}`));
    assert.equal(await runCount(to), 1);
  });
});
