/**
 * Folds the runs of downloaded history databases into this run's database, with the same copy that
 * `flakefighters sync` uses: idempotent by run uuid, then by the plugin's natural key, so the same
 * run arriving through several matrix legs' artifacts is stored once.
 */
import { copyFile, link, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Database } from 'sql.js';
import { coverageFromPickle, unpickle } from '../store/pickle.ts';
import { fileIdentity, handOverBytes, readDatabaseFile, sameFile, type FileIdentity } from '../store/sqlite-file.ts';
import { createMissingTables, inspectSqliteSchema } from '../store/sqlite-schema.ts';
import { loadSqlJs } from '../store/sqljs.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.ts';
import { copyRuns, findMissing } from '../sync/sync.ts';

export interface MergeResult {
  runsAdded: number;
  /** Runs already in the target. */
  runsPresent: number;
  warnings: string[];
}

export async function mergeDatabases(target: SqliteStore, sources: string[]): Promise<MergeResult> {
  const result: MergeResult = { runsAdded: 0, runsPresent: 0, warnings: [] };
  for (const path of sources) {
    let source;
    try {
      source = await openSqliteStore(path, { readonly: true });
    } catch (e) {
      result.warnings.push(`History database ${path} skipped: ${(e as Error).message}`);
      continue;
    }
    try {
      const srcKeys = await source.listRunKeys();
      const missing = await findMissing(source, target, srcKeys, await target.listRunKeys());
      result.runsPresent += srcKeys.length - missing.length;
      await copyRuns(source, target, missing, {
        onCopied: () => result.runsAdded++,
        onPresent: () => result.runsPresent++,
        warn: (m) => result.warnings.push(`History database ${path}: ${m}`),
      });
    } catch (e) {
      result.warnings.push(`History database ${path}: merge stopped: ${(e as Error).message}`);
    } finally {
      // Read after the copy: rows that could not be decoded (a pickle over its limits) warn while loading.
      result.warnings.push(...source.warnings.map((w) => `History database: ${w}`));
      await source.close().catch(() => {});
    }
  }
  return result;
}

export type AdoptResult =
  /** `checked`: the placed file as it was checked (for openSqliteStore's `checked`), null when that cannot be vouched for. */
  | { adopted: true; uuids: string[]; checked: FileIdentity | null }
  | { adopted: false; reason: string };

/**
 * A fresh runner has no database of its own: instead of merging the downloaded one into an empty
 * file run by run, that file becomes the local database as it is. Only a file the merge would have
 * copied whole and unchanged is adopted: it passes the checks opening it for the merge makes (SQLite
 * header, size, quick_check, a flakefighters schema not newer than ours) and those the copy made by
 * construction: exactly our tables and nothing else (no trigger, view or extra index to run on our
 * writes, no column our inserts do not fill), ffa_run's UNIQUE uuid (so uuids stay unique), no run
 * without an ffa_run row (plugin runs, deduplicated by their derived uuid only by the copy) and no row
 * pointing at a missing parent, and every pickled value decodes within the reader's limits (the
 * merge is where an unreadable one was replaced by a placeholder, with a warning naming its row).
 * Anything else is not adopted, and merged as before.
 *
 * `exportedByAction`: the file is byte for byte one this action's store exported (the artifact's
 * digest matched and its zip says so, artifacts.ts DATABASE_ZIP_COMMENT). That store quick_checked
 * it when it opened it (or created it) and changed it only through SQLite; the digest and the
 * entry's CRC-32 show no byte changed since, which is what quick_check would look for. Foreign keys
 * and pickles are what the store itself wrote, as in its own local file, which it opens without
 * those checks. So the three full-table checks (most of a big history's adoption) are skipped for
 * it; the header, size, schema and plugin-run checks stay.
 * `target` must not exist; it is created only whole (a hard link to `source`, or to a copy beside it).
 */
export async function adoptDatabase(source: string, target: string, opts: { exportedByAction?: boolean } = {}): Promise<AdoptResult> {
  const refuse = (reason: string): AdoptResult => ({ adopted: false, reason });
  const read = await fileIdentity(source);
  let file;
  try {
    file = await readDatabaseFile(source);
  } catch (e) {
    return refuse((e as Error).message);
  }
  if (file.kind !== 'bytes') return refuse(file.kind === 'not-sqlite' ? file.reason : `the file is ${file.kind}`);
  const SQL = await loadSqlJs();
  let uuids: string[];
  try {
    const db = new SQL.Database(file.bytes);
    try {
      // A file this action's store exported, unchanged since (its digest matched): checked as the action's own file is.
      const full = !opts.exportedByAction;
      const check = full ? String(db.exec('PRAGMA quick_check')[0]?.values[0]?.[0] ?? 'no answer') : 'ok';
      if (check !== 'ok') return refuse(`integrity check: ${check.split('\n')[0]}`);
      inspectSqliteSchema(db, source);
      const foreign = schemaDifference(SQL, db);
      if (foreign) return refuse(foreign);
      if (db.exec('SELECT 1 FROM run WHERE id NOT IN (SELECT run_id FROM ffa_run) LIMIT 1').length) return refuse('it holds runs written by the plugin');
      if (full && db.exec('SELECT 1 FROM pragma_foreign_key_check LIMIT 1').length) return refuse('it holds rows whose parent row is missing');
      const poisoned = full ? unreadablePickle(db) : null;
      if (poisoned) return refuse(`${poisoned} holds a pickled value the reader refuses (the merge puts a placeholder in its place)`);
      uuids = (db.exec('SELECT uuid FROM ffa_run')[0]?.values ?? []).map((r) => String(r[0]));
    } finally {
      db.close();
    }
  } catch (e) {
    return refuse((e as Error).message);
  }
  const bytes = file.bytes;
  try {
    // A hard link takes no copy (the store later writes the target by renaming a new file over it);
    // across filesystems, a copy beside the target is linked in. link() fails when the target
    // appeared meanwhile: another writer's file is never replaced.
    await link(source, target).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EXDEV' && e.code !== 'EPERM' && e.code !== 'ENOTSUP') throw e;
      const tmp = join(dirname(target), `.${basename(target)}.adopt-${process.pid}`);
      try {
        await copyFile(source, tmp);
        await link(tmp, target);
      } finally {
        await rm(tmp, { force: true }).catch(() => {});
      }
    });
  } catch (e) {
    return refuse(`it could not be placed at ${target}: ${(e as Error).message}`);
  }
  // The source unchanged since it was read: the file placed (the same inode, or a copy of it) holds the bytes checked.
  const placed = sameFile(read, await fileIdentity(source)) ? await fileIdentity(target) : null;
  // The store opening the target next takes these bytes instead of reading the file again.
  if (placed) handOverBytes(placed, bytes);
  return { adopted: true, uuids, checked: placed };
}

const PICKLED: ReadonlyArray<readonly [table: string, column: string, decode: (b: Uint8Array) => unknown]> = [
  ['activeflakefighter', 'params', unpickle],
  ['test_execution', 'coverage', coverageFromPickle],
];

/** The first row whose pickle the store's reader would refuse, e.g. "activeflakefighter 7", or null. */
function unreadablePickle(db: Database): string | null {
  for (const [table, column, decode] of PICKLED) {
    const stmt = db.prepare(`SELECT id, ${column} FROM ${table} WHERE ${column} IS NOT NULL AND length(${column}) > 0`);
    try {
      while (stmt.step()) {
        const [id, value] = stmt.get();
        try {
          if (!(value instanceof Uint8Array)) return `${table} ${String(id)}`;
          decode(value);
        } catch {
          return `${table} ${String(id)}`;
        }
      }
    } finally {
      stmt.free();
    }
  }
  return null;
}

/** Why a database's schema objects differ from those of a new file of ours, or null when they do not. */
function schemaDifference(SQL: Awaited<ReturnType<typeof loadSqlJs>>, db: Database): string | null {
  const objects = (d: Database) =>
    (d.exec("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")[0]?.values ?? []).map((r) => JSON.stringify(r));
  const fresh = new SQL.Database();
  let ours: string[];
  try {
    createMissingTables(fresh, inspectSqliteSchema(fresh, 'a new database'));
    ours = objects(fresh);
  } finally {
    fresh.close();
  }
  const have = objects(db);
  const extra = have.filter((o) => !ours.includes(o));
  const missing = ours.filter((o) => !have.includes(o));
  if (extra.length === 0 && missing.length === 0) return null;
  const name = (o: string) => {
    const [type, n] = JSON.parse(o) as [string, string];
    return `${type} ${n}`;
  };
  return `its schema differs from this action's (${[...extra.map((o) => `other ${name(o)}`), ...missing.map((o) => `no ${name(o)}`)].slice(0, 3).join(', ')})`;
}
