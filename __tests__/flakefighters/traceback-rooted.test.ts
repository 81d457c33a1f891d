/**
 * Issue 12: "an empty traceback matches every empty traceback". TracebackMatching and CosineSimilarity give no
 * verdict for a failure with no frame under the root, and never take an earlier failure with none as the match.
 * The JUnit 4 timeouts are real Ant output (fixtures/junit4-timeouts/README.md), read through the ingest reader.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { verdictOf, type Run, type Test } from '../../src/model.ts';
import { CosineSimilarity } from '../../src/flakefighters/cosine-similarity.ts';
import { TracebackMatching } from '../../src/flakefighters/traceback-matching.ts';
import { readResultFile } from '../../src/ingest/read-results.ts';
import { context, exception, execution, pairs, run, test as mkTest } from './builders.ts';

const FIX = new URL('../fixtures/junit4-timeouts/', import.meta.url).pathname;
const ROOT = FIX.replace(/\/$/, '');

async function runOf(file: string, commit: string, id: number | undefined, flaky = false): Promise<Run> {
  const { tests } = await readResultFile(join(FIX, file), ROOT);
  // As OutcomeFlip would have flagged it in that run (it passed on a re-run of the same commit).
  if (flaky) for (const t of tests) for (const e of t.executions) e.results.push({ name: 'OutcomeFlip', flaky: true, evidence: { reason: 'passed on re-run' } });
  return run(tests, { root: ROOT, commitSha: commit.repeat(40), id, startTime: new Date(id ?? 99) });
}

const only = (r: Run): Test => {
  assert.equal(r.tests.length, 1);
  return r.tests[0];
};

function classifyBoth(current: Run, history: Run[]) {
  const ctx = context(current, history, ROOT);
  new TracebackMatching({ root: ROOT }).classify(ctx);
  new CosineSimilarity({ root: ROOT, threshold: 0.5 }).classify(ctx);
  return ctx;
}

describe('a failure with no frame under the root gets no verdict from the traceback flakefighters', () => {
  test('a JUnit 4 timeout with only JDK frames, then an unrelated deadlock timeout on another commit: not flaky', async () => {
    const earlier = await runOf('nodebug/TEST-com.example.SupplierTest.xml', 'a', 1, true);
    const current = await runOf('nodebug/TEST-com.example.InventoryTest.xml', 'b', undefined);
    // What ingest reads from the real files: a timeout each, and no frame of the project (JDK frames are left out,
    // the test's own frame says "Unknown Source").
    for (const r of [earlier, current]) {
      const e = only(r).executions[0];
      assert.equal(e.outcome, 'error');
      assert.equal(e.exception?.name, 'TestTimedOutException');
      assert.deepEqual(e.exception?.frames, []);
    }
    const ctx = classifyBoth(current, [earlier]);
    const t = only(current);
    const results = t.executions[0].results;
    assert.deepEqual(pairs(results), [
      { name: 'TracebackMatching', flaky: false },
      { name: 'CosineSimilarity', flaky: false },
    ]);
    for (const r of results) {
      assert.equal(r.evidence?.noVerdict, true, `${r.name} abstains`);
      assert.match(r.evidence!.reason, /no traceback frame under the project root .*cannot be compared/);
    }
    assert.deepEqual(ctx.warnings, [], 'said per failure, not as a warning');
    assert.equal(verdictOf(t), 'genuine');
  });

  test('the same test timing out the same way with line numbers (frames under root) still matches: the rule only abstains', async () => {
    const earlier = await runOf('debug/TEST-com.example.SupplierTest.xml', 'a', 1, true);
    const current = await runOf('debug/TEST-com.example.SupplierTest.xml', 'b', undefined);
    assert.deepEqual(only(current).executions[0].exception?.frames.map((f) => [f.path, f.lineno]), [['src/com/example/SupplierTest.java', 9]]);
    classifyBoth(current, [earlier]);
    const results = only(current).executions[0].results;
    assert.deepEqual(pairs(results), [
      { name: 'TracebackMatching', flaky: true },
      { name: 'CosineSimilarity', flaky: true },
    ]);
    assert.equal(verdictOf(only(current)), 'flaky');
  });

  test('a deadlock timeout with its frame under root is not matched by an earlier flaky timeout that had none', async () => {
    const earlier = await runOf('nodebug/TEST-com.example.SupplierTest.xml', 'a', 1, true);
    const current = await runOf('debug/TEST-com.example.InventoryTest.xml', 'b', undefined);
    classifyBoth(current, [earlier]);
    const results = only(current).executions[0].results;
    assert.deepEqual(pairs(results), [
      { name: 'TracebackMatching', flaky: false },
      { name: 'CosineSimilarity', flaky: false },
    ]);
    assert.match(results[1].evidence!.reason, /no earlier flaky failure with a traceback frame under the project root/);
  });
});

describe('an earlier flaky failure with no frame under its root is never the match', () => {
  const LIB: [string, number, number | null, string | null][] = [
    ['/usr/lib/python3/dist-packages/requests/adapters.py', 518, null, '            raise ConnectionError(e, request=request)'],
    ['/usr/lib/python3/dist-packages/urllib3/connectionpool.py', 844, null, '            retries = retries.increment('],
  ];
  const OWN: [string, number, number | null, string | null][] = [['tests/test_cart.py', 46, null, '    assert response.status_code == 200']];
  const failing = (name: string, tb: typeof LIB, flaky?: boolean) =>
    mkTest(name, [execution('failed', { exception: exception(tb, 'ConnectionError') })], flaky ? { results: [{ name: 'Earlier', flaky: true }] } : {});
  const ROOT_PY = '/home/runner/work/shop/shop';

  test('CosineSimilarity: library frames alone are similar, but say nothing about the code', () => {
    const onlyLib = run([failing('tests/test_other.py::test_x', LIB, true)], { root: ROOT_PY, id: 3 });
    const current = run([failing('tests/test_cart.py::test_checkout', [...OWN, ...LIB])], { root: ROOT_PY });
    new CosineSimilarity({ root: ROOT_PY, threshold: 0.5 }).classify(context(current, [onlyLib]));
    const r = current.tests[0].executions[0].results;
    assert.deepEqual(pairs(r), [{ name: 'CosineSimilarity', flaky: false }]);
    assert.match(r[0].evidence!.reason, /no earlier flaky failure with a traceback frame under the project root/);

    // The same earlier failure with one project frame is a candidate again, and (at 0.5) the match.
    const withOwn = run([failing('tests/test_other.py::test_x', [['tests/test_other.py', 9, null, '    fetch()'], ...LIB], true)], { root: ROOT_PY, id: 4 });
    const again = run([failing('tests/test_cart.py::test_checkout', [...OWN, ...LIB])], { root: ROOT_PY });
    new CosineSimilarity({ root: ROOT_PY, threshold: 0.5 }).classify(context(again, [withOwn]));
    assert.deepEqual(pairs(again.tests[0].executions[0].results), [{ name: 'CosineSimilarity', flaky: true }]);
  });

  test('TracebackMatching: an empty earlier traceback never matches, a library-only current one gets no verdict', () => {
    const empty = run([failing('tests/test_other.py::test_x', [], true)], { root: ROOT_PY, id: 3 });
    const libOnly = run([failing('tests/test_cart.py::test_checkout', LIB)], { root: ROOT_PY });
    new TracebackMatching({ root: ROOT_PY }).classify(context(libOnly, [empty]));
    const r = libOnly.tests[0].executions[0].results[0];
    assert.equal(r.flaky, false);
    assert.equal(r.evidence?.noVerdict, true);
  });

  test('post-run (run_live false): an empty traceback in this run is no match either', () => {
    const flaggedEarlier = failing('tests/test_a.py::test_a', [], true);
    const current = run([flaggedEarlier, failing('tests/test_b.py::test_b', [])], { root: ROOT_PY });
    new TracebackMatching({ root: ROOT_PY, runLive: false }).classify(context(current, []));
    assert.deepEqual(pairs(current.tests[1].executions[0].results), [{ name: 'TracebackMatching', flaky: false }]);
  });
});
