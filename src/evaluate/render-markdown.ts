/**
 * The evaluation as GitHub Markdown for the job summary: the table, the genuine failures each flakefighter would
 * have hidden (linked to their runs), the recommended settings, and the sweep folded away. Test names are hostile
 * input: every value goes through escapeMarkdown, every link through markdownUrl.
 */
import { breakable, markdownUrl } from '../report/markdown.ts';
import { escapeMarkdown, formatCount, plural, truncate } from '../report/text.ts';
import type { EvaluationReport, FlakefighterScore } from './evaluate.ts';
import { estimate, setting } from './render.ts';

export interface EvaluationMarkdownOptions {
  /** Hidden genuine failures listed (default 200): a job summary holds at most 1 MiB. */
  maxRows?: number;
}

const row = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;

const scoreRow = (s: FlakefighterScore, label: string): string => {
  const m = s.metrics;
  return row([label, String(m.tp), m.fp > 0 ? `**${m.fp}**` : '0', String(m.tn), String(m.fn), estimate(m.precision), estimate(m.recall), estimate(m.f1), String(s.abstained), String(m.labelled)]);
};

export function renderEvaluationMarkdown(r: EvaluationReport, opts: EvaluationMarkdownOptions = {}): string {
  const maxRows = opts.maxRows ?? 200;
  const l = r.labels;
  let out = '## Flakefighters evaluation\n\n';
  out += `${escapeMarkdown(r.database)}: ${plural(r.runs, 'run')}; ${plural(l.labelled, 'labelled failure')} in ${plural(l.runs, 'run')} ` +
    `(flaky ${formatCount(l.flaky)}, genuine ${formatCount(l.genuine)}; from the history ${formatCount(l.fromHistory)}, from --labels ${formatCount(l.fromFile)}), ` +
    `${formatCount(l.unlabelled)} unlabelled. Each replayed as of its run${r.loadMaxRuns ? ` with at most ${plural(r.loadMaxRuns, 'earlier run')}` : ' with every earlier run'}.\n\n`;
  out += row(['Flakefighter', 'TP', 'FP', 'TN', 'FN', 'Precision [95%]', 'Recall [95%]', 'F1 [95%]', 'No verdict', 'Labelled']);
  out += '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  for (const s of r.flakefighters) out += scoreRow(s, escapeMarkdown(s.name));
  out += scoreRow(r.combination, '**combination** (as each run ran)');
  out += '\nPositive = called flaky. FP = a genuine failure called flaky: one it would have hidden. No verdict counts as not flaky.\n\n';

  const hidden = [...r.flakefighters, r.combination].flatMap((s) => s.hiddenGenuine.map((f) => ({ s, f })));
  if (hidden.length === 0) out += '**Genuine failures hidden:** none.\n\n';
  else {
    out += `**Genuine failures each would have hidden** (${formatCount(hidden.length)}):\n\n`;
    for (const { s, f } of hidden.slice(0, maxRows)) {
      const run = `run ${escapeMarkdown(f.run.ref)}`;
      const link = f.run.url && /^https?:\/\//i.test(f.run.url) ? `[${run}](${markdownUrl(f.run.url)})` : run;
      out += `- **${escapeMarkdown(s.name)}**: ${breakable(truncate(f.test, 300))} in ${link}\n`;
    }
    if (hidden.length > maxRows) out += `- … ${plural(hidden.length - maxRows, 'more')} in the JSON (--json)\n`;
    out += '\n';
  }

  for (const name of ['CosineSimilarity', 'CoverageIndependence'] as const) {
    if (!r.sweep.rows.some((s) => s.flakefighter === name)) continue;
    const b = r.sweep.best[name];
    out += b
      ? `**Recommended** at precision ≥ ${r.sweep.targetPrecision}: ${name} ${setting(b)} (recall ${estimate(b.metrics.recall)}, precision ${estimate(b.metrics.precision)}).\n\n`
      : `${name}: no setting reaches precision ≥ ${r.sweep.targetPrecision} with a flaky verdict on this history.\n\n`;
  }
  if (r.sweep.rows.length) {
    out += '<details><summary>Threshold sweep</summary>\n\n';
    out += row(['Setting', 'TP', 'FP', 'FN', 'Precision [95%]', 'Recall [95%]']) + '| --- | ---: | ---: | ---: | ---: | ---: |\n';
    for (const s of r.sweep.rows) {
      const b = r.sweep.best[s.flakefighter];
      const best = b && b.threshold === s.threshold && b.metric === s.metric ? ' ✅ recommended' : '';
      out += row([`${s.flakefighter} ${setting(s)}${best}`, String(s.metrics.tp), String(s.metrics.fp), String(s.metrics.fn), estimate(s.metrics.precision), estimate(s.metrics.recall)]);
    }
    out += '\n</details>\n\n';
  }
  for (const n of r.notes.slice(0, 50)) out += `> ${escapeMarkdown(truncate(n, 1000))}\n>\n`;
  return out.replace(/>\n$/, '\n');
}
