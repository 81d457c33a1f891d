/** The evaluation as people read it in a terminal or a job summary: one table, the hidden genuine failures, the sweep. */
import type { Estimate } from './metrics.ts';
import type { EvaluationReport, FlakefighterScore, SweepRow } from './evaluate.ts';

export const num = (v: number | null): string => (v === null ? '–' : v.toFixed(2));
export const estimate = (e: Estimate) => (e.value === null ? '–' : `${num(e.value)} [${num(e.low)}–${num(e.high)}]`);

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const scoreRow = (s: FlakefighterScore, label = s.name): string[] => [
  label,
  String(s.metrics.tp),
  String(s.metrics.fp),
  String(s.metrics.tn),
  String(s.metrics.fn),
  estimate(s.metrics.precision),
  estimate(s.metrics.recall),
  estimate(s.metrics.f1),
  String(s.abstained),
];

/** A sweep row's setting, as all three renderers name it. */
export const setting = (r: SweepRow): string => (r.flakefighter === 'CosineSimilarity' ? `threshold ${r.threshold}` : `metric ${r.metric}, threshold ${r.threshold}`);

export function renderEvaluation(r: EvaluationReport): string {
  const out: string[] = [];
  const l = r.labels;
  out.push(
    `Evaluated ${r.database}: ${r.runs} run(s); ${l.labelled} labelled failure(s) in ${l.runs} run(s) (flaky ${l.flaky}, genuine ${l.genuine}; ` +
      `from the history ${l.fromHistory}, from --labels ${l.fromFile}), ${l.unlabelled} unlabelled. ` +
      `Each replayed as of its run${r.loadMaxRuns ? ` with at most ${r.loadMaxRuns} earlier runs` : ' with every earlier run'}.`,
  );
  out.push('');
  out.push(
    ...table(
      ['flakefighter', 'TP', 'FP', 'TN', 'FN', 'precision [95%]', 'recall [95%]', 'F1 [95%]', 'no verdict'],
      [...r.flakefighters.map((s) => scoreRow(s)), scoreRow(r.combination, 'combination (as each run ran)')],
    ),
  );
  out.push('', 'Positive = called flaky. FP = a genuine failure called flaky: one it would have hidden. No verdict counts as not flaky.');
  const hidden = [...r.flakefighters, r.combination].filter((s) => s.hiddenGenuine.length > 0);
  out.push('');
  if (hidden.length === 0) out.push('Genuine failures hidden: none.');
  else {
    out.push('Genuine failures each would have hidden:');
    for (const s of hidden) {
      for (const f of s.hiddenGenuine) out.push(`  ${s.name}: ${f.test} in run ${f.run.ref}${f.run.url ? ` ${f.run.url}` : ''}`);
    }
  }
  if (r.sweep.rows.length) {
    out.push('', 'Sweep:');
    out.push(
      ...table(
        ['setting', 'TP', 'FP', 'FN', 'precision [95%]', 'recall [95%]'],
        r.sweep.rows.map((s) => [`${s.flakefighter} ${setting(s)}`, String(s.metrics.tp), String(s.metrics.fp), String(s.metrics.fn), estimate(s.metrics.precision), estimate(s.metrics.recall)]),
      ),
    );
  }
  out.push('');
  for (const name of ['CosineSimilarity', 'CoverageIndependence'] as const) {
    const b = r.sweep.best[name];
    const swept = r.sweep.rows.some((s) => s.flakefighter === name);
    if (!swept) continue;
    out.push(
      b
        ? `Recommended at precision >= ${r.sweep.targetPrecision}: ${name} ${setting(b)} (recall ${estimate(b.metrics.recall)}, precision ${estimate(b.metrics.precision)}).`
        : `${name}: no setting reaches precision >= ${r.sweep.targetPrecision} with a flaky verdict on this history.`,
    );
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}
