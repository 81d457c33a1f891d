/** Markdown pieces the job summary and the PR comment share, so both say the same thing the same way. */
import type { ReportData } from './report-data.ts';
import { fileUrl, testLocation, type Failure, type RunCounts } from './facts.ts';
import { escapeMarkdown, formatCount, truncate } from './text.ts';

export const VERDICT_BADGE = { genuine: '🔴 genuine', flaky: '🟡 flaky' } as const;

/** "3 failed: 1 genuine, 2 flaky · 120 passed · 4 skipped" */
export function countsLine(c: RunCounts): string {
  if (c.total === 0) return 'no test results';
  const parts: string[] = [];
  if (c.failed > 0) parts.push(`${formatCount(c.failed)} failed: ${formatCount(c.genuine)} genuine, ${formatCount(c.flaky)} flaky`);
  else parts.push('no failures');
  parts.push(`${formatCount(c.passed)} passed`);
  if (c.skipped) parts.push(`${formatCount(c.skipped)} skipped`);
  return parts.join(' · ');
}

/** ✅ unless a failure is genuine: flaky failures alone do not fail the build by default (fail-on: genuine). */
export const headlineIcon = (c: RunCounts): string => (c.genuine > 0 ? '❌' : '✅');

export const FAILURE_TABLE_HEAD = '| Test | Verdict | Flaky according to | Message |\n| --- | --- | --- | --- |\n';

export function failureRow(data: ReportData, f: Failure): string {
  const loc = testLocation(f.test, data.run.root);
  const url = fileUrl(data, loc);
  const name = escapeMarkdown(truncate(f.test.name, 300));
  const cellName = url ? `[${name}](${markdownUrl(url)})` : name;
  const why = f.reasons.length
    ? f.reasons.map((r) => `**${escapeMarkdown(r.name)}**${r.reason ? ': ' + escapeMarkdown(truncate(r.reason, 200)) : ''}`).join('<br>')
    : '—';
  return `| ${cellName} | ${VERDICT_BADGE[f.verdict]} | ${why} | ${escapeMarkdown(truncate(f.message, 300)) || ' '} |\n`;
}

export const cutNote = (n: number): string => `\n… and ${formatCount(n)} more failures not shown (see the JSON/HTML report)\n`;

/** Appends rows while they fit in `budget` UTF-8 bytes; returns the text and how many rows made it. */
export function fitRows(rows: Iterable<string>, budget: number): { text: string; shown: number } {
  let text = '';
  let used = 0;
  let shown = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(row, 'utf8');
    if (used + size > budget) break;
    text += row;
    used += size;
    shown++;
  }
  return { text, shown };
}

/** A URL safe inside `[text](url)`: spaces and parentheses would end the link early. */
export function markdownUrl(u: string): string {
  let decoded = u;
  try {
    decoded = decodeURI(u);
  } catch {
    // already as encoded as it gets
  }
  return encodeURI(decoded).replace(/\(/g, '%28').replace(/\)/g, '%29');
}
