/**
 * Cached file-existence lookups under the run's root: test-id resolution asks the same questions for
 * thousands of testcases (pytest modules, Java package dirs), and a stat per testcase would dominate ingest.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { leadsOut } from '../path-inside.ts';

/** The entry at `abs`, or undefined when there is none or it cannot be read (no access, a file on the way). */
function statOf(abs: string): Stats | undefined {
  try {
    return statSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export class SourceFiles {
  private readonly known = new Map<string, boolean>();
  private readonly dirs = new Map<string, boolean>();
  private readonly relDirs = new Map<string, boolean>();
  private topDirs: string[] | null = null;

  constructor(readonly root: string) {}

  /** True when `rel` (posix separators, relative to root) is a regular file. */
  isFile(rel: string): boolean {
    let v = this.known.get(rel);
    if (v === undefined) {
      const abs = join(this.root, rel);
      // A file in a folder that is not there needs no stat of its own: pytest ids ask for
      // `tests/pkg/test_x/TestA.py` of every distinct classname, and most such folders do not exist.
      v = this.isDir(dirname(abs)) && (statOf(abs)?.isFile() ?? false);
      this.known.set(rel, v);
    }
    return v;
  }

  /**
   * Where another checkout's path (split on `/`) meets this root: the first index from `from` on whose tail names
   * a file under root (the longest such tail), or -1.
   */
  longestFileTail(parts: readonly string[], from = 0): number {
    for (let i = from; i < parts.length; i++) if (this.isFile(parts.slice(i).join('/'))) return i;
    return -1;
  }

  /** True when `rel` (posix separators, relative to root) is a folder; cached by `rel` itself (no path joining per ask). */
  isDirRel(rel: string): boolean {
    let v = this.relDirs.get(rel);
    if (v === undefined) {
      v = this.isDir(join(this.root, rel));
      this.relDirs.set(rel, v);
    }
    return v;
  }

  /** Whether the folder `abs` exists; folders below root are looked up from the top, one stat per folder. */
  private isDir(abs: string): boolean {
    let v = this.dirs.get(abs);
    if (v === undefined) {
      const up = dirname(abs);
      const below = up !== abs && abs.startsWith(this.root + sep) && abs.length > this.root.length + 1;
      v = (!below || this.isDir(up)) && (statOf(abs)?.isDirectory() ?? false);
      this.dirs.set(abs, v);
    }
    return v;
  }

  /** Top-level directories of root (modules of a multi-module build), hidden ones and node_modules left out. */
  topLevelDirs(): string[] {
    if (this.topDirs === null) {
      try {
        this.topDirs = readdirSync(this.root, { withFileTypes: true })
          .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
          .map((d) => d.name)
          .sort();
      } catch {
        this.topDirs = [];
      }
    }
    return this.topDirs;
  }

  abs(rel: string): string {
    return join(this.root, rel);
  }

  /** A path relative to root (posix separators) when under root, else as given. */
  relativeToRoot(p: string): string {
    if (!isAbsolute(p)) return p.replace(/\\/g, '/');
    const r = relative(this.root, p);
    if (r === '' || leadsOut(r)) return p;
    return sep === '/' ? r : r.split(sep).join('/');
  }
}
