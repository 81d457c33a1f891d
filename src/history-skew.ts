/**
 * Runs stamped after the run being classified, although they were saved before it: a runner whose
 * clock ran ahead. Leaving them out of history would turn the flaky verdicts they support into
 * genuine ones, so they are used, each with a warning, and placed by the order runs were saved: a
 * skewed run counts as just after the newest run saved before it (never as the newest of all).
 */
import { runRef, type Run } from './model.ts';

/** Where history starts looking for runs stamped in this run's future: far enough for any skew. */
export const FAR_FUTURE_MS = 100 * 365 * 86_400_000;

/**
 * A run stamped after this run's start may simply have run alongside it (a matrix leg, a concurrent
 * workflow) and been saved first: that is a later run, not history. Only a stamp after the present
 * moment, with this margin for ordinary clock drift between runners, shows a clock that ran ahead.
 */
const SKEW_TOLERANCE_MS = 60_000;

/** The earliest stamp that counts as skewed when loading history at `now`. */
export function skewThreshold(start: Date, now = new Date()): Date {
  return new Date(Math.max(start.getTime(), now.getTime() + SKEW_TOLERANCE_MS));
}

export interface SkewedHistory {
  /** Newest first, the skewed runs in their place. */
  history: Run[];
  warnings: string[];
}

function hoursAhead(run: Run, start: Date): string {
  const h = (run.startTime.getTime() - start.getTime()) / 3_600_000;
  return h >= 1 ? `${h.toFixed(1)} h` : `${Math.max(1, Math.round(h * 60))} min`;
}

/**
 * The start time a run is ordered by: its own, or for a skewed run the newest start among the runs
 * saved before it (by database id) that are not skewed; a skewed run with none sorts oldest.
 */
function effectiveStart(run: Run, all: readonly Run[], start: Date): number {
  if (run.startTime.getTime() < start.getTime()) return run.startTime.getTime();
  let best = Number.NEGATIVE_INFINITY;
  for (const r of all) {
    if (r.id == null || run.id == null || r.id >= run.id) continue;
    const t = r.startTime.getTime();
    if (t < start.getTime() && t > best) best = t;
  }
  return best;
}

/** Merges `future` (runs stamped at or after `start`) into `history` (newest first), with a warning each. */
export function withSkewedRuns(history: Run[], future: Run[], start: Date): SkewedHistory {
  if (future.length === 0) return { history, warnings: [] };
  const seen = new Set(history.map((r) => r.meta.uuid));
  const extra = future.filter((r) => !seen.has(r.meta.uuid));
  const all = [...history, ...extra];
  const key = new Map(all.map((r) => [r, effectiveStart(r, all, start)]));
  all.sort((a, b) => key.get(b)! - key.get(a)! || (b.id ?? 0) - (a.id ?? 0));
  const warnings = extra.map(
    (r) =>
      `History run ${runRef(r)} is stamped ${r.startTime.toISOString()}, ${hoursAhead(r, start)} after this run started (the clock of the machine that ran it was ahead?); it is used as history in the order it was saved, and retention never lets it displace newer runs.`,
  );
  return { history: all, warnings };
}
