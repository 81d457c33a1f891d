/**
 * The few Python behaviours the plugin's verdicts and files depend on: float repr (pandas CSV),
 * os.path.relpath / commonpath on POSIX paths, and str ordering by code point.
 */
import { posix } from 'node:path';

/** Python's repr(float) (and numpy's str for float64): shortest round-trip digits, fixed for 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest digits that round-trip, like Python's repr.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (!m) throw new Error(`cannot format ${x}`);
  const sign = m[1];
  const digits = m[2] + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || '0'}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp);
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/** Python str comparison: by code point (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    // A surrogate (astral code point) is larger than any BMP unit above U+DFFF.
    if (sa !== sb) return sa ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}

/** os.path.relpath(path, start) for absolute POSIX paths ('.' when equal, unlike node's ''). */
export function pyRelpath(path: string, start: string): string {
  const rel = posix.relative(posix.resolve('/', start), posix.resolve('/', path));
  return rel === '' ? '.' : rel;
}

/** Components as os.path.commonpath splits them: '' and '.' dropped, '..' kept (not resolved). */
function commonpathParts(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** `os.path.commonpath([root, path]) == root` for absolute POSIX paths. */
export function pyIsUnder(root: string, path: string): boolean {
  const r = commonpathParts(root);
  const p = commonpathParts(path);
  if (p.length < r.length) return false;
  for (let i = 0; i < r.length; i++) if (r[i] !== p[i]) return false;
  // commonpath returns the normalised prefix, so an unnormalised root never matches (as in Python).
  return '/' + r.join('/') === root;
}
