/**
 * coverage.py's JSON report (`coverage json [--show-contexts]`). With `meta.show_contexts` each
 * file has `contexts: { "<line>": [context, ...] }`; without it only `executed_lines` is known.
 */
import { UserError } from '../store/store.ts';
import { absPath, addLines, type RawCoverage } from './coverage-raw.ts';

interface PyJsonFile {
  executed_lines?: unknown;
  contexts?: unknown;
}

export function looksLikeCoveragePyJson(doc: unknown): boolean {
  if (!doc || typeof doc !== 'object') return false;
  const d = doc as Record<string, unknown>;
  return typeof d.files === 'object' && d.files !== null && typeof d.meta === 'object' && d.meta !== null;
}

export function readCoveragePyJson(doc: unknown, file: string, root: string): RawCoverage {
  const bad = (what: string): UserError =>
    new UserError(`Coverage file ${file} is not a valid coverage.py JSON report (${what}); regenerate it with \`coverage json --show-contexts\`.`);
  if (!looksLikeCoveragePyJson(doc)) throw bad('no "meta" and "files" objects');
  const d = doc as { meta: Record<string, unknown>; files: Record<string, PyJsonFile> };
  const showContexts = d.meta.show_contexts === true;
  const byContext: RawCoverage['byContext'] = new Map();
  const totalsOnly = new Map<string, Set<number>>();

  for (const [path, entry] of Object.entries(d.files)) {
    if (!entry || typeof entry !== 'object') throw bad(`entry for ${path} is not an object`);
    const abs = absPath(path, root);
    const executed = entry.executed_lines;
    if (executed !== undefined) {
      if (!Array.isArray(executed) || !executed.every(isLineOrZero)) throw bad(`executed_lines of ${path} are not line numbers`);
      // coverage.py records line 0 for an empty module; it is no line of the file.
      totalsOnly.set(abs, new Set((executed as number[]).filter((l) => l > 0)));
    }
    if (!showContexts) continue;
    const contexts = entry.contexts;
    if (contexts === undefined) continue;
    if (!contexts || typeof contexts !== 'object' || Array.isArray(contexts)) throw bad(`contexts of ${path} is not an object`);
    for (const [lineText, names] of Object.entries(contexts as Record<string, unknown>)) {
      const line = Number(lineText);
      if (!isLineOrZero(line) || !Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
        throw bad(`contexts of ${path} line ${lineText} are malformed`);
      }
      if (line === 0) continue;
      for (const name of names as string[]) addLines(byContext, name, abs, [line]);
    }
  }

  if (!showContexts) {
    return {
      format: 'coverage.py-json',
      byContext: new Map(),
      totalsOnly,
      noContextsReason: 'the JSON report was written without --show-contexts',
    };
  }
  return { format: 'coverage.py-json', byContext, totalsOnly };
}

function isLineOrZero(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}
