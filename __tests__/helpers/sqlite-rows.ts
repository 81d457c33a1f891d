/** Rows of a query on a SQLite file, read with sql.js directly (not through our store). */
import { readFileSync } from 'node:fs';
import initSqlJs from 'sql.js';

export async function dbRows(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    const res = db.exec(sql);
    if (res.length === 0) return [];
    return res[0].values.map((v) => Object.fromEntries(res[0].columns.map((c, i) => [c, v[i]])));
  } finally {
    db.close();
  }
}
