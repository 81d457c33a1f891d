/**
 * The one pipeline behind the action and the CLI:
 * inputs → Config → ingest → Run → history → flakefighters → save (one transaction) → reports → outputs.
 * Data flows one way; the shells (main.ts, cli.ts) only read inputs and print what this returns.
 */
import { execFileSync } from 'node:child_process';
import type { Config } from './config/inputs.ts';
import { classifyRun } from './classify.ts';
import type { GitHubContext } from './github/context.ts';
import type { Log } from './log.ts';
import { countRun, verdictOf, type Run, type RunCounts } from './model.ts';
import { openDatabase, type OpenedDatabase } from './open-database.ts';
import { readResults } from './ingest/read-results.ts';
import type { ReportData } from './report/report-data.ts';
import { buildRun } from './run-builder.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import { redact } from './store/redact.ts';
import { buildFlakefighters, resolveConfiguredFlakefighters } from './flakefighter-setup.ts';

export interface PipelineInput {
  config: Config;
  context: GitHubContext | null;
  log: Log;
  source: 'action' | 'cli';
  now?: Date;
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
  /** Why the step fails under `fail-on`, or null when it passes. */
  failure: string | null;
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { config: cfg, context: ctx, log } = input;
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    log.warning(m);
  };

  const specs = resolveConfiguredFlakefighters(cfg);
  const ingest = await readResults({
    patterns: cfg.testResults,
    workspace: cfg.workspace,
    root: cfg.root,
    ifNoFilesFound: cfg.ifNoFilesFound,
  });
  ingest.warnings.forEach(warn);
  log.info(`Read ${ingest.tests.length} tests from ${ingest.files.length} file(s) (${ingest.dialects.join(', ') || 'no dialect'}).`);

  const run = buildRun({
    tests: ingest.tests,
    root: cfg.root,
    startTime: input.now ?? new Date(),
    commitSha: cfg.targetCommit ?? (ctx?.sha || gitHead(cfg.workspace)),
    dialects: ingest.dialects,
    context: ctx,
    source: input.source,
  });

  const db = await openDatabase(cfg, ctx, log);
  let store = db.store;
  let fellBack = db.fallbackReason !== null;
  const cutoff = cfg.timeImmemorialMinutes !== undefined ? new Date(run.startTime.getTime() - cfg.timeImmemorialMinutes * 60_000) : undefined;
  // An invalid cut-off would compare as 'NaN…' in SQL and prune everything: never let one through.
  const since = cutoff && Number.isFinite(cutoff.getTime()) ? cutoff : undefined;

  let history: Run[];
  let sameCommitRuns: Run[] | undefined;
  try {
    // What the history-based flakefighters read is the failures and their verdicts; passing
    // executions matter only on this run's own commit (OutcomeFlip), loaded in full below.
    history = await store.loadHistory({ before: run.startTime, maxRuns: cfg.loadMaxRuns, since }, { failuresOnly: true, coverage: false });
    if (run.commitSha) {
      sameCommitRuns = (await store.loadRunsForCommit(run.commitSha, run.startTime, { coverage: false })).filter((r) => !since || r.startTime >= since);
    }
  } catch (err) {
    if (db.kind !== 'postgres') throw err;
    warn(`Could not read history from the database (${message(err)}); classifying without history and keeping this run in ${cfg.databasePath}.`);
    await store.close().catch(() => {});
    store = await openSqliteStore(cfg.databasePath);
    fellBack = true;
    history = [];
  }

  const setup = await buildFlakefighters({ cfg, specs, ctx, run, store, warn });
  await classifyRun(setup.flakefighters, { run, history, sameCommitRuns, root: cfg.root, warn });

  let savedRunId: number | null = null;
  if (cfg.save) {
    const retention = { storeMaxRuns: cfg.storeMaxRuns, since };
    // Retention is the database's business: pruning the fallback file could delete runs still waiting
    // to be uploaded; they are pruned by the database's own retention once they are there.
    const keepAll = {};
    try {
      if (fellBack) run.meta.source = 'fallback';
      savedRunId = (await store.save(run, fellBack ? keepAll : retention)).runId;
    } catch (err) {
      if (db.kind !== 'postgres' || fellBack) throw err;
      warn(`Could not save this run to the database (${message(err)}); nothing was written there. The run is kept in ${cfg.databasePath} and will be uploaded by the next run that reaches the database.`);
      await store.close().catch(() => {});
      store = await openSqliteStore(cfg.databasePath);
      fellBack = true;
      run.meta.source = 'fallback';
      savedRunId = (await store.save(run, keepAll)).runId;
    }
  }
  await store.close();

  const counts = countRun(run);
  const flakyTests = run.tests.filter((t) => verdictOf(t) === 'flaky').map((t) => t.name);
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
  };
  return {
    data,
    counts,
    flakyTests,
    savedRunId,
    database: fellBack ? 'sqlite' : db.kind,
    sqlitePath: fellBack ? cfg.databasePath : db.sqlitePath,
    fellBack,
    failure: failureOf(cfg.failOn, counts),
  };
}


function failureOf(failOn: Config['failOn'], c: RunCounts): string | null {
  if (failOn === 'genuine' && c.genuine > 0) return `${c.genuine} genuine test failure(s) (and ${c.flaky} flaky).`;
  if (failOn === 'any' && c.failed > 0) return `${c.failed} test failure(s) (${c.genuine} genuine, ${c.flaky} flaky) and fail-on is 'any'.`;
  return null;
}

const message = (err: unknown) => redact(err instanceof Error ? err.message : String(err));

/** The checked-out commit when the runner didn't say (the CLI on a developer's machine). */
function gitHead(dir: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim() || null;
  } catch {
    return null;
  }
}

