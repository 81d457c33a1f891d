/**
 * History carried from run to run through workflow artifacts, end to end: the built dist/index.js
 * run as the runner runs it, each job in a fresh workspace (no database on disk, as on hosted
 * runners), against the local stand-in for the artifact service and the REST API, driven by the
 * real @actions/artifact and Octokit clients. `npm run build` first.
 */
import { dbRows } from '../helpers/sqlite-rows.ts';
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn, type RunSpec, type StoredArtifact } from '../helpers/artifact-stand-in.ts';
import { extractZip } from '../../src/github/zip-reader.ts';

const SUPPLIER = 'tests/test_shop.py::TestInventory::test_supplier_online';
const TOKEN = 'ghs_e2eArtifactToken0123456789';

function sampleWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-art-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  return ws;
}

interface Job {
  /** Which samples/run-N results this job reads. */
  results: 1 | 2 | 3;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  event?: { name: string; payload: unknown };
}

interface JobRun extends ActionRun {
  workspace: string;
  /** GITHUB_SHA of the job. */
  sha: string;
}

/** One job of workflow run `runId` in a fresh workspace, with the action's defaults for history and upload. */
async function job(s: ArtifactStandIn, runId: number, j: Job): Promise<JobRun> {
  const workspace = sampleWorkspace();
  const env = s.env(runId, { GITHUB_WORKSPACE: workspace, ...j.env });
  const r = await runAction({
    workspace,
    inputs: { 'test-results': `run-${j.results}/*.xml`, root: 'project', 'github-token': TOKEN, ...j.inputs },
    env,
    event: j.event,
  });
  assert.doesNotMatch(r.all.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), new RegExp(TOKEN), 'the token never shows');
  return { ...r, workspace, sha: env.GITHUB_SHA! };
}

/** A run of the workflow that starts now (after everything before it). */
function startRun(s: ArtifactStandIn, spec: RunSpec) {
  return s.defineRun({ runStartedAt: new Date(), ...spec });
}

/** Warnings that are not about a test (service and history warnings carry no file). */
const serviceWarnings = (r: ActionRun) => r.annotations.filter((a) => a.level === 'warning' && !a.props.file).map((a) => a.message);

function noStackTrace(text: string) {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
}

/** The files of a stored artifact's zip, unpacked with a real unzip, by name. */
function unzip(a: StoredArtifact): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-e2e-unzip-'));
  const files = extractZip(a.bytes, dir, { maxBytes: 64 * 1024 * 1024 });
  return new Map(files.map((f) => [f.slice(dir.length + 1), f]));
}

function databaseOf(a: StoredArtifact): string {
  const files = unzip(a);
  assert.deepEqual([...files.keys()], ['flakefighters.db'], `artifact ${a.name} holds just the database`);
  return files.get('flakefighters.db')!;
}


/** Our metadata of every run in a database, oldest first. */
const storedRuns = (dbPath: string) =>
  dbRows(dbPath, 'SELECT r.id, r.commit_sha, CAST(f.gh_run_id AS INTEGER) AS gh_run_id, f.run_attempt, f.uuid FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id');

const uploaded = (s: ArtifactStandIn, runId: number) => s.artifacts.filter((a) => a.runId === runId && a.finalized);

function onlyArtifact(s: ArtifactStandIn, runId: number, prefix = 'flakefighters-db-'): StoredArtifact {
  const list = uploaded(s, runId).filter((a) => a.name.startsWith(prefix));
  assert.equal(list.length, 1, `one ${prefix}* artifact in run ${runId}: ${list.map((a) => a.name)}`);
  return list[0]!;
}

/** The rows of the summary's History table (this run first). */
function historyRows(summary: string): string[] {
  const section = summary.split('### History')[1] ?? '';
  return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Run ') && !l.startsWith('| ---'));
}

/** The history line of the summary, unescaped. */
function historyLine(summary: string): string {
  const line = summary.split('\n').find((l) => l.startsWith('history:'));
  assert.ok(line, `the summary has a history line:\n${summary}`);
  return line.replace(/\\(.)/g, '$1');
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('three consecutive workflow runs carry history through their database artifacts', () => {
  let s: ArtifactStandIn;
  const runs: JobRun[] = [];
  const ids = [3101, 3102, 3103];
  before(async () => {
    s = await startArtifactStandIn();
    for (const n of [1, 2, 3] as const) {
      startRun(s, { id: ids[n - 1]!, runNumber: 40 + n });
      runs.push(await job(s, ids[n - 1]!, { results: n }));
    }
  });
  after(() => s.close());

  test('run 1: no history yet, uploads its database and names the artifact', async () => {
    const r = runs[0]!;
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(serviceWarnings(r), []);
    const a = onlyArtifact(s, ids[0]!);
    assert.equal(r.outputs['artifact-id'], String(a.id));
    assert.match(a.name, /^flakefighters-db-test-[0-9a-f]{8}$/);
    assert.match(historyLine(r.summary), /none yet \(fresh history\) \(0 earlier runs\)/);
    assert.ok(r.summary.includes(`https://github.com/octo/demo/actions/runs/${ids[0]}/artifacts/${a.id}`), 'the summary links the artifact');
    const stored = await storedRuns(databaseOf(a));
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.gh_run_id, ids[0]);
    // The database stays on disk too (a later step may use it).
    assert.ok(existsSync(join(r.workspace, 'flakefighters.db')));
  });

  test('run 2: fetches run 1 artifact and sees run 1 as history', async () => {
    const r = runs[1]!;
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(serviceWarnings(r), []);
    assert.equal(r.outputs.failed, '0');
    const first = onlyArtifact(s, ids[0]!);
    assert.equal(
      historyLine(r.summary),
      `history: artifact ${first.name} of run #41 (https://github.com/octo/demo/actions/runs/${ids[0]}) (1 earlier run) · flakefighters: OutcomeFlip, TracebackMatching`,
    );
    assert.equal(historyRows(r.summary).length, 2, 'this run and run 1 are the rows of the history table');
    assert.match(historyRows(r.summary)[1]!, new RegExp(`\`${runs[0]!.sha.slice(0, 7)}\``), 'the earlier row is run 1 (by its commit)');
    const a = onlyArtifact(s, ids[1]!);
    assert.equal(r.outputs['artifact-id'], String(a.id));
    assert.equal(a.name, first.name, 'the same job keeps the same artifact name from run to run');
    assert.deepEqual((await storedRuns(databaseOf(a))).map((x) => x.gh_run_id), [ids[0], ids[1]]);
    // The download went through REST with the token; the blob without it.
    const zip = s.rest.log.find((l) => l.path === `/repos/octo/demo/actions/artifacts/${first.id}/zip`);
    assert.ok(zip, 'run 2 downloaded run 1 artifact');
    assert.equal(zip.authorization, `token ${TOKEN}`);
    const blob = s.rest.log.find((l) => l.method === 'GET' && l.path.startsWith(`/blob/${first.id}/`));
    assert.ok(blob);
    assert.equal(blob.authorization, undefined, 'the signed blob URL is fetched without the token');
  });

  test('run 3: sees both earlier runs; the flaky verdict from history needs run 1', async () => {
    const r = runs[2]!;
    assert.notEqual(r.code, 0, 'the genuine failure fails the step');
    assert.deepEqual(serviceWarnings(r), []);
    assert.equal(r.outputs['genuine-failures'], '1');
    assert.equal(r.outputs['flaky-failures'], '1');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), [SUPPLIER]);
    const flaky = r.annotations.find((a) => a.level === 'warning' && a.props.title?.includes('test_supplier_online'));
    assert.ok(flaky);
    assert.match(flaky.message, /TracebackMatching: same traceback as a flaky failure of run #\d+ \(tests\/test_shop\.py::TestInventory::test_supplier_online\)/);
    const second = onlyArtifact(s, ids[1]!);
    assert.match(historyLine(r.summary), new RegExp(`^history: artifact ${second.name} of run #42 \\(https://github\\.com/octo/demo/actions/runs/${ids[1]}\\) \\(2 earlier runs\\)`));
    const table = historyRows(r.summary);
    assert.equal(table.length, 3, 'this run and both earlier runs are rows of the history table');
    assert.deepEqual(
      table.map((row) => /`([0-9a-f]{7})`/.exec(row)?.[1]),
      [runs[2]!.sha, runs[1]!.sha, runs[0]!.sha].map((x) => x.slice(0, 7)),
      'newest first, by commit',
    );
    assert.ok(r.stdout.split('\n').some((l) => /^::error::1 genuine test failure/.test(l)));
    noStackTrace(r.all);
  });

  test("run 3's artifact holds the three runs with their verdicts", async () => {
    const a = onlyArtifact(s, ids[2]!);
    assert.equal(runs[2]!.outputs['artifact-id'], String(a.id));
    const db = databaseOf(a);
    const stored = await storedRuns(db);
    assert.deepEqual(stored.map((x) => x.gh_run_id), ids);
    assert.equal(new Set(stored.map((x) => x.uuid)).size, 3);
    const verdicts = await dbRows(
      db,
      `SELECT t.run_id, r.name AS ff FROM flakefighter_result r JOIN test_execution e ON e.id = r.test_execution_id
       JOIN test t ON t.id = e.test_id WHERE t.name LIKE '%test_supplier_online' AND r.flaky = 1 ORDER BY t.run_id`,
    );
    assert.ok(verdicts.some((v) => v.ff === 'OutcomeFlip' && v.run_id === stored[0]!.id));
    assert.ok(verdicts.some((v) => v.ff === 'TracebackMatching' && v.run_id === stored[2]!.id));
    // The size the history costs per stored run, for the record (zip of the sample suite's database).
    const sizes = ids.map((id) => onlyArtifact(s, id).bytes.length);
    assert.ok(sizes[0]! < sizes[1]! && sizes[1]! < sizes[2]!, `the artifact grows with each run: ${sizes}`);
    assert.ok(sizes[2]! - sizes[0]! < 4 * 1024, `a sample run adds little to the zip: ${sizes}`);
    const dbSizes = ids.map((id) => readFileSync(databaseOf(onlyArtifact(s, id))).length);
    console.log(`# database artifacts after 1, 2, 3 runs: zip ${sizes.join(', ')} bytes; database ${dbSizes.join(', ')} bytes`);
  });
});

describe('two overlapping runs: the next run keeps both', () => {
  let s: ArtifactStandIn;
  const jobs = new Map<number, JobRun>();
  before(async () => {
    s = await startArtifactStandIn();
    startRun(s, { id: 3151, runNumber: 1 });
    jobs.set(3151, await job(s, 3151, { results: 1 }));
    // Two pushes in quick succession: both runs start before either uploads, so each sees only run 1.
    // The one that started first finishes last (its artifact is the newest).
    startRun(s, { id: 3152, runNumber: 2 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    startRun(s, { id: 3153, runNumber: 3 });
    jobs.set(3153, await job(s, 3153, { results: 2 }));
    jobs.set(3152, await job(s, 3152, { results: 2 }));
    startRun(s, { id: 3154, runNumber: 4 });
    jobs.set(3154, await job(s, 3154, { results: 3 }));
  });
  after(() => s.close());

  test('each overlapping run saw only the run before both', () => {
    for (const id of [3152, 3153]) {
      const r = jobs.get(id)!;
      assert.equal(r.code, 0, r.all);
      assert.match(historyLine(r.summary), /of run #1 .*\(1 earlier run\)/);
    }
  });

  test('the next run merges both overlapping databases: no run is lost', async () => {
    const r = jobs.get(3154)!;
    assert.deepEqual(serviceWarnings(r), []);
    const newest = onlyArtifact(s, 3152);
    assert.match(historyLine(r.summary), new RegExp(`^history: artifact ${newest.name} of run #2 .* and 1 more \\(2 of 2 artifact\\(s\\) merged\\) \\(3 earlier runs\\)`));
    const stored = await storedRuns(databaseOf(onlyArtifact(s, 3154)));
    assert.deepEqual(stored.map((x) => x.gh_run_id).sort(), [3151, 3152, 3153, 3154]);
    assert.equal(new Set(stored.map((x) => x.uuid)).size, 4, 'run 1, in both databases, is stored once');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), [SUPPLIER]);
  });
});

describe('a matrix of three jobs in one run', () => {
  let s: ArtifactStandIn;
  const MATRIX = 3201;
  const NEXT = 3202;
  const pythons = ['3.11', '3.12', '3.13'];
  const legs: JobRun[] = [];
  let next: JobRun;
  before(async () => {
    s = await startArtifactStandIn();
    startRun(s, { id: MATRIX, runNumber: 7 });
    // Each leg is its own job: its own runtime token (job backend id) and fresh workspace.
    const results = [1, 2, 1] as const;
    for (const [i, py] of pythons.entries()) {
      legs.push(
        await job(s, MATRIX, {
          results: results[i]!,
          inputs: { matrix: JSON.stringify({ python: py }) },
          env: { ACTIONS_RUNTIME_TOKEN: s.token(MATRIX, `test-${py}`) },
        }),
      );
    }
    startRun(s, { id: NEXT, runNumber: 8 });
    next = await job(s, NEXT, { results: 3, inputs: { matrix: JSON.stringify({ python: '3.12' }) } });
  });
  after(() => s.close());

  test('each leg uploads its own artifact, no conflict and no history from its sibling legs', async () => {
    for (const [i, leg] of legs.entries()) {
      assert.equal(leg.code, 0, leg.all);
      assert.deepEqual(serviceWarnings(leg), [], 'no 409 warning');
      assert.match(historyLine(leg.summary), /\(0 earlier runs\)/, 'legs of the same attempt are not history of each other');
      const a = onlyArtifact(s, MATRIX, `flakefighters-db-test-${pythons[i]}`);
      assert.equal(leg.outputs['artifact-id'], String(a.id));
    }
    assert.deepEqual(uploaded(s, MATRIX).map((a) => a.name).sort(), pythons.map((p) => `flakefighters-db-test-${p}`));
    assert.ok(!s.rest.log.some((l) => l.status === 409), 'the service never refused a name');
  });

  test('the next run sees all three legs as history', async () => {
    const r = next;
    assert.deepEqual(serviceWarnings(r), []);
    const h = historyLine(r.summary);
    assert.match(h, /^history: artifact flakefighters-db-test-3\.12 of run #7 \(https:\/\/github\.com\/octo\/demo\/actions\/runs\/3201\) and 2 more \(3 of 3 artifact\(s\) merged\) \(3 earlier runs\)/, 'own leg first');
    const own = onlyArtifact(s, NEXT);
    assert.equal(own.name, 'flakefighters-db-test-3.12');
    const stored = await storedRuns(databaseOf(own));
    assert.equal(stored.length, 4);
    assert.deepEqual(stored.map((x) => x.gh_run_id), [MATRIX, MATRIX, MATRIX, NEXT]);
    assert.equal(new Set(stored.map((x) => x.uuid)).size, 4, 'three distinct leg runs, each stored once');
    // The supplier failure is flaky from the legs that saw it flaky (runs 1 of the matrix).
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), [SUPPLIER]);
    assert.equal(r.outputs['genuine-failures'], '1');
  });
});

describe('a re-run attempt', () => {
  let s: ArtifactStandIn;
  const RUN = 3301;
  let first: JobRun;
  let second: JobRun;
  let later: JobRun;
  before(async () => {
    s = await startArtifactStandIn();
    startRun(s, { id: RUN, runNumber: 12 });
    first = await job(s, RUN, { results: 2 });
    // Re-run of the same run (same id, same commit), attempt 2 starting after attempt 1 ended.
    startRun(s, { id: RUN, runNumber: 12, attempt: 2 });
    second = await job(s, RUN, { results: 3 });
    startRun(s, { id: RUN + 1, runNumber: 13 });
    later = await job(s, RUN + 1, { results: 2 });
  });
  after(() => s.close());

  test("attempt 2 sees attempt 1's run through attempt 1's artifact", async () => {
    assert.equal(first.code, 0, first.all);
    const a1 = uploaded(s, RUN)[0]!;
    assert.match(a1.name, /^flakefighters-db-test-[0-9a-f]{8}$/);
    assert.equal(first.outputs['artifact-id'], String(a1.id));
    assert.deepEqual(serviceWarnings(second), []);
    assert.match(historyLine(second.summary), new RegExp(`^history: artifact ${a1.name} of run #12 .*\\(1 earlier run\\)`));
    // Both failures passed in attempt 1 on the same commit: flaky, so the step passes.
    assert.equal(second.code, 0, second.all);
    assert.equal(second.outputs['flaky-failures'], '2');
    assert.match(second.summary, /attempt 1/);
  });

  test("attempt 2's upload does not fail on the name attempt 1 holds, and keeps both runs", async () => {
    const names = uploaded(s, RUN).map((a) => a.name);
    assert.equal(names.length, 2, `${names}`);
    const a2 = uploaded(s, RUN).find((a) => a.name.endsWith('-attempt2'));
    assert.ok(a2, `attempt 2 uploads under its own name: ${names}`);
    assert.equal(second.outputs['artifact-id'], String(a2.id));
    const stored = await storedRuns(databaseOf(a2));
    assert.deepEqual(stored.map((x) => [x.gh_run_id, x.run_attempt]), [[RUN, 1], [RUN, 2]]);
  });

  test('the next run takes the newest attempt and sees both attempts', async () => {
    assert.equal(later.code, 0, later.all);
    assert.deepEqual(serviceWarnings(later), []);
    assert.match(historyLine(later.summary), /-attempt2 of run #12 .*\(2 earlier runs\)/);
    const stored = await storedRuns(databaseOf(onlyArtifact(s, RUN + 1)));
    assert.deepEqual(stored.map((x) => [x.gh_run_id, x.run_attempt]), [[RUN, 1], [RUN, 2], [RUN + 1, 1]]);
  });
});

describe('service failures: a warning and a fresh history, never a failed step or a lost run', () => {
  let s: ArtifactStandIn;
  let good: StoredArtifact;
  let goodBytes: Buffer;
  let nextId = 3402;
  before(async () => {
    s = await startArtifactStandIn();
    startRun(s, { id: 3401, runNumber: 20 });
    const setup = await job(s, 3401, { results: 1 });
    assert.equal(setup.code, 0, setup.all);
    good = onlyArtifact(s, 3401);
    goodBytes = Buffer.from(good.bytes);
  });
  after(() => s.close());

  /**
   * Runs samples/run-3 (fail-on never, so the verdicts don't decide the step) with the good history
   * artifact of run 1 in place but out of reach, and checks: the step passes, the history is fresh
   * (run 1's flaky failure not recognised: both failures genuine), the run is stored and uploaded.
   * Its own upload is removed afterwards so the next case starts from the same history.
   */
  async function freshHistoryCase(c: { setup?: () => void; teardown?: () => void; inputs?: Record<string, string>; env?: Record<string, string> }): Promise<{ r: JobRun; warnings: string[] }> {
    const id = nextId++;
    startRun(s, { id, runNumber: id - 3380 });
    c.setup?.();
    let r: JobRun;
    try {
      r = await job(s, id, { results: 3, inputs: { 'fail-on': 'never', ...c.inputs }, env: c.env });
    } finally {
      c.teardown?.();
    }
    const mine = uploaded(s, id);
    // Its own upload leaves the stand-in before any check, so the next case starts from the same history.
    for (const a of mine) s.artifacts.splice(s.artifacts.indexOf(a), 1);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.outputs['genuine-failures'], '2', 'no history: the supplier failure is not recognised');
    assert.equal(r.outputs['flaky-failures'], '0');
    assert.match(historyLine(r.summary), /\(0 earlier runs\)/);
    assert.equal(mine.length, 1, 'the run is still uploaded');
    assert.equal(r.outputs['artifact-id'], String(mine[0]!.id));
    assert.deepEqual((await storedRuns(databaseOf(mine[0]!))).map((x) => x.gh_run_id), [id]);
    assert.ok(existsSync(join(r.workspace, 'flakefighters.db')));
    noStackTrace(r.all);
    const warnings = serviceWarnings(r);
    assert.ok(warnings.length >= 1, r.all);
    return { r, warnings };
  }

  test('the setup run is history for a run that can reach it', async () => {
    const id = nextId++;
    startRun(s, { id, runNumber: id - 3380 });
    const r = await job(s, id, { results: 3, inputs: { 'fail-on': 'never' } });
    for (const a of uploaded(s, id)) s.artifacts.splice(s.artifacts.indexOf(a), 1);
    assert.equal(r.outputs['flaky-failures'], '1', 'with run 1 as history the supplier failure is flaky');
  });

  test('403 from the REST API', async () => {
    const { warnings } = await freshHistoryCase({ setup: () => s.forbidden.add('artifacts'), teardown: () => s.forbidden.delete('artifacts') });
    assert.deepEqual(warnings, [
      "History from artifacts skipped: the github-token lacks the 'actions: read' permission (403 Resource not accessible by integration - https://docs.github.com/rest); add 'actions: read' to the job's permissions.",
    ]);
  });

  test('no token (empty github-token input)', async () => {
    const before = s.rest.log.length;
    const { warnings } = await freshHistoryCase({ inputs: { 'github-token': '' } });
    assert.deepEqual(warnings, ["History from artifacts skipped: no github-token (it needs the 'actions: read' permission)."]);
    assert.ok(!s.rest.log.slice(before).some((l) => l.path.startsWith('/repos/')), 'no REST call without a token');
  });

  test('an artifact whose bytes no longer match its digest', async () => {
    const { warnings } = await freshHistoryCase({ setup: () => s.corrupt(good.id), teardown: () => (good.bytes = goodBytes) });
    assert.deepEqual(warnings, [`History artifact '${good.name}' (id ${good.id}, run 3401) skipped: its content does not match its digest (${good.digest}).`]);
  });

  test('a corrupt zip', async () => {
    let junk: StoredArtifact | undefined;
    const { warnings } = await freshHistoryCase({
      setup: () => {
        // The newest artifact of this leg, from a later run, is a damaged archive with a matching digest.
        startRun(s, { id: 3499, runNumber: 99 });
        junk = s.addArtifact({ runId: 3499, name: good.name, zip: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]) });
        startRun(s, { id: nextId - 1, runNumber: nextId - 1 - 3380 });
      },
      teardown: () => {
        s.artifacts.splice(s.artifacts.indexOf(junk!), 1);
        s.runs.delete(3499);
      },
    });
    assert.equal(warnings.length, 1, `${warnings}`);
    assert.match(warnings[0]!, new RegExp(`^History artifact '${good.name}' \\(id ${junk!.id}, run 3499\\) skipped: it is not a usable zip archive: `));
  });

  test('an expired artifact', async () => {
    const { warnings } = await freshHistoryCase({ setup: () => s.expire(good.id), teardown: () => (good.expired = false) });
    assert.equal(warnings.length, 1, `${warnings}`);
    assert.ok(
      warnings[0]!.startsWith(
        `History from artifacts: the newest database artifact, '${good.name}' of run #20 (https://github.com/octo/demo/actions/runs/3401), has expired, so this run starts a fresh history.`,
      ),
      `the user learns why the history is gone: ${warnings[0]}`,
    );
    assert.match(warnings[0]!, /artifact-retention-days/);
  });

  test('the REST API unreachable', async () => {
    const port = await closedPort();
    const { warnings } = await freshHistoryCase({ env: { GITHUB_API_URL: `http://127.0.0.1:${port}` } });
    assert.deepEqual(warnings, [`History from artifacts skipped: the GitHub API could not be reached (connect ECONNREFUSED 127.0.0.1:${port}).`]);
  });

  test('the artifact service unreachable at upload: a warning, the step outcome unchanged, the file kept', async () => {
    const id = nextId++;
    startRun(s, { id, runNumber: id - 3380 });
    const port = await closedPort();
    const count = s.artifacts.length;
    const r = await job(s, id, { results: 2, env: { ACTIONS_RESULTS_URL: `http://127.0.0.1:${port}/` } });
    assert.equal(r.code, 0, r.all);
    assert.equal(r.outputs['artifact-id'], '');
    assert.equal(s.artifacts.length, count, 'nothing uploaded');
    const warnings = serviceWarnings(r);
    assert.equal(warnings.length, 1, `${warnings}`);
    assert.match(warnings[0]!, /^Artifact 'flakefighters-db-test-[0-9a-f]{8}' was not uploaded: Failed to CreateArtifact: Unable to make request: ECONNREFUSED .* This run's database stays at flakefighters\.db\.$/);
    assert.doesNotMatch(r.stdout, /^::error::/m);
    noStackTrace(r.all);
    // History still came in over REST, and the run is in the file left on disk.
    assert.match(historyLine(r.summary), /\(1 earlier run\)/);
    const stored = await storedRuns(join(r.workspace, 'flakefighters.db'));
    assert.deepEqual(stored.map((x) => x.gh_run_id), [3401, id]);
  });
});

describe('upload-report: a second artifact outside the history lookup', () => {
  let s: ArtifactStandIn;
  const runs: JobRun[] = [];
  before(async () => {
    s = await startArtifactStandIn();
    // `flakefighters` as the database artifact name: a plain `flakefighters-report-...` would match `flakefighters-*`.
    const inputs = { 'upload-report': 'true', 'artifact-name': 'flakefighters' };
    for (const n of [1, 3] as const) {
      startRun(s, { id: 3500 + n, runNumber: 50 + n });
      runs.push(await job(s, 3500 + n, { results: n, inputs }));
    }
  });
  after(() => s.close());

  test('the report directory goes up as its own artifact, beside the database', () => {
    const r = runs[0]!;
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(serviceWarnings(r), []);
    const list = uploaded(s, 3501);
    assert.equal(list.length, 2, `${list.map((a) => a.name)}`);
    const db = list.find((a) => a.name.startsWith('flakefighters-test-'))!;
    assert.ok(db);
    assert.equal(r.outputs['artifact-id'], String(db.id));
    databaseOf(db);
    const report = list.find((a) => a !== db)!;
    assert.match(report.name, /^report-flakefighters-report-test-[0-9a-f]{8}$/);
    assert.ok(!report.name.startsWith('flakefighters-'), 'the report name is outside the history lookup');
    const files = unzip(report);
    assert.deepEqual([...files.keys()].sort(), ['flakefighters.html', 'flakefighters.json', 'junit-flakefighters.xml']);
    const json = JSON.parse(readFileSync(files.get('flakefighters.json')!, 'utf8'));
    assert.equal(json.schemaVersion, 2);
    assert.ok(readFileSync(files.get('flakefighters.html')!, 'utf8').includes('test_supplier_online'));
    assert.match(r.summary, new RegExp(`actions/runs/3501/artifacts/${report.id}`), 'the summary links the report artifact');
  });

  test('the next run takes only the database artifact as history', async () => {
    const r = runs[1]!;
    assert.deepEqual(serviceWarnings(r), [], 'the report artifact is never tried as a database');
    assert.match(historyLine(r.summary), /^history: artifact flakefighters-test-[0-9a-f]{8} of run #51 .*\(1 earlier run\)/);
    assert.equal(r.outputs['flaky-failures'], '1');
    const downloads = s.rest.log.filter((l) => /\/actions\/artifacts\/\d+\/zip$/.test(l.path)).map((l) => Number(l.path.split('/')[5]));
    const report = uploaded(s, 3501).find((a) => a.name.startsWith('report-'))!;
    assert.ok(!downloads.includes(report.id), 'the report zip is never downloaded');
    assert.equal(uploaded(s, 3503).length, 2);
  });
});

describe('the pull request comment', () => {
  let s: ArtifactStandIn;
  const PR = 17;
  const runs: JobRun[] = [];
  let afterFirst: { id: number; body: string }[] = [];
  const event = (sha: string) => ({
    name: 'pull_request',
    payload: {
      number: PR,
      pull_request: {
        number: PR,
        head: { ref: 'feature', sha, repo: { full_name: 'octo/demo' } },
        base: { ref: 'main', repo: { full_name: 'octo/demo' } },
      },
      repository: { full_name: 'octo/demo', default_branch: 'main' },
    },
  });
  before(async () => {
    s = await startArtifactStandIn();
    s.addComment(PR, 'Looks good to me', 'alice');
    s.addComment(PR, 'Coverage report <!-- other-bot -->', 'other-bot[bot]');
    for (const n of [1, 3] as const) {
      const id = 3600 + n;
      const run = startRun(s, { id, runNumber: 60 + n, headBranch: 'feature', event: 'pull_request' });
      runs.push(
        await job(s, id, {
          results: n,
          inputs: { comment: 'true' },
          event: event(run.headSha),
          env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: `refs/pull/${PR}/merge`, GITHUB_REF_NAME: `${PR}/merge`, GITHUB_HEAD_REF: 'feature', GITHUB_BASE_REF: 'main' },
        }),
      );
      if (n === 1) afterFirst = s.comments.map((c) => ({ id: c.id, body: c.body }));
    }
  });
  after(() => s.close());

  const ours = () => s.comments.filter((c) => c.body.includes('<!-- flakefighters-action -->'));

  test('the first run creates one comment with the marker and the verdicts', () => {
    const r = runs[0]!;
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(serviceWarnings(r), []);
    const posts = s.rest.log.filter((l) => l.method === 'POST' && l.path === `/repos/octo/demo/issues/${PR}/comments`);
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.status, 201);
    assert.equal(posts[0]!.authorization, `token ${TOKEN}`);
    const mine = afterFirst.filter((c) => c.body.includes('<!-- flakefighters-action -->'));
    assert.equal(mine.length, 1);
    assert.equal(afterFirst.length, 3);
    const body = mine[0]!.body;
    assert.ok(body.startsWith('<!-- flakefighters-action -->'), body);
    assert.match(body, /1 flaky/);
    assert.match(body, /test\\?_supplier\\?_online/);
    assert.match(body, /OutcomeFlip/);
  });

  test('the second run updates that comment in place', () => {
    const r = runs[1]!;
    assert.notEqual(r.code, 0, 'the genuine failure fails the step');
    assert.deepEqual(serviceWarnings(r), []);
    assert.equal(ours().length, 1, 'exactly one comment of ours');
    assert.equal(s.comments.length, 3, 'the other comments are untouched');
    assert.equal(s.comments[0]!.body, 'Looks good to me');
    assert.equal(s.comments[1]!.body, 'Coverage report <!-- other-bot -->');
    const patches = s.rest.log.filter((l) => l.method === 'PATCH');
    assert.deepEqual(patches.map((l) => [l.path, l.status]), [[`/repos/octo/demo/issues/comments/${ours()[0]!.id}`, 200]]);
    const body = ours()[0]!.body;
    assert.ok(body.startsWith('<!-- flakefighters-action -->'));
    assert.match(body, /1 genuine/);
    assert.match(body, /1 flaky/);
    assert.match(body, /test\\?_total/);
    assert.match(body, /test\\?_supplier\\?_online/);
    assert.match(body, /TracebackMatching/, 'the flaky verdict came from the PR branch history (run 1 of the PR)');
    assert.match(historyLine(r.summary), /of run #61 .*\(1 earlier run\)/);
  });
});
