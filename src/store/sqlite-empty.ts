/**
 * The empty database a new sql.js history file starts from. Every CREATE TABLE and CREATE INDEX
 * of the schema run through SQLite's parser and code generator, in WebAssembly not yet optimised,
 * is the largest part of a first run's database work; the build runs them once
 * (buildEmptyDatabase) and puts the resulting file beside the bundle, named for a digest of the
 * schema, and a run that starts a new file loads it instead. Without that file (tests and the CLI
 * run from source, or a build of another schema) the tables are created as before.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Database, SqlJsStatic } from 'sql.js';
import { FFA_SCHEMA_VERSION, FFA_TABLES, FFA_VERSION_KEY, PLUGIN_TABLES, SQLITE_FFA_DDL, SQLITE_PLUGIN_DDL } from './schema.ts';
import { createMissingTables, inspectSqliteSchema } from './sqlite-schema.ts';
import { loadSqlJs } from './sqljs.ts';

/** The build copies the file beside every output whose code holds this prefix. */
export const EMPTY_DATABASE_PREFIX = 'flakefighters-empty-';

/** What the empty database holds: every table's DDL in creation order and the recorded schema version. */
export function emptyDatabaseName(): string {
  const ddl = [...PLUGIN_TABLES.map((t) => SQLITE_PLUGIN_DDL[t]), ...FFA_TABLES.map((t) => SQLITE_FFA_DDL[t])];
  const digest = createHash('sha256').update(JSON.stringify({ ddl, version: FFA_SCHEMA_VERSION, key: FFA_VERSION_KEY })).digest('hex').slice(0, 16);
  return `${EMPTY_DATABASE_PREFIX}${digest}.db`;
}

/** A new in-memory database given the schema the way a run gives a new file its schema, as file bytes. */
export function emptyDatabaseBytes(SQL: SqlJsStatic): Uint8Array {
  const db = new SQL.Database();
  try {
    createMissingTables(db, inspectSqliteSchema(db, 'a new database'));
    return db.export();
  } finally {
    db.close();
  }
}

/** The build's entry: the file to put beside the bundle. */
export async function buildEmptyDatabase(): Promise<{ name: string; bytes: Uint8Array }> {
  return { name: emptyDatabaseName(), bytes: emptyDatabaseBytes(await loadSqlJs()) };
}

/**
 * A new database: the build's empty database from `dir` (beside this code) when it is there and
 * reads as a database of this schema's name, else an empty one for the caller to create the tables in.
 */
export async function freshDatabase(SQL: SqlJsStatic, dir: URL = new URL('.', import.meta.url)): Promise<Database> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(new URL(emptyDatabaseName(), dir));
  } catch {
    return new SQL.Database();
  }
  let db: Database | null = null;
  try {
    db = new SQL.Database(bytes);
    // Reads the schema now: a damaged file is never a run's database.
    db.exec('SELECT count(*) FROM sqlite_master');
    return db;
  } catch {
    db?.close();
    return new SQL.Database();
  }
}
