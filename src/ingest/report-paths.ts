/**
 * Paths as test tools write them (Windows separators, `file://` URLs, another machine's or a container's
 * checkout) → relative to the run's root with `/`, so test ids and frames stay the same wherever the tests ran.
 * A path outside root is mapped by its longest suffix that names a file under root, as coverage.py's `[paths]`
 * remapping does; one that names no file there is kept as written (with `/`).
 */
import { isAbsolute } from 'node:path';
import type { ExceptionInfo } from '../model.ts';
import type { SourceFiles } from './source-files.ts';

const WINDOWS_ABSOLUTE = /^[A-Za-z]:[\\/]/;

export class ReportPaths {
  private readonly cache = new Map<string, string>();

  constructor(readonly files: SourceFiles) {}

  /** Relative to root with `/` where the file is found under root; otherwise the written path with `/`. */
  rel(written: string): string {
    let hit = this.cache.get(written);
    if (hit === undefined) {
      hit = this.resolve(written);
      this.cache.set(written, hit);
    }
    return hit;
  }

  /** Absolute path under root for a written path that names a file there, else ''. */
  abs(written: string): string {
    const r = this.rel(written);
    return r && !isAbsolute(r) && !WINDOWS_ABSOLUTE.test(r) && this.files.isFile(r) ? this.files.abs(r) : '';
  }

  /** Maps the frames of an extracted exception in place (frames that name files of another checkout). */
  frames(exc: ExceptionInfo | null): ExceptionInfo | null {
    if (exc !== null) for (const f of exc.frames) f.path = this.rel(f.path);
    return exc;
  }

  private resolve(written: string): string {
    let p = written.trim();
    if (p.startsWith('file://')) {
      try {
        p = decodeURIComponent(new URL(p).pathname);
        if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1);
      } catch {
        /* keep as written */
      }
    }
    const windows = WINDOWS_ABSOLUTE.test(p);
    if (!windows && isAbsolute(p)) {
      const r = this.files.relativeToRoot(p);
      if (!isAbsolute(r)) return r;
    }
    p = p.replace(/\\/g, '/');
    if (!windows && !p.startsWith('/')) return p.replace(/^(?:\.\/)+/, '');
    // Another checkout: the longest tail that names a file under root.
    const parts = p.split('/').filter((s) => s !== '');
    const i = this.files.longestFileTail(parts, windows ? 1 : 0);
    return i === -1 ? p : parts.slice(i).join('/');
  }
}
