/**
 * One CI step on a fresh runner whose history is an artifact of 1,000 stored runs of a 1,000-test
 * suite (issue 17, goal 6): the built dist/index.js run as the runner runs it, against the artifact
 * stand-in server (REST listing, 302 to the blob, real zip), downloading that history, classifying
 * a new run of the suite, saving and uploading the database (no report files: `report-dir: ''`;
 * `fail-on: never`, so its genuine failures do not fail the step). The baseline is the same step with a
 * local database file already on disk (one earlier run), where the downloaded history is merged
 * into it run by run, as every fresh runner did before it adopted the download.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distIndex, runnerEnv, runnerFiles } from '../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn } from '../__tests__/helpers/artifact-stand-in.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { loadSqlJs } from '../src/store/sqljs.ts';
import { createHash } from 'node:crypto';
import { createMissingTables, inspectSqliteSchema } from '../src/store/sqlite-schema.ts';
import type { BenchContext } from './run.ts';
import { MAX_ID_SQL, replicationSql, templateRuns, writeJunit, type HistorySpec } from './generate.ts';
import { repeat, runNode, type Sample } from './measure.ts';
import { kib, type Row } from './row.ts';

const SPEC: HistorySpec = { tests: 1000, failureRate: 0.02, templates: 10, depth: 4, version: 1 };
const STORED_RUNS = 1000;
const LEG = 'flakefighters-db-test-a';
const TARGET_MS = 5000;

/**
 * The artifact's database: the templates saved through the store, copied with SQL, then indexed by the
 * store (cached per schema: a file of another schema is not adopted but merged, which is another measure).
 */
async function historyFile(dataDir: string): Promise<string> {
  const path = join(dataDir, `artifact-history-${STORED_RUNS}runs-${SPEC.tests}tests-v${SPEC.version}-schema${await schemaTag()}.db`);
  if (existsSync(path)) return path;
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  const store = await openSqliteStore(tmp);
  for (const run of await templateRuns(SPEC)) await store.save(run);
  await store.close();
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(tmp));
  try {
    const [res] = db.exec(MAX_ID_SQL);
    const maxIds = Object.fromEntries(res!.columns.map((c, i) => [c, Number(res!.values[0]![i])]));
    db.run('BEGIN');
    for (const stmt of replicationSql('sqlite', STORED_RUNS / SPEC.templates, maxIds, SPEC.templates)) db.run(stmt);
    db.run('COMMIT');
    writeFileSync(tmp, db.export());
  } finally {
    db.close();
  }
  // The copies lack the traceback signature index a store's save writes with each run: reading the whole
  // history through the store indexes them, as the action's own file would be.
  const indexing = await openSqliteStore(tmp);
  await indexing.loadHistoryRuns({ before: new Date(8.64e15) });
  await indexing.close();
  renameSync(tmp, path);
  return path;
}

/** A short hash of the schema a new file of ours gets (its tables, columns and indexes). */
async function schemaTag(): Promise<string> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  try {
    createMissingTables(db, inspectSqliteSchema(db, 'a new database'));
    const sql = db.exec('SELECT type, name, sql FROM sqlite_master ORDER BY type, name')[0]?.values ?? [];
    return createHash('sha256').update(JSON.stringify(sql)).digest('hex').slice(0, 10);
  } finally {
    db.close();
  }
}

let nextRun = 5000;

/**
 * One CI step of a new workflow run in a fresh workspace (with `localDb` copied in first, if given).
 * Its upload is removed afterwards unless `keep`: every measured step starts from the same artifact.
 */
async function step(s: ArtifactStandIn, localDb: string | null, keep = false): Promise<Sample> {
  const id = nextRun++;
  s.defineRun({ id, runStartedAt: new Date(), runNumber: id % 1000 });
  const ws = mkdtempSync(join(tmpdir(), 'ff-bench-art-'));
  try {
    writeJunit(join(ws, 'junit.xml'), { tests: SPEC.tests, seed: 77, failureRate: SPEC.failureRate, depth: SPEC.depth });
    if (localDb) copyFileSync(localDb, join(ws, 'flakefighters.db'));
    const opts = { workspace: ws, inputs: { 'test-results': 'junit.xml', 'github-token': 'ghs_bench', matrix: '{"leg":"a"}', 'report-dir': '', 'fail-on': 'never' } };
    const env = { ...runnerEnv(opts, runnerFiles()), ...s.env(id, { GITHUB_WORKSPACE: ws }) };
    return await runNode([distIndex], env, ws);
  } finally {
    rmSync(ws, { recursive: true, force: true });
    if (!keep) for (let i = s.artifacts.length - 1; i >= 0; i--) if (s.artifacts[i]!.runId === id) s.artifacts.splice(i, 1);
  }
}

export default async function artifactHistory(ctx: BenchContext): Promise<Row[]> {
  const db = await historyFile(ctx.dataDir);
  const s = await startArtifactStandIn();
  try {
    s.defineRun({ id: 41, runStartedAt: new Date(Date.now() - 3_600_000), runNumber: 41 });
    // The seed is zipped by the test helper, as another tool (or a version before the zip comment)
    // would: the first step checks it in full before adopting it, and uploads the history that every
    // measured step then downloads, as each CI step downloads the one its predecessor uploaded.
    const seed = s.addArtifact({ runId: 41, name: LEG, files: { 'flakefighters.db': readFileSync(db) } });
    const scenario = `CI step, artifact of ${STORED_RUNS} runs × ${SPEC.tests} tests`;
    const seeded = await step(s, null, true);
    s.expire(seed.id);
    const own = s.artifacts.find((x) => x.name === LEG && !x.expired && x.finalized);
    if (!own) throw new Error('the seeding step uploaded no history artifact');
    const size = `${kib(statSync(db).size)} file, zip ${kib(own.bytes.length)}`;
    const fresh = await repeat(() => step(s, null), Math.max(1, Math.min(ctx.runs, 3)));
    const rows: Row[] = [
      { scenario, measure: `fresh runner (adopts the download its predecessor uploaded; ${size})`, value: `${(fresh.wallMs / 1000).toFixed(2)} s, ${fresh.rssMiB.toFixed(0)} MiB`, target: `≤ ${TARGET_MS / 1000} s`, met: fresh.wallMs <= TARGET_MS },
      { scenario, measure: 'fresh runner, artifact zipped by another tool (full checks before adopting), 1 run', value: `${(seeded.wallMs / 1000).toFixed(2)} s, ${seeded.rssMiB.toFixed(0)} MiB` },
    ];
    if (process.env.BENCH_MERGE_BASELINE !== '0') {
      // A local file of one other run: the download cannot be adopted and is merged run by run.
      const local = join(mkdtempSync(join(tmpdir(), 'ff-bench-art-local-')), 'flakefighters.db');
      const store = await openSqliteStore(local);
      await store.save((await templateRuns({ ...SPEC, templates: 1 }))[0]!);
      await store.close();
      const merged = await step(s, local);
      rows.push({
        scenario,
        measure: 'a local file exists (merges the download run by run), 1 run',
        value: `${(merged.wallMs / 1000).toFixed(2)} s, ${merged.rssMiB.toFixed(0)} MiB`,
        baseline: `fresh ${(fresh.wallMs / 1000).toFixed(2)} s`,
        ratio: merged.wallMs / fresh.wallMs,
      });
    }
    return rows;
  } finally {
    await s.close();
  }
}
