/** Rows of a query on a SQLite file, and edits of one, with sql.js directly (not through our store). */
import { readFileSync, writeFileSync } from 'node:fs';
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

/** Runs `sql` on the SQLite file at `path` and writes the result back. */
export async function editSqlite(path: string, sql: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(new Uint8Array(readFileSync(path)));
  try {
    db.run(sql);
    writeFileSync(path, db.export());
  } finally {
    db.close();
  }
}
