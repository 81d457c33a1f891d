/**
 * Checks and creates the schema of a sql.js database: refuses a foreign schema or a newer ffa
 * schema before touching anything, then creates only the tables that are missing (a plugin
 * database gets just our ffa_* tables; its own tables are never altered).
 */
import type { Database } from 'sql.js';
import {
  FFA_SCHEMA_VERSION,
  FFA_TABLES,
  FFA_VERSION_KEY,
  PLUGIN_TABLES,
  SQLITE_FFA_DDL,
  SQLITE_PLUGIN_DDL,
  checkFfaVersion,
  checkTableColumns,
  ffaRunUpgrades,
  type FfaTable,
  type PluginTable,
} from './schema.ts';
import { UserError } from './store.ts';

export interface SchemaState {
  /** Tables that are missing (created unless the database is opened read-only). */
  missing: (PluginTable | FfaTable)[];
  /** ALTER TABLE statements that bring an older ffa_run up to this schema (ffaRunUpgrades). */
  upgrades: string[];
  /** ffa_meta's schema_version is older than FFA_SCHEMA_VERSION (or absent) and is to be recorded. */
  staleVersion: boolean;
}

/** Validates the existing tables; throws UserError without changing anything. */
export function inspectSqliteSchema(db: Database, where: string): SchemaState {
  const res = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const tables = new Set((res[0]?.values ?? []).map((r) => String(r[0])));
  const ours = [...PLUGIN_TABLES, ...FFA_TABLES] as (PluginTable | FfaTable)[];
  const present = ours.filter((t) => tables.has(t));
  if (present.length === 0 && tables.size > 0) {
    const names = [...tables].slice(0, 5).join(', ');
    throw new UserError(
      `${where} is a SQLite database of something else (tables ${names}${tables.size > 5 ? ', …' : ''}) with none of the flakefighters tables; point database-path at a flakefighters database or a new file`,
    );
  }
  let upgrades: string[] = [];
  // Every present table's columns in one statement (pragma_table_info as a table-valued function, in column order):
  // a PRAGMA per table cost a statement's preparation each, on every run that opens a database.
  const columns = new Map<string, string[]>();
  if (present.length > 0) {
    const info = db.exec(
      `SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type = 'table' AND m.name IN (${present.map(() => '?').join(', ')}) ORDER BY m.name, p.cid`,
      present,
    );
    for (const [table, column] of info[0]?.values ?? []) {
      const list = columns.get(String(table)) ?? [];
      list.push(String(column));
      columns.set(String(table), list);
    }
  }
  for (const t of present) {
    const cols = columns.get(t) ?? [];
    const problem = checkTableColumns(t, cols, where);
    if (problem) throw new UserError(problem);
    if (t === 'ffa_run') upgrades = ffaRunUpgrades(cols);
  }
  let version: string | null = null;
  if (tables.has('ffa_meta')) {
    const v = db.exec('SELECT value FROM ffa_meta WHERE key = ?', [FFA_VERSION_KEY]);
    version = (v[0]?.values[0]?.[0] as string | null | undefined) ?? null;
    checkFfaVersion(version, where);
  }
  return { missing: ours.filter((t) => !tables.has(t)), upgrades, staleVersion: version === null || Number(version) < FFA_SCHEMA_VERSION };
}

/** Anything to create or upgrade (see createMissingTables). */
export const schemaNeedsWork = (state: SchemaState): boolean => state.missing.length > 0 || state.upgrades.length > 0 || state.staleVersion;

/**
 * Creates the missing tables (in the plugin's create_all order), adds the columns an older ffa_run
 * lacks (in place: its rows stay, with NULL in the new columns), and records our schema version.
 */
export function createMissingTables(db: Database, state: SchemaState): void {
  if (!schemaNeedsWork(state)) return;
  db.run('BEGIN');
  try {
    for (const t of state.missing) {
      const ddl = (SQLITE_PLUGIN_DDL as Record<string, string>)[t] ?? (SQLITE_FFA_DDL as Record<string, string>)[t];
      db.run(ddl);
    }
    for (const alter of state.upgrades) db.run(alter);
    db.run('INSERT INTO ffa_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [FFA_VERSION_KEY, String(FFA_SCHEMA_VERSION)]);
    db.run('COMMIT');
  } catch (err) {
    db.run('ROLLBACK');
    throw err;
  }
}
