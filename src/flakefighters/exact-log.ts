/**
 * Correctly rounded natural logarithm. V8's Math.log is off by one ulp for some inputs (Math.log(3)),
 * while the plugin's idf comes from glibc's correctly rounded log; idf must match bit for bit, so we
 * evaluate ln in double-double (about 104 bits) and round once.
 */
type DD = [number, number];

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}
function split(a: number): DD {
  const c = 134217729 * a;
  const h = c - (c - a);
  return [h, a - h];
}
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [s2, e2] = quickTwoSum(s, e + t);
  return quickTwoSum(s2, e2 + f);
}
function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}
function mulNum(a: DD, b: number): DD {
  const [p, e] = twoProd(a[0], b);
  return quickTwoSum(p, e + a[1] * b);
}
function div(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = add(a, mulNum(b, -q1));
  const q2 = r[0] / b[0];
  r = add(r, mulNum(b, -q2));
  const q3 = r[0] / b[0];
  return add(quickTwoSum(q1, q2), [q3, 0]);
}

const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];
const SQRT2 = Math.SQRT2;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

export function exactLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  // x = m * 2^k with m in [1, 2) by the exponent bits (subnormals are scaled first).
  let scale = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 2 ** 64;
    scale = -64;
  }
  f64[0] = x;
  const k0 = ((u32[HI] >>> 20) & 0x7ff) - 1023;
  u32[HI] = (u32[HI] & 0x800fffff) | (1023 << 20);
  let m = f64[0];
  let k = k0 + scale;
  if (m > SQRT2) {
    m /= 2;
    k += 1;
  }
  // ln m = 2 atanh(s), s = (m - 1)/(m + 1); m - 1 is exact (Sterbenz), m + 1 needs two doubles.
  const s = div([m - 1, 0], twoSum(m, 1));
  const s2 = mul(s, s);
  let term: DD = s;
  let sum: DD = s;
  for (let i = 1; i < 30; i++) {
    term = mul(term, s2);
    if (Math.abs(term[0]) < 1e-40) break;
    sum = add(sum, div(term, [2 * i + 1, 0]));
  }
  const r = add(mulNum(sum, 2), mulNum(LN2, k));
  return r[0] + r[1];
}
