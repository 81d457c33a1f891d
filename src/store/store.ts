/**
 * The one interface both back ends (sql.js file, Postgres) implement. Small on purpose:
 * every write is one call that is one transaction, so nothing can forget to commit or roll back.
 */
import type { Run } from '../model.ts';
import type { LoadOptions } from './rows.ts';
import type { LearnedVerdict } from './learn-from-reruns.ts';
import type { TestFlakiness } from './flakiest-query.ts';
import type { FlakyTracebackGroup } from '../flakefighters/traceback-history.ts';
import type { DatabaseSize } from './database-size.ts';

export interface HistoryQuery {
  /** Only runs whose start_time is strictly before this (design §3). */
  before: Date;
  /** At most this many runs, newest first; undefined = all. */
  maxRuns?: number;
  /** No run older than this. */
  since?: Date;
}

export interface Retention {
  /** Keep at most this many runs (the new one included) after saving. */
  storeMaxRuns?: number;
  /** Delete runs that started before this. */
  since?: Date;
  /** Runs of these commits are not counted out by storeMaxRuns (sql.js; `auto` spares DiffCov's source runs). */
  keepCommits?: string[];
}

export interface SaveResult {
  /** Database id of the saved run. */
  runId: number;
  /** Runs deleted by retention. */
  pruned: number;
  /** False when a run with the same uuid was already there (idempotent save). */
  inserted: boolean;
  /** Stored failures this run's passes showed to be flaky, each given a learned verdict (learn-from-reruns.ts). */
  learned?: LearnedVerdict[];
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Things the user should know about opening (a corrupt file moved aside, unreadable rows). */
  readonly warnings: string[];
  /** Runs before `q.before`, newest first, fully hydrated (tests, executions, exceptions, frames, results, flakefighters). */
  loadHistory(q: HistoryQuery, opts?: LoadOptions): Promise<Run[]>;
  /**
   * The runs loadHistory would select, newest first, each without its tests (meta and stored counts only): the window
   * the history flakefighters read through the signature index (flakyTracebacks) instead of every stored failure.
   */
  loadHistoryRuns(q: HistoryQuery): Promise<Run[]>;
  /**
   * The distinct flaky tracebacks of a window (the runs loadHistory would select for a query, or these runs, newest
   * first), counted, each with its first occurrence (store/traceback-signatures.ts); with `hashes`, only those
   * TracebackMatching looks up.
   */
  flakyTracebacks(window: HistoryQuery | readonly Run[], hashes?: readonly string[]): Promise<FlakyTracebackGroup[]>;
  /** Stored runs whose commit_sha equals `sha` (DiffCov's source runs), before `before`, newest first. */
  loadRunsForCommit(sha: string | null, before: Date, opts?: LoadOptions): Promise<Run[]>;
  /** Saves the run, its children and retention in one transaction; a run whose uuid exists is not saved twice. */
  save(run: Run, retention?: Retention): Promise<SaveResult>;
  /** Run uuids already stored (for sync and pending uploads). */
  hasRun(uuid: string): Promise<boolean>;
  /** The flakiest tests over every stored run, ranked by one aggregate query (flakiest-query.ts), at most `limit`. */
  flakiestTests(limit: number): Promise<TestFlakiness[]>;
  /** The database's size and run count from one cheap query (database-size.ts); absent where nothing is stored. */
  databaseSize?(): Promise<DatabaseSize>;
  /** Flushes (sql.js: atomic write to disk) and releases resources. */
  close(): Promise<void>;
}

/** A user-facing error: printed as one line, never with a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}
