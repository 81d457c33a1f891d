/**
 * The room a big save reopens the file with (sqljs-room.ts) must never reach the disk: the file written is its pages
 * only, byte for byte the file written without the room, also when the save that made the room wrote nothing (its run
 * was already stored) and the store writes the file back anyway (a new file, so it is dirty).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { estimateRoom } from '../../src/store/sqljs-room.ts';
import { sampleRun, tempDir } from './sample-run.ts';

async function pagesOf(path: string): Promise<{ count: number; size: number; check: unknown }> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    const [[count, size, check]] = db.exec('SELECT (SELECT page_count FROM pragma_page_count), (SELECT page_size FROM pragma_page_size), (SELECT quick_check FROM pragma_quick_check)')[0]!.values;
    return { count: Number(count), size: Number(size), check };
  } finally {
    db.close();
  }
}

test('a big run already stored: the save makes room, writes nothing, and the file written is still only its pages', async () => {
  const big = sampleRun({ tests: 30_000, failEvery: 500, uuid: 'already-there' });
  assert.ok(estimateRoom(big) >= 4 * 1024 * 1024, 'big enough to be given room');
  const small = sampleRun({ tests: 3, failEvery: 2, uuid: 'already-there' });

  // Without the room: the small run saved alone.
  const plainPath = join(tempDir(), 'plain.db');
  const plain = await openSqliteStore(plainPath);
  await plain.save(small);
  await plain.close();

  // The same, then the big run of the same uuid (a re-run of the same job): nothing is inserted.
  const path = join(tempDir(), 'roomy.db');
  const store = await openSqliteStore(path);
  await store.save(sampleRun({ tests: 3, failEvery: 2, uuid: 'already-there' }));
  const again = await store.save(big);
  assert.equal(again.inserted, false);
  await store.close();

  const { count, size, check } = await pagesOf(path);
  assert.equal(check, 'ok');
  assert.equal(statSync(path).size, count * size, 'the file holds its pages and no room after them');
  assert.deepEqual(readFileSync(path), readFileSync(plainPath), 'byte-identical to the file written without the room');
});

test('the same writes into the reopened file with room and into one without give the same file, byte for byte', async () => {
  const SQL = await loadSqlJs();
  const { reopenWithRoom } = await import('../../src/store/sqljs-room.ts');
  const base = new SQL.Database();
  base.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, body BLOB)');
  base.run('CREATE INDEX t_name ON t (name)');
  base.run("INSERT INTO t (name, body) VALUES ('seed', zeroblob(10))");
  const roomy = reopenWithRoom(SQL, base, 16 * 1024 * 1024);
  assert.ok(roomy, 'room given');
  const plain = new SQL.Database(base.export());
  const given = base.export();
  const givenBefore = Uint8Array.from(given);
  base.close();
  const writes = (db: typeof plain) => {
    db.run('BEGIN');
    const stmt = db.prepare('INSERT INTO t (name, body) VALUES (?, ?)');
    for (let i = 0; i < 20_000; i++) stmt.run([`tests/test_${i % 97}.py::test_${i} ${'x'.repeat(i % 300)}`, new Uint8Array(i % 50).fill(i & 255)]);
    stmt.free();
    db.run('DELETE FROM t WHERE id % 7 = 0');
    db.run('COMMIT');
    // A second transaction after the first one filled part of the room, one that rolls back, and one more.
    db.run("BEGIN; INSERT INTO t (name) VALUES ('second'); COMMIT;");
    db.run("BEGIN; INSERT INTO t (name, body) VALUES ('rolled back', zeroblob(3000000)); ROLLBACK;");
    db.run("INSERT INTO t (name, body) VALUES ('third', zeroblob(5000))");
  };
  writes(roomy);
  writes(plain);
  const [a, b] = [roomy.export(), plain.export()];
  assert.ok(a.length > 4 * 1024 * 1024, `the writes used the room (${a.length} bytes)`);
  assert.equal(a.length, b.length, 'the same length: no room left after the pages');
  assert.ok(Buffer.from(a).equals(Buffer.from(b)), 'the same bytes');
  // The file the room was made from is untouched by the writes into the roomy copy.
  assert.ok(Buffer.from(given).equals(Buffer.from(givenBefore)), 'the original bytes unchanged');
  roomy.close();
  plain.close();
});
