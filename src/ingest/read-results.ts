/**
 * Finds the result files (globs relative to the workspace, `!` to leave some out), reads each one, detects
 * its format from its content (XML → JUnit, TRX or .NET native; JSON → CTRF, go test -json, RSpec, mocha or
 * Dart), and merges the tests of all files
 * by test id. Files outside the workspace are never read: a pattern that points outside is a user error,
 * and a matched symlink that resolves outside is skipped with a warning.
 */
import { statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import type { Test } from '../model.ts';
import { UserError } from '../store/store.ts';
import { looksLikeGoTestJson, parseGoTestJson } from './go-test-json.ts';
import { parseJsonReport } from './json-formats.ts';
import { ONLY_RESULT_FILES } from './result-formats.ts';
import { decodeResultFile, type DecodedText } from './decode-text.ts';
import { parseXmlReport, type ParsedReport, type ReportContext } from './junit.ts';
import { ownFileTest } from './own-files.ts';
import { isInside } from '../path-inside.ts';
import { SourceFiles } from './source-files.ts';
import { combineFiles } from './cross-file.ts';

export interface ReadResultsOptions {
  patterns: string[];
  workspace: string;
  root: string;
  ifNoFilesFound: 'warn' | 'error' | 'ignore';
  /** Per-file limit in bytes; default 512 MiB. */
  maxFileBytes?: number;
  /**
   * The action's own report folder (absolute; `report-dir`): what it wrote there is a report, never a result, even
   * when a broad glob over the whole workspace matches it in a workspace that persists between steps.
   */
  reportDir?: string;
}

/** A result file that matched but could not be read: its tests are missing from the run. */
export interface UnreadableFile {
  /** Relative to the workspace (posix separators). */
  file: string;
  /** The one-line error, naming the file. */
  message: string;
}

export interface IngestResult {
  tests: Test[];
  /** Files read, relative to the workspace (posix separators). */
  files: string[];
  /** Formats read, e.g. ["pytest", "jest-junit"], in first-seen order. */
  dialects: string[];
  warnings: string[];
  /** Lines worth a notice, not a warning (the action's own report files left out). */
  notices: string[];
  /** Files among several that could not be read, the others read as usual (a single bad file throws its own error). */
  unreadable: UnreadableFile[];
}

export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
/** picomatch's own limit on a pattern's length. */
const MAX_PATTERN_LENGTH = 65536;

const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

/**
 * A limit, stated exactly in the largest unit that divides it ("512 MiB", "64 bytes"). Not the report's formatBytes,
 * which rounds a measured size ("1.5 KiB"): a rounded limit would misstate what was refused.
 */
function formatExactBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Turns user patterns into workspace-relative globs, refusing any that reach outside the workspace. Also sizes the
 * input before the read (action/big-input.ts), so the two match the same files.
 */
export function normalisePatterns(patterns: string[], workspace: string): { include: string[]; exclude: string[] } {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of patterns) {
    const trimmed = raw.trim();
    if (!trimmed) continue;
    const negated = trimmed.startsWith('!');
    let p = (negated ? trimmed.slice(1) : trimmed).replace(/\\/g, '/');
    if (isAbsolute(p) || /^[A-Za-z]:\//.test(p)) {
      if (!isInside(workspace, p)) {
        throw new UserError(`test-results: the pattern "${trimmed}" points outside the workspace ${workspace}; use a path inside the workspace.`);
      }
      p = toPosix(relative(workspace, p)) || '.';
    }
    const norm = posix.normalize(p);
    // `..` inside braces or extglobs ({..,x}/*.xml, @(..)/x) is not caught by normalize.
    if (norm === '..' || norm.startsWith('../') || /(^|[/{,(|])\.\.([/},)|]|$)/.test(norm)) {
      throw new UserError(`test-results: the pattern "${trimmed}" points outside the workspace (${workspace}); use a path inside the workspace.`);
    }
    const rel = norm.startsWith('./') ? norm.slice(2) : norm;
    // A plain directory name means the reports in it (XML and JSON only: a folder may also hold screenshots).
    if (!negated && !/[*?[\]{}()!]/.test(rel) && isDirectory(resolve(workspace, rel))) {
      const dir = rel === '.' ? '' : `${rel.replace(/\/$/, '')}/`;
      include.push(`${dir}**/*.xml`, `${dir}**/*.json`);
      continue;
    }
    (negated ? exclude : include).push(rel);
  }
  return { include, exclude };
}

async function parseFile(abs: string, display: string, files: SourceFiles, root: string, maxBytes: number): Promise<ParsedReport> {
  const st = await stat(abs);
  // A FIFO or device would block or never end; only plain files are reports.
  if (!st.isFile()) throw new UserError(`${display}: not a regular file (a pipe, device or folder); leave it out of test-results.`);
  if (st.size > maxBytes) {
    throw new UserError(`${display}: ${st.size} bytes is over the ${formatExactBytes(maxBytes)} limit per result file; split the report or leave it out of test-results.`);
  }
  const decoded = await readDecoded(abs, display);
  const text = decoded.text;
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 0xfeff)) {
    if (text.charCodeAt(i) === 0) break;
    i++;
  }
  if (i === text.length) throw new UserError(`${display}: the file holds only whitespace; the test run probably failed before writing its report.`);
  const head = text.slice(i, i + 8192);
  if (head.includes('\u0000') || /[\u0001-\u0008\u000e-\u001f]/.test(head.slice(0, 512))) {
    throw new UserError(`${display}: this is a binary file, not a test result report; leave it out of test-results (${ONLY_RESULT_FILES})`);
  }
  const ctx: ReportContext = { file: display, path: abs, root, files };
  const first = text[i];
  let parsed: ParsedReport;
  if (first === '<') parsed = parseXmlReport(i ? text.slice(i) : text, ctx);
  else if (first === '{' || first === '[') parsed = parseJsonReport(text, ctx);
  else if (looksLikeGoTestJson(text)) parsed = parseGoTestJson(text, ctx);
  else throw new UserError(`${display}: the content is neither XML nor JSON (it starts with ${JSON.stringify(text.slice(i, i + 20))}); ${ONLY_RESULT_FILES}`);
  parsed.warnings.unshift(...decoded.warnings);
  return parsed;
}

/** The file's text; its bytes are let go of before the text is read (a large report would be held twice). */
async function readDecoded(abs: string, display: string): Promise<DecodedText> {
  const buf = await readFile(abs);
  if (buf.length === 0) throw new UserError(`${display}: the file is empty; the test run probably failed before writing its report.`);
  return decodeResultFile(buf, display);
}

/**
 * No results at all: by default the step fails, since a test step that crashed before writing its report (and
 * `continue-on-error: true` let the job go on) leaves exactly this; `warn` and `ignore` go on with an empty run.
 */
function noResults(mode: ReadResultsOptions['ifNoFilesFound'], what: string, warnings: string[]): void {
  if (mode === 'error') {
    throw new UserError(`${what}; did the test step fail before writing its report? Check the test step and the paths, or set if-no-files-found to warn or ignore.`);
  }
  if (mode === 'warn') warnings.push(`${what}.`);
}

/** "2 file(s) the action wrote itself (flakefighters-report/junit-flakefighters.xml, …)". */
function ownFilesNote(own: string[]): string {
  const shown = own.slice(0, 3).join(', ') + (own.length > 3 ? `, and ${own.length - 3} more` : '');
  return `${own.length} file(s) the action wrote itself (${shown})`;
}

/**
 * The one line for a file that could not be read, or null for an error that is not about the file (a bug must
 * still surface as one). I/O errors (permissions, a file removed meanwhile) are about the file.
 */
function unreadableMessage(err: unknown, display: string): string | null {
  if (err instanceof UserError) return err.message;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `${display}: cannot be read (${code}); check the file's permissions.`;
  return null;
}

function firstStart(tests: Test[]): number {
  let first = Infinity;
  for (const t of tests) for (const e of t.executions) if (e.startTime !== null && e.startTime.getTime() < first) first = e.startTime.getTime();
  return first;
}

export async function readResults(opts: ReadResultsOptions): Promise<IngestResult> {
  const workspace = resolve(opts.workspace);
  const root = resolve(workspace, opts.root || '.');
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const warnings: string[] = [];
  const { include, exclude } = normalisePatterns(opts.patterns, workspace);
  const shown = opts.patterns.map((p) => p.trim()).filter(Boolean).join(', ') || '(none)';

  for (const p of [...include, ...exclude]) {
    // picomatch refuses longer patterns with a bare SyntaxError.
    if (p.length > MAX_PATTERN_LENGTH) {
      throw new UserError(`test-results: the pattern "${p.slice(0, 40)}…" is too long (${p.length} characters, at most ${MAX_PATTERN_LENGTH}); use a shorter glob.`);
    }
  }
  let matched: string[];
  try {
    matched = include.length
      ? await glob(include, { cwd: workspace, ignore: exclude, onlyFiles: true, absolute: true, dot: true, expandDirectories: false })
      : [];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code)) throw err;
    throw new UserError(`test-results: the patterns ${shown} cannot be matched (${(err as Error).message.split('\n')[0]}); check the glob syntax.`);
  }
  const realWorkspace = await realpath(workspace);
  const isOwn = await ownFileTest(opts.reportDir, realWorkspace);
  const own: string[] = [];
  const accepted: string[] = [];
  // A file reached twice (through a symlinked folder, a loop) is read once.
  const seen = new Set<string>();
  for (const m of [...new Set(matched)].sort()) {
    let real: string;
    try {
      real = await realpath(m);
    } catch {
      warnings.push(`${toPosix(relative(workspace, m))}: cannot be resolved (dangling symlink?); skipped.`);
      continue;
    }
    if (!isInside(realWorkspace, real)) {
      warnings.push(`${toPosix(relative(workspace, m))}: resolves to ${real}, outside the workspace; skipped (result files must be inside the workspace).`);
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    if (await isOwn(real)) {
      own.push(toPosix(relative(workspace, m)));
      continue;
    }
    accepted.push(m);
  }
  const notices: string[] = [];
  const ownNote = own.length ? ownFilesNote(own) : '';
  // Under report-dir or carrying the action's marker: the previous step's reports, whose verdicts would read as new failures and flips.
  if (ownNote) notices.push(`test-results: skipped ${ownNote}; the action's reports are never read as test results.`);

  if (accepted.length === 0) {
    const besides = ownNote ? ` (only ${ownNote})` : '';
    noResults(opts.ifNoFilesFound, `test-results: no result files match ${shown} in ${workspace}${besides}`, warnings);
    return { tests: [], files: [], dialects: [], warnings, notices, unreadable: [] };
  }

  const files = new SourceFiles(root);
  const reports: { display: string; parsed: ParsedReport; first: number }[] = [];
  const unreadable: UnreadableFile[] = [];
  for (const abs of accepted) {
    const display = toPosix(relative(workspace, abs));
    let parsed: ParsedReport;
    try {
      parsed = await parseFile(abs, display, files, root, maxBytes);
    } catch (err) {
      // A single file keeps its own one-line error; among several, one bad file must not cost the others' results.
      const message = accepted.length > 1 ? unreadableMessage(err, display) : null;
      if (message === null) throw err;
      unreadable.push({ file: display, message });
      continue;
    }
    reports.push({ display, parsed, first: firstStart(parsed.tests) });
  }
  if (unreadable.length === 0 && reports.every((r) => r.parsed.tests.length === 0)) {
    const names = reports.length > 1 ? `the ${reports.length} files matching ${shown} in ${workspace} hold` : `${reports[0].display} (matching ${shown} in ${workspace}) holds`;
    noResults(opts.ifNoFilesFound, `test-results: ${names} no tests`, warnings);
  }
  // Executions of one test across files (a rerun's report) go in time order; files without times keep name order.
  reports.sort((a, b) => a.first - b.first || (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  const dialects: string[] = [];
  for (const { parsed } of reports) {
    if (!dialects.includes(parsed.dialect)) dialects.push(parsed.dialect);
    warnings.push(...parsed.warnings);
  }
  // Across files an id is one test only when the later file is a rerun of the earlier one's failures (cross-file.ts).
  const combined = combineFiles(reports.map((r) => ({ display: r.display, tests: r.parsed.tests })));
  const tests: Test[] = combined.tests;
  notices.push(...combined.notices);
  return { tests, files: reports.map((r) => r.display), dialects, warnings, notices, unreadable };
}

/** For callers that hold a single file (CLI `report` on one file, tests). */
export async function readResultFile(path: string, root: string, maxFileBytes = DEFAULT_MAX_FILE_BYTES): Promise<ParsedReport> {
  const abs = resolve(path);
  return parseFile(abs, path, new SourceFiles(resolve(root)), resolve(root), maxFileBytes);
}

