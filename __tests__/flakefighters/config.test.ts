import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlakefightersConfig, parseActiveList } from '../../src/config/flakefighters-config.ts';
import { createFlakefighter, orderLiveThenPost } from '../../src/flakefighters/registry.ts';
import { UserError } from '../../src/store/store.ts';

const parse = (flakefighters: string, activeFlakefighters = '', coverageGiven = true) =>
  parseFlakefightersConfig({ flakefighters, activeFlakefighters, coverageGiven });
const names = (xs: { name: string }[]) => xs.map((x) => x.name);

/** The plugin README's example configuration, as YAML. */
const README_EXAMPLE = `
flakefighters:
  diff_cov:
    DiffCov:
      run_live: true
  traceback_matching:
    TracebackMatching:
      run_live: false
    CosineSimilarity:
      run_live: false
      threshold: 0.8
  coverage_independence:
    CoverageIndependence:
      run_live: false
      threshold: 0.1
      metric: hamming
      linkage_method: complete
`;

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected UserError, got ${e}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('flakefighters configuration', () => {
  test('defaults: OutcomeFlip and TracebackMatching, DiffCov only with coverage', () => {
    assert.deepEqual(names(parse('')), ['OutcomeFlip', 'TracebackMatching', 'DiffCov']);
    assert.deepEqual(names(parse('', '', false)), ['OutcomeFlip', 'TracebackMatching']);
    assert.deepEqual(names(parse('   \n')), ['OutcomeFlip', 'TracebackMatching', 'DiffCov']);
  });

  test("the plugin README's example, in order, with its parameters", () => {
    const c = parse(README_EXAMPLE);
    assert.deepEqual(c, [
      { name: 'DiffCov', module: 'diff_cov', params: { run_live: true } },
      { name: 'TracebackMatching', module: 'traceback_matching', params: { run_live: false } },
      { name: 'CosineSimilarity', module: 'traceback_matching', params: { run_live: false, threshold: 0.8 } },
      {
        name: 'CoverageIndependence',
        module: 'coverage_independence',
        params: { run_live: false, threshold: 0.1, metric: 'hamming', linkage_method: 'complete' },
      },
    ]);
  });

  test('the mapping without the top-level flakefighters key, flow style, and empty class bodies', () => {
    const c = parse('traceback_matching: {CosineSimilarity: {threshold: 0.5}, TracebackMatching: }');
    assert.deepEqual(c, [
      { name: 'CosineSimilarity', module: 'traceback_matching', params: { threshold: 0.5 } },
      { name: 'TracebackMatching', module: 'traceback_matching', params: {} },
    ]);
  });

  test('active: false leaves a class out', () => {
    const c = parse('traceback_matching:\n  TracebackMatching: {active: false}\n  CosineSimilarity: {active: true}\n');
    assert.deepEqual(names(c), ['CosineSimilarity']);
    assert.deepEqual(c[0].params, {}, 'active is not a parameter of the class');
  });

  test('active-flakefighters keeps only the listed ones, forces them on and adds unconfigured ones', () => {
    const yaml = 'traceback_matching:\n  TracebackMatching: {active: false, run_live: false}\n  CosineSimilarity: {threshold: 0.9}\ndiff_cov:\n  DiffCov: {}\n';
    const c = parse(yaml, 'TracebackMatching, OutcomeFlip\nCoverageIndependence');
    assert.deepEqual(c, [
      { name: 'TracebackMatching', module: 'traceback_matching', params: { run_live: false } },
      { name: 'OutcomeFlip', module: 'outcome_flip', params: {} },
      { name: 'CoverageIndependence', module: 'coverage_independence', params: {} },
    ]);
    assert.deepEqual(names(parse('', 'CosineSimilarity')), ['CosineSimilarity']);
    assert.deepEqual(parseActiveList(' a '.replace('a', 'DiffCov')), ['DiffCov']);
    assert.equal(parseActiveList('  '), null);
  });

  test('errors name what is wrong and the valid choices', () => {
    rejects(() => parse('diffcov: {DiffCov: {}}'), /unknown module 'diffcov'; use one of diff_cov, traceback_matching, coverage_independence, outcome_flip/);
    rejects(() => parse('traceback_matching: {Cosine: {}}'), /unknown flakefighter 'traceback_matching.Cosine'; traceback_matching has TracebackMatching, CosineSimilarity/);
    rejects(() => parse('traceback_matching: {DiffCov: {}}'), /DiffCov belongs under 'diff_cov'/);
    rejects(() => parse('traceback_matching: {CosineSimilarity: {treshold: 0.8}}'), /CosineSimilarity has no parameter 'treshold'; its parameters are active, run_live, root, threshold/);
    rejects(() => parse('traceback_matching: {CosineSimilarity: {threshold: high}}'), /CosineSimilarity.threshold must be a number, got "high"/);
    rejects(() => parse('coverage_independence: {CoverageIndependence: {metric: cosine}}'), /metric must be one of jaccard, hamming, got 'cosine'/);
    rejects(() => parse('coverage_independence: {CoverageIndependence: {linkage_method: wards}}'), /linkage_method must be one of single, complete, average, weighted, centroid, median, ward/);
    rejects(() => parse('diff_cov: {DiffCov: {source_commit: 1234567}}'), /source_commit must be a string \(quote it\)/);
    rejects(() => parse('diff_cov: {DiffCov: {active: "yes"}}'), /DiffCov.active must be true or false/);
    rejects(() => parse('traceback_matching: [TracebackMatching]'), /must map class names to parameters/);
    rejects(() => parse('- DiffCov'), /must be a mapping/);
    rejects(() => parse('flakefighters: {}\ndiff_cov: {}'), /under 'flakefighters:'/);
    rejects(() => parse('traceback_matching: {TracebackMatching: {run_live: true}'), /not valid YAML/);
    rejects(() => parse('', 'TracebackMatching,Deflaker'), /input 'active-flakefighters': unknown flakefighter 'Deflaker'; use one of DiffCov, TracebackMatching, CosineSimilarity, CoverageIndependence, OutcomeFlip/);
  });

  test('live ones first, then post ones, each in configuration order', () => {
    const c = parse(README_EXAMPLE);
    const ffs = c.map((x) => createFlakefighter(x.name, x.params, { root: '/repo' }));
    assert.deepEqual(ffs.map((f) => f.runLive), [true, false, false, false]);
    assert.deepEqual(
      orderLiveThenPost(ffs).map((f) => f.name),
      ['DiffCov', 'TracebackMatching', 'CosineSimilarity', 'CoverageIndependence'],
    );
    const mixed = parse('traceback_matching: {CosineSimilarity: {run_live: false}, TracebackMatching: {}}\noutcome_flip: {OutcomeFlip: }');
    const ordered = orderLiveThenPost(mixed.map((x) => createFlakefighter(x.name, x.params, { root: '/repo' })));
    assert.deepEqual(ordered.map((f) => [f.name, f.runLive]), [['TracebackMatching', true], ['OutcomeFlip', true], ['CosineSimilarity', false]]);
  });
});
