/**
 * PostgreSQL and test names its text and JSON types refuse as they are: a NUL (TEXT cannot hold one) and a lone
 * surrogate (JSON cannot). The save cleans them (jsonCell); the signature index and the by-name history loads must
 * clean them the same way, or a run with such a failing test cannot be saved or its history read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../../src/model.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { exception, execution, run as mkRun, test as mkTest } from '../flakefighters/builders.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const ENV = '["action","ci.yml","test","runner:Linux/X64"]';
const SHA = 'f'.repeat(40);
const NUL_NAME = 'tests/test_x.py::test_nul[a\u0000b]';
const SURROGATE_NAME = 'tests/test_x.py::test_half[\uD800]';

/** Both odd tests, failing with a traceback (so the signature index gets rows) or passing. */
function stored(k: number, fail: boolean): Run {
  const one = (name: string, line: number) =>
    mkTest(name, [fail ? execution('failed', { exception: exception([['tests/test_x.py', line, null, 'assert x']]), report: 'boom' }) : execution('passed')]);
  return mkRun([one(NUL_NAME, 5), one(SURROGATE_NAME, 9)], {
    root: '/w/x',
    commitSha: SHA,
    startTime: new Date(T0 + k * 3_600_000),
    activeFlakefighters: [{ name: 'OutcomeFlip', params: null }],
    meta: { uuid: `odd-${k}`, runNumber: 30 + k, runId: String(900 + k), runAttempt: 1, environment: ENV, environmentLabel: 'ci.yml › test', dirtyTree: false },
  });
}

let server: PgServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

test('failing tests named with a NUL and a lone surrogate are saved with their signatures and found again by name', async () => {
  await server.psql('CREATE DATABASE odd_names_db', 'postgres');
  const store = await openPostgresStore(server.url.replace(/\/[^/]*$/, '/odd_names_db'));
  try {
    await store.save(stored(0, false));
    await store.save(stored(1, true));
    const now = stored(2, true);
    const named = await store.loadRunsForCommit(SHA, now.startTime, { coverage: false, environment: ENV, testNames: now.tests.map((t) => t.name) });
    assert.deepEqual(named.map((r) => r.meta.uuid), ['odd-1', 'odd-0']);
    assert.deepEqual(named.map((r) => r.tests.length), [2, 2], 'both odd names found in both earlier runs');
  } finally {
    await store.close();
  }
});
