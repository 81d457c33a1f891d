/**
 * Room in the sql.js database file before a big save.
 *
 * sql.js keeps the database file in a JavaScript buffer that grows by 12.5% each time SQLite writes past its end, and
 * every growth copies the file into a new buffer. Saving a 1,000,000-test run into a fresh file took ~45 growths:
 * gigabytes copied, and the discarded buffers set off a full garbage collection of the whole heap (the run's 500 MB of
 * tests) every second, 16 of them, most of the save's 20 s. A file reopened from its bytes followed by zeroed room is
 * written in place instead: SQLite takes the page count from the header, not the file length, so the room is not part
 * of the database (export() copies the pages only, and the rows written are the same).
 */
import type { Database, SqlJsStatic } from 'sql.js';
import type { Run } from '../model.ts';

/** Below this the growths cost little: leave the file alone. */
const MIN_ROOM = 4 * 1024 * 1024;

/**
 * About the bytes the run's rows add to the file (text and blobs, plus SQLite's per-row and page overhead), slightly
 * low on purpose: room that is never used is memory held until the file is written.
 */
export function estimateRoom(run: Run): number {
  let bytes = 0;
  for (const t of run.tests) {
    bytes += t.name.length + t.fspath.length + 16;
    for (const e of t.executions) {
      // outcome, two timestamps, ids and record headers; report 'None' for a pass
      bytes += 72 + (e.report?.length ?? 4) + (e.stdout?.length ?? 0) + (e.stderr?.length ?? 0);
      if (e.coverage) for (const lines of Object.values(e.coverage)) bytes += 8 + lines.length * 2;
    }
  }
  return bytes;
}

/**
 * The same database reopened with `room` bytes after its last page, or null when that would not pay: little room, or a
 * file already big enough that its own growths are few (reopening copies the whole file once). The caller closes
 * `db` and uses the returned one.
 */
export function reopenWithRoom(SQL: SqlJsStatic, db: Database, room: number): Database | null {
  if (room < MIN_ROOM) return null;
  const size = pageBytes(db);
  if (size === null || size > room) return null;
  const bytes = db.export();
  // The header's page count must be the one SQLite trusts (it is, for every file SQLite 3.7+ wrote: the change counter
  // at offset 24 equals the version-valid-for number at 92); otherwise the zeros would count as pages.
  if (bytes.length < 100 || !headerPageCountValid(bytes)) return null;
  const roomy = new HandedOver(bytes.length + room);
  roomy.set(bytes);
  return new SQL.Database(roomy);
}

/**
 * Bytes a new sql.js Database takes as its file as they are. sql.js's file system copies a new file's data with
 * slice(0, length) (MEMFS.write in node_modules/sql.js/dist/sql-wasm.js), which for the whole of this array answers
 * the array itself: the ~20 MB of room on a 100k-test save were otherwise copied once more (13 ms of the 17–21 ms
 * the reopen took). Should sql.js copy some other way, it just copies: the file's bytes are the same. Arrays derived
 * from it (subarray, other slices) are plain Uint8Arrays.
 */
class HandedOver extends Uint8Array {
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return start === 0 && end === this.length ? (this as Uint8Array<ArrayBuffer>) : super.slice(start, end);
  }
}

function pageBytes(db: Database): number | null {
  const count = db.exec('PRAGMA page_count')[0]?.values[0]?.[0];
  const size = db.exec('PRAGMA page_size')[0]?.values[0]?.[0];
  return typeof count === 'number' && typeof size === 'number' ? count * size : null;
}

function headerPageCountValid(b: Uint8Array): boolean {
  const u32 = (at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  return u32(28) > 0 && u32(24) === u32(92);
}
