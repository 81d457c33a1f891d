/**
 * Coverage recorded under another root (a container's `/app`, another runner's checkout, a
 * workspace reached through a symlink) names no file of this workspace, so no test would seem to
 * cover anything here. Each such path is mapped onto the root by its longest path suffix that names
 * a file under the root, as coverage.py's `[paths]` remapping does with the prefixes it is given;
 * here the prefixes are found, and listed so that people can see what was mapped.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

export interface PathMapping {
  /** Absolute path as recorded → absolute path under root (only paths that moved). */
  moved: Map<string, string>;
  /** The recorded prefix each mapped path lost (`/app`), with how many files it covered, most files first. */
  prefixes: { prefix: string; files: number }[];
}

/** Maps every path that is not under `root` and whose suffix names a file there. */
export function mapPathsOntoRoot(paths: Iterable<string>, root: string): PathMapping {
  const base = trimSlash(root.replace(/\\/g, '/'));
  const isFile = cachedIsFile();
  const moved = new Map<string, string>();
  const count = new Map<string, number>();
  for (const path of new Set(paths)) {
    const p = path.replace(/\\/g, '/');
    if (p === base || p.startsWith(`${base}/`)) continue;
    const parts = p.split('/').filter((s) => s !== '');
    for (let i = 0; i < parts.length; i++) {
      const suffix = parts.slice(i).join('/');
      if (!isFile(join(root, suffix))) continue;
      moved.set(path, join(root, suffix));
      const prefix = `${p.startsWith('/') ? '/' : ''}${parts.slice(0, i).join('/')}` || '/';
      count.set(prefix, (count.get(prefix) ?? 0) + 1);
      break;
    }
  }
  const prefixes = [...count].map(([prefix, files]) => ({ prefix, files })).sort((a, b) => b.files - a.files || (a.prefix < b.prefix ? -1 : 1));
  return { moved, prefixes };
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function cachedIsFile(): (p: string) => boolean {
  const seen = new Map<string, boolean>();
  return (p) => {
    let v = seen.get(p);
    if (v === undefined) {
      try {
        v = statSync(p).isFile();
      } catch {
        v = false;
      }
      seen.set(p, v);
    }
    return v;
  };
}
