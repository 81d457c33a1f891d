/**
 * Coverage recorded under another root (a container's `/app`, another runner's checkout, a
 * workspace reached through a symlink) names no file of this workspace, so no test would seem to
 * cover anything here. Each such path is mapped onto the root by its longest path suffix that names
 * a file under the root, as coverage.py's `[paths]` remapping does with the prefixes it is given;
 * here the prefixes are found, checked (most files under one must map) and listed so that people can
 * see what was mapped.
 */
import { SourceFiles } from './source-files.ts';

export interface PathMapping {
  /** Absolute path as recorded → absolute path under root (only paths that moved). */
  moved: Map<string, string>;
  /** The recorded prefix each mapped path lost (`/app`), with how many files it covered, most files first. */
  prefixes: { prefix: string; files: number }[];
}

/**
 * Maps every path that is not under `root` and whose suffix names a file there. A prefix counts only
 * when at least half of the recorded files under it map through it: another checkout maps nearly
 * whole, while an installed package (`/usr/lib/python3/dist-packages/_pytest/main.py`) only happens to
 * share a name (`main.py`) with a file of the project.
 */
export function mapPathsOntoRoot(paths: Iterable<string>, root: string): PathMapping {
  const base = trimSlash(root.replace(/\\/g, '/'));
  const files = new SourceFiles(root);
  const outside: string[] = [];
  const candidates = new Map<string, { target: string; prefix: string }>();
  for (const path of new Set(paths)) {
    const p = path.replace(/\\/g, '/');
    if (p === base || p.startsWith(`${base}/`)) continue;
    outside.push(p);
    const parts = p.split('/').filter((s) => s !== '');
    const i = files.longestFileTail(parts);
    if (i === -1) continue;
    candidates.set(path, { target: files.abs(parts.slice(i).join('/')), prefix: `${p.startsWith('/') ? '/' : ''}${parts.slice(0, i).join('/')}` || '/' });
  }
  const mappedThrough = new Map<string, number>();
  for (const { prefix } of candidates.values()) mappedThrough.set(prefix, (mappedThrough.get(prefix) ?? 0) + 1);
  const accepted = new Set<string>();
  for (const [prefix, n] of mappedThrough) {
    const under = prefix === '/' ? outside.length : outside.filter((p) => p.startsWith(`${prefix}/`)).length;
    if (n * 2 >= under) accepted.add(prefix);
  }
  const moved = new Map<string, string>();
  for (const [path, { target, prefix }] of candidates) if (accepted.has(prefix)) moved.set(path, target);
  const prefixes = [...accepted]
    .map((prefix) => ({ prefix, files: mappedThrough.get(prefix)! }))
    .sort((a, b) => b.files - a.files || (a.prefix < b.prefix ? -1 : 1));
  return { moved, prefixes };
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
