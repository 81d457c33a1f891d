/**
 * coverage.py's own data file (`.coverage`, SQLite, coverage 5+), read with sql.js so no Python is
 * needed. Lines come from `line_bits` (numbits blobs) or, when branch coverage was on, from the
 * positive line numbers of `arc` rows, which is how coverage.py's `CoverageData.lines()` does it.
 */
import { UserError } from '../store/store.ts';
import { loadSqlJs } from '../store/sqljs.ts';
import { absPath, addLines, type RawCoverage } from './coverage-raw.ts';

const SQLITE_MAGIC = 'SQLite format 3\0';

export function looksLikeSqlite(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  return Buffer.from(bytes.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

/** coverage.numbits: bit i of byte j means line j*8+i was executed. */
export function decodeNumbits(blob: Uint8Array): number[] {
  const lines: number[] = [];
  for (let j = 0; j < blob.length; j++) {
    const byte = blob[j];
    if (byte === 0) continue;
    for (let i = 0; i < 8; i++) if (byte & (1 << i)) lines.push(j * 8 + i);
  }
  return lines.filter((l) => l > 0);
}

export async function readCoverageSqlite(bytes: Uint8Array, file: string, root: string): Promise<RawCoverage> {
  const SQL = await loadSqlJs();
  let db;
  try {
    db = new SQL.Database(bytes);
  } catch (e) {
    throw new UserError(`Coverage file ${file} is not a readable SQLite database (${(e as Error).message}); pass coverage.py's .coverage file or its JSON report.`);
  }
  try {
    const tables = new Set(
      (db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0])),
    );
    for (const t of ['file', 'context']) {
      if (!tables.has(t)) {
        throw new UserError(
          `Coverage file ${file} is an SQLite database without coverage.py's "${t}" table; pass a .coverage file written by coverage.py 5 or later.`,
        );
      }
    }
    const files = new Map<number, string>();
    for (const [id, path] of db.exec('SELECT id, path FROM file')[0]?.values ?? []) files.set(Number(id), absPath(String(path), root));
    const contexts = new Map<number, string>();
    for (const [id, name] of db.exec('SELECT id, context FROM context')[0]?.values ?? []) contexts.set(Number(id), String(name ?? ''));

    const byContext: RawCoverage['byContext'] = new Map();
    const place = (fileId: unknown, contextId: unknown): [string, string] => {
      const path = files.get(Number(fileId));
      const ctx = contexts.get(Number(contextId));
      if (path === undefined || ctx === undefined) {
        throw new UserError(`Coverage file ${file} is inconsistent (a row points at a missing file or context); regenerate it with coverage.py.`);
      }
      return [ctx, path];
    };
    if (tables.has('line_bits')) {
      for (const [fileId, contextId, numbits] of db.exec('SELECT file_id, context_id, numbits FROM line_bits')[0]?.values ?? []) {
        if (!(numbits instanceof Uint8Array)) continue;
        const [ctx, path] = place(fileId, contextId);
        addLines(byContext, ctx, path, decodeNumbits(numbits));
      }
    }
    if (tables.has('arc')) {
      for (const [fileId, contextId, from, to] of db.exec('SELECT file_id, context_id, fromno, tono FROM arc')[0]?.values ?? []) {
        const [ctx, path] = place(fileId, contextId);
        addLines(
          byContext,
          ctx,
          path,
          [Number(from), Number(to)].filter((l) => l > 0),
        );
      }
    }
    return { format: 'coverage.py-sqlite', byContext };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`Coverage file ${file} could not be read as a coverage.py database (${(e as Error).message}); regenerate it with coverage.py.`);
  } finally {
    db.close();
  }
}
