/**
 * Learn on save (issue 18) at the store, on a sql.js file and a real PostgreSQL: what never teaches (a dirty working
 * tree, an unknown commit or environment, another environment, legs the runner cannot tell apart), retention (a
 * learned verdict goes with its execution, not with the run that taught it), sync carrying learned verdicts both
 * ways with when and from which run, and `sync --reclassify`'s replay (reclassifyRun) hiding what was learned after
 * the replayed run's start.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Run } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { syncDatabases } from '../../src/sync/sync.ts';
import type { AnyStore } from '../../src/sync/open-any.ts';
import { reclassifyRun } from '../../src/sync/reclassify.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { tempDir } from './sample-run.ts';

const ROOT = '/home/runner/work/shop/shop';
const NAME = 'tests/test_shop.py::test_total';
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const LEG = JSON.stringify(['action', '.github/workflows/ci.yml', 'test', '{"python":"3.12"}']);
/** An environment the runner names (no matrix input): legs it cannot tell apart may share it. */
const RUNNER_ENV = JSON.stringify(['action', '.github/workflows/ci.yml', 'test', 'runner:Linux/X64']);

let seq = 0;
interface RunOptions {
  outcome: 'failed' | 'passed';
  /** Drop OutcomeFlip from the run's flakefighters (turned off in the configuration). */
  noOutcomeFlip?: boolean;
  sha?: string | null;
  environment?: string | null;
  dirty?: boolean;
  ghRunId?: string;
  attempt?: number;
  start: Date;
}

function run(o: RunOptions): Run {
  const failed = o.outcome === 'failed';
  const r: Run = {
    startTime: o.start,
    root: ROOT,
    commitSha: o.sha === undefined ? C : o.sha,
    activeFlakefighters: [
      { name: 'OutcomeFlip', params: {} },
      { name: 'TracebackMatching', params: { run_live: true, root: ROOT } },
    ],
    meta: {
      uuid: `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
      source: 'action',
      runId: o.ghRunId ?? '4000',
      runNumber: 40,
      runAttempt: o.attempt ?? 1,
      environment: o.environment === undefined ? LEG : o.environment,
      environmentLabel: 'ci.yml › test › python 3.12',
      dirtyTree: o.dirty ?? false,
    },
    tests: [
      {
        name: NAME,
        fspath: `${ROOT}/tests/test_shop.py`,
        lineNo: 10,
        skipped: false,
        results: [],
        executions: [
          {
            outcome: o.outcome,
            startTime: o.start,
            endTime: o.start,
            stdout: null,
            stderr: null,
            report: failed ? 'AssertionError: assert 13 == 10' : 'None',
            coverage: null,
            exception: failed
              ? { name: 'AssertionError', frames: [{ path: 'tests/test_shop.py', lineno: 14, colno: null, statement: 'assert cart.total() == 10' }] }
              : null,
            results: failed ? [{ name: 'TracebackMatching', flaky: false, evidence: { reason: 'no earlier flaky failure with the same traceback' } }] : [],
          },
        ],
      },
    ],
  };
  if (o.noOutcomeFlip) r.activeFlakefighters = r.activeFlakefighters.filter((a) => a.name !== 'OutcomeFlip');
  return r;
}

const at = (minute: number) => new Date(2026, 10, 25, 12, minute, 0, 0);

/** Learned verdicts on the test's failing executions, as loaded back. */
async function learned(store: AnyStore): Promise<Array<{ runUuid: string; fromRunUuid: string | null; at: Date; reason: unknown }>> {
  const runs = await store.loadAllRuns();
  return runs.flatMap((r) =>
    r.tests.flatMap((t) =>
      t.executions.flatMap((e) =>
        e.results.filter((x) => x.learned).map((x) => ({ runUuid: r.meta.uuid, fromRunUuid: x.learned!.fromRunUuid, at: x.learned!.at, reason: x.evidence?.reason })),
      ),
    ),
  );
}

interface Backend {
  name: string;
  open(): Promise<AnyStore>;
}

function cases(b: Backend) {
  describe(`learn on save (${b.name})`, () => {
    test('a pass of the same commit and environment teaches; a dirty tree, an unknown commit or environment, another environment, or a run without OutcomeFlip does not', async () => {
      const store = await b.open();
      try {
        const fail = run({ outcome: 'failed', start: at(0) });
        await store.save(fail);
        for (const never of [
          run({ outcome: 'passed', start: at(1), dirty: true }),
          run({ outcome: 'passed', start: at(2), environment: null }),
          run({ outcome: 'passed', start: at(3), environment: LEG.replace('3.12', '3.9') }),
          run({ outcome: 'passed', start: at(4), sha: D }),
          run({ outcome: 'passed', start: at(4), attempt: 2, noOutcomeFlip: true }),
        ]) {
          const saved = await store.save(never);
          assert.equal(saved.learned, undefined, `nothing learned from ${JSON.stringify(never.meta)}`);
        }
        assert.deepEqual(await learned(store), []);
        const teacher = run({ outcome: 'passed', start: at(5), attempt: 2 });
        const saved = await store.save(teacher);
        assert.equal(saved.learned?.length, 1);
        assert.equal(saved.learned![0].evidence.reason, 'passed later in run #40 attempt 2 (ci.yml › test › python 3.12)');
        const got = await learned(store);
        assert.equal(got.length, 1);
        assert.equal(got[0].runUuid, fail.meta.uuid);
        assert.equal(got[0].fromRunUuid, teacher.meta.uuid);
        // Learned once: another pass finds the failure flaky already.
        assert.equal((await store.save(run({ outcome: 'passed', start: at(6), attempt: 3 }))).learned, undefined);
        assert.equal((await learned(store)).length, 1);
      } finally {
        await store.close();
      }
    });

    test('a failure on a dirty working tree is not the same code: a clean pass teaches nothing about it', async () => {
      const store = await b.open();
      try {
        await store.save(run({ outcome: 'failed', start: at(0), dirty: true }));
        assert.equal((await store.save(run({ outcome: 'passed', start: at(1), attempt: 2 }))).learned, undefined);
      } finally {
        await store.close();
      }
    });

    test('without the matrix input, two runs of one attempt in one environment may be two legs: nothing is learned', async () => {
      const store = await b.open();
      try {
        await store.save(run({ outcome: 'failed', start: at(0), environment: RUNNER_ENV }));
        await store.save(run({ outcome: 'failed', start: at(1), environment: RUNNER_ENV }));
        assert.equal((await store.save(run({ outcome: 'passed', start: at(2), environment: RUNNER_ENV, attempt: 2 }))).learned, undefined);
      } finally {
        await store.close();
      }
      // A single earlier attempt in that environment is the same leg re-run: learned.
      const fresh = await b.open();
      try {
        await fresh.save(run({ outcome: 'failed', start: at(0), environment: RUNNER_ENV, ghRunId: '9000' }));
        assert.equal((await fresh.save(run({ outcome: 'passed', start: at(1), environment: RUNNER_ENV, ghRunId: '9000', attempt: 2 }))).learned?.length, 1);
      } finally {
        await fresh.close();
      }
    });

    test('retention: a learned verdict stays when the run that taught it is pruned, and goes with its execution', async () => {
      const store = await b.open();
      try {
        const fail = run({ outcome: 'failed', start: at(0) });
        await store.save(fail);
        // The teacher is stamped earlier than the failure (a clock behind), so retention prunes it first.
        const teacher = run({ outcome: 'passed', start: new Date(at(0).getTime() - 60_000), attempt: 2 });
        assert.equal((await store.save(teacher)).learned?.length, 1);
        await store.save(run({ outcome: 'passed', start: at(5), sha: D }), { storeMaxRuns: 2 });
        const kept = await store.loadAllRuns();
        assert.deepEqual(kept.map((r) => r.meta.uuid).sort(), [fail.meta.uuid, kept.find((r) => r.commitSha === D)!.meta.uuid].sort());
        assert.equal((await learned(store)).length, 1, 'the learned verdict is kept with its execution');
        await store.save(run({ outcome: 'passed', start: at(6), sha: D }), { storeMaxRuns: 1 });
        assert.deepEqual(await learned(store), []);
        const counts = await store.tableCounts();
        assert.equal(counts.ffa_learned_result, 0, 'no orphan learned row');
        assert.equal(counts.flakefighter_result, 0);
      } finally {
        await store.close();
      }
    });
  });
}

const sqlite: Backend = { name: 'sql.js file', open: () => openSqliteStore(join(tempDir(), 'flakefighters.db')) };
cases(sqlite);

let server: PgServer | undefined;
let dbCount = 0;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

async function newPgUrl(): Promise<string> {
  const name = `learnstore_${++dbCount}`;
  await server!.psql(`CREATE DATABASE ${name} OWNER ${server!.user}`);
  return server!.url.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
}

/** Each open() of the Postgres back end is a new database, like a new sql.js file. */
cases({ name: 'PostgreSQL', open: async () => openPostgresStore(await newPgUrl(), { full: true }) });

describe('sync carries learned verdicts both ways, with when and from which run', () => {
  test('sql.js → PostgreSQL → sql.js keeps the learned verdict, its moment and its teacher; nothing is learned twice', async () => {
    const src = await openSqliteStore(join(tempDir(), 'a.db'));
    const fail = run({ outcome: 'failed', start: at(0) });
    const teacher = run({ outcome: 'passed', start: at(1), attempt: 2 });
    await src.save(fail);
    await src.save(teacher);
    const original = await learned(src);
    assert.equal(original.length, 1);

    const url = await newPgUrl();
    const pg = await openPostgresStore(url, { full: true });
    try {
      const report = await syncDatabases(src, pg);
      assert.equal(report.copied, 2);
      const there = await learned(pg);
      assert.deepEqual(there.map((l) => [l.runUuid, l.fromRunUuid, l.at.getTime(), l.reason]), original.map((l) => [l.runUuid, l.fromRunUuid, l.at.getTime(), l.reason]));
      const back = await openSqliteStore(join(tempDir(), 'b.db'));
      try {
        await syncDatabases(pg, back);
        const b = await learned(back);
        assert.deepEqual(b.map((l) => [l.runUuid, l.fromRunUuid, l.at.getTime()]), original.map((l) => [l.runUuid, l.fromRunUuid, l.at.getTime()]));
        assert.equal((await back.tableCounts()).ffa_learned_result, 1);
      } finally {
        await back.close();
      }
      assert.equal((await pg.tableCounts()).ffa_learned_result, 1);
    } finally {
      await pg.close();
      await src.close();
    }
  });

  test('a destination that lacks the teacher learns when sync copies it', async () => {
    const a = await openSqliteStore(join(tempDir(), 'a.db'));
    const b = await openSqliteStore(join(tempDir(), 'b.db'));
    try {
      const fail = run({ outcome: 'failed', start: at(0) });
      await a.save(fail);
      await b.save(fail);
      await b.save(run({ outcome: 'passed', start: at(1), attempt: 2 }));
      await syncDatabases(b, a);
      const got = await learned(a);
      assert.equal(got.length, 1);
      assert.equal(got[0].runUuid, fail.meta.uuid);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("replays as of a run's start hide what was learned later", () => {
  test('reclassifyRun: a failure on D before the re-run stays genuine; one after it is flaky by TracebackMatching, chained', async () => {
    const store = await openSqliteStore(join(tempDir(), 'replay.db'));
    try {
      const now = Date.now();
      const fail = run({ outcome: 'failed', start: new Date(now - 3 * 3600_000) });
      const before = run({ outcome: 'failed', sha: D, start: new Date(now - 2 * 3600_000) });
      await store.save(fail);
      await store.save(before);
      // The re-run is saved now (created_at unset: learned_at is the moment of the save).
      assert.equal((await store.save(run({ outcome: 'passed', start: new Date(now - 1 * 3600_000), attempt: 2 }))).learned?.length, 1);
      const after = run({ outcome: 'failed', sha: D, start: new Date(now + 3600_000) });
      await store.save(after);
      const all = await store.loadAllRuns();
      const stored = (uuid: string) => all.find((r) => r.meta.uuid === uuid)!;
      const historyOf = (r: Run) => all.filter((h) => h.startTime < r.startTime).reverse();

      const early = await reclassifyRun(stored(before.meta.uuid), historyOf(stored(before.meta.uuid)), { reason: 'test' });
      assert.deepEqual(early.changes, [], 'learned after its start: invisible to the replay');
      const late = await reclassifyRun(stored(after.meta.uuid), historyOf(stored(after.meta.uuid)), { reason: 'test' });
      assert.equal(late.changes.length, 1);
      assert.equal(late.changes[0].flakefighter, 'TracebackMatching');
      assert.equal(late.changes[0].newFlaky, true);
      assert.match(late.changes[0].reason, /, which passed later in run #40 attempt 2 \(ci\.yml › test › python 3\.12\)/);
      // The failed attempt itself: its learned verdict is not one its flakefighters gave, so no change is made up.
      const self = await reclassifyRun(stored(fail.meta.uuid), [], { reason: 'test' });
      assert.deepEqual(self.changes, []);
    } finally {
      await store.close();
    }
  });
});
