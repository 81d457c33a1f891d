/**
 * JSON result files: which writer made this one, from its content. Line-delimited event streams (go test
 * -json, Dart's JSON reporter) are told by their first event; whole documents by their keys (CTRF `results`,
 * RSpec `examples`, mocha `stats` with `passes`/`failures`).
 */
import { UserError } from '../store/store.ts';
import { parseCtrf } from './ctrf.ts';
import { isDartEvent, parseDartJson } from './dart-json.ts';
import { looksLikeGoTestJson, parseGoTestJson } from './go-test-json.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { isMochaJson, parseMochaJson } from './mocha-json.ts';
import { isRspecJson, parseRspecJson } from './rspec-json.ts';
import { isObj, type Obj } from './json-values.ts';
import { ONLY_RESULT_FILES } from './result-formats.ts';

/** The first line as a JSON object, or null (a pretty-printed document's first line is just `{`). */
function firstEvent(text: string): Obj | null {
  const start = text.search(/\S/);
  if (start === -1 || text[start] !== '{') return null;
  const nl = text.indexOf('\n', start);
  const line = text.slice(start, nl === -1 ? text.length : nl).trim();
  // Events are short lines; a long first line is a minified document, parsed once later, not twice.
  if (line === '{' || line.length > 65536 || !line.endsWith('}')) return null;
  try {
    const v = JSON.parse(line) as unknown;
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

/** Reads a result file that starts with `{` or `[`, or holds go test -json events after plain lines. */
export function parseJsonReport(text: string, ctx: ReportContext): ParsedReport {
  const first = firstEvent(text);
  if (first !== null && typeof first.Action === 'string') return parseGoTestJson(text, ctx);
  if (first !== null && isDartEvent(first)) return parseDartJson(text, ctx);
  const trimmed = text.trimStart();
  if (trimmed[0] !== '{' && trimmed[0] !== '[') {
    if (looksLikeGoTestJson(text)) return parseGoTestJson(text, ctx);
    throw new UserError(`${ctx.file}: the content is neither XML nor JSON (it starts with ${JSON.stringify(trimmed.slice(0, 20))}); ${ONLY_RESULT_FILES}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // A stream whose first line is cut or is not an event still reads as events when later lines are.
    if (looksLikeGoTestJson(text)) return parseGoTestJson(text, ctx);
    const why = (e as Error).message.split('\n')[0];
    const head = text.slice(0, 4096);
    if (/"stats"\s*:/.test(head) && !/"results"\s*:/.test(head)) {
      throw new UserError(`${ctx.file}: not valid JSON (${why}); the mocha JSON report is cut off or mixed with console output; write it with \`--reporter-option output=mocha.json\` or leave it out of test-results.`);
    }
    if (/"examples"\s*:/.test(head) && !/"results"\s*:/.test(head)) {
      throw new UserError(`${ctx.file}: not valid JSON (${why}); the RSpec JSON report is cut off or mixed with other output; write it with \`rspec --format json --out rspec.json\` or leave it out of test-results.`);
    }
    return parseCtrf(text, ctx);
  }
  if (isObj(doc) && !('results' in doc)) {
    if (isRspecJson(doc)) return parseRspecJson(doc, ctx);
    if (isMochaJson(doc)) return parseMochaJson(doc, ctx);
  }
  // CTRF, and anything unrecognised: the CTRF checks name what is missing.
  return parseCtrf(text, ctx);
}
