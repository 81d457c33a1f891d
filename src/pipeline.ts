/**
 * The one pipeline behind the action and the CLI:
 * inputs → Config → ingest → Run → history → flakefighters → save (one transaction) → reports → outputs.
 * Data flows one way; the shells (action/main.ts, cli/cli.ts) only read inputs and print what this returns.
 */
import type { Config } from './config/inputs.ts';
import { classifyRun } from './classify.ts';
import { readCodeState } from './code-state.ts';
import type { GitHubContext, RunEnvironment } from './github/context.ts';
import type { ResultsArtifacts } from './github/run-artifacts.ts';
import type { Log } from './log.ts';
import { countRun, failingTests, settleRun, verdictOf, type Run, type RunCounts } from './model.ts';
import { openDatabase, type OpenedDatabase } from './open-database.ts';
import { readResults, type UnreadableFile } from './ingest/read-results.ts';
import type { ReportData } from './report/report-data.ts';
import { buildRun } from './run-builder.ts';
import type { SqliteStore } from './store/sqlite-store.ts';
import { redact } from './store/redact.ts';
import { DatabaseFileError, SchemaDriftError } from './store/sqlite-file.ts';
import { FAR_FUTURE_MS, skewThreshold, withSkewedRuns } from './history-skew.ts';
import { UserError, type Store } from './store/store.ts';
import { storeTracebackSource } from './store/traceback-signatures.ts';
import type { TracebackHistorySource } from './flakefighters/traceback-history.ts';
import { sparedCommits, storeMaxRunsFor } from './store/default-retention.ts';
import type { DatabaseSizeFacts } from './report/report-data.ts';
import { basename } from 'node:path';
import { buildFlakefighters, resolveConfiguredFlakefighters } from './flakefighter-setup.ts';

export interface PipelineInput {
  config: Config;
  context: GitHubContext | null;
  log: Log;
  source: 'action' | 'cli';
  now?: Date;
  /** Where the run ran, when the shell names it (the CLI's --environment); else derived (run-builder.ts). */
  environment?: RunEnvironment;
  /**
   * The `results-artifact` download (downloadResults), when the shell made it already: action/main.ts sizes the files before
   * it picks the thread that reads them. Unset, the pipeline downloads them itself.
   */
  downloaded?: ResultsArtifacts | null;
}

export interface PipelineResult {
  data: ReportData;
  counts: RunCounts;
  flakyTests: string[];
  savedRunId: number | null;
  database: OpenedDatabase['kind'];
  /** The sql.js file that holds this run (own database or Postgres fallback), for the artifact upload. */
  sqlitePath: string | null;
  /** True when the run was kept in the fallback file because Postgres failed. */
  fellBack: boolean;
  /** Upload the database under the carry name: this job's own history artifact was too big to merge (artifact-history.ts). */
  carry?: boolean;
  /** Why the step fails under `fail-on`, or null when it passes. */
  failure: string | null;
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { context: ctx, log } = input;
  const warnings: string[] = [];
  const warn = (m: string) => {
    // The summary and report files print these: no credential may reach them.
    warnings.push(redact(m));
    log.warning(m);
  };
  const cfg = withResultsArtifacts(input.config, input.downloaded !== undefined ? input.downloaded : await downloadResults(input.config, ctx), log, warn);

  const specs = resolveConfiguredFlakefighters(cfg);
  // sql.js's WebAssembly (lazy-loaded, needed right after the read) compiles on V8's background threads while the
  // results are read; a failure here is left to openDatabase, which loads it again and reports it.
  if (!cfg.databaseUrl && (cfg.save || cfg.uploadArtifact)) void import('./store/sqljs.ts').then((m) => m.loadSqlJs()).catch(() => {});
  const ingest = await readResults({
    patterns: cfg.testResults,
    workspace: cfg.resultsDir ?? cfg.workspace,
    root: cfg.root,
    ifNoFilesFound: cfg.ifNoFilesFound,
    reportDir: cfg.reportDir || undefined,
  });
  ingest.warnings.forEach(warn);
  for (const n of ingest.notices) (log.notice ?? log.info)(n);
  // A bad file among several: the others go on, the bad one is named in an error annotation and the summary,
  // and the step fails below (its tests are missing) unless fail-on is never.
  for (const u of ingest.unreadable) {
    log.error(u.message, { file: u.file });
    warnings.push(redact(u.message));
  }
  if (ingest.unreadable.length && ingest.tests.length === 0) {
    throw new UserError(`test-results: no tests to classify: ${unreadableList(ingest.unreadable)} could not be read (each named above), and no other file matching ${cfg.testResults.join(', ')} holds tests; nothing was saved.`);
  }
  log.info(`Read ${ingest.tests.length} tests from ${ingest.files.length} file(s) (${ingest.dialects.join(', ') || 'no dialect'}).`);

  // Under workflow_run (fork pull requests) the results are the triggering run's: its commit, not the base branch's.
  const runnerSha = (ctx?.eventName === 'workflow_run' && typeof ctx.payload.workflow_run?.head_sha === 'string' && ctx.payload.workflow_run.head_sha) || ctx?.sha;
  const code = readCodeState({ workspace: cfg.workspace, targetCommit: cfg.targetCommit, runnerSha });
  const run = buildRun({
    tests: ingest.tests,
    root: cfg.root,
    startTime: input.now ?? new Date(),
    commitSha: code.commitSha,
    dirtyTree: code.dirtyTree,
    environment: input.environment,
    dialects: ingest.dialects,
    context: ctx,
    source: input.source,
  });
  if (ingest.unreadable.length) run.meta.unreadableFiles = ingest.unreadable.map((u) => u.file);
  // From here on only results are added to the run: its failing tests are sorted out once, for every later pass.
  settleRun(run);
  if (code.dirtyTree) log.info(`The working tree has uncommitted changes to tracked files: passes in other runs of ${code.commitSha?.slice(0, 7)} do not count for this run.`);

  // Its warnings (an unreachable database, a history artifact that failed) belong in the summary too.
  const db = await openDatabase(cfg, ctx, { ...log, warning: (m, p) => (warnings.push(redact(m)), log.warning(m, p)) });
  let store = db.store;
  let fellBack = db.fallbackReason !== null;
  const cutoff = cfg.timeImmemorialMinutes !== undefined ? new Date(run.startTime.getTime() - cfg.timeImmemorialMinutes * 60_000) : undefined;
  // An invalid cut-off would compare as 'NaN…' in SQL and prune everything: never let one through.
  const since = cutoff && Number.isFinite(cutoff.getTime()) ? cutoff : undefined;

  let history: Run[];
  let sameCommitRuns: Run[] | undefined;
  let tracebacks: TracebackHistorySource | undefined;
  try {
    // The history flakefighters read the window's flaky tracebacks from the signature index (store/traceback-signatures.ts),
    // so classifying does not grow with the runs kept; the stored failures themselves are loaded for the reports, which
    // show them per run and per test. Bare: outcomes and verdicts, what the reports read of a stored run (strips, counts,
    // the flip ranking over every failure of the window); no exceptions, frames, texts or evidence, which none shows.
    const window = { before: run.startTime, maxRuns: cfg.loadMaxRuns, since };
    const failures = { failuresOnly: true, coverage: false, bare: true };
    history = await store.loadHistory(window, failures);
    // The window the flakefighters read: loadHistory's own, unless runs stamped ahead were merged into it.
    let read: typeof window | Run[] = window;
    // Every stored run was saved before this one: one stamped after the present moment is a clock that
    // ran ahead, used with a warning (history-skew.ts). Not when the caller set the time (a backfill).
    const skewedFrom = input.now === undefined ? skewThreshold(run.startTime) : null;
    const horizon = new Date(run.startTime.getTime() + FAR_FUTURE_MS);
    if (skewedFrom) {
      const future = await store.loadHistory({ before: horizon, since: skewedFrom, maxRuns: cfg.loadMaxRuns }, failures);
      const skewed = withSkewedRuns(history, future, run.startTime);
      skewed.warnings.forEach(warn);
      history = cfg.loadMaxRuns !== undefined && cfg.loadMaxRuns !== null ? skewed.history.slice(0, cfg.loadMaxRuns) : skewed.history;
      if (future.length) read = history;
    }
    const source = storeTracebackSource(store, read);
    // Read here, so a database that fails now falls back below instead of failing halfway through the flakefighters.
    await source.preload(run, cfg.root, specs.some((s) => s.name === 'CosineSimilarity'));
    tracebacks = source;
    if (run.commitSha) {
      // Only this run's failing tests: OutcomeFlip asks nothing else of the runs of its commit and environment.
      const testNames = failingTests(run).map((t) => t.name);
      const opts = { coverage: false, environment: run.meta.environment ?? null, testNames };
      // One load up to the horizon when skewed runs count (newest first: the skewed ones, then those
      // before this run); the runs stamped in between ran alongside this one and are left out.
      const loaded = await store.loadRunsForCommit(run.commitSha, skewedFrom ? horizon : run.startTime, opts);
      const before = (skewedFrom ? loaded.filter((r) => r.startTime < run.startTime) : loaded).filter((r) => !since || r.startTime >= since);
      sameCommitRuns = skewedFrom ? [...loaded.filter((r) => r.startTime >= skewedFrom), ...before] : before;
    }
  } catch (err) {
    if (db.kind !== 'postgres') throw err;
    warn(`Could not read history from the database (${message(err)}); classifying without history and keeping this run in ${cfg.databasePath}.`);
    await store.close().catch(() => {});
    store = await (await import('./store/sqlite-store.ts')).openSqliteStore(cfg.databasePath);
    fellBack = true;
    history = [];
    tracebacks = undefined;
  }

  const setup = await buildFlakefighters({ cfg, specs, ctx, run, store, warn });
  await classifyRun(setup.flakefighters, { run, history, sameCommitRuns, tracebacks, root: cfg.root, warn });
  // The verdicts are final here: the save, the outputs, the summary and every report read these counts, counted once.
  run.meta.counts = countRun(run);

  let savedRunId: number | null = null;
  /** The retention this save applied, for the summary's size line. */
  let kept: DatabaseSizeFacts['kept'] = { maxRuns: typeof cfg.storeMaxRuns === 'number' ? cfg.storeMaxRuns : null, auto: cfg.storeMaxRuns === 'auto', since: since ?? null };
  /** Set when the run could not go to the database: the side file that holds it (null: nowhere). */
  let keptIn: string | null | undefined;
  /** Earlier failures of this code and environment that this run's passes showed to be flaky (issue 18). */
  let taught: { testName: string; reason: string }[] = [];
  if (cfg.save) {
    // `auto` sizes the sql.js file's retention from its own average run (default-retention.ts).
    const spared = sparedCommits(cfg.storeMaxRuns, setup.flakefighters);
    const retention = { storeMaxRuns: await storeMaxRunsFor(cfg.storeMaxRuns, store, cfg.loadMaxRuns), since, ...(spared.length ? { keepCommits: spared } : {}) };
    kept = { maxRuns: retention.storeMaxRuns ?? null, auto: cfg.storeMaxRuns === 'auto', since: since ?? null };
    // Retention is the database's business: pruning the fallback file could delete runs still waiting
    // to be uploaded; they are pruned by the database's own retention once they are there.
    const keepAll = {};
    try {
      if (fellBack) {
        run.meta.source = 'fallback';
        kept = { maxRuns: null, auto: false, since: null };
      }
      const saved = await store.save(run, fellBack ? keepAll : retention);
      savedRunId = saved.runId;
      taught = (saved.learned ?? []).map((t) => ({ testName: t.testName, reason: String(t.evidence.reason ?? '') }));
    } catch (err) {
      if (err instanceof SchemaDriftError && store.kind === 'sqlite') {
        // Nothing was written: the run and the history go to a side file the artifact upload takes.
        keptIn = await (await import('./keep-aside.ts')).keepRunAside(store as SqliteStore, run, cfg.databasePath);
        warn(`${err.message}. Nothing was written to it; this run is kept in ${keptIn} instead, with the history (the artifact upload takes it).`);
      } else {
        if (db.kind !== 'postgres' || fellBack) throw err;
        warn(`Could not save this run to the database (${message(err)}); nothing was written there. The run is kept in ${cfg.databasePath} and will be uploaded by the next run that reaches the database.`);
        await store.close().catch(() => {});
        store = await (await import('./store/sqlite-store.ts')).openSqliteStore(cfg.databasePath);
        fellBack = true;
        run.meta.source = 'fallback';
        kept = { maxRuns: null, auto: false, since: null };
        savedRunId = (await store.save(run, keepAll)).runId;
      }
    }
  }
  // The report files rank the flakiest tests over every stored run (history above holds only failures). The
  // query reads every stored execution, so it runs only when report files are written.
  let flakiest: ReportData['flakiest'];
  try {
    if (cfg.reportDir) flakiest = await store.flakiestTests(100);
  } catch (err) {
    warn(`Could not rank the flakiest tests from the database (${message(err)}); the reports rank them from the loaded history.`);
  }
  const databaseSize = await sizeFacts(store, kept, fellBack, log);
  // An unwritable database-path (read-only, full, a parent that is a file, locked by another writer)
  // is one warning: the run is classified and reported all the same, kept in the side file named.
  try {
    await store.close();
  } catch (err) {
    if (!(err instanceof DatabaseFileError)) throw err;
    warn(err.message);
    keptIn = err.keptIn;
  }

  const counts = countRun(run);
  // Only a failing test can be flaky (verdictOf).
  const flakyTests = failingTests(run).filter((t) => verdictOf(t) === 'flaky').map((t) => t.name);
  const data: ReportData = {
    run,
    history,
    files: ingest.files,
    dialects: ingest.dialects,
    flakefighters: setup.flakefighters.map((f) => f.name),
    warnings,
    database: fellBack
      ? { kind: 'sqlite', description: `SQLite fallback file ${cfg.databasePath} (the database-url database failed)` }
      : { kind: db.kind, description: db.description },
    historySource: db.historySource,
    sffl: setup.sffl?.(),
    workspace: cfg.workspace,
    repoUrl: ctx?.repository ? `${ctx.serverUrl}/${ctx.repository}` : null,
    sha: run.commitSha,
    links: [],
    historyFailuresOnly: true,
    taught,
    flakiest,
    ...(databaseSize ? { databaseSize } : {}),
  };
  return {
    data,
    counts,
    flakyTests,
    savedRunId,
    database: fellBack ? 'sqlite' : db.kind,
    sqlitePath: keptIn !== undefined ? keptIn : fellBack ? cfg.databasePath : db.sqlitePath,
    fellBack,
    ...(db.carry ? { carry: true } : {}),
    failure: failureOf(cfg.failOn, counts, ingest.unreadable),
  };
}


/** The database's size after the save, from one cheap query; a database that cannot say (or fails to) is left out. */
async function sizeFacts(store: Store, kept: DatabaseSizeFacts['kept'], fellBack: boolean, log: Log): Promise<DatabaseSizeFacts | null> {
  if (!store.databaseSize) return null;
  try {
    const size = await store.databaseSize();
    const name = store.kind === 'sqlite' ? basename((store as SqliteStore).path) : null;
    return { ...size, name, kept, fallback: fellBack };
  } catch (err) {
    log.debug(`Could not read the database size (${message(err)}).`);
    return null;
  }
}

/**
 * Under `results-artifact` (fork pull requests through workflow_run) the result files and coverage are another
 * run's artifacts, downloaded to a folder of their own; null without it.
 */
export async function downloadResults(cfg: Config, ctx: GitHubContext | null): Promise<ResultsArtifacts | null> {
  if (cfg.resultsArtifact.length === 0) return null;
  // The REST and artifact clients load only for a run that reads another run's artifacts.
  const { downloadResultsArtifacts } = await import('./github/run-artifacts.ts');
  return downloadResultsArtifacts({
    patterns: cfg.resultsArtifact,
    runId: cfg.resultsRunId,
    token: cfg.githubToken,
    context: ctx,
    maxBytes: cfg.historyMaxMb * 1024 * 1024,
  });
}

/** The downloaded artifacts' folder is where test-results and coverage globs are matched. */
function withResultsArtifacts(cfg: Config, got: ResultsArtifacts | null, log: Log, warn: (m: string) => void): Config {
  if (!got) return cfg;
  const folders = { resultsDir: got.dir, coverageDir: got.dir };
  if (got.missing) {
    if (cfg.ifNoFilesFound === 'error') throw new UserError(got.missing);
    if (cfg.ifNoFilesFound === 'warn') warn(got.missing);
    // Said once: the empty folder's own "no result files" would say it again.
    return { ...cfg, ...folders, ifNoFilesFound: 'ignore' };
  }
  for (const a of got.artifacts) log.info(`Read artifact '${a.name}' (id ${a.id}) of run ${got.runId}: ${a.files.length} file(s), in ${a.folder}.`);
  return { ...cfg, ...folders };
}

function failureOf(failOn: Config['failOn'], c: RunCounts, unreadable: UnreadableFile[]): string | null {
  const reasons: string[] = [];
  if (failOn === 'genuine' && c.genuine > 0) reasons.push(`${c.genuine} genuine test failure(s) (and ${c.flaky} flaky).`);
  if (failOn === 'any' && c.failed > 0) reasons.push(`${c.failed} test failure(s) (${c.genuine} genuine, ${c.flaky} flaky) and fail-on is 'any'.`);
  // Whatever failed in a file that could not be read is unknown, so the run cannot be called green.
  if (failOn !== 'never' && unreadable.length) reasons.push(`${unreadableList(unreadable)} could not be read; their tests are missing from this run.`);
  return reasons.length ? reasons.join(' ') : null;
}

function unreadableList(files: UnreadableFile[]): string {
  const names = files.slice(0, 5).map((u) => u.file).join(', ') + (files.length > 5 ? `, and ${files.length - 5} more` : '');
  return `${files.length} result file(s) (${names})`;
}

const message = (err: unknown) => redact(err instanceof Error ? err.message : String(err));

