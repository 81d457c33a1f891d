/** One line of the benchmark table. */
export interface Row {
  scenario: string;
  measure: string;
  value: string;
  baseline?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}

export function formatTable(rows: Row[]): string {
  const head = ['scenario', 'measure', 'value', 'baseline', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [
    r.scenario,
    r.measure,
    r.value,
    r.baseline ?? '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
export const mib = (x: number) => `${x.toFixed(0)} MiB`;
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
