/**
 * Reads per-test coverage (coverage.py JSON with contexts, the `.coverage` SQLite file, lcov) so
 * DiffCov, CoverageIndependence and SFFL work for any language. Formats are told apart by
 * content, not by file name.
 *
 * Context names: pytest-cov's `--cov-context=test` writes `<nodeid>|setup`, `|run` and `|teardown`;
 * these are merged into `<nodeid>`. A static context (`coverage run --context=ci`) combined with
 * dynamic ones (`ci|<dynamic>`) is stripped. The empty context `''` is coverage.py's global context
 * (import/collection time, code outside any test); it is kept apart in `shared`, and
 * `attachCoverage` adds it to every test by default, which is what the plugin stores: each
 * execution holds the `collection` context's lines plus the test's own.
 */
import { readFileSync, statSync } from 'node:fs';
import { glob } from 'tinyglobby';
import { UserError } from '../store/store.ts';
import type { RawCoverage } from './coverage-raw.ts';
import { looksLikeCoveragePyJson, readCoveragePyJson } from './coverage-pyjson.ts';
import { looksLikeSqlite, readCoverageSqlite } from './coverage-sqlite.ts';
import { looksLikeLcov, readLcov } from './coverage-lcov.ts';

export { attachCoverage } from './coverage-attach.ts';

export type FileLines = Record<string, number[]>;

export interface CoverageData {
  /** Test id or context name (phase suffixes merged) → absolute path → sorted 1-based lines. */
  perTest: Map<string, FileLines>;
  /** Every covered line of every file, whatever the context. */
  totals: FileLines;
  /** Lines of the global (empty) context of files that also have per-test contexts: import/collection time, code outside tests. */
  shared: FileLines;
  /**
   * True when the contexts are per test: at least two distinct ones, or a single one that is
   * plainly a test (pytest-cov's `|run` phase, or a `::` nodeid), not a static label like `ci`.
   */
  hasContexts: boolean;
  /** Formats read, e.g. ['coverage.py-sqlite', 'lcov']. */
  formats: string[];
  warnings: string[];
}

export interface ReadCoverageOptions {
  /** Globs relative to the workspace. */
  patterns: string[];
  workspace: string;
  /** Relative paths inside coverage files are resolved against this. */
  root: string;
}

/** Generous, but stops a wrong glob from reading a disk image into memory. */
const MAX_COVERAGE_BYTES = 1024 * 1024 * 1024;

const NO_CONTEXT_HELP =
  'DiffCov and CoverageIndependence need per-test coverage: run `pytest --cov --cov-context=test` ' +
  '(then pass .coverage or `coverage json --show-contexts` output), set `[run] dynamic_context = test_function` for `coverage run`, ' +
  'run `coverage run --context=<test id>` once per test, or write an lcov file with one `TN:<test id>` per test.';

export async function readCoverage(opts: ReadCoverageOptions): Promise<CoverageData> {
  const patterns = opts.patterns.map((p) => p.trim()).filter(Boolean);
  const data: CoverageData = { perTest: new Map(), totals: {}, shared: {}, hasContexts: false, formats: [], warnings: [] };
  if (patterns.length === 0) return data;

  const files = (await glob(patterns, { cwd: opts.workspace, absolute: true, onlyFiles: true, dot: true })).sort();
  if (files.length === 0) {
    data.warnings.push(`No coverage file matched ${patterns.join(', ')} (in ${opts.workspace}); DiffCov and CoverageIndependence get no coverage.`);
    return data;
  }

  const perTest = new Map<string, Map<string, Set<number>>>();
  const shared = new Map<string, Set<number>>();
  const totals = new Map<string, Set<number>>();
  const formats = new Set<string>();
  const withoutContexts: string[] = [];
  let testShaped = false;

  for (const file of files) {
    const raw = await readOne(file, opts.root);
    formats.add(raw.format);
    for (const name of raw.byContext.keys()) if (PHASE_SUFFIX.test(name) || name.includes('::')) testShaped = true;
    const normalised = normaliseContexts(raw.byContext);
    // Without named contexts the global context is the whole run, not import time: totals only,
    // or every test would seem to cover every line.
    const named = [...normalised.keys()].some((c) => c !== '');
    for (const [ctx, byFile] of normalised) {
      const target = ctx !== '' ? getOrSet(perTest, ctx) : named ? shared : null;
      for (const [path, lines] of byFile) {
        if (target) mergeInto(target, path, lines);
        mergeInto(totals, path, lines);
      }
    }
    for (const [path, lines] of raw.totalsOnly ?? []) mergeInto(totals, path, lines);
    if (raw.noContextsReason || !named) withoutContexts.push(raw.noContextsReason ? `${file} (${raw.noContextsReason})` : file);
  }

  data.formats = [...formats];
  data.totals = toRecord(totals);
  data.shared = toRecord(shared);
  for (const [ctx, byFile] of perTest) data.perTest.set(ctx, toRecord(byFile));
  data.hasContexts = perTest.size >= 2 || (perTest.size === 1 && testShaped);

  if (!data.hasContexts) {
    const only = perTest.size === 1 ? ` Only one context was found (${JSON.stringify([...perTest.keys()][0])}), which looks like a static label.` : '';
    data.warnings.push(`Coverage without per-test contexts in ${files.join(', ')}; only totals are known.${only} ${NO_CONTEXT_HELP}`);
  } else if (withoutContexts.length > 0) {
    data.warnings.push(`Coverage without per-test contexts in ${withoutContexts.join(', ')}; its lines count only toward totals.`);
  }
  return data;
}

async function readOne(file: string, root: string): Promise<RawCoverage> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new UserError(`Coverage file ${file} cannot be read (${(e as Error).message}).`);
  }
  if (size > MAX_COVERAGE_BYTES) throw new UserError(`Coverage file ${file} is ${size} bytes, above the 1 GiB limit; narrow the \`coverage\` globs.`);
  const bytes = readFileSync(file);
  if (looksLikeSqlite(bytes)) return readCoverageSqlite(bytes, file, root);

  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const head = text.trimStart();
  if (head.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UserError(`Coverage file ${file} is not valid JSON (${(e as Error).message}); regenerate it with \`coverage json --show-contexts\`.`);
    }
    if (looksLikeCoveragePyJson(doc)) return readCoveragePyJson(doc, file, root);
    throw new UserError(`Coverage file ${file} is JSON but not a coverage.py report (no "meta" and "files"); supported: coverage.py JSON, .coverage SQLite, lcov.`);
  }
  if (head.startsWith('!coverage.py:')) {
    throw new UserError(`Coverage file ${file} is in the coverage.py 4 data format, which has no contexts; use coverage.py 5 or later.`);
  }
  if (looksLikeLcov(text)) return readLcov(text, file, root);
  if (head.startsWith('<')) {
    throw new UserError(`Coverage file ${file} is XML (Cobertura/JaCoCo?), which has no per-test data; pass coverage.py JSON with contexts, a .coverage file or lcov.`);
  }
  throw new UserError(`Coverage file ${file} is not a recognised coverage format; supported: coverage.py JSON, .coverage SQLite, lcov.`);
}

const PHASE_SUFFIX = /\|(?:run|setup|teardown)$/;

/**
 * Merges pytest-cov's phases into one context per test and drops a static context label. With
 * `coverage run --context=S` and dynamic contexts, coverage.py names them `S` and `S|<dynamic>`.
 */
export function normaliseContexts(byContext: RawCoverage['byContext']): RawCoverage['byContext'] {
  const names = [...byContext.keys()].filter((n) => n !== '');
  const staticLabel = findStaticLabel(names);
  const out: RawCoverage['byContext'] = new Map();
  for (const [name, byFile] of byContext) {
    let n = name;
    if (staticLabel !== null) n = n === staticLabel ? '' : n.startsWith(`${staticLabel}|`) ? n.slice(staticLabel.length + 1) : n;
    n = n.replace(PHASE_SUFFIX, '');
    const target = getOrSet(out, n);
    for (const [path, lines] of byFile) mergeInto(target, path, lines);
  }
  return out;
}

function findStaticLabel(names: string[]): string | null {
  // The label is what precedes the first '|' of a combined name; it must itself be a context.
  const combined = names.find((n) => n.includes('|'));
  if (combined === undefined) return null;
  const label = combined.slice(0, combined.indexOf('|'));
  if (label === '' || !names.includes(label)) return null;
  return names.every((n) => n === label || n.startsWith(`${label}|`)) ? label : null;
}

function getOrSet<K, V>(map: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let v = map.get(key);
  if (!v) map.set(key, (v = new Map()));
  return v;
}

function mergeInto(target: Map<string, Set<number>>, path: string, lines: Iterable<number>): void {
  let set = target.get(path);
  if (!set) target.set(path, (set = new Set()));
  for (const l of lines) set.add(l);
}

function toRecord(byFile: Map<string, Set<number>>): FileLines {
  const out: FileLines = {};
  // A file measured without a covered line (an empty __init__.py) says nothing; drop it so all formats agree.
  for (const path of [...byFile.keys()].sort()) if (byFile.get(path)!.size > 0) out[path] = [...byFile.get(path)!].sort((a, b) => a - b);
  return out;
}
