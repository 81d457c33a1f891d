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
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== HEADER) {
    return { kind: 'not-sqlite', reason: bytes.length < 100 ? `only ${bytes.length} bytes` : 'no SQLite header' };
  }
  return { kind: 'bytes', bytes };
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
