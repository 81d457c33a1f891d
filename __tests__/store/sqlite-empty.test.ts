/**
 * The empty database the build makes (src/store/sqlite-empty.ts): a new history file started from
 * it has exactly the schema one gets by creating the tables (sqlite_master rows, pragmas,
 * user_version, ffa_meta, every byte), a missing or damaged file falls back to creating them, and
 * the built action carries the file this source makes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Database } from 'sql.js';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { FFA_TABLES, PLUGIN_TABLES } from '../../src/store/schema.ts';
import { createMissingTables, inspectSqliteSchema } from '../../src/store/sqlite-schema.ts';
import { EMPTY_DATABASE_PREFIX, emptyDatabaseBytes, emptyDatabaseName, freshDatabase } from '../../src/store/sqlite-empty.ts';

const dirUrl = (dir: string) => pathToFileURL(`${dir}/`);
const rows = (db: Database, sql: string) => db.exec(sql)[0]?.values ?? [];
const PRAGMAS = ['user_version', 'application_id', 'schema_version', 'page_size', 'page_count', 'freelist_count', 'encoding', 'auto_vacuum', 'journal_mode', 'foreign_keys', 'legacy_file_format'];

/** Everything a database's schema is: sqlite_master as stored, the header pragmas, ffa_meta. */
function schemaOf(db: Database) {
  return {
    master: rows(db, 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid'),
    pragmas: Object.fromEntries(PRAGMAS.map((p) => [p, rows(db, `PRAGMA ${p}`)])),
    meta: rows(db, 'SELECT key, value FROM ffa_meta ORDER BY key'),
  };
}

test('a new database from the empty file has the schema creating the tables gives, byte for byte', async () => {
  const SQL = await loadSqlJs();
  const dir = mkdtempSync(join(tmpdir(), 'ffa-empty-'));
  writeFileSync(join(dir, emptyDatabaseName()), emptyDatabaseBytes(SQL));

  const created = new SQL.Database();
  createMissingTables(created, inspectSqliteSchema(created, 'created'));
  const loaded = await freshDatabase(SQL, dirUrl(dir));
  try {
    assert.equal(rows(loaded, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0]![0], PLUGIN_TABLES.length + FFA_TABLES.length, 'the tables came from the file');
    const state = inspectSqliteSchema(loaded, 'loaded');
    assert.deepEqual(state, { missing: [], upgrades: [], staleVersion: false }, 'nothing left to create or upgrade');
    const [a, b] = [loaded.export(), created.export()];
    assert.deepEqual(a, b, 'the same file');
    // The files as the next run opens them. (A live connection's PRAGMA schema_version counts the CREATEs it ran
    // itself, 17 against 1; the file records 1 either way and no code reads it.)
    assert.deepEqual(schemaOf(new SQL.Database(a)), schemaOf(new SQL.Database(b)));
    assert.deepEqual(rows(loaded, 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid'), rows(created, 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid'));
    // And they stay the same file as rows and further tables go in.
    for (const db of [created, loaded]) {
      db.run("INSERT INTO run (start_time, created_at, root, commit_sha) VALUES ('2026-01-01 00:00:00.000000', '2026-01-01 00:00:01.000000', '/w', 'abc')");
      db.run('CREATE TABLE IF NOT EXISTS later_table (x)');
    }
    assert.deepEqual(loaded.export(), created.export());
  } finally {
    created.close();
    loaded.close();
  }
});

test('without the file, or with a damaged one, a new database is empty and its tables are created as before', async () => {
  const SQL = await loadSqlJs();
  const none = await freshDatabase(SQL, dirUrl(mkdtempSync(join(tmpdir(), 'ffa-empty-'))));
  assert.equal(rows(none, 'SELECT count(*) FROM sqlite_master')[0]![0], 0);
  none.close();

  const dir = mkdtempSync(join(tmpdir(), 'ffa-empty-'));
  writeFileSync(join(dir, emptyDatabaseName()), Buffer.from('this is not a database '.repeat(300)));
  const damaged = await freshDatabase(SQL, dirUrl(dir));
  assert.equal(rows(damaged, 'SELECT count(*) FROM sqlite_master')[0]![0], 0);
  damaged.close();

  // A file of another schema has another name: never read.
  const other = mkdtempSync(join(tmpdir(), 'ffa-empty-'));
  writeFileSync(join(other, `${EMPTY_DATABASE_PREFIX}0000000000000000.db`), emptyDatabaseBytes(SQL));
  const stale = await freshDatabase(SQL, dirUrl(other));
  assert.equal(rows(stale, 'SELECT count(*) FROM sqlite_master')[0]![0], 0);
  stale.close();
});

test('the built action carries this schema’s empty database beside the code that opens new files', async () => {
  const SQL = await loadSqlJs();
  const chunks = new URL('../../dist/chunks/', import.meta.url).pathname;
  const openers = readdirSync(chunks).filter((f) => f.endsWith('.js') && readFileSync(join(chunks, f), 'utf8').includes(EMPTY_DATABASE_PREFIX));
  assert.ok(openers.length > 0, 'a chunk of dist/ looks for the empty database (run `npm run build` first)');
  assert.deepEqual(new Uint8Array(readFileSync(join(chunks, emptyDatabaseName()))), emptyDatabaseBytes(SQL), 'dist/ was built from this schema');
});
