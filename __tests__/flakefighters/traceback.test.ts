import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testFlaky } from '../../src/model.ts';
import { CosineSimilarity } from '../../src/flakefighters/cosine-similarity.ts';
import { TracebackMatching } from '../../src/flakefighters/traceback-matching.ts';
import { tokenize, tracebackDocument } from '../../src/flakefighters/tfidf.ts';
import { context, exception, execution, pairs, run, test as mkTest } from './builders.ts';

const ROOT = '/home/runner/work/shop/shop';
const TB: [string, number, number | null, string | null][] = [
  ['tests/test_cart.py', 46, null, '    assert response.status_code == 200'],
  ['src/shop/http.py', 40, null, '    resp = self._session.get(url)'],
];
const failing = (name: string, tb = TB, flakyBefore?: boolean) =>
  mkTest(name, [execution('failed', { exception: exception(tb) })], flakyBefore === undefined ? {} : { results: [{ name: 'Earlier', flaky: flakyBefore }] });

describe('TracebackMatching', () => {
  test('matches a stored flaky failure with the same frames, with evidence; plugin rows with absolute paths too', () => {
    // A plugin-written run stores absolute paths under its own root.
    const pluginRun = run(
      [failing('tests/test_cart.py::test_a', TB.map(([p, l, c, s]) => [`/builds/other/${p}`, l, c, s]) as typeof TB, true)],
      { root: '/builds/other', id: 12 },
    );
    const cur = run([failing('tests/test_cart.py::test_b'), mkTest('tests/test_ok.py::test_ok', [execution('passed')])], { root: ROOT });
    new TracebackMatching({ root: ROOT }).classify(context(cur, [pluginRun]));
    const r = cur.tests[0].executions[0].results;
    assert.deepEqual(pairs(r), [{ name: 'TracebackMatching', flaky: true }]);
    assert.equal(r[0].evidence?.runId, 12);
    assert.equal(r[0].evidence?.testName, 'tests/test_cart.py::test_a');
    assert.match(r[0].evidence!.reason, /run #12 \(tests\/test_cart.py::test_a\)/);
    assert.deepEqual(cur.tests[1].executions[0].results, [], 'passing executions get no verdict from us');
  });

  test('frames outside root are dropped from the current traceback only', () => {
    const withOutside: typeof TB = [...TB, ['/usr/lib/python3.12/socket.py', 962, null, '    for res in x:']];
    const history = run([failing('t', withOutside, true)], { root: ROOT });
    const cur = run([failing('t2', withOutside)], { root: ROOT });
    new TracebackMatching({ root: ROOT }).classify(context(cur, [history]));
    assert.equal(cur.tests[0].executions[0].results[0].flaky, false, 'its own stored copy keeps the outside frame');
    const climbing: typeof TB = [...TB, ['../outside.py', 1, null, 'x']];
    const cur2 = run([failing('t3', climbing)], { root: ROOT });
    new TracebackMatching({ root: ROOT }).classify(context(cur2, [run([failing('t', TB, true)], { root: ROOT })]));
    assert.equal(cur2.tests[0].executions[0].results[0].flaky, true, 'a relative path climbing out of root is outside too');
  });

  test('live compares with history only; post also with this run, reading Test.flaky as it changes', () => {
    const make = () => run([failing('a', TB, true), failing('b'), failing('c')], { root: ROOT });
    const live = make();
    new TracebackMatching({ root: ROOT, runLive: true }).classify(context(live));
    assert.deepEqual(live.tests.map((t) => t.executions[0].results[0].flaky), [false, false, false]);
    const post = make();
    // The plugin's flaky_tests_post: previous_runs + [run]; a already flaky matches itself, b and c match a.
    new TracebackMatching({ root: ROOT, runLive: false }).classify(context(post));
    assert.deepEqual(post.tests.map((t) => t.executions[0].results[0].flaky), [true, true, true]);
    assert.match(post.tests[1].executions[0].results[0].evidence!.reason, /a earlier in this run/);
    assert.match(post.tests[0].executions[0].results[0].evidence!.reason, /a itself, already flagged flaky in this run/);
    assert.equal(testFlaky(post.tests[2]), true);
  });

  test('a failure without a traceback is not flaky', () => {
    const cur = run([mkTest('t', [execution('failed')])], { root: ROOT });
    new TracebackMatching({ root: ROOT }).classify(context(cur, [run([failing('x', [], true)])]));
    assert.deepEqual(pairs(cur.tests[0].executions[0].results), [{ name: 'TracebackMatching', flaky: false }]);
  });
});

describe('CosineSimilarity', () => {
  test('similar tracebacks match at 0.8 with the similarity as evidence; default threshold needs identical ones', () => {
    const other: typeof TB = [TB[0], ['src/shop/http.py', 41, null, '    resp = self._session.post(url)']];
    const history = run([failing('x', other, true)], { root: ROOT, id: 3 });
    const at = (threshold?: number) => {
      const cur = run([failing('t')], { root: ROOT });
      new CosineSimilarity({ root: ROOT, threshold }).classify(context(cur, [history]));
      return cur.tests[0].executions[0].results[0];
    };
    const r = at(0.5);
    assert.equal(r.flaky, true);
    assert.ok(r.evidence!.similarity! > 0.5 && r.evidence!.similarity! < 1);
    assert.equal(r.evidence?.runId, 3);
    assert.equal(at().flaky, false);
    const same = run([failing('t')], { root: ROOT });
    new CosineSimilarity({ root: ROOT }).classify(context(same, [run([failing('x', TB, true)], { root: ROOT })]));
    assert.equal(same.tests[0].executions[0].results[0].flaky, true, 'identical documents match at threshold 1');
  });

  test('no earlier flaky failure: not flaky; no words at all: a warning and no verdict', () => {
    const cur = run([failing('t')], { root: ROOT });
    new CosineSimilarity({ root: ROOT }).classify(context(cur, [run([failing('x', TB, false)])]));
    assert.deepEqual(pairs(cur.tests[0].executions[0].results), [{ name: 'CosineSimilarity', flaky: false }]);
    // Frames under root whose documents hold only one-character tokens: sklearn's empty vocabulary.
    const wordless = run([failing('t', [['a', 0, 1, 'x']])], { root: ROOT });
    const ctx = context(wordless, [run([failing('x', [['b', 2, 3, 'y']], true)], { root: ROOT })]);
    new CosineSimilarity({ root: ROOT }).classify(ctx);
    assert.deepEqual(wordless.tests[0].executions[0].results, []);
    assert.match(ctx.warnings[0], /no words to compare; no verdict/);
    // No frames at all: no verdict either, said in the evidence (see traceback-rooted.test.ts).
    const empty = run([failing('t', [])], { root: ROOT });
    new CosineSimilarity({ root: ROOT }).classify(context(empty, [run([failing('x', [], true)])]));
    assert.equal(empty.tests[0].executions[0].results[0].evidence?.noVerdict, true);
  });

  test("documents and tokens follow Python's re and sklearn's token pattern", () => {
    assert.equal(tracebackDocument([['a/b.py', 0, null, 'x = f(y) # é']]), 'a b py 0 None x   f y    é');
    assert.deepEqual(tokenize('Grüß Gott ZOË x 0 12 a_b e\u0301t\u00e9 \u2167\u2168 𝐀𝐁'), ['grüß', 'gott', 'zoë', '12', 'a_b', 'té', 'ⅷⅸ', '𝐀𝐁']);
    // Python's \s includes U+001C–U+001F and U+0085 (kept as whitespace), not U+FEFF (replaced).
    assert.equal(tracebackDocument([['p', 1, 2, 'a\u001cb\u0085c\ufeffd']]), 'p 1 2 a\u001cb\u0085c d');
  });
});
