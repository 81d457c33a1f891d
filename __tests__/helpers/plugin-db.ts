/** The plugin-written fixture database, restored into PostgreSQL tables made with the plugin's own DDL. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import initSqlJs from 'sql.js';
import { PLUGIN_TABLES } from '../../src/store/schema.ts';
import { SHARED } from './shared-dir.ts';

export const PLUGIN_FIXTURES = `${SHARED}/plugin`;

/** Copies every row of the plugin's SQLite database into Postgres, ids included, and moves the sequences past them. */
export async function restorePluginDb(url: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(join(PLUGIN_FIXTURES, 'flakefighters.db')));
  const sql = postgres(url, { onnotice: () => {}, max: 1, connection: { TimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone } as never });
  try {
    await sql.unsafe(readFileSync(join(PLUGIN_FIXTURES, 'schema.postgres.sql'), 'utf8'));
    for (const table of PLUGIN_TABLES) {
      const [res] = db.exec(`SELECT * FROM ${table} ORDER BY id`);
      if (!res) continue;
      for (const values of res.values) {
        const row = Object.fromEntries(
          res.columns.map((c, i) => {
            const v = values[i];
            if ((c === 'skipped' || c === 'flaky') && v !== null) return [c, v === 1];
            if (v instanceof Uint8Array) return [c, Buffer.from(v)];
            return [c, v];
          }),
        );
        await sql`INSERT INTO ${sql(table)} ${sql(row)}`;
      }
      await sql.unsafe(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
  } finally {
    db.close();
    await sql.end();
  }
}
