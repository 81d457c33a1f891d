/**
 * Generated inputs of a given size for the flakefighters, for `npm run bench` and scaling checks:
 * each `*Workload` builds its input up front and returns a function that does the measured work.
 */
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
