/**
 * Generated inputs of a given size for the flakefighters, for `npm run bench` and scaling checks:
 * each `*Workload` builds its input up front and returns a function that does the measured work.
 */
import { createHash } from 'node:crypto';
import type { Execution, Run, Test } from '../src/model.ts';
import type { ClassifyContext } from '../src/flakefighters/flakefighter.ts';
import { CosineSimilarity } from '../src/flakefighters/cosine-similarity.ts';
import { CoverageIndependence } from '../src/flakefighters/coverage-independence.ts';
import type { DistanceMetric, LinkageMethod } from '../src/flakefighters/hierarchy.ts';
import { rankSffl, sfflCsv } from '../src/flakefighters/sffl.ts';
import { rng } from './generate.ts';

const ROOT = '/home/runner/work/app/app';

function exec(outcome: Execution['outcome'], extra: Partial<Execution> = {}): Execution {
  return { outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [], ...extra };
}
function mkTest(name: string, executions: Execution[], results: Test['results'] = []): Test {
  return { name, fspath: `${ROOT}/tests/test_${name}.py`, lineNo: 1, skipped: false, executions, results };
}
function mkRun(tests: Test[], id?: number): Run {
  return { id, startTime: new Date(0), root: ROOT, commitSha: null, tests, activeFlakefighters: [], meta: { uuid: `run-${id ?? 0}` } };
}
function ctx(run: Run, history: Run[] = []): ClassifyContext {
  return { run, history, root: ROOT, warn: () => {} };
}

/**
 * `executions` executions over `lines` distinct lines in 50 files; each covers a shared core plus
 * a random tenth of the rest, so clusters form and jaccard/hamming rows are realistic.
 */
export function coverageRun(executions: number, lines: number, seed = 1): Run {
  const r = rng(seed);
  const files = 50;
  const perFile = Math.ceil(lines / files);
  const tests: Test[] = [];
  for (let i = 0; i < executions; i++) {
    const coverage: Record<string, number[]> = {};
    const family = i % 20;
    for (let f = 0; f < files; f++) {
      const ls: number[] = [];
      for (let l = 1; l <= perFile; l++) {
        const shared = (l + f) % 20 === family;
        if (shared || r() < 0.1) ls.push(l);
      }
      if (ls.length) coverage[`${ROOT}/src/m${f}.py`] = ls;
    }
    tests.push(mkTest(`t${i}`, [exec(r() < 0.1 ? 'failed' : 'passed', { coverage })]));
  }
  return mkRun(tests);
}

export function coverageIndependenceWorkload(executions: number, lines: number, metric: DistanceMetric = 'jaccard', linkageMethod: LinkageMethod = 'single') {
  const run = coverageRun(executions, lines);
  const ff = new CoverageIndependence({ threshold: 0.3, metric, linkageMethod });
  return () => ff.classify(ctx(run));
}

const WORDS = 'cart price order session client timeout retry fetch json assert status response total discount item sku db conn cursor execute'.split(' ');

function traceback(r: () => number, frames: number): [string, number, null, string][] {
  return Array.from({ length: frames }, () => {
    const w = () => WORDS[Math.floor(r() * WORDS.length)];
    return [`src/app/${w()}_${w()}.py`, Math.floor(r() * 400), null, `    ${w()} = self.${w()}.${w()}(${w()}, ${w()}=${w()})`];
  });
}

/** `failures` failing executions judged against `previous` earlier flaky tracebacks of 12 frames. */
export function cosineSimilarityWorkload(previous: number, failures = 20, threshold = 0.8) {
  const r = rng(2);
  const history = mkRun(
    Array.from({ length: previous }, (_, i) =>
      mkTest(`p${i}`, [exec('failed', { exception: { name: 'E', frames: traceback(r, 12).map(([path, lineno, colno, statement]) => ({ path, lineno, colno, statement })) } })], [{ name: 'X', flaky: true }]),
    ),
    1,
  );
  const current = () =>
    mkRun(Array.from({ length: failures }, (_, i) => mkTest(`c${i}`, [exec('failed', { exception: { name: 'E', frames: traceback(r, 12).map(([path, lineno, colno, statement]) => ({ path, lineno, colno, statement })) } })])));
  const ff = new CosineSimilarity({ threshold });
  return () => ff.classify(ctx(current(), [history]));
}

/** SFFL over `tests` tests of 2 executions each, a tenth flaky, ~300 covered lines per execution. */
export function sfflWorkload(tests: number) {
  const run = coverageRun(tests * 2, 3000, 3);
  const ts: Test[] = [];
  for (let i = 0; i < tests; i++) {
    ts.push(mkTest(`s${i}`, [run.tests[2 * i].executions[0], run.tests[2 * i + 1].executions[0]], [{ name: 'X', flaky: i % 10 === 0 }]));
  }
  return () => sfflCsv(rankSffl(ts, ROOT, 'ochiai').rows);
}

/**
 * Side-by-side workloads with the plugin (bench/classifiers.bench.ts): plain data that both sides
 * build their own objects from, so each times only its classification.
 */
export interface PeerExecution {
  outcome: Execution['outcome'];
  coverage?: Record<string, number[]>;
  frames?: [path: string, lineno: number, statement: string][];
}
export interface PeerTest {
  name: string;
  fspath: string;
  flaky?: boolean;
  executions: PeerExecution[];
}
export interface PeerWorkload {
  root: string;
  history: PeerTest[];
  tests: PeerTest[];
}

/**
 * Coverage as unit tests have it: each execution runs ~40 lines of its own module (one of 100)
 * and ~20 lines elsewhere, of `lines` lines in all; a tenth fail.
 */
export function sparseCoverageWorkload(executions: number, lines: number, seed = 4): PeerWorkload {
  const r = rng(seed);
  const files = 100;
  const perFile = Math.ceil(lines / files);
  const tests: PeerTest[] = [];
  for (let i = 0; i < executions; i++) {
    const coverage: Record<string, number[]> = {};
    const add = (f: number, l: number) => (coverage[`${ROOT}/src/m${f}.py`] ??= []).push(l);
    const own = Math.floor(r() * files);
    const first = 1 + Math.floor(r() * (perFile - 40));
    for (let l = first; l < first + 40; l++) add(own, l);
    for (let k = 0; k < 20; k++) add(Math.floor(r() * files), 1 + Math.floor(r() * perFile));
    for (const f of Object.keys(coverage)) coverage[f] = [...new Set(coverage[f])].sort((a, b) => a - b);
    tests.push({ name: `t${i}`, fspath: `${ROOT}/tests/test_t${i}.py`, executions: [{ outcome: r() < 0.1 ? 'failed' : 'passed', coverage }] });
  }
  return { root: ROOT, history: [], tests };
}

/** `failures` failing tests against `previous` earlier flaky ones, tracebacks of 12 frames with absolute paths. */
export function tracebackWorkload(previous: number, failures: number, seed = 2): PeerWorkload {
  const r = rng(seed);
  const frames = () => traceback(r, 12).map(([path, lineno, , statement]) => [`${ROOT}/${path}`, lineno, statement] as [string, number, string]);
  const mk = (name: string, flaky?: boolean): PeerTest => ({ name, fspath: `${ROOT}/tests/test_${name}.py`, flaky, executions: [{ outcome: 'failed', frames: frames() }] });
  const history = Array.from({ length: previous }, (_, i) => mk(`p${i}`, true));
  return {
    root: ROOT,
    history,
    // Every fourth failure is an earlier flaky one with a line moved (similar), the rest are new.
    tests: Array.from({ length: failures }, (_, i) => {
      const t = mk(`c${i}`);
      if (i % 4 === 0 && previous > 0) {
        const frames = history[Math.floor(r() * previous)].executions[0].frames!.map((f) => [...f] as [string, number, string]);
        frames[0][1] += 1;
        t.executions[0].frames = frames;
      }
      return t;
    }),
  };
}

/** SFFL's input of sfflWorkload as plain data. */
export function sfflPeerWorkload(tests: number): PeerWorkload {
  const run = coverageRun(tests * 2, 3000, 3);
  return {
    root: ROOT,
    history: [],
    tests: Array.from({ length: tests }, (_, i) => ({
      name: `s${i}`,
      fspath: `${ROOT}/tests/test_s${i}.py`,
      flaky: i % 10 === 0,
      executions: [0, 1].map((k) => ({ outcome: 'passed' as const, coverage: run.tests[2 * i + k].executions[0].coverage! })),
    })),
  };
}

/** Our objects for a peer workload's tests (fresh each call: classification appends results). */
export function peerRun(w: PeerWorkload, tests: PeerTest[], id?: number): Run {
  return mkRun(
    tests.map((t) =>
      mkTest(
        t.name,
        t.executions.map((e) =>
          exec(e.outcome, {
            coverage: e.coverage ?? null,
            exception: e.frames ? { name: 'E', frames: e.frames.map(([path, lineno, statement]) => ({ path, lineno, colno: null, statement })) } : null,
          }),
        ),
        t.flaky === undefined ? [] : [{ name: 'X', flaky: t.flaky }],
      ),
    ),
    id,
  );
}

/** Our classification of a peer workload: returns what it concluded, in the words plugin-classifiers.py uses. */
export function ourClassifier(kind: 'cosine' | 'coverage' | 'sffl', w: PeerWorkload): () => string {
  const history = w.history.length ? [peerRun(w, w.history, 1)] : [];
  if (kind === 'sffl') {
    const tests = peerRun(w, w.tests).tests;
    // The plugin writes its CSV to a file; the digest is what the two sides compare.
    return () => `csv sha256 ${createHash('sha256').update(sfflCsv(rankSffl(tests, w.root, 'ochiai').rows)).digest('hex').slice(0, 16)}`;
  }
  const ff = kind === 'cosine' ? new CosineSimilarity({ threshold: 0.8 }) : new CoverageIndependence({ threshold: 0.5 });
  return () => {
    const run = peerRun(w, w.tests);
    ff.classify(ctx(run, history));
    const flaky = run.tests.filter((t) => t.results.some((x) => x.flaky) || t.executions.some((e) => e.results.some((x) => x.flaky))).length;
    return `${flaky} flaky of ${run.tests.length}`;
  };
}
