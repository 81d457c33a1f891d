/**
 * The job summary (GitHub-flavoured Markdown). Every section is bounded, and the failure table gets whatever room is
 * left under `maxBytes` (GitHub refuses step summaries over 1 MiB), genuine failures first.
 */
import type { ReportData } from './report-data.ts';
import type { Test } from '../model.ts';
import { chronologicalRuns, countRun, displayPath, failuresOf, flaggedButPassed, learnedLater, runLabel, webLinks, workflowRunUrl, type Failure } from './facts.ts';
import { FAILURE_TABLE_HEAD, countsLine, cutNote, failureRow, fitRows, headlineIcon, markdownUrl } from './markdown.ts';
import { escapeMarkdown, formatCount, formatDate, hideUrls, plural, shortSha, truncate } from './text.ts';
import { databaseSizeLine } from './database-size-line.ts';

export interface SummaryOptions {
  /** Default 1,000,000: under GitHub's 1 MiB step summary limit. */
  maxBytes?: number;
  /** The run's failuresOf and flaggedButPassed when the caller has them already (publish sorts them out once). */
  failures?: Failure[];
  flagged?: Test[];
}

const HISTORY_ROWS = 10;
const LIST_MAX = 50;

export function renderSummary(data: ReportData, opts: SummaryOptions = {}): string {
  const maxBytes = opts.maxBytes ?? 1_000_000;
  const counts = countRun(data.run);
  const failures = opts.failures ?? failuresOf(data.run);

  // Warnings come first: an unreachable database must not read like a first run further down.
  const head = `## ${headlineIcon(counts)} flakefighters: ${countsLine(counts)}\n\n${contextLines(data)}\n${warningsSection(data)}`;
  const tail = [flaggedSection(opts.flagged ?? flaggedButPassed(data.run)), taughtSection(data), historySection(data), sfflSection(data), linksSection(data), filesSection(data)].join('');

  let body = '';
  if (failures.length) {
    const title = '\n### Failures\n\n';
    const reserve = Buffer.byteLength(head + tail + title + FAILURE_TABLE_HEAD + cutNote(failures.length), 'utf8') + 64;
    const { text, shown } = fitRows(rowsOf(data, failures), maxBytes - reserve);
    body = title + (shown ? FAILURE_TABLE_HEAD + text : '') + (shown < failures.length ? cutNote(failures.length - shown) : '');
  }
  const out = head + body + tail;
  // The fixed sections are bounded, so only a tiny maxBytes can get here; never hand GitHub more than it takes.
  return Buffer.byteLength(out, 'utf8') <= maxBytes ? out : Buffer.from(out, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
}

function* rowsOf(data: ReportData, failures: Failure[]): Generator<string> {
  for (const f of failures) yield failureRow(data, f);
}

function contextLines(data: ReportData): string {
  const run = data.run;
  const sha = data.sha ?? run.commitSha;
  const runUrl = workflowRunUrl(data, run);
  const label = run.id != null ? `Run #${run.id}` : 'This run';
  const runBits = [
    runUrl ? `[${label}](${markdownUrl(runUrl)})` : label,
    run.meta.environmentLabel ? `leg **${escapeMarkdown(truncate(run.meta.environmentLabel, 200))}**` : '',
    sha ? `commit \`${escapeMarkdown(shortSha(sha))}\`` : '',
    run.meta.branch ? `branch ${escapeMarkdown(run.meta.branch)}` : '',
    formatDate(run.startTime),
  ].filter(Boolean);
  const files = data.files.length;
  const read = `Read ${plural(files, 'file')}${data.dialects.length ? ` (${data.dialects.map(escapeMarkdown).join(', ')})` : ''}`;
  const db = `database: ${data.database.kind} — ${escapeMarkdown(truncate(hideUrls(data.database.description), 200))}`;
  const hist = `history: ${escapeMarkdown(truncate(data.historySource ?? 'this database', 300))} (${plural(data.history.length, 'earlier run')})`;
  const ffs = data.flakefighters.length ? `flakefighters: ${data.flakefighters.map(escapeMarkdown).join(', ')}` : 'no flakefighters active';
  const size = data.databaseSize ? `database size: ${databaseSizeLine(data.databaseSize)}  \n` : '';
  return `${runBits.join(' · ')}  \n${read} · ${db}  \n${size}${hist} · ${ffs}\n`;
}

function flaggedSection(flagged: Test[]): string {
  if (!flagged.length) return '';
  const shown = flagged.slice(0, LIST_MAX).map((t) => `- ${escapeMarkdown(truncate(t.name, 300))}\n`).join('');
  const more = flagged.length > LIST_MAX ? `- … and ${formatCount(flagged.length - LIST_MAX)} more\n` : '';
  return `\n<details><summary>${plural(flagged.length, 'test')} flagged flaky although ${flagged.length === 1 ? 'it' : 'they'} passed in this run</summary>\n\n${shown}${more}\n</details>\n`;
}

/** What this run taught the history: earlier failures on the same code and leg that passed here are flaky now. */
function taughtSection(data: ReportData): string {
  const taught = data.taught ?? [];
  if (!taught.length) return '';
  const shown = taught.slice(0, LIST_MAX).map((t) => `- ${escapeMarkdown(truncate(t.testName, 300))}: ${escapeMarkdown(truncate(t.reason, 300))}\n`).join('');
  const more = taught.length > LIST_MAX ? `- … and ${formatCount(taught.length - LIST_MAX)} more\n` : '';
  return `\n<details><summary>Learned from this run: ${plural(taught.length, 'earlier failure')} of this commit and leg passed here, so ${taught.length === 1 ? 'it is' : 'they are'} flaky evidence now</summary>\n\n${shown}${more}\n</details>\n`;
}

function historySection(data: ReportData): string {
  if (!data.history.length) return '\n### History\n\nNo earlier runs stored yet; verdicts get better as history builds up.\n';
  const runs = chronologicalRuns(data).slice(-HISTORY_ROWS).reverse();
  const rows = runs.map((r) => {
    const c = countRun(r);
    const label = runLabel(r, data.run);
    const url = workflowRunUrl(data, r);
    const cell = url ? `[${label}](${markdownUrl(url)})` : label;
    return `| ${r === data.run ? `**${cell}**` : cell} | ${formatDate(r.startTime)} | ${r.commitSha ? `\`${escapeMarkdown(shortSha(r.commitSha))}\`` : ''} | ${formatCount(c.total)} | ${formatCount(c.failed)} | ${formatCount(c.flaky)}${learnedCell(r)} | ${formatCount(c.genuine)} |\n`;
  });
  const older = data.history.length + 1 - runs.length;
  return `\n### History\n\n| Run | Date | Commit | Tests | Failed | Flaky | Genuine |\n| --- | --- | --- | ---: | ---: | ---: | ---: |\n${rows.join('')}${older > 0 ? `\n${plural(older, 'older run')} not shown.\n` : ''}`;
}

/** " (2 flaky, learned later)": failures that were genuine when the run was classified and passed on a re-run since. */
function learnedCell(run: Parameters<typeof learnedLater>[0]): string {
  const n = learnedLater(run);
  return n ? ` (${formatCount(n)} flaky, learned later)` : '';
}

function sfflSection(data: ReportData): string {
  if (!data.sffl?.rows.length) return '';
  const top = [...data.sffl.rows].sort((a, b) => b.suspiciousness - a.suspiciousness).slice(0, 10);
  const rows = top.map((r) => `| ${escapeMarkdown(truncate(displayPath(r.file, data.run.root), 200))} | ${r.line} | ${r.suspiciousness.toFixed(4)} |\n`).join('');
  return `\n### Most suspicious lines (SFFL, ${escapeMarkdown(data.sffl.formula)})\n\n| File | Line | Suspiciousness |\n| --- | ---: | ---: |\n${rows}`;
}

const WARNINGS_MAX = 200;

/** Every warning of the run (up to 200 of 400 characters each; more go to the job log). */
function warningsSection(data: ReportData): string {
  if (!data.warnings.length) return '';
  const shown = data.warnings.slice(0, WARNINGS_MAX).map((w) => `- ⚠️ ${escapeMarkdown(truncate(w, 400))}\n`).join('');
  const more = data.warnings.length > WARNINGS_MAX ? `- … and ${formatCount(data.warnings.length - WARNINGS_MAX)} more warnings (see the job log)\n` : '';
  return `\n### Warnings (${formatCount(data.warnings.length)})\n\n${shown}${more}`;
}

function linksSection(data: ReportData): string {
  const links = webLinks(data).slice(0, 20);
  if (!links.length) return '';
  return `\n### Links\n\n${links.map((l) => `- [${escapeMarkdown(truncate(l.label, 200))}](${markdownUrl(l.url)})\n`).join('')}`;
}

function filesSection(data: ReportData): string {
  if (!data.files.length) return '';
  const shown = data.files.slice(0, LIST_MAX).map((f) => `- ${escapeMarkdown(truncate(f, 300))}\n`).join('');
  const more = data.files.length > LIST_MAX ? `- … and ${formatCount(data.files.length - LIST_MAX)} more\n` : '';
  return `\n<details><summary>Result files read (${formatCount(data.files.length)})</summary>\n\n${shown}${more}\n</details>\n`;
}
