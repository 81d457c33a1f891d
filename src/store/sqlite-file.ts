/**
 * The database file on disk: reading it with a sanity check, moving a broken one aside, and
 * writing atomically (temp file in the same directory, fsync, rename) so a crash or a full disk
 * never leaves a half-written database behind.
 */
import { lstat, mkdir, open, readFile, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './store.ts';

/**
 * The database file could not be written (read-only or full filesystem, a parent that is a file, no
 * permission, or another writer holding the lock): one line naming the path and the cause. The run
 * was written to `keptIn` instead when that worked, for the artifact upload and a later sync.
 */
export class DatabaseFileError extends UserError {
  override name = 'DatabaseFileError';
  constructor(message: string, readonly keptIn: string | null) {
    super(message);
  }
}

/**
 * The file's tables have a column we do not know that refuses our rows: a NOT NULL column without a
 * default, from a newer pytest-flakefighters schema. Nothing was written; the pipeline keeps the run
 * (and the history) in a side file instead.
 */
export class SchemaDriftError extends UserError {
  override name = 'SchemaDriftError';
  constructor(message: string, readonly table: string, readonly column: string) {
    super(message);
  }
}

/** SQLite's "NOT NULL constraint failed: table.column" as a SchemaDriftError naming the column, else null. */
export function schemaDrift(err: unknown, path: string): SchemaDriftError | null {
  const m = /NOT NULL constraint failed: (\w+)\.(\w+)/.exec(err instanceof Error ? err.message : String(err));
  if (!m) return null;
  return new SchemaDriftError(
    `database-path ${path}: column ${m[1]}.${m[2]} is NOT NULL without a default, and this action does not know what to write there (a newer pytest-flakefighters schema?)`,
    m[1]!,
    m[2]!,
  );
}

const FS_CAUSES: Record<string, string> = {
  EROFS: 'the filesystem is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  ENOTDIR: 'a parent of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'the path is a directory',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has a symbolic link loop',
  EMFILE: 'too many open files',
  EIO: 'an I/O error',
};

/** The cause of a filesystem error in words, or null for an error that is not about the disk. */
function fsCause(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in FS_CAUSES ? `${FS_CAUSES[code]} (${code})` : null;
}

/**
 * Where writes to `path` must land: a symbolic link is followed to its target (also a dangling one,
 * which is then created), so the file a user linked to sees the run instead of being replaced by a
 * regular file.
 */
export async function resolveDatabasePath(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = await lstat(current);
    } catch {
      // Missing (or its parent is unusable): an existing directory part may still be a link.
      try {
        return join(await realpath(dirname(current)), basename(current));
      } catch {
        return current;
      }
    }
    if (!st.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  return current;
}

/** A side file for a run that could not be written to the database: next to it if possible, else in the runner's temp dir. */
export function sideFileName(dbPath: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${basename(dbPath)}.unsaved-${stamp}-${process.pid}.db`;
}

/**
 * Writes the database to `path`; when that fails for a disk reason (or `lockBusy` says another
 * writer holds the file), writes it to a side file instead and throws a DatabaseFileError naming both.
 */
export async function persistDatabase(path: string, bytes: Uint8Array, lockBusy: string | null): Promise<void> {
  let cause: string;
  if (lockBusy === null) {
    try {
      await writeAtomically(path, bytes);
      return;
    } catch (err) {
      const c = fsCause(err);
      if (!c) throw err;
      cause = c;
    }
  } else {
    cause = `another writer (${lockBusy}) held its lock longer than FLAKEFIGHTERS_DB_LOCK_TIMEOUT allows`;
  }
  const name = sideFileName(path);
  const candidates = [...(lockBusy !== null ? [join(dirname(path), name)] : []), join(process.env.RUNNER_TEMP || tmpdir(), name)];
  for (const side of candidates) {
    try {
      await writeAtomically(side, bytes);
    } catch {
      continue;
    }
    throw new DatabaseFileError(
      `database-path ${path} could not be written: ${cause}. This run is kept in ${side} instead, with the history read (the artifact upload takes it); merge it back later with \`flakefighters sync --from ${side} --to ${path}\`.`,
      side,
    );
  }
  throw new DatabaseFileError(`database-path ${path} could not be written: ${cause}, and no side file could be written either; this run is not saved.`, null);
}

const HEADER = 'SQLite format 3\0';

export type FileState =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'not-sqlite'; reason: string }
  | { kind: 'bytes'; bytes: Uint8Array };

/**
 * The bytes of a file just written or read whole (a history unzipped, then adopted), for the next
 * read of that same file: a history of hundreds of megabytes is read from disk once, not thrice.
 * One slot, taken or dropped by the next read, so it never holds memory past that; the bytes get
 * the same header and size checks as bytes read from the file.
 */
let handedOver: { identity: FileIdentity; bytes: Uint8Array } | null = null;

/** Offers `bytes`, the content of the file that has `identity` now, to the next readDatabaseFile of it. */
export function handOverBytes(identity: FileIdentity, bytes: Uint8Array): void {
  handedOver = { identity, bytes };
}

export async function readDatabaseFile(path: string): Promise<FileState> {
  const offered = handedOver;
  handedOver = null;
  // Only while the file is still that one, unchanged (the store writes by renaming a new inode in).
  if (offered && sameFile(offered.identity, await fileIdentity(path))) {
    const b = offered.bytes;
    if (b.length === 0) return { kind: 'empty' };
    return judged(path, Buffer.from(b.buffer, b.byteOffset, Math.min(100, b.length)), b.length) ?? { kind: 'bytes', bytes: b };
  }
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UserError(`${path} is not a regular file; set database-path to a file name`);
    size = st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file, so no database can be there; writing it says so (and keeps the run).
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    const cause = fsCause(err);
    if (cause) throw new UserError(`database-path ${path} could not be read: ${cause}; fix its permissions or choose another database-path`);
    throw err;
  }
  if (size === 0) return { kind: 'empty' };
  // The header alone decides most broken files, without reading (maybe gigabytes of) the rest.
  const head = Buffer.alloc(100);
  const fh = await open(path, 'r');
  let got: number;
  try {
    ({ bytesRead: got } = await fh.read(head, 0, 100, 0));
  } finally {
    await fh.close();
  }
  const refused = judged(path, head.subarray(0, got), size);
  if (refused) return refused;
  const bytes = new Uint8Array(await readFile(path));
  return { kind: 'bytes', bytes };
}

/** What the first (up to) 100 bytes and the size say against a file, or null when they pass; throws for a file too big to load. */
function judged(path: string, head: Buffer, size: number): FileState | null {
  if (head.length < 100 || head.subarray(0, 16).toString('latin1') !== HEADER) {
    return { kind: 'not-sqlite', reason: head.length < 100 ? `only ${head.length} bytes` : 'no SQLite header' };
  }
  const damaged = headerProblem(head);
  if (damaged) return { kind: 'not-sqlite', reason: `damaged SQLite header: ${damaged}` };
  if (size > MAX_DATABASE_BYTES) {
    throw new UserError(
      `${path} is ${(size / 2 ** 30).toFixed(1)} GiB, more than the ${MAX_DATABASE_BYTES / 2 ** 30} GiB a SQLite history file may have here (it is loaded into memory); prune it with store-max-runs or time-immemorial, or keep history in PostgreSQL with database-url. The file was left as it is.`,
    );
  }
  return null;
}

/**
 * Which file is at a path, as far as a later read needs to know it is the same bytes: the inode and
 * its size and modification time. The store writes by renaming a new file in (a new inode), so a
 * replaced or rewritten file never matches an identity taken before.
 */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeNs: bigint;
}

export async function fileIdentity(path: string): Promise<FileIdentity | null> {
  try {
    const st = await stat(path, { bigint: true });
    return st.isFile() ? { dev: Number(st.dev), ino: Number(st.ino), size: Number(st.size), mtimeNs: st.mtimeNs } : null;
  } catch {
    return null;
  }
}

export function sameFile(a: FileIdentity | null, b: FileIdentity | null): boolean {
  return !!a && !!b && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** sql.js holds the whole file in (at most 2 GiB of) WebAssembly memory, next to its working memory. */
export const MAX_DATABASE_BYTES = 1024 * 1024 * 1024;

/** Fields of the 100-byte header that every SQLite file has fixed (https://sqlite.org/fileformat.html#the_database_header). */
function headerProblem(h: Buffer): string | null {
  const pageSize = h.readUInt16BE(16);
  if (!(pageSize === 1 || (pageSize >= 512 && pageSize <= 32768 && (pageSize & (pageSize - 1)) === 0))) return `page size ${pageSize}`;
  if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2) return `file format versions ${h[18]}/${h[19]}`;
  if (h[21] !== 64 || h[22] !== 32 || h[23] !== 32) return 'payload fractions';
  return null;
}

/** `<path>.corrupt-<UTC timestamp>`, kept for inspection rather than deleted. */
export async function moveAside(path: string, now = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = `${path}.corrupt-${stamp}`;
  for (let i = 1; await exists(target); i++) target = `${path}.corrupt-${stamp}-${i}`;
  await rename(path, target);
  return target;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (err) {
    // mkdir -p reports a file in the way as EEXIST: the parent is not a directory.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`${dirname(path)} is not a directory`), { code: 'ENOTDIR' });
    throw err;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
