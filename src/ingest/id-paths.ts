/**
 * File paths as they appear in test ids: relative to the root with `/` separators, whichever machine wrote
 * the report. A report written on Windows, inside a container (`/app/src/x.test.js`) or in another checkout
 * must give the same id as one written in the workspace, or the history of every test is lost.
 */
import { posix } from 'node:path';
import type { SourceFiles } from './source-files.ts';

export interface IdPath {
  /** The path as it goes into the id. */
  rel: string;
  /** Absolute path under root when the file is there, else ''. */
  abs: string;
}

/** Checkout folders of the common CI runners: what follows them is the repository's own path. */
const CI_CHECKOUTS = [
  /^\/home\/runner\/work\/[^/]+\/[^/]+\//,
  /^\/Users\/runner\/work\/[^/]+\/[^/]+\//,
  /^[A-Za-z]:\/a\/[^/]+\/[^/]+\//,
  /^\/__w\/[^/]+\/[^/]+\//,
  /^\/github\/workspace\//,
  /^\/builds\/[^/]+\/[^/]+\//,
  /^\/var\/lib\/jenkins\/workspace\/[^/]+\//,
];

const isAbsolutePosix = (p: string): boolean => p.startsWith('/') || /^[A-Za-z]:\//.test(p);

/** Maps a path written by a test tool onto the root; see the module comment. Cached per distinct path. */
export class IdPaths {
  private readonly cache = new Map<string, IdPath>();
  constructor(private readonly files: SourceFiles) {}

  of(written: string): IdPath {
    let r = this.cache.get(written);
    if (r === undefined) {
      r = this.resolve(written);
      this.cache.set(written, r);
    }
    return r;
  }

  private resolve(written: string): IdPath {
    let p = written.trim().replace(/^file:\/\//, '').replace(/\\/g, '/');
    if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1);
    if (isAbsolutePosix(p)) {
      const root = this.files.root.replace(/\\/g, '/').replace(/\/$/, '');
      if (p === root) return { rel: '.', abs: this.files.root };
      if (p.startsWith(root + '/')) return this.found(p.slice(root.length + 1)) ?? { rel: p.slice(root.length + 1), abs: '' };
      // Written under another root: the longest suffix that names a file here (coverage.py's [paths] rule).
      const segs = p.split('/').filter((s) => s !== '');
      for (let k = 1; k < segs.length; k++) {
        const hit = this.found(segs.slice(k).join('/'));
        if (hit) return hit;
      }
      for (const re of CI_CHECKOUTS) if (re.test(p)) return { rel: p.replace(re, ''), abs: '' };
      return { rel: p, abs: '' };
    }
    // Relative paths are the tool's own (relative to its rootDir or testDir): the same on every machine, so
    // they go into the id as written; the file is looked for under root and in a sub-package for annotations.
    const rel = posix.normalize(p).replace(/^\.\//, '');
    const hit = this.found(rel);
    if (hit || rel.startsWith('../')) return { rel, abs: hit?.abs ?? '' };
    const under = this.files.topLevelDirs().filter((d) => this.files.isFile(`${d}/${rel}`));
    return { rel, abs: under.length === 1 ? this.files.abs(`${under[0]}/${rel}`) : '' };
  }

  private found(rel: string): IdPath | null {
    return rel && this.files.isFile(rel) ? { rel, abs: this.files.abs(rel) } : null;
  }
}
