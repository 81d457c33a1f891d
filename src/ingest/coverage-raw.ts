/**
 * The shape every coverage reader returns: lines per context per file, before context names are
 * normalised or mapped to tests. The empty context `''` is coverage.py's global context (import
 * and collection time, everything outside a test) and lcov's unnamed `TN:`.
 */
import { isAbsolute, resolve } from 'node:path';

export interface RawCoverage {
  /** `coverage.py-json`, `coverage.py-sqlite`, `lcov`. */
  format: string;
  /** context → absolute file path → covered 1-based lines. */
  byContext: Map<string, Map<string, Set<number>>>;
  /** Lines the tool reports as executed without context detail (coverage.py JSON without --show-contexts). */
  totalsOnly?: Map<string, Set<number>>;
  /** Set when the file cannot say which test ran what, with the reason for the warning. */
  noContextsReason?: string;
}

export function absPath(p: string, root: string): string {
  // A Windows path read on another system is absolute too; keep it whole (with `/`) so that
  // coverage-paths.ts can map it onto the root by its suffix.
  if (!isAbsolute(p) && /^(?:[A-Za-z]:[\\/]|\\\\)/.test(p)) return p.replace(/\\/g, '/');
  return isAbsolute(p) ? resolve(p) : resolve(root, p);
}

export function addLines(
  byContext: Map<string, Map<string, Set<number>>>,
  context: string,
  file: string,
  lines: Iterable<number>,
): void {
  let files = byContext.get(context);
  if (!files) byContext.set(context, (files = new Map()));
  let set = files.get(file);
  if (!set) files.set(file, (set = new Set()));
  for (const l of lines) set.add(l);
}
