/**
 * The evaluation for people in a browser: one section (the table with each 95% interval drawn and described, the
 * genuine failures each flakefighter would have hidden, linked to their runs, the sweep with the recommended
 * setting marked), either inside the HTML report or as a page of its own with the report's styles. Test names are
 * hostile input: every value is escaped here, and only http(s) links are made.
 */
import { htmlPage } from '../report/html-assets.ts';
import { escapeHtml as h, formatCount, hideUrls, plural, stripAnsi, stripInvalidXmlChars, truncate } from '../report/text.ts';
import type { EvaluationReport, FailureInfo, FlakefighterScore, SweepRow } from './evaluate.ts';
import type { Estimate } from './metrics.ts';
import { num, setting } from './render.ts';

export interface EvaluationHtmlOptions {
  /** Hidden genuine failures listed (default 500); the JSON has them all. */
  maxRows?: number;
}

/** Text for the page: escaped, and without control characters (ANSI colour codes in test names). */
const t = (s: string): string => h(stripInvalidXmlChars(stripAnsi(s)));
const pct = (v: number): string => `${(Math.max(0, Math.min(1, v)) * 100).toFixed(1)}%`;

/** The estimate as text, with its interval drawn as a bar whose text alternative says the same. */
function estimateCell(e: Estimate, what: string): string {
  if (e.value === null || e.low === null || e.high === null) {
    return `<td class="est"><span class="v">–</span> <span class="range">no ${what === 'precision' ? 'flaky call' : 'case'} to measure</span></td>`;
  }
  const label = `${what} ${num(e.value)}, 95% interval ${num(e.low)} to ${num(e.high)}`;
  return `<td class="est"><span class="v">${num(e.value)}</span> <span class="range">[${num(e.low)}–${num(e.high)}]</span>` +
    `<div class="ci-bar" role="img" aria-label="${h(label)}" title="${h(label)}"><i style="left:${pct(e.low)};width:${pct(e.high - e.low)}"></i><b style="left:${pct(e.value)}"></b></div></td>`;
}

const count = (n: number, cls = ''): string => `<td class="num${cls && n > 0 ? ` ${cls}` : ''}">${formatCount(n)}</td>`;

function scoreRow(s: FlakefighterScore, label: string, combo = false): string {
  const m = s.metrics;
  return `<tr${combo ? ' class="combo"' : ''}><th scope="row">${t(label)}</th>${count(m.tp)}${count(m.fp, 'bad')}${count(m.tn)}${count(m.fn)}` +
    `${estimateCell(m.precision, 'precision')}${estimateCell(m.recall, 'recall')}${estimateCell(m.f1, 'F1')}${count(s.abstained)}${count(m.labelled)}</tr>`;
}

/** A test name with break opportunities after `::`, `/` and `.` so long ids wrap at their joints. */
const nameHtml = (name: string): string => `<span class="n">${t(truncate(name, 500)).replace(/(::|\/|\.)/g, '$1<wbr>')}</span>`;

function runCell(f: FailureInfo): string {
  const label = `run ${f.run.ref}`;
  const link = f.run.url && /^https?:\/\//i.test(f.run.url) ? `<a href="${h(f.run.url)}">${t(label)}</a>` : t(label);
  const when = [f.run.environment ? t(truncate(f.run.environment, 200)) : '', f.run.commitSha ? `<code>${t(f.run.commitSha.slice(0, 7))}</code>` : ''].filter(Boolean).join(' · ');
  return `<td>${link}${when ? ` <span class="loc">${when}</span>` : ''}</td>`;
}

function hiddenPart(r: EvaluationReport, maxRows: number): string {
  const rows = [...r.flakefighters, r.combination].flatMap((s) => s.hiddenGenuine.map((f) => ({ s, f })));
  if (rows.length === 0) {
    return '<h3>Genuine failures each would have hidden</h3><p class="note">None: no flakefighter called a labelled genuine failure flaky.</p>';
  }
  const shown = rows.slice(0, maxRows);
  const body = shown.map(({ s, f }) => `<tr><td><b>${t(s.name)}</b></td><td class="tname">${nameHtml(f.test)}</td>${runCell(f)}</tr>`).join('');
  const more = rows.length - shown.length;
  return `<h3>Genuine failures each would have hidden <span class="sub">${plural(rows.length, 'failure')}: the cost of a flaky verdict</span></h3>` +
    `<table class="hidden-genuine"><thead><tr><th>Flakefighter</th><th>Test</th><th>Run</th></tr></thead><tbody>${body}</tbody></table>` +
    (more > 0 ? `<p class="note">${plural(more, 'more hidden failure')} not shown; see the JSON (--json).</p>` : '');
}

function sweepPart(r: EvaluationReport): string {
  if (!r.sweep.rows.length) return '';
  // By value, not identity: a report read back from its JSON is rendered too.
  const isBest = (s: SweepRow): boolean => {
    const b = r.sweep.best[s.flakefighter];
    return !!b && b.threshold === s.threshold && b.metric === s.metric;
  };
  const rows = r.sweep.rows.map((s) => {
    const m = s.metrics;
    const mark = isBest(s) ? ' <span class="pill passed">recommended</span>' : '';
    return `<tr${mark ? ' class="best"' : ''}><th scope="row">${t(s.flakefighter)} ${t(setting(s))}${mark}</th>${count(m.tp)}${count(m.fp, 'bad')}${count(m.fn)}` +
      `${estimateCell(m.precision, 'precision')}${estimateCell(m.recall, 'recall')}</tr>`;
  });
  const advice: string[] = [];
  for (const name of ['CosineSimilarity', 'CoverageIndependence'] as const) {
    if (!r.sweep.rows.some((s) => s.flakefighter === name)) continue;
    const b = r.sweep.best[name];
    advice.push(
      b
        ? `<li>Recommended at precision ≥ ${r.sweep.targetPrecision}: <b>${t(name)} ${t(setting(b))}</b> (recall ${num(b.metrics.recall.value)} [${num(b.metrics.recall.low)}–${num(b.metrics.recall.high)}], precision ${num(b.metrics.precision.value)} [${num(b.metrics.precision.low)}–${num(b.metrics.precision.high)}]).</li>`
        : `<li>${t(name)}: no setting reaches precision ≥ ${r.sweep.targetPrecision} with a flaky verdict on this history.</li>`,
    );
  }
  const coverage = r.sweep.rows.some((s) => s.flakefighter === 'CoverageIndependence') ? `; CoverageIndependence on the ${plural(r.sweep.coverageLabelled, 'labelled failure')} with per-test coverage` : '';
  return `<h3>Threshold sweep <span class="sub">the setting with the highest recall at precision ≥ ${r.sweep.targetPrecision}${coverage}</span></h3>` +
    `<div class="body"><ul class="plain advice">${advice.join('')}</ul></div>` +
    '<table class="sweep"><thead><tr><th>Setting</th><th class="num">TP</th><th class="num">FP</th><th class="num">FN</th><th>Precision [95%]</th><th>Recall [95%]</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
}

/** `<section id="evaluation">`: the evaluation as a part of a page that carries HTML_CSS. */
export function renderEvaluationSection(r: EvaluationReport, opts: EvaluationHtmlOptions = {}): string {
  const maxRows = opts.maxRows ?? 500;
  const l = r.labels;
  const sub = `${plural(l.labelled, 'labelled failure')} in ${plural(l.runs, 'run')} of ${formatCount(r.runs)}: flaky ${formatCount(l.flaky)}, genuine ${formatCount(l.genuine)}`;
  const intro = `Labels from the history ${formatCount(l.fromHistory)}, from --labels ${formatCount(l.fromFile)}; ${plural(l.unlabelled, 'failure')} left unlabelled. ` +
    `Each failure was replayed as of its run${r.loadMaxRuns ? ` with at most ${plural(r.loadMaxRuns, 'earlier run')}` : ' with every earlier run'}, so the re-run that gave its label was not yet known. ` +
    'Positive = called flaky; FP = a genuine failure called flaky, one it would have hidden. No verdict counts as not flaky.';
  const notes = r.notes.length ? `<div class="body"><h4>Notes</h4><ul class="plain">${r.notes.slice(0, 200).map((n) => `<li>${t(truncate(n, 1000))}</li>`).join('')}</ul></div>` : '';
  return `<section id="evaluation"><h2>How right is each flakefighter? <span class="sub">${sub}</span></h2>` +
    `<div class="body"><p class="intro">${t(intro)}</p></div>` +
    '<table class="scores"><thead><tr><th>Flakefighter</th><th class="num">TP</th><th class="num">FP</th><th class="num">TN</th><th class="num">FN</th>' +
    '<th>Precision [95%]</th><th>Recall [95%]</th><th>F1 [95%]</th><th class="num">No verdict</th><th class="num">Labelled</th></tr></thead><tbody>' +
    r.flakefighters.map((s) => scoreRow(s, s.name)).join('') + scoreRow(r.combination, 'combination (as each run ran)', true) + '</tbody></table>' +
    hiddenPart(r, maxRows) + sweepPart(r) + notes + '</section>';
}

/** A self-contained page (no script, nothing loaded) with the report's styles and the evaluation section. */
export function renderEvaluationPage(r: EvaluationReport, opts: EvaluationHtmlOptions = {}): string {
  const hidden = r.combination.hiddenGenuine.length;
  const title = `Evaluation: ${plural(r.labels.labelled, 'labelled failure')}, the combination hid ${plural(hidden, 'genuine failure')}`;
  const status = hidden > 0 ? 'genuine' : 'passed';
  const meta = [
    `<span>Database ${t(truncate(hideUrls(r.database), 200))}</span>`,
    `<span>${plural(r.runs, 'run')}</span>`,
    `<span>Generated ${t(r.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</span>`,
  ];
  return htmlPage(
    t(`flakefighters: ${title}`),
    `<header><h1><span class="brand">flakefighters</span><span class="pill ${status}">${hidden > 0 ? 'hides genuine failures' : 'no genuine failure hidden'}</span>${t(title)}</h1><div class="meta">${meta.join('')}</div></header>
<main>
${renderEvaluationSection(r, opts)}
</main>
<footer>flakefighters-action · flakefighters evaluate · verdicts follow pytest-flakefighters</footer>`,
    false,
  );
}
