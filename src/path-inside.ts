/**
 * Path containment: whether a path is a folder or lies under it. Both are resolved against the current directory
 * first (path.relative does), so `/a/b/../c` is under `/a` and `/a/` is `/a`. On Windows, another drive is never
 * inside and letter case does not matter, as path.win32 has it.
 *
 * Only a `..` segment leads out: a folder whose name starts with two dots (`/a/..results`) is inside.
 */
import path from 'node:path';

type PathOps = Pick<typeof path, 'relative' | 'isAbsolute' | 'sep'>;

/** `paths` is for tests of the other platform's semantics (path.win32 on Linux); callers leave it out. */
export function isInside(dir: string, p: string, paths: PathOps = path): boolean {
  return !leadsOut(paths.relative(dir, p), paths);
}

/** Whether a path.relative() result leaves the folder it was taken from: a `..` segment first, or another drive. */
export function leadsOut(rel: string, paths: PathOps = path): boolean {
  return rel === '..' || rel.startsWith(`..${paths.sep}`) || paths.isAbsolute(rel);
}
