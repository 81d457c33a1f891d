/**
 * Annotations for failing tests: genuine = error, flaky = warning, on the test's file and line where known. The
 * pipeline emits each with core.error / core.warning. GitHub shows at most 10 errors and 10 warnings per step, so
 * the cap applies per level too, genuine failures come first, and when some are left out the last entry says so.
 */
import type { ReportData } from './report-data.ts';
import { failuresOf, repoPath, testLocation, type Failure } from './facts.ts';
import { formatCount, truncate } from './text.ts';

export interface Annotation {
  level: 'error' | 'warning';
  message: string;
  title: string;
  /** Relative to the workspace (the run's root), POSIX separators. */
  file?: string;
  /** 1-based. */
  startLine?: number;
}

export interface AnnotationOptions {
  /** Most annotations in all, the closing note included (default 50). */
  max?: number;
  /** Most annotations of one level (default 10, GitHub's per-step display limit). */
  maxPerLevel?: number;
  /** The run's failuresOf when the caller has it already (publish sorts it out once). */
  failures?: Failure[];
}

/** GitHub truncates long annotation messages anyway; keep them readable in the log too. */
const MESSAGE_MAX = 4000;

export function buildAnnotations(data: ReportData, opts: AnnotationOptions = {}): Annotation[] {
  const max = Math.max(1, opts.max ?? 50);
  const perLevel = Math.max(1, opts.maxPerLevel ?? 10);
  const failures = opts.failures ?? failuresOf(data.run);
  const out: Annotation[] = [];
  const used = { error: 0, warning: 0 };
  let omitted = 0;
  for (let i = 0; i < failures.length; i++) {
    const f = failures[i];
    const level = f.verdict === 'genuine' ? 'error' : 'warning';
    // The note needs a warning slot and one slot overall when anything is left out; keep them free in that case.
    const leftAfter = failures.length - i - 1;
    const roomTotal = max - out.length - (leftAfter > 0 || omitted > 0 ? 1 : 0);
    const roomLevel = perLevel - used[level] - (level === 'warning' && (leftAfter > 0 || omitted > 0) ? 1 : 0);
    if (roomTotal <= 0 || roomLevel <= 0) {
      omitted++;
      continue;
    }
    out.push(annotationOf(data, f));
    used[level]++;
  }
  if (omitted > 0) {
    out.push({
      level: 'warning',
      title: 'flakefighters: more failures',
      message: `${formatCount(omitted)} more failing test${omitted === 1 ? '' : 's'} not annotated (GitHub shows only a few annotations per step); see the job summary and the reports.`,
    });
  }
  return out;
}

function annotationOf(data: ReportData, f: Failure): Annotation {
  const loc = testLocation(f.test, data.run.root);
  const why = f.reasons.map((r) => `${r.name}${r.reason ? `: ${r.reason}` : ''}`).join('; ');
  const message =
    f.verdict === 'genuine'
      ? `Genuine failure${f.message ? `: ${f.message}` : ''}`
      : `Flaky failure (${why || 'flagged flaky'})${f.message ? `: ${f.message}` : ''}`;
  const a: Annotation = {
    level: f.verdict === 'genuine' ? 'error' : 'warning',
    title: truncate(`${f.verdict === 'genuine' ? 'Genuine' : 'Flaky'}: ${f.test.name}`, 255),
    message: truncate(message, MESSAGE_MAX),
  };
  if (loc.file) a.file = repoPath(data, loc.file);
  if (loc.line) a.startLine = loc.line;
  return a;
}
