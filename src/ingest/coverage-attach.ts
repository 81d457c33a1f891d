/**
 * Gives each test's executions the coverage of its context. Context names differ by tool:
 * pytest-cov uses the nodeid (`tests/test_x.py::TestA::test_b`), coverage.py's
 * `dynamic_context = test_function` the dotted qualname (`tests.test_x.TestA.test_b`),
 * pytest-flakefighters the nodeid and the attempt (`tests/test_x.py::TestA::test_b__2`), lcov
 * whatever the producer wrote in `TN:`. A context matches a test by exact name, then by the same
 * dotted form, then when one's dotted segments are a suffix of the other's; only a unique match
 * counts, so an ambiguous name never lends one test's coverage to another; so does a name that is
 * both a test's id and another test's `<nodeid>__<attempt>` (`t::test_a__1` beside `t::test_a`).
 *
 * An execution whose own contexts hold no line keeps `coverage: null` (unknown): the global lines
 * alone would say it ran nothing of the test, and DiffCov would read that as "covers no changed line".
 */
import { isAbsolute, relative } from 'node:path';
import type { Execution, Test } from '../model.ts';
import type { CoverageData, FileLines } from './coverage-data.ts';
import { splitAttempt } from './coverage-contexts.ts';
import { leadsOut } from '../path-inside.ts';

export interface AttachOptions {
  /** Add the global context's lines (imports, collection) to every test, as the plugin does. Default true. */
  includeShared?: boolean;
}

export interface AttachResult {
  /** Tests that received coverage. */
  matched: number;
  /** Context names that matched no test, or more than one. */
  unmatched: string[];
  /** Per-test contexts looked at. */
  contexts: number;
  /** Tests a context matched whose own contexts hold no line for some execution: those executions keep no coverage. */
  empty: string[];
}

export interface CoveragePlan extends AttachResult {
  /** What each execution would get; executions not listed keep their coverage. */
  assignments: Map<Execution, FileLines | null>;
}

/** Works out which execution gets which lines, without touching the tests. */
export function planCoverage(tests: Test[], cov: CoverageData, root: string, opts: AttachOptions = {}): CoveragePlan {
  const includeShared = opts.includeShared ?? true;
  const byName = new Map<string, Test>();
  const byDotted = new Map<string, Test | typeof AMBIGUOUS>();
  const bySuffix = new Map<string, Test | typeof AMBIGUOUS>();
  for (const t of tests) {
    byName.set(t.name, t);
    const segs = segments(t.name, root);
    push(byDotted, segs.join('.'), t);
    for (let i = 1; i < segs.length; i++) push(bySuffix, segs.slice(i).join('.'), t);
  }

  /** Per test: lines of contexts for every attempt, and of the plugin's per-attempt contexts. */
  const found = new Map<Test, { all: FileLines[]; attempts: Map<number, FileLines[]> }>();
  const unmatched: string[] = [];
  for (const [ctx, lines] of cov.perTest) {
    let test = match(ctx, root, byName, byDotted, bySuffix);
    let attempt: number | null = null;
    // The plugin's `<nodeid>__<attempt>`, unescaped once already by normaliseContexts.
    const plugin = splitAttempt(ctx);
    const attemptOf = plugin ? match(plugin.nodeid, root, byName, byDotted, bySuffix) : null;
    if (attemptOf && test && attemptOf !== test) {
      // `t::test_a__1` names test `test_a__1` and attempt 1 of `test_a`: which one ran is unknown.
      test = null;
    } else if (!test && attemptOf) {
      test = attemptOf;
      attempt = plugin!.attempt;
    }
    if (!test) {
      unmatched.push(ctx);
      continue;
    }
    let entry = found.get(test);
    if (!entry) found.set(test, (entry = { all: [], attempts: new Map() }));
    if (attempt === null) entry.all.push(lines);
    else entry.attempts.set(attempt, [...(entry.attempts.get(attempt) ?? []), lines]);
  }

  const assignments = new Map<Execution, FileLines | null>();
  const empty: string[] = [];
  for (const [test, { all, attempts }] of found) {
    const ran = test.executions.filter((e) => e.outcome !== 'skipped');
    // The plugin's attempt k is its k-th execution; when the results hold another number of
    // executions (pytest's own JUnit keeps the last attempt), every execution gets all attempts.
    const perAttempt = attempts.size > 0 && Math.max(...attempts.keys()) === ran.length;
    let someEmpty = false;
    ran.forEach((e, i) => {
      const own = perAttempt ? [...all, ...(attempts.get(i + 1) ?? [])] : [...all, ...[...attempts.values()].flat()];
      if (!own.some((part) => Object.values(part).some((lines) => lines.length > 0))) {
        someEmpty = true;
        assignments.set(e, null);
        return;
      }
      assignments.set(e, merge(includeShared ? [cov.shared, ...own] : own));
    });
    if (someEmpty) empty.push(test.name);
  }
  return { assignments, matched: found.size, unmatched, contexts: cov.perTest.size, empty };
}

export function attachCoverage(tests: Test[], cov: CoverageData, root: string, opts: AttachOptions = {}): AttachResult {
  const { assignments, ...result } = planCoverage(tests, cov, root, opts);
  for (const [e, lines] of assignments) e.coverage = lines;
  return result;
}

function match(
  ctx: string,
  root: string,
  byName: Map<string, Test>,
  byDotted: Map<string, Test | typeof AMBIGUOUS>,
  bySuffix: Map<string, Test | typeof AMBIGUOUS>,
): Test | null {
  const exact = byName.get(ctx);
  if (exact) return exact;
  const segs = segments(ctx, root);
  if (segs.length === 0) return null;
  const dotted = segs.join('.');
  const same = byDotted.get(dotted);
  if (same !== undefined) return same === AMBIGUOUS ? null : same;
  // The context is a tail of a test id (`TestA.test_b` for `pkg.mod.TestA.test_b`) ...
  let found = bySuffix.get(dotted) ?? null;
  if (found === AMBIGUOUS) return null;
  // ... or a test id is a tail of the context (JUnit classname without the package).
  for (let i = 1; i < segs.length; i++) {
    const t = byDotted.get(segs.slice(i).join('.'));
    if (t === undefined) continue;
    if (t === AMBIGUOUS || (found !== null && found !== t)) return null;
    found = t;
  }
  return found;
}

/**
 * `tests/test_x.py::TestA::test_b[1.5]` → [tests, test_x, TestA, test_b[1.5]]; dots inside
 * parameter brackets are not separators.
 */
export function segments(name: string, root: string): string[] {
  let n = name.trim();
  const parts = splitOutsideBrackets(n, '::');
  let head = parts[0] ?? '';
  if (parts.length > 1 || head.endsWith('.py') || head.includes('/')) {
    if (head.startsWith('/') || isAbsolute(head)) {
      const rel = relative(root, head);
      if (!leadsOut(rel)) head = rel;
    }
    head = head.replace(/\\/g, '/').replace(/\.py$/, '').replace(/^\.\//, '');
    n = [head.split('/').filter(Boolean).join('.'), ...parts.slice(1)].join('.');
  }
  return splitOutsideBrackets(n, '.').filter((s) => s !== '');
}

function splitOutsideBrackets(s: string, sep: string): string[] {
  if (!s.includes('[')) return s.split(sep);
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Marks a key shared by several tests: only unique matches count. */
const AMBIGUOUS = Symbol('ambiguous');

function push(map: Map<string, Test | typeof AMBIGUOUS>, key: string, test: Test): void {
  const seen = map.get(key);
  if (seen === undefined) map.set(key, test);
  else if (seen !== test) map.set(key, AMBIGUOUS);
}

function merge(parts: FileLines[]): FileLines {
  const acc = new Map<string, Set<number>>();
  for (const p of parts) {
    for (const [path, lines] of Object.entries(p)) {
      let set = acc.get(path);
      if (!set) acc.set(path, (set = new Set()));
      for (const l of lines) set.add(l);
    }
  }
  const out: FileLines = {};
  for (const path of [...acc.keys()].sort()) out[path] = [...acc.get(path)!].sort((a, b) => a - b);
  return out;
}
