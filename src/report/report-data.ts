/** Everything a report needs, built once by the pipeline; reports never reach back into ingest or the store. */
import type { Run } from '../model.ts';
import type { TestFlakiness } from '../store/flakiest-query.ts';

export interface SfflRow {
  file: string;
  line: number;
  suspiciousness: number;
}

export interface ReportData {
  run: Run;
  /** Stored runs before this one, newest first, as the flakefighters saw them. */
  history: Run[];
  /** Result files read, relative to the workspace. */
  files: string[];
  /** Dialects read, e.g. ["pytest", "maven-surefire", "ctrf"]. */
  dialects: string[];
  /** Active flakefighter names, in configuration order. */
  flakefighters: string[];
  warnings: string[];
  database: { kind: 'sqlite' | 'postgres'; description: string };
  /** e.g. "artifact flakefighters-db of run #41 (https://...)" or "postgres" or "none (fresh history)". */
  historySource?: string;
  sffl?: { formula: string; rows: SfflRow[] };
  /** Links shown in the summary (artifact downloads, the HTML report). */
  links?: { label: string; url: string }[];
  /** Absolute workspace (the repository checkout): annotation and link paths are relative to it, not to run.root. */
  workspace?: string;
  /** https://github.com/owner/repo, for links to files and runs when known. */
  repoUrl?: string | null;
  sha?: string | null;
  /**
   * True when `history` was loaded with its failures only (the action): a test missing from a stored run that has
   * counts did not fail there (it passed, or did not run), which the history strips show instead of "absent".
   */
  historyFailuresOnly?: boolean;
  /** The flakiest tests over every stored run, from the database's aggregate query (Store.flakiestTests). */
  flakiest?: TestFlakiness[];
  /** Stored failures of this commit and environment that this run's passes turned into flaky evidence. */
  taught?: { testName: string; reason: string }[];
  /** The database's size after this run's save (the summary's size line); absent when it could not be read. */
  databaseSize?: DatabaseSizeFacts;
}

/** DatabaseSize (store/database-size.ts) with the file's name and the retention the save applied. */
export interface DatabaseSizeFacts {
  bytes: number;
  usedBytes: number;
  runs: number;
  /** The sql.js file's name; null for PostgreSQL. */
  name: string | null;
  /** maxRuns null: every run kept (apart from `since`). auto: chosen by `store-max-runs: auto`. */
  kept: { maxRuns: number | null; auto: boolean; since: Date | null };
  /** The run went to the fallback file, which is never pruned. */
  fallback: boolean;
}
