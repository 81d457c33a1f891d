/**
 * lcov tracefiles (`TN:`, `SF:`, `DA:line,count[,checksum]`, `end_of_record`). A line counts as
 * covered when its count is above zero. The `TN:` name of each record becomes its context, so a
 * tracefile that merges several named tests carries per-test coverage.
 */
import { UserError } from '../store/store.ts';
import { absPath, addLines, type RawCoverage } from './coverage-raw.ts';

export function looksLikeLcov(text: string): boolean {
  return /^(?:TN:.*\r?\n)*SF:/m.test(text.slice(0, 4096)) || /^\s*TN:/.test(text);
}

export function readLcov(text: string, file: string, root: string): RawCoverage {
  const byContext: RawCoverage['byContext'] = new Map();
  let testName = '';
  let source: string | null = null;
  let lines: number[] = [];
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('TN:')) {
      testName = line.slice(3).trim();
    } else if (line.startsWith('SF:')) {
      source = absPath(line.slice(3).trim(), root);
      lines = [];
    } else if (line.startsWith('DA:')) {
      if (source === null) throw new UserError(`Coverage file ${file} line ${lineNo}: DA record outside an SF block; it is not a valid lcov tracefile.`);
      const [l, count] = line.slice(3).split(',');
      const n = Number(l);
      const c = Number(count);
      if (!Number.isInteger(n) || n < 0 || Number.isNaN(c)) {
        throw new UserError(`Coverage file ${file} line ${lineNo}: malformed "${line}"; it is not a valid lcov tracefile.`);
      }
      if (c > 0 && n > 0) lines.push(n);
    } else if (line === 'end_of_record') {
      if (source !== null) addLines(byContext, testName, source, lines);
      source = null;
      lines = [];
    }
    // Other records (FN, FNDA, BRDA, LF, LH, ...) carry nothing DiffCov needs.
  }
  if (source !== null) addLines(byContext, testName, source, lines);
  return { format: 'lcov', byContext };
}
