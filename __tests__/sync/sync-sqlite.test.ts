import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { syncDatabases } from '../../src/sync/sync.ts';
import { openLocation } from '../../src/sync/open-any.ts';
import { sampleRun, FIXTURE_DB } from '../store/sample-run.ts';
import { at, content, tempDir } from './scenario.ts';

async function fileWith(path: string, runs: ReturnType<typeof sampleRun>[]): Promise<void> {
  const s = await openSqliteStore(path);
  for (const r of runs) await s.save(r);
  await s.close();
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('sync between sqlite files', () => {
  test('copies only the missing runs, whole, and a second sync changes nothing', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    await fileWith(a, [1, 2, 3].map((n) => sampleRun({ uuid: uuid(n), start: at(n), tests: 6 })));
    await fileWith(b, [sampleRun({ uuid: uuid(2), start: at(2), tests: 6 }), sampleRun({ uuid: uuid(4), start: at(4), tests: 3 })]);

    const progress: Array<[number, number]> = [];
    let from = await openSqliteStore(a, { readonly: true });
    let to = await openSqliteStore(b);
    const first = await syncDatabases(from, to, { onProgress: (d, t) => progress.push([d, t]) });
    await from.close();
    await to.close();
    assert.equal(first.copied, 2);
    assert.equal(first.alreadyThere, 1);
    assert.deepEqual(first.copiedRuns.map((c) => c.uuid), [uuid(1), uuid(3)]);
    assert.deepEqual(progress, [[0, 2], [1, 2], [2, 2]]);

    to = await openSqliteStore(b, { readonly: true });
    from = await openSqliteStore(a, { readonly: true });
    const counts = await to.tableCounts();
    // Every copied run is complete and equal to its source.
    const srcRuns = new Map((await from.loadAllRuns()).map((r) => [r.meta.uuid, r]));
    const copied = (await to.loadAllRuns()).filter((r) => r.meta.uuid === uuid(1) || r.meta.uuid === uuid(3));
    assert.equal(copied.length, 2);
    for (const r of copied) assert.deepEqual(content(r), content(srcRuns.get(r.meta.uuid)!));
    await to.close();

    to = await openSqliteStore(b);
    const second = await syncDatabases(from, to);
    await to.close();
    await from.close();
    assert.equal(second.copied, 0);
    assert.equal(second.alreadyThere, 3);
    to = await openSqliteStore(b, { readonly: true });
    assert.deepEqual(await to.tableCounts(), counts);
    await to.close();
  });

  test('a plugin database round-trips: its runs are recognised by their natural key both ways', async () => {
    const dir = tempDir();
    const plugin = join(dir, 'plugin.db');
    copyFileSync(FIXTURE_DB, plugin);
    const ours = join(dir, 'ours.db');
    let from = (await openLocation(`sqlite:///${plugin}`, { readonly: true })).store;
    let to = (await openLocation(ours)).store;
    const r1 = await syncDatabases(from, to);
    await from.close();
    await to.close();
    assert.equal(r1.copied, 5);
    // Back into the plugin's file: every run is already there (derived uuid = natural key).
    from = await openSqliteStore(ours, { readonly: true });
    to = await openSqliteStore(plugin);
    const r2 = await syncDatabases(from, to);
    assert.equal(r2.copied, 0);
    assert.equal(r2.alreadyThere, 5);
    const counts = await to.tableCounts();
    await to.close();
    await from.close();
    assert.equal(counts.run, 5);
    assert.equal(counts.test, 50);
    assert.equal(counts.flakefighter_result, 219);
  });

  test('a run stored under another uuid is matched by start time, root and test names', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    await fileWith(a, [sampleRun({ uuid: uuid(7), start: at(7) }), sampleRun({ uuid: uuid(8), start: at(8) })]);
    // Same run (start, root, tests) under a different uuid, and a different run at the same start.
    await fileWith(b, [sampleRun({ uuid: uuid(70), start: at(7) }), sampleRun({ uuid: uuid(80), start: at(8), root: '/elsewhere' })]);
    const from = await openSqliteStore(a, { readonly: true });
    const to = await openSqliteStore(b);
    const r = await syncDatabases(from, to);
    await from.close();
    await to.close();
    assert.equal(r.alreadyThere, 1);
    assert.deepEqual(r.copiedRuns.map((c) => c.uuid), [uuid(8)]);
  });

  test('late runs are listed with exactly the later runs whose window includes them', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    await fileWith(a, [sampleRun({ uuid: uuid(15), start: at(15) }), sampleRun({ uuid: uuid(45), start: at(45) })]);
    await fileWith(b, [10, 20, 30, 40].map((m) => sampleRun({ uuid: uuid(m), start: at(m) })));
    const ids = async () => {
      const s = await openSqliteStore(b, { readonly: true });
      const keys = await s.listRunKeys();
      await s.close();
      return new Map(keys.map((k) => [k.uuid, k.id]));
    };
    const before = await ids();

    const from = await openSqliteStore(a, { readonly: true });
    // Dry run first: the same list, nothing written.
    let to = await openSqliteStore(b, { readonly: true });
    const dry = await syncDatabases(from, to, { dryRun: true, loadMaxRuns: 2 });
    await to.close();
    assert.equal(dry.copied, 2);
    assert.deepEqual((await ids()).size, 4);
    assert.deepEqual(dry.lateRuns.map((l) => [l.uuid, l.id]), [[uuid(15), null]]);
    // load-max-runs 2: run 20's window is {15, 10}, run 30's is {20, 15}, run 40's is {30, 20}.
    assert.deepEqual(dry.lateRuns[0].affected.map((r) => r.id), [before.get(uuid(20)), before.get(uuid(30))]);

    to = await openSqliteStore(b);
    const real = await syncDatabases(from, to);
    await to.close();
    await from.close();
    const after = await ids();
    // 45 is newer than everything there: not late. 15 is: without a window, 20, 30 and 40 may differ.
    assert.deepEqual(real.lateRuns.map((l) => [l.uuid, l.id]), [[uuid(15), after.get(uuid(15))]]);
    assert.deepEqual(real.lateRuns[0].affected.map((r) => r.id), [20, 30, 40].map((m) => before.get(uuid(m))));
  });
});
