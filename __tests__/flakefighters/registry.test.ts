import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createFlakefighter, flakefighterNames, REGISTRY } from '../../src/flakefighters/registry.ts';
import { pickle } from '../../src/store/pickle.ts';

/** What Python's pickle.loads makes of each of our params(), as repr() text (one python3 run). */
function pythonReprs(values: Record<string, unknown>[]): string[] {
  const hex = values.map((v) => Buffer.from(pickle(v as never)).toString('hex')).join('\n');
  const code = 'import pickle,sys\nfor h in sys.stdin.read().split():\n print(repr(pickle.loads(bytes.fromhex(h))))';
  return execFileSync('python3', ['-c', code], { input: hex, encoding: 'utf8' }).trim().split('\n');
}

describe('flakefighter registry', () => {
  test('names are the plugin entry points plus OutcomeFlip', () => {
    assert.deepEqual(flakefighterNames(), ['DiffCov', 'TracebackMatching', 'CosineSimilarity', 'CoverageIndependence', 'OutcomeFlip']);
    assert.deepEqual([...REGISTRY.values()].map((s) => s.module), ['diff_cov', 'traceback_matching', 'traceback_matching', 'coverage_independence', 'outcome_flip']);
  });

  test("defaults and params() are the plugin's, and Python unpickles them to the same dicts", () => {
    const deps = { root: '/home/runner/work/shop/shop' };
    const expected: Record<string, [Record<string, unknown>, string, boolean]> = {
      TracebackMatching: [{ run_live: true, root: deps.root }, "{'run_live': True, 'root': '/home/runner/work/shop/shop'}", true],
      CosineSimilarity: [{ run_live: true, root: deps.root, threshold: 1 }, "{'run_live': True, 'root': '/home/runner/work/shop/shop', 'threshold': 1}", true],
      CoverageIndependence: [{ threshold: 0, metric: 'jaccard', linkage_method: 'single' }, "{'threshold': 0, 'metric': 'jaccard', 'linkage_method': 'single'}", false],
      DiffCov: [{ root: deps.root, source_commit: null, target_commit: null }, "{'root': '/home/runner/work/shop/shop', 'source_commit': None, 'target_commit': None}", true],
      OutcomeFlip: [{}, '{}', true],
    };
    const all = Object.entries(expected).map(([name, [params, repr, live]]) => {
      const ff = createFlakefighter(name, {}, deps);
      assert.equal(ff.name, name);
      assert.equal(ff.runLive, live, `${name} runLive`);
      assert.deepEqual(ff.params(), params, `${name} params`);
      return { ff, repr };
    });
    assert.deepEqual(pythonReprs(all.map((x) => x.ff.params())), all.map((x) => x.repr), 'pickled');
  });

  test('configured parameters reach the instance', () => {
    const cs = createFlakefighter('CosineSimilarity', { run_live: false, threshold: 0.8, root: 'sub' }, { root: '/r', cwd: '/work' });
    assert.deepEqual(cs.params(), { run_live: false, root: '/work/sub', threshold: 0.8 });
    assert.equal(cs.runLive, false);
    const ci = createFlakefighter('CoverageIndependence', { threshold: 0.1, metric: 'hamming', linkage_method: 'complete', run_live: true }, { root: '/r' });
    assert.deepEqual(ci.params(), { threshold: 0.1, metric: 'hamming', linkage_method: 'complete' });
    assert.equal(ci.runLive, false, 'CoverageIndependence never runs live');
    const dc = createFlakefighter('DiffCov', { source_commit: 'abc' }, { root: '/r', sourceCommit: 'aaa111', targetCommit: 'bbb222' });
    assert.deepEqual(dc.params(), { root: '/r', source_commit: 'aaa111', target_commit: 'bbb222' }, 'the resolved commits are stored');
    assert.deepEqual(pythonReprs([dc.params()]), ["{'root': '/r', 'source_commit': 'aaa111', 'target_commit': 'bbb222'}"]);
    assert.throws(() => createFlakefighter('Nope', {}, { root: '/' }), /unknown flakefighter Nope/);
  });
});
