/**
 * Which traceback frames are the project's own code. A failure's traceback says something about the
 * project only through such frames; frames of dependencies and runtimes look alike across unrelated
 * failures (two timeouts inside one connection pool), so they must never make two failures "the same".
 */
import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pyIsUnder, pyRelpath } from './py-compat.ts';

/** Folders that hold installed dependencies, wherever they sit under the root. */
const DEPENDENCY_DIR = /(?:^|\/)(?:node_modules|site-packages|dist-packages|\.venv|venv|\.tox|\.nox|vendor|\.m2|\.gradle|\.yarn|\.pnpm-store|pkg\/mod|bower_components)\//;
/**
 * JVM frames name a class and a file, not a path: ingest resolves the class to a file under the root and,
 * when none is found (a library class), keeps the package path as written. Only a file that exists under
 * the run's root is the project's; the package path of a library class is not.
 */
const PATH_FROM_PACKAGE = /\.(?:java|kt|kts|scala|groovy)$/;

const exists = new Map<string, boolean>();
function isFile(abs: string): boolean {
  let v = exists.get(abs);
  if (v === undefined) {
    try {
      v = existsSync(abs) && statSync(abs).isFile();
    } catch {
      v = false;
    }
    exists.set(abs, v);
  }
  return v;
}

/** The frame's file is under the run's root, outside dependency folders, and (JVM) a real file there. */
export function isProjectFrame(path: string, root: string): boolean {
  let rel: string;
  if (posix.isAbsolute(path)) {
    if (!pyIsUnder(root, path)) return false;
    rel = pyRelpath(path, root);
  } else {
    rel = posix.normalize(path.replace(/\\/g, '/'));
    if (rel === '..' || rel.startsWith('../')) return false;
  }
  if (DEPENDENCY_DIR.test(rel)) return false;
  if (PATH_FROM_PACKAGE.test(rel) && !isFile(join(root, rel))) return false;
  return true;
}
