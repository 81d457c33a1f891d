/** The CLI's table: one aligned row per failing test with its verdict and who said flaky, then the totals. */
import type { ReportData } from './report-data.ts';
import { countRun, failuresOf } from './facts.ts';
import { countsLine } from './markdown.ts';
import { formatCount, hideUrls, plural } from './text.ts';

export interface TerminalOptions {
  /** ANSI colours (the CLI passes process.stdout.isTTY). Default false. */
  color?: boolean;
  /** Failure rows shown (default 500); the rest are counted. */
  maxRows?: number;
}

const COLORS = { genuine: '\x1b[31m', flaky: '\x1b[33m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };

/** Test names and messages come from reports: never let them move the cursor or recolour the terminal. */
const clean = (s: string): string => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/[\x00-\x1f\x7f]+/g, ' ').trim();

function fit(s: string, width: number): string {
  return s.length <= width ? s : s.slice(0, Math.max(0, width - 1)) + '…';
}

export function renderTerminalTable(data: ReportData, opts: TerminalOptions = {}): string {
  const paint = (code: string, s: string): string => (opts.color ? code + s + COLORS.reset : s);
  const maxRows = opts.maxRows ?? 500;
  const counts = countRun(data.run);
  const failures = failuresOf(data.run);
  const lines: string[] = [];
  const icon = counts.genuine > 0 ? '✖' : '✔';
  lines.push(paint(COLORS.bold, `${icon} flakefighters: ${countsLine(counts)} (${plural(counts.total, 'test')})`));

  if (failures.length) {
    const shown = failures.slice(0, maxRows);
    const rows = shown.map((f) => [
      f.verdict,
      fit(clean(f.test.name), 90),
      fit(f.reasons.length ? f.reasons.map((r) => r.name).join(', ') : '-', 40),
      fit(clean(f.message), 80),
    ]);
    const head = ['VERDICT', 'TEST', 'FLAKY ACCORDING TO', 'MESSAGE'];
    const widths = head.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
    lines.push('');
    lines.push(paint(COLORS.dim, line(head)));
    shown.forEach((f, k) => {
      const text = line(rows[k]);
      // Colour only the verdict cell, after padding, so escapes never skew the alignment.
      lines.push(opts.color ? paint(COLORS[f.verdict], rows[k][0]) + text.slice(rows[k][0].length) : text);
    });
    if (failures.length > shown.length) lines.push(`… and ${formatCount(failures.length - shown.length)} more failures (see the JSON/HTML report)`);
    const flaggedBy = new Map<string, number>();
    for (const f of failures) for (const r of f.reasons) flaggedBy.set(r.name, (flaggedBy.get(r.name) ?? 0) + 1);
    if (flaggedBy.size) {
      lines.push('');
      lines.push(`Flaky according to: ${[...flaggedBy].map(([n, c]) => `${n} ${formatCount(c)}`).join(', ')}`);
    }
  }
  lines.push('');
  lines.push(
    `History: ${plural(data.history.length, 'earlier run')}${data.historySource ? ` from ${clean(data.historySource)}` : ''} · database ${data.database.kind} (${clean(hideUrls(data.database.description))})`,
  );
  for (const w of data.warnings.slice(0, 20)) lines.push(paint(COLORS.flaky, `warning: ${clean(w)}`));
  if (data.warnings.length > 20) lines.push(`… and ${formatCount(data.warnings.length - 20)} more warnings`);
  return lines.join('\n') + '\n';
}
