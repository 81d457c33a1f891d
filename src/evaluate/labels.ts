/**
 * The ground truth evaluate measures against, from the history itself: a test's failure in a run is flaky when
 * the same test also passed on the same code in the same environment (a retry inside the run, another attempt
 * of the job, another run of that commit there), genuine when it failed in every one of at least two attempts of
 * that code and environment, and otherwise unlabelled. A team's own triage (--labels) adds or overrides.
 */
import { runRef } from '../model.ts';
import type { TestOutcomes } from '../store/outcomes-query.ts';
import { UserError } from '../store/store.ts';
import { attemptsOf, type EvaluationHistory, type HistoryRun } from './history.ts';

export type Label = 'flaky' | 'genuine';

export interface LabelledFailure {
  run: HistoryRun;
  /** The test id, as stored. */
  test: string;
  label: Label;
  source: 'history' | 'file';
  /** Why the label: "passed in run #42 (another attempt of this commit and environment)". */
  why: string;
}

export interface Labels {
  labelled: LabelledFailure[];
  /** Failures (a test failing in a run) the history gives no label and no file labelled. */
  unlabelled: number;
  /** Lines of --labels that matched no stored failure, one message each. */
  warnings: string[];
}

/** The label the history gives one failure, or null with none. */
function labelOf(history: EvaluationHistory, h: HistoryRun, test: TestOutcomes): { label: Label; why: string } | null {
  if (test.passed) return { label: 'flaky', why: 'failed and passed in this run (a retry)' };
  let failedIn = 0;
  for (const o of attemptsOf(history, h)) {
    const t = o.outcomes.get(test.name);
    if (!t || !t.ran) continue;
    if (o !== h && t.passed) return { label: 'flaky', why: `passed in run ${runRef(o.failures)}, another attempt of this commit in this environment` };
    if (t.failed) failedIn++;
  }
  if (failedIn >= 2) return { label: 'genuine', why: `failed in all ${failedIn} attempts of this commit in this environment` };
  return null;
}

/** Labels from the history alone, in run order. */
export function deriveLabels(history: EvaluationHistory): Labels {
  const labelled: LabelledFailure[] = [];
  let unlabelled = 0;
  for (const h of history.runs) {
    for (const test of [...h.outcomes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!test.failed) continue;
      const l = labelOf(history, h, test);
      if (l) labelled.push({ run: h, test: test.name, source: 'history', ...l });
      else unlabelled++;
    }
  }
  return { labelled, unlabelled, warnings: [] };
}

export interface LabelRow {
  line: number;
  run: string;
  test: string;
  label: Label;
}

/**
 * The rows of a labels CSV (run, test, flaky|genuine; a header line is optional). Test ids hold commas
 * (parametrized pytest ids), so fields follow RFC 4180 quoting; three fields are small enough to parse here.
 */
export function parseLabelsCsv(text: string, file: string): LabelRow[] {
  const rows: LabelRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trimStart().startsWith('#')) return;
    const fields = splitCsvLine(raw, file, line);
    if (i === 0 && fields[0]?.trim().toLowerCase() === 'run' && fields[2]?.trim().toLowerCase() === 'label') return;
    if (fields.length !== 3) {
      throw new UserError(`evaluate: --labels ${file} line ${line}: expected 3 fields (run,test,flaky|genuine), got ${fields.length}; quote a test id that holds a comma`);
    }
    const [run, test, label] = fields.map((f) => f.trim());
    const l = label.toLowerCase();
    if (l !== 'flaky' && l !== 'genuine') throw new UserError(`evaluate: --labels ${file} line ${line}: label '${label}' is neither flaky nor genuine`);
    if (!run || !test) throw new UserError(`evaluate: --labels ${file} line ${line}: the run and the test must not be empty`);
    rows.push({ line, run, test, label: l });
  });
  return rows;
}

function splitCsvLine(s: string, file: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new UserError(`evaluate: --labels ${file} line ${line}: a quoted field is not closed`);
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += s[i++];
      }
      if (i < s.length && s[i] !== ',') throw new UserError(`evaluate: --labels ${file} line ${line}: text after a closing quote`);
    } else {
      const end = s.indexOf(',', i);
      field = end < 0 ? s.slice(i) : s.slice(i, end);
      i = end < 0 ? s.length : end;
    }
    out.push(field);
    if (i >= s.length) return out;
    i++; // the comma
  }
}

/**
 * Adds or overrides labels from a team's triage. A row names a run by its database id or uuid; a row that
 * matches no failure is reported, not guessed at.
 */
export function applyLabelRows(history: EvaluationHistory, labels: Labels, rows: LabelRow[], file: string): Labels {
  const key = (h: HistoryRun, test: string) => `${h.index}\u0000${test}`;
  const byKey = new Map(labels.labelled.map((l) => [key(l.run, l.test), l]));
  const warnings = [...labels.warnings];
  let unlabelled = labels.unlabelled;
  for (const r of rows) {
    const h = /^\d+$/.test(r.run) ? history.byId.get(Number(r.run)) : history.byUuid.get(r.run);
    if (!h) {
      warnings.push(`--labels ${file} line ${r.line}: no stored run ${r.run} (give a database id or a run uuid); ignored`);
      continue;
    }
    if (!h.outcomes.get(r.test)?.failed) {
      warnings.push(`--labels ${file} line ${r.line}: ${r.test} did not fail in run ${r.run}; ignored`);
      continue;
    }
    const k = key(h, r.test);
    const had = byKey.get(k);
    if (!had) unlabelled--;
    byKey.set(k, { run: h, test: r.test, label: r.label, source: 'file', why: `labelled ${r.label} in ${file} line ${r.line}` });
  }
  const labelled = [...byKey.values()].sort((a, b) => a.run.index - b.run.index || (a.test < b.test ? -1 : a.test > b.test ? 1 : 0));
  return { labelled, unlabelled, warnings };
}
