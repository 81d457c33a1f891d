/**
 * A lock file next to a sql.js database (`<file>.lock`), held from opening the file for writing to
 * writing it back: sql.js reads the whole file and writes it whole, so two writers that overlap
 * would each write back what they read plus their own run, and the last one would erase the other's.
 *
 * The lock is a file created with O_EXCL, holding the owner's pid, host and start time. A lock whose
 * owner is gone (same host, pid not alive) or that is older than STALE_MS is taken over. A writer that
 * cannot get the lock within its bound goes on without it; the store then keeps its run in a side
 * file instead of overwriting the database (see sqlite-file.ts).
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

export type LockResult = { kind: 'held'; lock: FileLock } | { kind: 'busy'; owner: string } | { kind: 'unavailable'; reason: string };

/** A lock older than this is a crashed writer's, whatever its pid says (pids are reused). */
const STALE_MS = 30 * 60_000;

/** How long a writer waits for the lock: FLAKEFIGHTERS_DB_LOCK_TIMEOUT seconds, default 120. */
function lockTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FLAKEFIGHTERS_DB_LOCK_TIMEOUT;
  if (raw !== undefined && /^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw) * 1000);
  return 120_000;
}

interface Owner {
  pid: number;
  host: string;
  since: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.since === 'number') return o as Owner;
  } catch {
    // being written this instant, or not ours: judged by its age below
  }
  return null;
}

async function isStale(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (owner) return (owner.host === hostname() && !alive(owner.pid)) || Date.now() - owner.since > STALE_MS;
  try {
    // An unreadable lock file: stale once it is older than a writer needs to fill it in.
    return Date.now() - (await stat(path)).mtimeMs > 10_000;
  } catch {
    return true;
  }
}

const describeOwner = (o: Owner | null) => (o ? `process ${o.pid} on ${o.host}` : 'unknown');

/** Tries to create the lock file until `timeoutMs` passes. */
export async function acquireLock(dbPath: string, timeoutMs = lockTimeoutMs()): Promise<LockResult> {
  const path = `${dbPath}.lock`;
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: Date.now() } satisfies Owner));
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        kind: 'held',
        lock: {
          path,
          async release() {
            if (released) return;
            released = true;
            // Only our own lock: a lock taken over as stale belongs to someone else now.
            const o = await readOwner(path);
            if (o && o.pid === process.pid && o.host === hostname()) await rm(path, { force: true });
          },
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // A directory we cannot write to (read-only, full, not a directory): nobody can write the
        // database there either, so there is nothing to guard; the write reports the cause.
        return { kind: 'unavailable', reason: code ?? String(err) };
      }
    }
    if (await isStale(path)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) return { kind: 'busy', owner: describeOwner(await readOwner(path)) };
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
}
