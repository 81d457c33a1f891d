/** Rows of a sql.js query as objects keyed by column name. */
import type { Database, SqlValue } from 'sql.js';

export function selectRows<T = Record<string, SqlValue>>(db: Database, sql: string, params: SqlValue[] = []): T[] {
  const stmt = db.prepare(sql);
  try {
    if (params.length) stmt.bind(params);
    // getAsObject() asks SQLite for every column name on every row; ask once.
    const names = stmt.getColumnNames();
    const out: T[] = [];
    while (stmt.step()) {
      const values = stmt.get();
      const row: Record<string, SqlValue> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
      out.push(row as T);
    }
    return out;
  } finally {
    stmt.free();
  }
}
