/**
 * File paths as they appear in test ids: relative to the root with `/` separators, whichever machine wrote
 * the report. A report written on Windows, inside a container (`/app/src/x.test.js`) or in another checkout
 * must give the same id as one written in the workspace, or the history of every test is lost.
 */
import { posix } from 'node:path';
import { ReportPaths } from './report-paths.ts';
import type { SourceFiles } from './source-files.ts';
import { flatCopy } from './xml-scan.ts';

export interface IdPath {
  /** The path as it goes into the id. */
  rel: string;
  /** Absolute path under root when the file is there, else ''. */
  abs: string;
}

/** An absolute path of this machine or of Windows, whichever separator it was written with. */
export const isAbsolutePath = (p: string): boolean => /^(?:\/|[A-Za-z]:[\\/])/.test(p);

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

/**
 * Maps a path written by a test tool onto the root (report-paths.ts: under root → relative; under another root →
 * the longest tail naming a file here). A path that still names no file here loses a known CI checkout prefix,
 * so a collector job without a checkout gives the ids a job with one gives. Cached per distinct path.
 */
export class IdPaths {
  private readonly cache = new Map<string, IdPath>();
  private readonly report: ReportPaths;

  constructor(private readonly files: SourceFiles) {
    this.report = new ReportPaths(files);
  }

  of(written: string): IdPath {
    let r = this.cache.get(written);
    if (r === undefined) {
      // Resolved from a copy of its own: `written` may be a view into a report's text (a testcase attribute), and
      // neither the result nor SourceFiles' caches, which outlive that text, may keep it.
      r = this.resolve(flatCopy(written));
      this.cache.set(written, r);
    }
    return r;
  }

  private resolve(written: string): IdPath {
    const rel = this.report.rel(written);
    const abs = this.report.abs(written);
    if (abs) return { rel, abs };
    if (isAbsolutePath(rel)) {
      for (const re of CI_CHECKOUTS) if (re.test(rel)) return { rel: rel.replace(re, ''), abs: '' };
      return { rel, abs: '' };
    }
    // Relative paths are the tool's own (relative to its rootDir or testDir) and go into the id as written; the
    // file may still be in a sub-package (jest's rootDir in a monorepo), which gives annotations a file.
    const clean = posix.normalize(rel).replace(/^\.\//, '');
    const under = clean.startsWith('../') ? [] : this.files.topLevelDirs().filter((d) => this.files.isFile(`${d}/${clean}`));
    return { rel: clean, abs: under.length === 1 ? this.files.abs(`${under[0]}/${clean}`) : '' };
  }
}
