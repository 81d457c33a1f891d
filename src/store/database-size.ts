/**
 * How big the history database is and how many runs it holds, read with one cheap query (page counts on
 * sql.js, pg_total_relation_size on PostgreSQL; never a scan of the big tables), and the arithmetic the
 * default retention and the summary share: bytes per stored run, and the store-max-runs that keeps the
 * database under a given size.
 */
import type { Database } from 'sql.js';
import { FFA_TABLES, PLUGIN_TABLES } from './schema.ts';

export interface DatabaseSize {
  /** sql.js: the file's size (every page is written out); PostgreSQL: the tables with their indexes and TOAST. */
  bytes: number;
  /**
   * Bytes holding data. A sql.js file keeps the pages of pruned runs as free pages that later saves reuse
   * (the file does not shrink), so the per-run figure is taken from the pages in use.
   */
  usedBytes: number;
  runs: number;
}

/** One statement: the page counts come from the file's header, the run count from the small run table. */
const SQLITE_SIZE_SQL = `SELECT c.page_count * s.page_size AS bytes, (c.page_count - f.freelist_count) * s.page_size AS used, (SELECT count(*) FROM run) AS runs
  FROM pragma_page_count() c, pragma_page_size() s, pragma_freelist_count() f`;

export function sqliteDatabaseSize(db: Database): DatabaseSize {
  const [row] = db.exec(SQLITE_SIZE_SQL)[0]?.values ?? [];
  return { bytes: Number(row?.[0] ?? 0), usedBytes: Number(row?.[1] ?? 0), runs: Number(row?.[2] ?? 0) };
}

/**
 * PostgreSQL: the catalogue's sizes of our tables (to_regclass follows the search path the store uses; a
 * table that is not there counts 0) and the run count, in one statement.
 */
export const POSTGRES_SIZE_SQL = `SELECT COALESCE(sum(pg_total_relation_size(to_regclass(t))), 0)::bigint AS bytes, (SELECT count(*) FROM run)::bigint AS runs
  FROM unnest(ARRAY[${[...PLUGIN_TABLES, ...FFA_TABLES].map((t) => `'${t}'`).join(', ')}]::text[]) AS t`;

export function postgresDatabaseSize(row: { bytes?: unknown; runs?: unknown } | undefined): DatabaseSize {
  const bytes = Number(row?.bytes ?? 0);
  return { bytes, usedBytes: bytes, runs: Number(row?.runs ?? 0) };
}

/** Average bytes a stored run takes (the schema's own pages included), or null with no run stored. */
export function bytesPerRun(size: DatabaseSize): number | null {
  return size.runs > 0 && size.usedBytes > 0 ? size.usedBytes / size.runs : null;
}

/** The store-max-runs that keeps the data under `limitBytes` at today's average run size (at least 1), or null when unknown. */
export function runsUnder(size: DatabaseSize, limitBytes: number): number | null {
  const per = bytesPerRun(size);
  return per === null ? null : Math.max(1, Math.floor(limitBytes / per));
}

/** The largest round size (1, 2 or 5 × 10ⁿ MiB) at most half of `bytes`: the "under" of the summary's suggestion. */
export function roundTargetBelow(bytes: number): number | null {
  const half = bytes / 2;
  if (half < 1024 * 1024) return null; // a database under 2 MiB needs no advice
  let best = 1024 * 1024;
  for (let unit = 1024 * 1024; unit <= half; unit *= 10) {
    for (const m of [1, 2, 5]) if (m * unit <= half) best = m * unit;
  }
  return best;
}
