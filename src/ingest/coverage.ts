/**
 * Reads per-test coverage (coverage.py JSON with contexts, the `.coverage` SQLite file, lcov) so
 * DiffCov, CoverageIndependence and SFFL work for any language. Formats are told apart by
 * content, not by file name.
 *
 * Context names are made into test ids by coverage-contexts.ts. The empty context `''` is
 * coverage.py's global context (import/collection time, code outside any test; the plugin's
 * `collection`); it is kept apart in `shared`, and `attachCoverage` adds it to every test by
 * default, which is what the plugin stores: each execution holds the `collection` context's lines
 * plus the test's own. Paths recorded under another root are mapped onto this one
 * (coverage-paths.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { glob } from 'tinyglobby';
import { UserError } from '../store/store.ts';
import type { RawCoverage } from './coverage-raw.ts';
import type { CoverageData, FileLines } from './coverage-data.ts';
import { isTestShaped, normaliseContexts } from './coverage-contexts.ts';
import { mapPathsOntoRoot } from './coverage-paths.ts';
import { looksLikeCoveragePyJson, readCoveragePyJson } from './coverage-pyjson.ts';
import { looksLikeSqlite, readCoverageSqlite } from './coverage-sqlite.ts';
import { looksLikeLcov, readLcov } from './coverage-lcov.ts';

export { attachCoverage } from './coverage-attach.ts';
export { normaliseContexts } from './coverage-contexts.ts';
export type { CoverageData, FileLines } from './coverage-data.ts';

export interface ReadCoverageOptions {
  /** Globs relative to the workspace. */
  patterns: string[];
  workspace: string;
  /** Relative paths inside coverage files are resolved against this; paths recorded elsewhere are mapped onto it. */
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
  const data: CoverageData = { perTest: new Map(), totals: {}, shared: {}, hasContexts: false, formats: [], warnings: [], notices: [] };
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
    for (const name of raw.byContext.keys()) if (isTestShaped(name)) testShaped = true;
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

  const mapping = mapPathsOntoRoot(totals.keys(), opts.root);
  if (mapping.moved.size > 0) {
    for (const m of [totals, shared, ...perTest.values()]) movePaths(m, mapping.moved);
    const where = opts.root === opts.workspace ? 'the workspace' : `the root ${opts.root}`;
    for (const { prefix, files: n } of mapping.prefixes.slice(0, 5)) {
      data.notices.push(`Coverage paths under ${prefix} were mapped onto ${where} (${n} file${n === 1 ? '' : 's'})`);
    }
    if (mapping.prefixes.length > 5) data.notices.push(`Coverage paths under ${mapping.prefixes.length - 5} more prefixes were mapped onto ${where}`);
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

/** Re-keys moved paths, merging their lines with what is already at the new path. */
function movePaths(byFile: Map<string, Set<number>>, moved: Map<string, string>): void {
  for (const [from, to] of moved) {
    const lines = byFile.get(from);
    if (!lines) continue;
    byFile.delete(from);
    mergeInto(byFile, to, lines);
  }
}

function toRecord(byFile: Map<string, Set<number>>): FileLines {
  const out: FileLines = {};
  // A file measured without a covered line (an empty __init__.py) says nothing; drop it so all formats agree.
  for (const path of [...byFile.keys()].sort()) if (byFile.get(path)!.size > 0) out[path] = [...byFile.get(path)!].sort((a, b) => a - b);
  return out;
}
