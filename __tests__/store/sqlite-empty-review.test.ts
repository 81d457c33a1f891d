/**
 * The build's empty database cut short (a partial copy of dist/: its header and first pages intact, the rest gone)
 * must not become a run's database: its schema reads, but the tables' pages are missing. freshDatabase falls back to
 * creating the tables, and the new database takes rows in every table like one whose tables were created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { FFA_TABLES, PLUGIN_TABLES } from '../../src/store/schema.ts';
import { createMissingTables, inspectSqliteSchema } from '../../src/store/sqlite-schema.ts';
import { emptyDatabaseBytes, emptyDatabaseName, freshDatabase } from '../../src/store/sqlite-empty.ts';

test('a truncated empty database is not used: the new database is the one creating the tables gives', async () => {
  const SQL = await loadSqlJs();
  const whole = emptyDatabaseBytes(SQL);
  const pageSize = (whole[16]! << 8) | whole[17]!;
  assert.ok(whole.length >= 4 * pageSize, `the empty database spans pages (${whole.length} bytes)`);
  const created = new SQL.Database();
  createMissingTables(created, inspectSqliteSchema(created, 'created'));
  const want = created.export();
  created.close();
  for (const pages of [1, 2, Math.floor(whole.length / pageSize) - 1]) {
    const dir = mkdtempSync(join(tmpdir(), 'ffa-empty-cut-'));
    writeFileSync(join(dir, emptyDatabaseName()), whole.subarray(0, pages * pageSize));
    const db = await freshDatabase(SQL, pathToFileURL(`${dir}/`));
    try {
      const state = inspectSqliteSchema(db, 'cut');
      createMissingTables(db, state);
      // Every table takes a row, as a first save would put into it.
      for (const t of [...PLUGIN_TABLES, ...FFA_TABLES]) {
        assert.doesNotThrow(() => db.exec(`SELECT count(*) FROM ${t}`), `${t} readable (${pages} pages kept)`);
      }
      assert.equal(db.exec('PRAGMA quick_check')[0]?.values[0]?.[0], 'ok', `${pages} pages kept: the database is whole`);
      assert.deepEqual(db.export(), want, `${pages} pages kept: the file creating the tables gives`);
    } finally {
      db.close();
    }
  }
});
