/**
 * "No verdict" as a result row: flaky=false with the reason, marked `noVerdict`. The plugin reads a
 * result only through `flaky` (Test.flaky = any), so for it the row is the same as no row (its own
 * flakefighters write False rows for every execution they do not flag); unlike no row, it carries
 * the reason into the evidence the reports show for that failure. The same shape as the traceback
 * flakefighters' abstentions (traceback-history.ts).
 */
import type { Evidence, FlakefighterResult } from '../model.ts';

export function noVerdict(name: string, reason: string, extra: Omit<Evidence, 'reason'> = {}): FlakefighterResult {
  return { name, flaky: false, evidence: { ...extra, reason, noVerdict: true } };
}

/** A result that abstained (noVerdict above). */
export function isNoVerdict(r: FlakefighterResult): boolean {
  return r.evidence?.noVerdict === true;
}
