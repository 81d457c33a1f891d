/**
 * The database file on disk: reading it with a sanity check, moving a broken one aside, and
 * writing atomically (temp file in the same directory, fsync, rename) so a crash or a full disk
 * never leaves a half-written database behind.
 */
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from './store.ts';

const HEADER = 'SQLite format 3\0';

export type FileState =
  | { kind: 'missing' }
  | { kind: 'empty' }
  | { kind: 'not-sqlite'; reason: string }
  | { kind: 'bytes'; bytes: Uint8Array };

export async function readDatabaseFile(path: string): Promise<FileState> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UserError(`${path} is not a regular file; set database-path to a file name`);
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
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
  if (got < 100 || head.subarray(0, 16).toString('latin1') !== HEADER) {
    return { kind: 'not-sqlite', reason: got < 100 ? `only ${got} bytes` : 'no SQLite header' };
  }
  const damaged = headerProblem(head);
  if (damaged) return { kind: 'not-sqlite', reason: `damaged SQLite header: ${damaged}` };
  if (size > MAX_DATABASE_BYTES) {
    throw new UserError(
      `${path} is ${(size / 2 ** 30).toFixed(1)} GiB, more than the ${MAX_DATABASE_BYTES / 2 ** 30} GiB a SQLite history file may have here (it is loaded into memory); prune it with store-max-runs or time-immemorial, or keep history in PostgreSQL with database-url. The file was left as it is.`,
    );
  }
  const bytes = new Uint8Array(await readFile(path));
  return { kind: 'bytes', bytes };
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
  await mkdir(dirname(path), { recursive: true });
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
