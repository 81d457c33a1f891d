/** Markdown pieces the job summary and the PR comment share, so both say the same thing the same way. */
import type { ReportData } from './report-data.ts';
import { evidenceView, fileUrl, flakeCount, testLocation, type Failure, type FlakyReason, type RunCounts } from './facts.ts';
import { escapeMarkdown, formatCount, plural, truncate } from './text.ts';

const VERDICT_BADGE = { genuine: '🔴 genuine', flaky: '🟡 flaky' } as const;

/** "3 failed: 1 genuine, 2 flaky · 120 passed · 4 skipped" */
export function countsLine(c: RunCounts): string {
  if (c.total === 0) return 'no test results';
  const parts: string[] = [];
  if (c.failed > 0) parts.push(`${formatCount(c.failed)} failed: ${formatCount(c.genuine)} genuine, ${formatCount(c.flaky)} flaky`);
  else parts.push('no failures');
  parts.push(`${formatCount(c.passed)} passed`);
  if (c.skipped) parts.push(`${formatCount(c.skipped)} skipped`);
  if (c.unreadable) parts.push(`${formatCount(c.unreadable)} result file${c.unreadable === 1 ? '' : 's'} unreadable`);
  return parts.join(' · ');
}

/** ✅ unless a failure is genuine: flaky failures alone do not fail the build by default (fail-on: genuine). */
/** ❌ when a failure is genuine or a result file could not be read (its tests are missing), else ✅. */
export const headlineIcon = (c: RunCounts): string => (c.genuine > 0 || (c.unreadable ?? 0) > 0 ? '❌' : '✅');

/**
 * Three columns that fit GitHub's 780 px column: the message sits under the test name (the first column is never
 * scrolled out of view), the verdict column is narrow, and the reasons wrap.
 */
export const FAILURE_TABLE_HEAD = '| Test | Verdict | Why |\n| --- | --- | --- |\n';

export function failureRow(data: ReportData, f: Failure): string {
  const loc = testLocation(f.test, data.run.root);
  const url = fileUrl(data, loc);
  const name = breakable(truncate(f.test.name, 300));
  const cellName = url ? `[${name}](${markdownUrl(url)})` : name;
  const message = f.message ? `<br><sub>${breakable(truncate(f.message, 300))}</sub>` : '';
  const n = flakeCount(data, f.test.name);
  const often = n.runs <= 1 ? '' : f.verdict === 'flaky' ? `<br><sub>flaked ${formatCount(n.flaky)} of ${plural(n.runs, 'run')}</sub>` : `<br><sub>failed ${formatCount(n.failed)} of ${plural(n.runs, 'run')}</sub>`;
  const why = f.why.length ? f.why.map((r) => whyLine(data, r)).join('<br>') : f.verdict === 'genuine' ? 'no flakefighter said flaky' : '—';
  return `| ${cellName}${message} | ${VERDICT_BADGE[f.verdict]}${often} | ${why} |\n`;
}

/** "**OutcomeFlip**: passed on the same commit … in [run #41](…)", the run it points at linked. */
function whyLine(data: ReportData, r: FlakyReason): string {
  const view = evidenceView(data, r.evidence);
  const link = view.run?.url ? ` ([${escapeMarkdown(view.run.label)}](${markdownUrl(view.run.url)}))` : '';
  return `**${escapeMarkdown(r.name)}**${r.reason ? ': ' + escapeMarkdown(truncate(r.reason, 240)) : ''}${link}`;
}

// Not after '_': names like test_add_item read (and are searched for) whole.
const BREAK_AFTER = new Set(['/', '.', ':', '[', '(', ',', '=', '\\']);
const LONG_RUN = 30;
const SHORT_WORD = 30;

/**
 * Escaped Markdown with `<wbr>` break chances after path and name separators and inside any long unbroken run, so a
 * long test id or a message without spaces wraps in its cell instead of widening the table past the page.
 */
export function breakable(s: string): string {
  // Only words long enough to widen a cell get break chances; short ones read (and are searched for) as written.
  return s
    .split(/(\s+)/)
    .map((word) => (word.length < SHORT_WORD || /^\s/.test(word) ? escapeMarkdown(word) : breakWord(word)))
    .join('');
}

function breakWord(word: string): string {
  // By code point, as [...word] splits (a lone surrogate is one): a plain loop, as this runs for every failure's name.
  let out = '';
  let cur = '';
  for (let i = 0; i < word.length; ) {
    const c = word.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (word.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const ch = pair ? word.slice(i, i + 2) : word[i];
    i += ch.length;
    cur += ch;
    if (i >= word.length) break;
    // '::' breaks after its second colon.
    const sep = BREAK_AFTER.has(ch) && cur.length > 1 && !(ch === ':' && word[i] === ':');
    if (sep || cur.length >= LONG_RUN) {
      out += (out ? '<wbr>' : '') + escapeMarkdown(cur);
      cur = '';
    }
  }
  return cur ? out + (out ? '<wbr>' : '') + escapeMarkdown(cur) : out;
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
