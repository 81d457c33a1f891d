/**
 * Every input read and validated in one place (like actions/cache): the action reads them from
 * INPUT_* through @actions/core, the CLI from its flags, and both get the same Config and the
 * same one-line errors.
 */
import { isAbsolute, resolve } from 'node:path';
import { parseDatabaseUrl } from '../store/database-url.ts';
import { UserError } from '../store/store.ts';
import type { StoreMaxRunsSetting } from '../store/default-retention.ts';

export type FailOn = 'genuine' | 'any' | 'never';
export type IfNoFilesFound = 'warn' | 'error' | 'ignore';

export interface Config {
  workspace: string;
  testResults: string[];
  ifNoFilesFound: IfNoFilesFound;
  databaseUrl: string | null;
  databaseSslCa: string | null;
  databasePath: string;
  uploadArtifact: boolean;
  artifactName: string;
  artifactRetentionDays: number | undefined;
  historyFromArtifact: boolean;
  /** Largest history artifact (zip) merged, in MiB; a bigger one is kept, not replaced (artifact-history.ts). */
  historyMaxMb: number;
  flakefighters: string;
  activeFlakefighters: string[] | null;
  coverage: string[];
  root: string;
  sourceCommit: string | null;
  targetCommit: string | null;
  loadMaxRuns: number | undefined;
  /** Runs kept after a save: a number, `auto` (default-retention.ts: a bounded sql.js file, PostgreSQL keeps all) or undefined for every run (`all`). */
  storeMaxRuns: StoreMaxRunsSetting;
  /** Minutes; history older than this is ignored and pruned. */
  timeImmemorialMinutes: number | undefined;
  save: boolean;
  failOn: FailOn;
  summary: boolean;
  annotations: boolean;
  maxAnnotations: number;
  reportDir: string;
  uploadReport: boolean;
  comment: boolean;
  githubToken: string;
  matrix: string;
  /**
   * The folder test-results globs are read from and must stay inside; unset, the workspace. Only the CLI sets it,
   * when its user gives a path outside the current directory (cli/cli-paths.ts); the action never reads outside the workspace.
   */
  resultsDir?: string;
  /** Artifact names or globs (input `results-artifact`): the result files and coverage come from these artifacts of another run. */
  resultsArtifact: string[];
  /** Input `results-run-id`: the run holding them; unset, the triggering run under workflow_run, else this run. */
  resultsRunId: number | undefined;
  /** The folder coverage globs are matched in; unset, the workspace. Set to the download folder of `results-artifact`. */
  coverageDir?: string;
}

/** Input names and defaults, as action.yml documents them (a test keeps the two in step). */
export const INPUT_DEFAULTS: Record<string, string> = {
  'test-results': '',
  'if-no-files-found': 'error',
  'database-url': '',
  'database-ssl-ca': '',
  'database-path': 'flakefighters.db',
  'upload-artifact': 'true',
  'artifact-name': 'flakefighters-db',
  'artifact-retention-days': '',
  'history-from-artifact': 'auto',
  'history-max-mb': '1024',
  flakefighters: '',
  'active-flakefighters': '',
  coverage: '',
  root: '',
  'source-commit': '',
  'target-commit': '',
  'load-max-runs': '',
  'store-max-runs': 'auto',
  'time-immemorial': '',
  save: 'true',
  'fail-on': 'genuine',
  summary: 'true',
  annotations: 'true',
  'max-annotations': '50',
  'report-dir': 'flakefighters-report',
  'upload-report': 'false',
  comment: 'false',
  'github-token': '',
  matrix: '',
  'results-artifact': '',
  'results-run-id': '',
};

export type InputReader = (name: string) => string;

export function readConfig(input: InputReader, workspace: string): Config {
  const get = (name: string): string => {
    const v = input(name).trim();
    return v === '' ? (INPUT_DEFAULTS[name] ?? '') : v;
  };
  const databaseUrl = get('database-url') || null;
  if (databaseUrl) checkDatabaseUrl(databaseUrl); // a malformed URL fails before any work is done
  const root = get('root');
  const testResults = splitList(get('test-results'));
  if (testResults.length === 0) {
    throw new UserError("Input 'test-results' is empty; give the result files to read, e.g. 'reports/**/*.xml'.");
  }
  const historyFromArtifact = get('history-from-artifact');
  return {
    workspace,
    testResults,
    ifNoFilesFound: oneOf(get, 'if-no-files-found', ['warn', 'error', 'ignore'] as const),
    databaseUrl,
    databaseSslCa: get('database-ssl-ca') || null,
    databasePath: resolveIn(workspace, get('database-path')),
    uploadArtifact: bool(get, 'upload-artifact'),
    artifactName: artifactName(get('artifact-name')),
    artifactRetentionDays: positiveInt(get, 'artifact-retention-days', 1, 90),
    historyFromArtifact:
      historyFromArtifact === 'auto' ? databaseUrl === null : bool(get, 'history-from-artifact'),
    historyMaxMb: positiveInt(get, 'history-max-mb', 1, 8192) ?? 1024,
    flakefighters: input('flakefighters'),
    activeFlakefighters: get('active-flakefighters') ? splitList(get('active-flakefighters')) : null,
    coverage: splitList(get('coverage')),
    root: root ? resolveIn(workspace, root) : workspace,
    sourceCommit: sha(get, 'source-commit'),
    targetCommit: sha(get, 'target-commit'),
    loadMaxRuns: positiveInt(get, 'load-max-runs', 0),
    storeMaxRuns: storeMaxRuns(get('store-max-runs')),
    timeImmemorialMinutes: timeImmemorial(get('time-immemorial')),
    save: bool(get, 'save'),
    failOn: oneOf(get, 'fail-on', ['genuine', 'any', 'never'] as const),
    summary: bool(get, 'summary'),
    annotations: bool(get, 'annotations'),
    maxAnnotations: positiveInt(get, 'max-annotations', 0) ?? 50,
    // The runner always passes action.yml's default; an empty value is the user's way to turn reports off.
    reportDir: input('report-dir').trim() ? resolveIn(workspace, input('report-dir').trim()) : '',
    uploadReport: bool(get, 'upload-report'),
    comment: bool(get, 'comment'),
    githubToken: get('github-token'),
    matrix: get('matrix'),
    ...resultsArtifact(get),
  };
}

/** `results-artifact` and `results-run-id`: which artifacts of which run hold the result files (run-artifacts.ts). */
function resultsArtifact(get: (n: string) => string): Pick<Config, 'resultsArtifact' | 'resultsRunId'> {
  const names = splitList(get('results-artifact'));
  for (const n of names) {
    // The artifact service refuses these in names; '*', '?' and braces are the glob's.
    if (/[":<>|\\/\u0000-\u001f]/.test(n)) {
      throw new UserError(`Input 'results-artifact' has '${shown(n)}'; give artifact names or globs of them (e.g. test-results-*), without " : < > | \\ / or control characters.`);
    }
  }
  const raw = get('results-run-id');
  if (raw !== '' && (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1)) {
    throw new UserError(`Input 'results-run-id' is '${shown(raw)}'; give the numeric id of a workflow run (e.g. \${{ github.event.workflow_run.id }}), or leave it empty for the triggering run.`);
  }
  if (raw !== '' && names.length === 0) {
    throw new UserError("Input 'results-run-id' is set but 'results-artifact' is empty; name the artifact(s) of that run holding the result files.");
  }
  return { resultsArtifact: names, resultsRunId: raw === '' ? undefined : Number(raw) };
}

/** parseDatabaseUrl, with anything it did not word itself (a bad %-escape) turned into one line that never shows the URL. */
function checkDatabaseUrl(url: string): void {
  try {
    parseDatabaseUrl(url);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `database-url cannot be read (${(err as Error).message}); percent-encode special characters in the user name, password and path (e.g. %25 for %), and fix the database-url secret.`,
    );
  }
}

/** An input value as shown in an error: control characters (a newline could start a workflow command) made visible. */
function shown(v: string): string {
  const s = v.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** Globs and lists: one per line or comma separated, like the artifact actions' `path`. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

function resolveIn(workspace: string, p: string): string {
  return isAbsolute(p) ? p : resolve(workspace, p);
}

function oneOf<T extends string>(get: (n: string) => string, name: string, allowed: readonly T[]): T {
  const v = get(name).toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UserError(`Input '${name}' is '${shown(get(name))}'; use one of: ${allowed.join(', ')}.`);
}

function bool(get: (n: string) => string, name: string): boolean {
  const v = get(name).toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  throw new UserError(`Input '${name}' is '${shown(get(name))}'; use true or false.`);
}

function positiveInt(get: (n: string) => string, name: string, min: number, max?: number): number | undefined {
  const raw = get(name);
  if (raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || (max !== undefined && Number(raw) > max)) {
    const range = max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`;
    throw new UserError(`Input '${name}' is '${shown(raw)}'; give a whole number ${range}, or leave it empty for no limit.`);
  }
  return Number(raw);
}

function sha(get: (n: string) => string, name: string): string | null {
  const v = get(name);
  if (v === '') return null;
  // A leading "-" would reach git as an option.
  if ((!/^[0-9a-fA-F]{4,64}$/.test(v) && !/^[\w./~^@{}-]{1,200}$/.test(v)) || v.startsWith('-')) {
    throw new UserError(`Input '${name}' is '${shown(v)}'; give a commit sha or a git revision.`);
  }
  return v;
}

function artifactName(v: string): string {
  // The artifact service refuses these characters in names.
  if (/["':<>|*?\\/\r\n]/.test(v)) {
    throw new UserError(`Input 'artifact-name' is '${shown(v)}'; it may not contain " : < > | * ? \\ / or newlines.`);
  }
  return v;
}

/** `auto`, `all` or a whole number of runs (at least 1). */
function storeMaxRuns(v: string): StoreMaxRunsSetting {
  const lower = v.toLowerCase();
  if (lower === 'auto') return 'auto';
  if (lower === 'all') return undefined;
  if (/^\d{1,9}$/.test(v) && Number(v) >= 1) return Number(v);
  throw new UserError(`Input 'store-max-runs' is '${shown(v)}'; give a whole number of runs of at least 1, auto (a bounded SQLite file, every run in PostgreSQL) or all.`);
}

const MAX_TIME_IMMEMORIAL_DAYS = 100_000;

/** The plugin's `d:h:m` form (`30:0:0` is thirty days). */
export function timeImmemorial(v: string): number | undefined {
  if (v === '') return undefined;
  const m = /^(\d+):(\d+):(\d+)$/.exec(v);
  if (!m) {
    throw new UserError(`Input 'time-immemorial' is '${shown(v)}'; use days:hours:minutes, e.g. 30:0:0 for thirty days.`);
  }
  const minutes = Number(m[1]) * 1440 + Number(m[2]) * 60 + Number(m[3]);
  // Further back than dates go would make the cut-off an invalid date, and retention would then prune every run.
  if (!(minutes <= MAX_TIME_IMMEMORIAL_DAYS * 1440)) {
    throw new UserError(`Input 'time-immemorial' is '${shown(v)}', more than ${MAX_TIME_IMMEMORIAL_DAYS} days; give a shorter span, or leave it empty to keep all history.`);
  }
  return minutes;
}
