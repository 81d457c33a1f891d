/**
 * Spectrum-based Flaky Fault Localisation (the plugin's sffl.py): rank covered statements by how
 * much more often flaky tests cover them than stable ones, and write the ranking like pandas'
 * DataFrame.to_csv does.
 */
import { testFlaky, type Test } from '../model.ts';
import type { SfflRow } from '../report/report-data.ts';
import { compareCodePoints, pyFloatRepr } from './py-compat.ts';

export type SfflFormula = 'tarantula' | 'ochiai' | 'dstar' | 'op2' | 'barinel';
export const SFFL_FORMULAS: readonly SfflFormula[] = ['tarantula', 'ochiai', 'dstar', 'op2', 'barinel'];

/** A Python number: `int` only where safe_div returned its integer 0 (or 1 - 0). */
interface PyNum {
  v: number;
  int: boolean;
}
const float = (v: number): PyNum => ({ v, int: false });

/** safe_div: ±inf for x/0, the int 0 for 0/0, else true division (always a float). */
function safeDiv(x: PyNum, y: PyNum): PyNum {
  if (y.v === 0) {
    if (x.v > 0) return float(Infinity);
    if (x.v < 0) return float(-Infinity);
    return { v: 0, int: true };
  }
  return float(x.v / y.v);
}
const int = (v: number): PyNum => ({ v, int: true });
const add = (a: PyNum, b: PyNum): PyNum => ({ v: a.v + b.v, int: a.int && b.int });
const sub = (a: PyNum, b: PyNum): PyNum => ({ v: a.v - b.v, int: a.int && b.int });

interface Counts {
  f: number;
  s: number;
  totalFlaky: number;
  totalStable: number;
}

const FORMULAS: Record<SfflFormula, (c: Counts) => PyNum> = {
  tarantula: ({ f, s, totalFlaky, totalStable }) =>
    safeDiv(safeDiv(int(f), int(totalFlaky)), add(safeDiv(int(f), int(totalFlaky)), safeDiv(int(s), int(totalStable)))),
  ochiai: ({ f, s, totalFlaky }) => safeDiv(int(f), float(Math.sqrt(totalFlaky * (f + s)))),
  dstar: ({ f, s, totalFlaky }) => safeDiv(int(f ** 2), int(s + (totalFlaky - f))),
  barinel: ({ f, s }) => sub(int(1), safeDiv(int(s), int(s + f))),
  op2: ({ f, s, totalStable }) => sub(int(f), safeDiv(int(s), int(totalStable + 1))),
};

/** total_coverage: per file (string-prefix `root`), intersect executions' lines if the test is flaky, else union. */
export function totalCoverage(root: string, test: Test): Map<string, Set<number>> {
  const flaky = testFlaky(test);
  const out = new Map<string, Set<number>>();
  for (const e of test.executions) {
    for (const [file, lines] of Object.entries(e.coverage ?? {})) {
      if (!file.startsWith(root)) continue;
      const prev = out.get(file);
      if (!prev) out.set(file, new Set(lines));
      else if (flaky) {
        const cur = new Set(lines);
        out.set(file, new Set([...prev].filter((l) => cur.has(l))));
      } else for (const l of lines) prev.add(l);
    }
  }
  return out;
}

export interface SfflRanking {
  rows: SfflRow[];
  /** pandas would write an all-int column as integers (only when every score is safe_div's int 0, or 1 - 0). */
  integerColumn: boolean;
}

/** SFFL(root, metric, include_test_code).rank(tests), rows sorted as the plugin sorts them. */
export function rankSffl(tests: readonly Test[], root: string, formula: SfflFormula, includeTestCode = false): SfflRanking {
  const score = FORMULAS[formula];
  if (!score) throw new Error(`unknown SFFL formula ${formula}`);
  const all = new Map<string, Set<number>>();
  const flaky = new Map<string, Map<number, number>>();
  const stable = new Map<string, Map<number, number>>();
  let totalFlaky = 0;
  let totalStable = 0;
  for (const test of tests) {
    for (const e of test.executions) {
      for (const [file, lines] of Object.entries(e.coverage ?? {})) {
        if (!file.startsWith(root) || (!includeTestCode && file === test.fspath)) continue;
        let s = all.get(file);
        if (!s) all.set(file, (s = new Set()));
        for (const l of lines) s.add(l);
      }
    }
    const isFlaky = Boolean(testFlaky(test));
    if (isFlaky) totalFlaky++;
    else totalStable++;
    const target = isFlaky ? flaky : stable;
    for (const [file, lines] of totalCoverage(root, test)) {
      let m = target.get(file);
      if (!m) target.set(file, (m = new Map()));
      for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
    }
  }
  const scored: { file: string; line: number; s: PyNum }[] = [];
  for (const [file, lines] of all) {
    for (const line of lines) {
      const f = flaky.get(file)?.get(line) ?? 0;
      const s = stable.get(file)?.get(line) ?? 0;
      scored.push({ file, line, s: score({ f, s, totalFlaky, totalStable }) });
    }
  }
  // sort_values(["suspiciousness", "line", "file"], ascending=[False, True, True]); keys are unique.
  scored.sort((a, b) => (a.s.v !== b.s.v ? (a.s.v > b.s.v ? -1 : 1) : a.line !== b.line ? a.line - b.line : compareCodePoints(a.file, b.file)));
  return {
    rows: scored.map((r) => ({ file: r.file, line: r.line, suspiciousness: r.s.v })),
    integerColumn: scored.length > 0 && scored.every((r) => r.s.int),
  };
}

/** The rows only, for reports. */
export function rankSuspicious(tests: readonly Test[], root: string, formula: SfflFormula, includeTestCode = false): SfflRow[] {
  return rankSffl(tests, root, formula, includeTestCode).rows;
}

/** The formula the action and `flakefighters report` rank with (the plugin's own default). */
export const DEFAULT_SFFL_FORMULA: SfflFormula = 'ochiai';

/** The ranking as reports carry it. */
export function sfflReport(tests: readonly Test[], root: string, formula: SfflFormula = DEFAULT_SFFL_FORMULA): { formula: SfflFormula; rows: SfflRow[] } {
  return { formula, rows: rankSuspicious(tests, root, formula) };
}

/** Python csv QUOTE_MINIMAL, as pandas uses it. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `DataFrame(rows).to_csv(path)` byte for byte: unnamed index column, floats as Python repr. */
export function sfflCsv(rows: readonly SfflRow[], integerColumn = false): string {
  let out = ',file,line,suspiciousness\n';
  rows.forEach((r, i) => {
    const s = integerColumn ? String(r.suspiciousness) : pyFloatRepr(r.suspiciousness);
    out += `${i},${csvField(r.file)},${r.line},${s}\n`;
  });
  return out;
}
