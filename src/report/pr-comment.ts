/**
 * The pull request comment: the marker (so the next run updates this comment instead of adding one), the counts, and
 * the failing tests' verdicts, genuine first, cut to stay under 60k characters (GitHub rejects comments over 65,536).
 */
import type { ReportData } from './report-data.ts';
import { countRun, failuresOf } from './facts.ts';
import { FAILURE_TABLE_HEAD, countsLine, cutNote, failureRow, headlineIcon, markdownUrl } from './markdown.ts';
import { escapeMarkdown, plural, shortSha, truncate } from './text.ts';

export const DEFAULT_COMMENT_MARKER = '<!-- flakefighters-action -->';
const MAX_CHARS = 60_000;

export function renderPrComment(data: ReportData, marker = DEFAULT_COMMENT_MARKER): string {
  const counts = countRun(data.run);
  const failures = failuresOf(data.run);
  const sha = data.sha ?? data.run.commitSha;
  let head = `${marker}\n### ${headlineIcon(counts)} flakefighters: ${countsLine(counts)}\n\n`;
  head += `${sha ? `Commit \`${escapeMarkdown(shortSha(sha))}\` · ` : ''}history of ${plural(data.history.length, 'earlier run')} · ${
    data.flakefighters.length ? escapeMarkdown(data.flakefighters.join(', ')) : 'no flakefighters'
  }\n`;
  const links = (data.links ?? []).filter((l) => /^https?:\/\//.test(l.url)).slice(0, 10);
  const tail = links.length ? `\n${links.map((l) => `[${escapeMarkdown(truncate(l.label, 100))}](${markdownUrl(l.url)})`).join(' · ')}\n` : '';
  if (!failures.length) return head + tail;

  // Characters, not bytes: GitHub's comment limit counts characters.
  const budget = MAX_CHARS - head.length - tail.length - FAILURE_TABLE_HEAD.length - cutNote(failures.length).length - 16;
  let rows = '';
  let shown = 0;
  for (const f of failures) {
    const row = failureRow(data, f);
    if (rows.length + row.length > budget) break;
    rows += row;
    shown++;
  }
  const note = shown < failures.length ? cutNote(failures.length - shown) : '';
  return `${head}\n${shown ? FAILURE_TABLE_HEAD + rows : ''}${note}${tail}`;
}
