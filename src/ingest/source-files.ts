/**
 * Cached file-existence lookups under the run's root: test-id resolution asks the same questions for
 * thousands of testcases (pytest modules, Java package dirs), and a stat per testcase would dominate ingest.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

export class SourceFiles {
  private readonly known = new Map<string, boolean>();
  private topDirs: string[] | null = null;

  constructor(readonly root: string) {}

  /** True when `rel` (posix separators, relative to root) is a regular file. */
  isFile(rel: string): boolean {
    let v = this.known.get(rel);
    if (v === undefined) {
      const abs = join(this.root, rel);
      try {
        v = existsSync(abs) && statSync(abs).isFile();
      } catch {
        v = false;
      }
      this.known.set(rel, v);
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
    if (r === '' || r.startsWith('..') || isAbsolute(r)) return p;
    return sep === '/' ? r : r.split(sep).join('/');
  }
}
