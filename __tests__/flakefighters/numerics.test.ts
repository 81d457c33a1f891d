import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { exactLog } from '../../src/flakefighters/exact-log.ts';
import { fclusterDistance, linkage, packRows, pdistBool } from '../../src/flakefighters/hierarchy.ts';
import { CoverageIndependence } from '../../src/flakefighters/coverage-independence.ts';
import { compareCodePoints, pyFloatRepr, pyIsUnder, pyRelpath } from '../../src/flakefighters/py-compat.ts';
import { rankSffl, sfflCsv } from '../../src/flakefighters/sffl.ts';
import { context, execution, run, test as mkTest } from './builders.ts';

function python(code: string, input: string): string {
  return execFileSync('python3', ['-c', code], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
}

/** Deterministic xorshift, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('Python-compatible numerics', () => {
  test('pyFloatRepr is repr(float) on awkward values', () => {
    const r = rng(7);
    const xs = [0, -0, 1, -0.5, 0.1, 1 / 3, 1e16, 1e15, 9999999999999998, 1e-4, 9.999e-5, 1.5e-5, 5e-324, 1.7976931348623157e308, 123456789.125, Infinity, -Infinity, NaN];
    for (let i = 0; i < 300; i++) xs.push((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
    const got = xs.map(pyFloatRepr);
    const want = python("import sys,struct\nfor h in sys.stdin.read().split():\n print(repr(struct.unpack('<d', bytes.fromhex(h))[0]))", xs.map((x) => Buffer.from(new Float64Array([x]).buffer).toString('hex')).join('\n'));
    assert.deepEqual(got, want.trim().split('\n'));
  });

  test('exactLog is the correctly rounded ln (V8 Math.log is not: ln 3)', () => {
    assert.equal(exactLog(3), 1.0986122886681098);
    const xs: number[] = [];
    for (let n = 1; n < 120; n++) for (let df = 1; df <= n; df += 3) xs.push((n + 1) / (df + 1));
    const r = rng(3);
    for (let i = 0; i < 200; i++) xs.push(r() * 10 ** Math.floor(r() * 20 - 10));
    const want = python(
      'import sys\nfrom decimal import Decimal, getcontext\ngetcontext().prec = 50\nfor t in sys.stdin.read().split():\n print(repr(float(Decimal(float(t)).ln())))',
      xs.map((x) => x.toString()).join('\n'),
    );
    assert.deepEqual(xs.map((x) => pyFloatRepr(exactLog(x))), want.trim().split('\n'));
  });

  test('relpath, commonpath and code point order as in Python', () => {
    assert.equal(pyRelpath('/usr/lib/x.py', '/home/runner/work/a/a'), '../../../../../usr/lib/x.py');
    assert.equal(pyRelpath('/r', '/r'), '.');
    assert.equal(pyIsUnder('/r', '/r/a'), true);
    assert.equal(pyIsUnder('/r', '/r2/a'), false);
    assert.equal(pyIsUnder('/', '/x'), true);
    assert.ok(compareCodePoints('\uffff', '\u{10000}') < 0, 'BMP before astral, unlike UTF-16 order');
    assert.ok(compareCodePoints('b', 'a') > 0);
  });
});

describe('hierarchy', () => {
  test('single linkage cut at t = connected components of d <= t, for random coverage', () => {
    const r = rng(11);
    for (let trial = 0; trial < 30; trial++) {
      const n = 2 + Math.floor(r() * 25);
      const ncols = 1 + Math.floor(r() * 12);
      const rows = Array.from({ length: n }, () => Array.from({ length: ncols }, (_, c) => c).filter(() => r() < 0.4));
      for (const metric of ['jaccard', 'hamming'] as const) {
        const d = pdistBool(packRows(rows, ncols), metric);
        const Z = linkage(d, n, 'single');
        for (const t of [0, 0.1, 0.3, 0.5]) {
          const labels = fclusterDistance(Z, n, t);
          // Union-find over edges d <= t.
          const parent = Array.from({ length: n }, (_, i) => i);
          const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
          let k = 0;
          for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++, k++) if (d[k] <= t) parent[find(i)] = find(j);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(labels[i] === labels[j], find(i) === find(j));
          const ids = [...new Set(labels)].sort((a, b) => a - b);
          assert.deepEqual(ids, ids.map((_, i) => i + 1), 'ids are 1..k');
        }
      }
    }
  });

  test('every method gives a valid dendrogram over all observations', () => {
    const r = rng(5);
    const rows = Array.from({ length: 40 }, () => Array.from({ length: 30 }, (_, c) => c).filter(() => r() < 0.3));
    const d = pdistBool(packRows(rows, 30), 'jaccard');
    for (const m of ['single', 'complete', 'average', 'weighted', 'centroid', 'median', 'ward'] as const) {
      const Z = linkage(d, 40, m);
      assert.equal(Z[(40 - 2) * 4 + 3], 40, `${m}: root holds every observation`);
      assert.equal(fclusterDistance(Z, 40, Infinity).every((l) => l === 1), true);
    }
  });
});

describe('CoverageIndependence without coverage', () => {
  test('no coverage anywhere: a warning and no verdict; partial coverage: the rest are clustered', () => {
    const none = run([mkTest('a', [execution('passed')]), mkTest('b', [execution('failed')])]);
    const ctx = context(none);
    new CoverageIndependence().classify(ctx);
    // The failing test gets a noVerdict row saying why; the passing one nothing.
    assert.deepEqual(none.tests.map((t) => t.results.map((x) => [x.flaky, x.evidence?.noVerdict])), [[], [[false, true]]]);
    assert.match(ctx.warnings[0], /no per-test coverage/);
    const some = run([mkTest('a', [execution('passed', { coverage: { '/f.py': [1] } })]), mkTest('b', [execution('failed', { coverage: { '/f.py': [1] } })]), mkTest('c', [execution('failed')])]);
    const ctx2 = context(some);
    new CoverageIndependence().classify(ctx2);
    assert.deepEqual(some.tests.map((t) => t.results.map((x) => x.flaky)), [[true], [true], [false]]);
    assert.equal(some.tests[0].results[0].evidence?.cluster, 1);
    assert.equal(some.tests[2].results[0].evidence?.noVerdict, true);
    assert.match(ctx2.warnings[0], /1 test\(s\) have executions without per-test coverage/);
    const hamming = run([mkTest('a', [execution('passed', { coverage: {} })]), mkTest('b', [execution('failed', { coverage: {} })])]);
    const ctx3 = context(hamming);
    new CoverageIndependence({ metric: 'hamming' }).classify(ctx3);
    assert.deepEqual(hamming.tests.map((t) => t.results), [[], []]);
    assert.match(ctx3.warnings[0], /no covered lines at all/);
  });
});

describe('SFFL CSV', () => {
  test('all-integer scores print as integers, as pandas would; fields are quoted like csv.QUOTE_MINIMAL', () => {
    // No flaky test: ochiai is safe_div(0, 0.0) = the int 0 everywhere.
    const tests = [mkTest('t', [execution('passed', { coverage: { '/r/a,b.py': [2, 1] } })], { results: [{ name: 'X', flaky: false }] })];
    const r = rankSffl(tests, '/r', 'ochiai');
    assert.equal(r.integerColumn, true);
    assert.equal(sfflCsv(r.rows, r.integerColumn), ',file,line,suspiciousness\n0,"/r/a,b.py",1,0\n1,"/r/a,b.py",2,0\n');
    assert.equal(sfflCsv([]), ',file,line,suspiciousness\n');
    // Expected texts printed by pandas 2.2.3's to_csv for the same rows (sorted as the plugin sorts).
    const rows = [
      { file: 'b', line: 3, suspiciousness: Infinity },
      { file: 'c', line: 4, suspiciousness: 1e16 },
      { file: 'e', line: 6, suspiciousness: 1 },
      { file: 'a', line: 2, suspiciousness: 0.5 },
      { file: 'd', line: 5, suspiciousness: 1.5e-5 },
      { file: 'a', line: 1, suspiciousness: 0 },
    ];
    assert.equal(sfflCsv(rows), ',file,line,suspiciousness\n0,b,3,inf\n1,c,4,1e+16\n2,e,6,1.0\n3,a,2,0.5\n4,d,5,1.5e-05\n5,a,1,0.0\n');
    assert.equal(
      sfflCsv([{ file: 'n\nl', line: 2, suspiciousness: 0.2 }, { file: 'q"x', line: 1, suspiciousness: 0.1 }]),
      ',file,line,suspiciousness\n0,"n\nl",2,0.2\n1,"q""x",1,0.1\n',
    );
    const flaky = [mkTest('t', [execution('failed', { coverage: { '/r/a.py': [3] } })], { results: [{ name: 'X', flaky: true }] })];
    assert.equal(sfflCsv(rankSffl(flaky, '/r', 'dstar').rows), ',file,line,suspiciousness\n0,/r/a.py,3,inf\n');
  });
});
