/**
 * Issue 12: frames of dependencies are not the project's code. Two unrelated failures that both end inside a
 * library (a connection pool's timeout, a node_modules helper, a package in the project's own .venv) must not be
 * "the same traceback" when no frame of the project is in them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdictOf } from '../../src/model.ts';
import { isProjectFrame } from '../../src/flakefighters/project-frames.ts';
import { CosineSimilarity } from '../../src/flakefighters/cosine-similarity.ts';
import { TracebackMatching } from '../../src/flakefighters/traceback-matching.ts';
import { context, exception, execution, pairs, run, test as mkTest } from './builders.ts';

const ROOT = mkdtempSync(join(tmpdir(), 'ff-frames-'));
mkdirSync(join(ROOT, 'src/test/java/com/example'), { recursive: true });
writeFileSync(join(ROOT, 'src/test/java/com/example/OrderTest.java'), 'class OrderTest {}\n');

describe('isProjectFrame', () => {
  test('a JVM class resolved to a file under the root is the project\'s; a library class\'s package path is not', () => {
    assert.equal(isProjectFrame('src/test/java/com/example/OrderTest.java', ROOT), true);
    assert.equal(isProjectFrame('com/zaxxer/hikari/pool/HikariPool.java', ROOT), false);
  });
  test('dependency folders under the root are not the project\'s', () => {
    for (const p of ['node_modules/pg-pool/index.js', 'web/node_modules/x/y.ts', '.venv/lib/python3.11/site-packages/urllib3/connection.py', 'vendor/github.com/lib/pq/conn.go', `${ROOT}/vendor/guzzle/Client.php`]) {
      assert.equal(isProjectFrame(p, ROOT), false, p);
    }
    assert.equal(isProjectFrame('src/app/orders.py', ROOT), true);
    assert.equal(isProjectFrame(`${ROOT}/tests/test_orders.py`, ROOT), true);
    assert.equal(isProjectFrame('/usr/lib/python3/dist-packages/x.py', ROOT), false);
    assert.equal(isProjectFrame('../elsewhere/x.py', ROOT), false);
  });
});

describe('failures that end only in dependencies get no traceback verdict', () => {
  const hikari = (): ReturnType<typeof exception> =>
    exception([
      ['com/zaxxer/hikari/pool/HikariPool.java', 196, null, null],
      ['com/zaxxer/hikari/HikariDataSource.java', 127, null, null],
    ], 'SQLTransientConnectionException');

  test('an earlier flaky pool timeout does not make an unrelated pool timeout on another commit flaky', () => {
    const earlierExec = execution('failed', { exception: hikari() });
    earlierExec.results.push({ name: 'OutcomeFlip', flaky: true, evidence: { reason: 'passed on re-run' } });
    const earlier = run([mkTest('com.example.PaymentTest.refunds', [earlierExec])], { root: ROOT, commitSha: 'a'.repeat(40), id: 1, startTime: new Date(1) });
    const current = run([mkTest('com.example.OrderTest.ships', [execution('failed', { exception: hikari() })])], { root: ROOT, commitSha: 'b'.repeat(40), startTime: new Date(2) });
    const ctx = context(current, [earlier], ROOT);
    new TracebackMatching({ root: ROOT }).classify(ctx);
    new CosineSimilarity({ root: ROOT, threshold: 0.5 }).classify(ctx);
    const results = current.tests[0].executions[0].results;
    assert.deepEqual(pairs(results), [
      { name: 'TracebackMatching', flaky: false },
      { name: 'CosineSimilarity', flaky: false },
    ]);
    for (const r of results) assert.equal(r.evidence?.noVerdict, true, r.name);
    assert.equal(verdictOf(current.tests[0]), 'genuine');
  });

  test('the same failure through the project\'s own test file still matches', () => {
    const withOwn = () => exception([['src/test/java/com/example/OrderTest.java', 11, null, null], ['com/zaxxer/hikari/pool/HikariPool.java', 196, null, null]], 'SQLTransientConnectionException');
    const earlierExec = execution('failed', { exception: withOwn() });
    earlierExec.results.push({ name: 'OutcomeFlip', flaky: true, evidence: { reason: 'passed on re-run' } });
    const earlier = run([mkTest('com.example.OrderTest.ships', [earlierExec])], { root: ROOT, commitSha: 'a'.repeat(40), id: 1, startTime: new Date(1) });
    const current = run([mkTest('com.example.OrderTest.ships', [execution('failed', { exception: withOwn() })])], { root: ROOT, commitSha: 'b'.repeat(40), startTime: new Date(2) });
    const ctx = context(current, [earlier], ROOT);
    new TracebackMatching({ root: ROOT }).classify(ctx);
    assert.deepEqual(pairs(current.tests[0].executions[0].results), [{ name: 'TracebackMatching', flaky: true }]);
  });
});
