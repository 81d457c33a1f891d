/**
 * One self-contained HTML file (inline CSS, JS and SVG; a CSP forbids any network access): totals, a trend of
 * genuine and flaky failures over the stored runs, the failures with verdicts, evidence and history strips, the
 * flakiest tests by flip rate, the SFFL ranking, and a filter box. Every table is capped so a 100k-test run stays
 * small; everything is rendered on the server side, so no data is embedded in a script.
 */
import { isFailing, verdictOf, type Evidence, type Execution, type FlakefighterResult, type Run, type Test } from '../model.ts';
import type { TestFlakiness } from '../store/flakiest-query.ts';
import type { ReportData } from './report-data.ts';
import {
  CELL_TEXT,
  chronologicalRuns,
  countRun,
  evidenceView,
  displayPath,
  failuresOf,
  fileUrl,
  flaggedButPassed,
  flipRanking,
  runLabel,
  testLocation,
  testSeconds,
  timelines,
  webLinks,
  type Cell,
  type Failure,
} from './facts.ts';
import { HTML_JS, htmlPage } from './html-assets.ts';
import type { EvaluationReport } from '../evaluate/evaluate.ts';
import { renderEvaluationSection } from '../evaluate/render-html.ts';
import { renderTrendSvg, type TrendPoint } from './trend-chart.ts';
import { escapeHtml as h, formatCount, formatDate, hideUrls, plural, shortSha, stripAnsi, stripInvalidXmlChars, truncate } from './text.ts';

export interface HtmlReportOptions {
  /** Rows per table (default 2,000). */
  maxRows?: number;
  /** Runs in the trend chart and the history strips (default 40). */
  maxRuns?: number;
  /** `report --evaluate`: how right each flakefighter was on this history, as a section after the rankings. */
  evaluation?: EvaluationReport;
}

const TEXT_MAX = 4000;
const EXECUTIONS_SHOWN = 10;

export function renderHtmlReport(data: ReportData, opts: HtmlReportOptions = {}): string {
  const maxRows = opts.maxRows ?? 2000;
  const maxRuns = opts.maxRuns ?? 40;
  const counts = countRun(data.run);
  const failures = failuresOf(data.run);
  const shown = failures.slice(0, maxRows);
  const rankRows = Math.min(maxRows, 500);
  // The database's ranking over every stored run when it gave one; else the flips of the loaded history, computed only then.
  const stored = data.flakiest?.length ? data.flakiest.slice(0, rankRows) : undefined;
  const flips = stored ? [] : flipRanking(data, rankRows);
  const ranked = (stored ?? flips).map((f) => f.name);
  const strips = timelines(data, new Set([...shown.map((f) => f.test.name), ...ranked]), maxRuns);
  const status = counts.genuine > 0 ? 'genuine' : counts.flaky > 0 ? 'flaky' : 'passed';
  const title =
    counts.failed === 0
      ? 'No failures'
      : `${formatCount(counts.failed)} failed: ${formatCount(counts.genuine)} genuine, ${formatCount(counts.flaky)} flaky`;

  const runsJson = scriptJson(strips.runs.map((r) => [runLabel(r, data.run), formatDate(r.startTime)]));
  const body = [
    header(data, title, status),
    '<main>',
    cards(counts),
    trendSection(data, maxRuns),
    toolbar(failures.length),
    failuresSection(data, failures, shown, strips),
    flakiestSection(flips, strips, stored),
    sfflSection(data, maxRows),
    flaggedSection(data, maxRows),
    opts.evaluation ? renderEvaluationSection(opts.evaluation, { maxRows: rankRows }) : '',
    warningsSection(data),
    filesSection(data),
    '</main>',
    `<footer>flakefighters-action · verdicts follow pytest-flakefighters · ${h(formatDate(data.run.startTime))}</footer>`,
  ].join('\n');

  return htmlPage(h(`flakefighters: ${title}`), `${body}\n<script type="application/json" id="ff-runs">${runsJson}</script>\n<script>${HTML_JS}</script>`, true);
}

/** Text for the page: escaped, and without control characters (ANSI colour codes in test output). */
const t = (s: string): string => h(UNUSUAL.test(s) ? stripInvalidXmlChars(stripAnsi(s)) : s);

/** What stripping could change: printable ASCII, tabs and newlines (most names and tracebacks) skip its two passes. */
const UNUSUAL = /[^\t\n\r\x20-\x7e]/;

function header(data: ReportData, title: string, status: string): string {
  const run = data.run;
  const sha = data.sha ?? run.commitSha;
  const commit = sha
    ? data.repoUrl
      ? `<a href="${h(`${data.repoUrl.replace(/\/+$/, '')}/commit/${sha}`)}"><code>${h(shortSha(sha))}</code></a>`
      : `<code>${h(shortSha(sha))}</code>`
    : '';
  const meta = [
    run.id != null ? `<span>Run <b>#${run.id}</b></span>` : '',
    commit ? `<span>Commit ${commit}</span>` : '',
    run.meta.branch ? `<span>Branch <b>${t(run.meta.branch)}</b></span>` : '',
    `<span>${h(formatDate(run.startTime))}</span>`,
    `<span>Database <b>${h(data.database.kind)}</b> · ${t(truncate(hideUrls(data.database.description), 200))}</span>`,
    `<span>History ${t(truncate(data.historySource ?? 'this database', 200))} (${plural(data.history.length, 'earlier run')})</span>`,
    `<span>Read ${plural(data.files.length, 'file')}${data.dialects.length ? ` (${t(data.dialects.join(', '))})` : ''}</span>`,
    `<span>Flakefighters ${data.flakefighters.length ? t(data.flakefighters.join(', ')) : 'none'}</span>`,
    ...webLinks(data).slice(0, 10).map((l) => `<span><a href="${h(l.url)}">${t(l.label)}</a></span>`),
  ].filter(Boolean);
  return `<header><h1><span class="brand">flakefighters</span><span class="pill ${status}">${status === 'genuine' ? 'genuine failures' : status === 'flaky' ? 'only flaky failures' : 'all passed'}</span>${h(title)}</h1><div class="meta">${meta.join('')}</div></header>`;
}

function cards(c: ReturnType<typeof countRun>): string {
  const card = (cls: string, n: number, label: string): string => `<div class="card ${cls}"><div class="n">${formatCount(n)}</div><div class="l">${label}</div></div>`;
  return `<div class="cards">${card('total', c.total, 'tests')}${card('passed', c.passed, 'passed')}${card('failed', c.failed, 'failed')}${card('genuine', c.genuine, 'genuine')}${card('flaky', c.flaky, 'flaky')}${card('skipped', c.skipped, 'skipped')}</div>`;
}

function trendSection(data: ReportData, maxRuns: number): string {
  const runs = chronologicalRuns(data).slice(-maxRuns);
  const points: TrendPoint[] = runs.map((r) => {
    const c = countRun(r);
    return { label: runLabel(r, data.run), date: formatDate(r.startTime), genuine: c.genuine, flaky: c.flaky, total: c.total, current: r === data.run };
  });
  const older = data.history.length + 1 - runs.length;
  return `<section id="trend"><h2>Failures per run <span class="sub">${plural(runs.length, 'run')}, oldest first${older > 0 ? `; ${plural(older, 'older run')} not shown` : ''}</span></h2><div class="body">${renderTrendSvg(points)}</div></section>`;
}

function toolbar(failures: number): string {
  return `<div class="toolbar"><input id="ff-search" type="search" placeholder="Filter tests, messages, flakefighters… (press /)" aria-label="Filter">` +
    '<button class="chip" data-verdict="all" aria-pressed="true">All</button><button class="chip" data-verdict="genuine" aria-pressed="false">Genuine</button><button class="chip" data-verdict="flaky" aria-pressed="false">Flaky</button>' +
    `<span id="ff-count">${plural(failures, 'failure')}</span></div>`;
}

/**
 * Cells, with one text alternative for the whole strip (counts per state, oldest to newest); each cell's tooltip comes
 * from the run list embedded once (see HTML_JS), not repeated in every row.
 */
function strip(cells: Cell[] | undefined, runs: Run[], current: Run): string {
  if (!cells) return '';
  const tally = new Map<Cell, number>();
  for (const c of cells) tally.set(c, (tally.get(c) ?? 0) + 1);
  const order: Cell[] = ['genuine', 'flaky', 'learned', 'passed', 'ok', 'skipped', 'absent'];
  const parts = order.filter((c) => tally.has(c)).map((c) => `${CELL_TEXT[c]} in ${tally.get(c)}`);
  const now = cells[runs.indexOf(current)];
  const label = `History of ${plural(cells.length, 'run')}: ${parts.join(', ')}${now ? `; this run: ${CELL_TEXT[now]}` : ''}`;
  return `<div class="strip" role="img" aria-label="${h(label)}" title="${h(label)}">${cells.map((c, i) => (runs[i] === current ? `<i class="${c} now"></i>` : `<i class="${c}"></i>`)).join('')}</div>`;
}

/** JSON inside a <script> element: `<`, `>`, `&` and the JS line separators escaped, so no `</script>` can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A test name with break opportunities after `::`, `/` and `.` so long ids wrap at their joints, not mid-word. */
const nameHtml = (name: string): string => `<span class="n">${t(truncate(name, 500)).replace(/(::|\/|\.)/g, '$1<wbr>')}</span>`;

const searchText = (...parts: string[]): string => h(parts.join(' ').toLowerCase().replace(/\s+/g, ' ').slice(0, 2000));

function failuresSection(data: ReportData, failures: Failure[], shown: Failure[], strips: ReturnType<typeof timelines>): string {
  if (!failures.length) return '<section id="failures"><h2>Failures</h2><p class="empty">No test failed in this run. 🎉</p></section>';
  const rows = shown.map((f) => {
    const loc = testLocation(f.test, data.run.root);
    const url = fileUrl(data, loc);
    const where = loc.file ? `${loc.file}${loc.line ? `:${loc.line}` : ''}` : '';
    const whereHtml = where ? `<span class="loc">${url ? `<a href="${h(url)}">${t(where)}</a>` : t(where)}</span>` : '';
    const why = f.why.length ? f.why.map((r) => `<div><b>${t(r.name)}</b>${r.reason ? `: ${t(truncate(r.reason, 300))}` : ''}${runLink(data, r.evidence)}</div>`).join('') : '<span class="loc">no flakefighter said flaky</span>';
    const search = searchText(f.test.name, f.verdict, f.message, ...f.reasons.map((r) => `${r.name} ${r.reason}`));
    return `<tbody class="item" data-count data-verdict="${f.verdict}" data-search="${search}">` +
      `<tr class="main" tabindex="0" aria-expanded="false"><td><span class="pill ${f.verdict}">${f.verdict}</span></td>` +
      `<td class="tname"><span class="tw">▸</span>${nameHtml(f.test.name)}${whereHtml}</td>` +
      `<td class="why">${why}</td><td>${strip(strips.cells.get(f.test.name), strips.runs, data.run)}</td>` +
      `<td class="msg">${t(truncate(f.message, 300))}</td></tr>` +
      `<tr class="detail" hidden><td colspan="5">${failureDetail(data, f.test)}</td></tr></tbody>`;
  });
  const more = failures.length - shown.length;
  return `<section id="failures"><h2>Failures <span class="sub">genuine first · click a row for evidence and tracebacks</span></h2>` +
    '<table><thead><tr><th>Verdict</th><th>Test</th><th>Why</th><th>History</th><th>Message</th></tr></thead>' +
    rows.join('') + '</table>' +
    (more > 0 ? `<p class="note">${plural(more, 'more failure')} not shown; see the JSON report.</p>` : '') +
    '</section>';
}

/** The run an evidence points at, linked to its workflow run when known. */
function runLink(data: ReportData, ev: Evidence | undefined): string {
  const run = evidenceView(data, ev).run;
  if (!run?.url) return '';
  return ` <a href="${h(run.url)}">${t(run.label)}</a>`;
}

function failureDetail(data: ReportData, test: Test): string {
  const verdicts: string[] = [];
  const row = (where: string, r: FlakefighterResult): string => {
    const ev = r.evidence;
    // What a person reads: the run (linked), the matched test, the similarity, the leg; not internal ids.
    const view = evidenceView(data, ev);
    const extra = [
      view.run ? (view.run.url ? `<a href="${h(view.run.url)}">${t(view.run.label)}</a>` : t(view.run.label)) : '',
      view.test && view.test !== test.name ? `matched ${t(truncate(view.test, 300))}` : '',
      view.similarity !== undefined ? `similarity ${view.similarity.toFixed(2)}` : '',
      view.environment ? t(truncate(view.environment, 200)) : '',
    ].filter(Boolean).join(' · ');
    return `<tr><td>${where}</td><td><b>${t(r.name)}</b></td><td><span class="pill ${r.flaky ? 'flaky' : 'genuine'}">${r.flaky ? 'flaky' : 'genuine'}</span></td><td>${ev?.reason ? t(truncate(String(ev.reason), 500)) : ''}${extra ? `<span class="loc">${extra}</span>` : ''}</td></tr>`;
  };
  for (const r of test.results) verdicts.push(row('test', r));
  test.executions.forEach((e, i) => e.results.forEach((r) => verdicts.push(row(`execution ${i + 1} (${e.outcome})`, r))));
  const verdictTable = verdicts.length
    ? `<h4>Verdicts</h4><table><thead><tr><th>Where</th><th>Flakefighter</th><th>Verdict</th><th>Evidence</th></tr></thead><tbody>${verdicts.join('')}</tbody></table>`
    : '<h4>Verdicts</h4><p class="loc">No flakefighter gave a verdict.</p>';
  const execs = test.executions.slice(0, EXECUTIONS_SHOWN).map((e, i) => executionDetail(e, i)).join('');
  const moreExecs = test.executions.length > EXECUTIONS_SHOWN ? `<p class="loc">${plural(test.executions.length - EXECUTIONS_SHOWN, 'more execution')} not shown.</p>` : '';
  return verdictTable + execs + moreExecs;
}

function executionDetail(e: Execution, i: number): string {
  const secs = e.startTime && e.endTime ? ` · ${((e.endTime.getTime() - e.startTime.getTime()) / 1000).toFixed(3)} s` : '';
  let out = `<h4>Execution ${i + 1}: <span class="pill ${isFailing(e.outcome) ? 'genuine' : e.outcome === 'passed' ? 'passed' : 'skipped'}">${h(e.outcome)}</span><span class="loc" style="display:inline;margin-left:8px">${h(formatDate(e.startTime))}${secs}</span></h4>`;
  if (e.exception) {
    const frames = e.exception.frames.slice(0, 40).map((f) => `<li>${t(f.path)}:${f.lineno + 1}${f.statement ? ` <span class="st">${t(truncate(f.statement, 200))}</span>` : ''}</li>`).join('');
    out += `<div><b>${t(e.exception.name)}</b></div>${frames ? `<ol class="frames">${frames}</ol>` : ''}`;
  }
  if (e.report && e.report !== 'None') out += `<pre>${t(truncate(e.report, TEXT_MAX))}</pre>`;
  if (isFailing(e.outcome) && e.stdout) out += `<div class="loc">stdout</div><pre>${t(truncate(e.stdout, TEXT_MAX))}</pre>`;
  if (isFailing(e.outcome) && e.stderr) out += `<div class="loc">stderr</div><pre>${t(truncate(e.stderr, TEXT_MAX))}</pre>`;
  return out;
}

/** Ranked by the database's aggregate query over every stored run: how many runs the test was flaky in. */
function storedFlakiestSection(ranked: TestFlakiness[], strips: ReturnType<typeof timelines>): string {
  const current = strips.runs[strips.runs.length - 1];
  const rows = ranked.map((f, i) => {
    const pct = f.runs ? Math.round((f.flakyRuns / f.runs) * 100) : 0;
    return `<tr class="item" data-search="${searchText(f.name)}"><td class="num">${i + 1}</td><td class="tname">${nameHtml(f.name)}</td>` +
      `<td><div class="rate"><div class="bar"><span style="width:${pct}%"></span></div>${pct}%</div></td>` +
      `<td class="num">${formatCount(f.flakyRuns)}</td><td class="num">${formatCount(f.failedRuns)}</td><td class="num">${formatCount(f.passedRuns)}</td><td class="num">${formatCount(f.runs)}</td>` +
      `<td>${strip(strips.cells.get(f.name), strips.runs, current)}</td></tr>`;
  });
  return `<section id="flakiest"><h2>Flakiest tests <span class="sub">over every stored run: the share of runs in which a flakefighter called the test flaky</span></h2>` +
    '<table><thead><tr><th class="num rank">#</th><th>Test</th><th>Flaky in</th><th class="num">Flaky runs</th><th class="num">Failed runs</th><th class="num">Passed runs</th><th class="num">Runs</th><th>History</th></tr></thead><tbody>' +
    rows.join('') + '</tbody></table></section>';
}

function flakiestSection(flips: ReturnType<typeof flipRanking>, strips: ReturnType<typeof timelines>, stored?: TestFlakiness[]): string {
  if (stored?.length) return storedFlakiestSection(stored, strips);
  const current = strips.runs[strips.runs.length - 1];
  if (!flips.length) return '<section id="flakiest"><h2>Flakiest tests</h2><p class="empty">No test changed between passing and failing in the stored runs.</p></section>';
  const rows = flips.map((f, i) => {
    const pct = Math.round(f.flipRate * 100);
    return `<tr class="item" data-search="${searchText(f.name)}"><td class="num">${i + 1}</td><td class="tname">${nameHtml(f.name)}</td>` +
      `<td><div class="rate"><div class="bar"><span style="width:${pct}%"></span></div>${pct}%</div></td>` +
      `<td class="num">${f.flips} / ${Math.max(0, f.executions - 1)}</td><td class="num">${f.failures}</td><td class="num">${f.runs}</td>` +
      `<td>${strip(strips.cells.get(f.name), strips.runs, current)}</td></tr>`;
  });
  return `<section id="flakiest"><h2>Flakiest tests <span class="sub">ranked by flip rate: changes between pass and fail over all executions in run order</span></h2>` +
    '<table><thead><tr><th class="num rank">#</th><th>Test</th><th>Flip rate</th><th class="num">Flips</th><th class="num">Failures</th><th class="num">Runs</th><th>History</th></tr></thead><tbody>' +
    rows.join('') + '</tbody></table></section>';
}

function sfflSection(data: ReportData, maxRows: number): string {
  if (!data.sffl?.rows.length) return '';
  const sorted = [...data.sffl.rows].sort((a, b) => b.suspiciousness - a.suspiciousness);
  const top = sorted.slice(0, maxRows);
  const max = Math.max(...top.map((r) => r.suspiciousness), 1e-12);
  const rows = top.map((r, i) => {
    const file = displayPath(r.file, data.run.root);
    const url = fileUrl(data, { file: file.startsWith('/') ? undefined : file, line: r.line });
    const pct = Math.max(0, Math.min(100, Math.round((r.suspiciousness / max) * 100)));
    return `<tr class="item" data-search="${searchText(file)}"><td class="num">${i + 1}</td><td class="tname">${url ? `<a href="${h(url)}">${t(file)}</a>` : t(file)}</td><td class="num">${r.line}</td>` +
      `<td><div class="rate"><div class="bar"><span style="width:${pct}%;background:var(--genuine)"></span></div>${r.suspiciousness.toFixed(4)}</div></td></tr>`;
  });
  const more = sorted.length - top.length;
  return `<section id="sffl"><h2>Most suspicious lines <span class="sub">spectrum-based fault localisation (${t(data.sffl.formula)})</span></h2>` +
    '<table><thead><tr><th class="num rank">#</th><th>File</th><th class="num">Line</th><th>Suspiciousness</th></tr></thead><tbody>' + rows.join('') + '</tbody></table>' +
    (more > 0 ? `<p class="note">${plural(more, 'more line')} not shown; see the JSON report.</p>` : '') + '</section>';
}

function flaggedSection(data: ReportData, maxRows: number): string {
  const flagged = flaggedButPassed(data.run);
  if (!flagged.length) return '';
  const rows = flagged.slice(0, maxRows).map((test) => {
    const names = [...new Set([...test.results, ...test.executions.flatMap((e) => e.results)].filter((r) => r.flaky).map((r) => r.name))];
    return `<tr class="item" data-search="${searchText(test.name, ...names)}"><td><span class="pill ${verdictOf(test)}">${verdictOf(test)}</span></td><td class="tname">${nameHtml(test.name)}</td><td>${t(names.join(', '))}</td><td class="num">${testSeconds(test).toFixed(3)} s</td></tr>`;
  });
  const more = flagged.length - Math.min(flagged.length, maxRows);
  return `<section id="flagged"><h2>Flagged flaky, passed this run <span class="sub">${plural(flagged.length, 'test')}</span></h2>` +
    '<table><thead><tr><th>Outcome</th><th>Test</th><th>Flaky according to</th><th class="num">Time</th></tr></thead><tbody>' + rows.join('') + '</tbody></table>' +
    (more > 0 ? `<p class="note">${plural(more, 'more test')} not shown; see the JSON report.</p>` : '') + '</section>';
}

function warningsSection(data: ReportData): string {
  if (!data.warnings.length) return '';
  const items = data.warnings.slice(0, 200).map((w) => `<li>${t(truncate(w, 1000))}</li>`).join('');
  const more = data.warnings.length > 200 ? `<p class="note">${plural(data.warnings.length - 200, 'more warning')} in the job log.</p>` : '';
  return `<section id="warnings"><h2>Warnings</h2><div class="body"><ul class="plain">${items}</ul></div>${more}</section>`;
}

function filesSection(data: ReportData): string {
  if (!data.files.length) return '';
  const items = data.files.slice(0, 500).map((f) => `<li><code>${t(f)}</code></li>`).join('');
  const more = data.files.length > 500 ? `<p class="note">${plural(data.files.length - 500, 'more file')} not shown.</p>` : '';
  return `<section id="files"><h2>Result files read <span class="sub">${plural(data.files.length, 'file')}${data.dialects.length ? ` · ${t(data.dialects.join(', '))}` : ''}</span></h2><div class="body"><ul class="plain">${items}</ul></div>${more}</section>`;
}
