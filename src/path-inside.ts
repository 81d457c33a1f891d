/**
 * Path containment: whether a path is a folder or lies under it. Both are resolved against the current directory
 * first (path.relative does), so `/a/b/../c` is under `/a` and `/a/` is `/a`. On Windows, another drive is never
 * inside and letter case does not matter, as path.win32 has it.
 *
 * A name that starts with `..` (`/a/..b`) is taken as outside: cautious, and what every caller had before the
 * copies were merged here.
 */
import path from 'node:path';

type PathOps = Pick<typeof path, 'relative' | 'isAbsolute'>;

/** `paths` is for tests of the other platform's semantics (path.win32 on Linux); callers leave it out. */
export function isInside(dir: string, p: string, paths: PathOps = path): boolean {
  const r = paths.relative(dir, p);
  return r === '' || (!r.startsWith('..') && !paths.isAbsolute(r));
}
