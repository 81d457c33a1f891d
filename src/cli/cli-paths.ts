/**
 * Where the CLI reads its --results files from. The action reads result files only inside its workspace (a
 * workflow's glob must not reach the runner's other files), and read-results.ts enforces that against the folder it
 * is given. The CLI's user owns the machine: an absolute path or a ../ path is theirs to give. So the CLI gives
 * read-results the deepest folder that holds the fixed part of every pattern (when one reaches outside the current
 * directory), and makes its relative patterns absolute so that they still mean what they meant from there.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, parse, resolve, sep } from 'node:path';
import { isInside } from '../path-inside.ts';

const MAGIC = /[*?[\]{}()!]/;

/** The part of a glob before its first wildcard, resolved against cwd (for a plain file name, its folder). */
function fixedPart(cwd: string, pattern: string): string {
  const parts = pattern.replace(/\\/g, '/').split('/');
  const i = parts.findIndex((s) => MAGIC.test(s));
  if (i === -1) return dirname(resolve(cwd, pattern));
  const head = parts.slice(0, i).join('/');
  // '' is a pattern that starts with a wildcard: cwd when relative, the root when it began with '/'.
  return resolve(cwd, head === '' ? (i > 0 ? '/' : '.') : head);
}

function commonFolder(a: string, b: string): string | null {
  if (parse(a).root !== parse(b).root) return null;
  const x = a.split(sep);
  const y = b.split(sep);
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return x.slice(0, n).join(sep) || parse(a).root;
}

/** null when every pattern stays inside cwd (the usual case: nothing changes). */
export function resultsLocation(cwd: string, patterns: string[]): { resultsDir: string; patterns: string[] } | null {
  let dir: string | null | undefined;
  for (const raw of patterns) {
    const p = raw.trim().replace(/^!/, '');
    if (p) dir = dir === undefined ? fixedPart(cwd, p) : dir && commonFolder(dir, fixedPart(cwd, p));
  }
  // Another drive (Windows) has no common folder: read-results names the pattern as outside.
  if (!dir || isInside(cwd, dir)) return null;
  // A folder that is not there matches nothing: read-results says so, from the nearest folder that is.
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return {
    resultsDir: dir,
    patterns: patterns.map((raw) => {
      const t = raw.trim();
      const negated = t.startsWith('!');
      const p = negated ? t.slice(1) : t;
      return !p || isAbsolute(p) ? t : `${negated ? '!' : ''}${resolve(cwd, p)}`;
    }),
  };
}
