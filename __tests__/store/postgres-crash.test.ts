import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore, PostgresStoreError } from '../../src/store/postgres-store.ts';
import type { Run, Test } from '../../src/model.ts';

function bigRun(nTests: number, uuid: string, start: Date): Run {
  const tests: Test[] = [];
  for (let i = 0; i < nTests; i++) {
    tests.push({
      name: `tests/test_mod${i % 50}.py::test_case_${i}`,
      fspath: `/r/tests/test_mod${i % 50}.py`,
      lineNo: i,
      skipped: false,
      results: [],
      executions: [
        {
          outcome: i % 2 ? 'passed' : 'failed',
          startTime: start,
          endTime: start,
          stdout: 'x'.repeat(200),
          stderr: null,
          report: i % 2 ? 'None' : 'AssertionError: ' + 'y'.repeat(300),
          coverage: { '/r/src/big_module.py': Array.from({ length: 40 }, (_, k) => k + 1) },
          exception: i % 2 ? null : { name: 'AssertionError', frames: Array.from({ length: 5 }, (_, k) => ({ path: `src/f${k}.py`, lineno: k, colno: null, statement: 'z = 1', source: 'w'.repeat(100) })) },
          results: [{ name: 'TracebackMatching', flaky: false }],
        },
      ],
    });
  }
  return { startTime: start, root: '/r', commitSha: 'abc', tests, activeFlakefighters: [], meta: { uuid, source: 'action' } };
}

describe('server killed in the middle of a save', () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  test('the save fails with one clear line, and after restart no partial run is there', async () => {
    const seed = await openPostgresStore(server.url);
    await seed.save(bigRun(50, 'seed', new Date(2026, 0, 1)));
    await seed.close();
    const before = await server.psql('SELECT count(*) FROM run; SELECT count(*) FROM test; SELECT count(*) FROM test_execution; SELECT count(*) FROM tracebackentry; SELECT count(*) FROM flakefighter_result');

    // Another session holds a lock on the last table the save writes, so the save is caught inside its
    // transaction (run, tests, executions, frames already sent) when the server dies: a real mid-save kill.
    const locker = postgres(server.url, { max: 1, onnotice: () => {} });
    const lockHeld = new Promise<void>((resolve) => {
      locker
        .begin(async (tx) => {
          await tx`LOCK TABLE flakefighter_result IN ACCESS EXCLUSIVE MODE`;
          resolve();
          // Never released: the server dies with the lock held.
          await new Promise<void>(() => {});
        })
        .catch(() => undefined);
    });
    await lockHeld;
    let killing: Promise<void> | null = null;
    const store = await openPostgresStore(server.url, {
      retries: 2,
      retryDelayMs: 100,
      connectTimeoutSec: 3,
      onQuery: (q) => {
        if (!killing && /^INSERT INTO flakefighter_result \(/.test(q)) {
          killing = new Promise((r) => setTimeout(r, 300)).then(() => server.stop('immediate'));
        }
      },
    });
    const t = Date.now();
    let caught: unknown;
    try {
      await store.save(bigRun(3_000, 'crash-victim', new Date(2026, 0, 2)));
    } catch (err) {
      caught = err;
    }
    await locker.end({ timeout: 0 }).catch(() => undefined);
    await store.close();
    assert.ok(killing, 'the server was stopped during the save');
    await killing;
    assert.ok(caught instanceof PostgresStoreError, `expected PostgresStoreError, got ${String(caught)}`);
    assert.ok(caught.transient);
    assert.match(caught.message, /closed the connection while trying to save the run|connection refused by 127\.0\.0\.1/);
    assert.ok(!caught.message.includes('\n'));
    assert.ok(!caught.message.includes(server.password));
    assert.ok(Date.now() - t < 20_000, 'did not hang');

    await server.start();
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run WHERE uuid = 'crash-victim'`), '0');
    assert.equal(
      await server.psql('SELECT count(*) FROM run; SELECT count(*) FROM test; SELECT count(*) FROM test_execution; SELECT count(*) FROM tracebackentry; SELECT count(*) FROM flakefighter_result'),
      before,
    );
    // The same run saves cleanly once the server is back.
    const again = await openPostgresStore(server.url);
    const res = await again.save(bigRun(200, 'crash-victim', new Date(2026, 0, 2)));
    assert.equal(res.inserted, true);
    await again.close();
  });
});
