/**
 * How right a set of flaky verdicts is against labels: the confusion counts with "flaky" as the positive class,
 * precision, recall and F1, each with a 95% Wilson score interval (small counts are the rule in a team's history,
 * where the normal approximation would give intervals outside [0, 1]).
 */

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface Estimate {
  /** Null when the denominator is 0 (no flaky verdict at all, for precision). */
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface Metrics extends Confusion {
  labelled: number;
  precision: Estimate;
  recall: Estimate;
  f1: Estimate;
}

/** z for a two-sided 95% interval. */
const Z = 1.959963984540054;

/** Wilson score interval of `successes` out of `n` (n may be fractional, see F1 below). */
export function wilson(successes: number, n: number, z = Z): Estimate {
  if (n <= 0) return { value: null, low: null, high: null };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * F1 = TP / (TP + (FP + FN) / 2): read as a proportion of TP + (FP + FN) / 2 trials, its Wilson interval is the
 * usual approximation (F1 is not a binomial proportion, so the interval is indicative).
 */
export function metricsOf(c: Confusion): Metrics {
  return {
    ...c,
    labelled: c.tp + c.fp + c.tn + c.fn,
    precision: wilson(c.tp, c.tp + c.fp),
    recall: wilson(c.tp, c.tp + c.fn),
    f1: wilson(c.tp, c.tp + (c.fp + c.fn) / 2),
  };
}

export function confusion(pairs: Iterable<{ label: 'flaky' | 'genuine'; flaky: boolean }>): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const { label, flaky } of pairs) {
    if (label === 'flaky') flaky ? c.tp++ : c.fn++;
    else flaky ? c.fp++ : c.tn++;
  }
  return c;
}
