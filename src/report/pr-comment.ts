/**
 * The pull request comment: the marker (so the next run updates this comment instead of adding one), the counts, and
 * the failing tests' verdicts, genuine first, cut to stay under 60k characters (GitHub rejects comments over 65,536).
 */
import type { ReportData } from './report-data.ts';
import { runRef, type RunCounts } from '../model.ts';
import { countRun, failuresOf, webLinks, workflowRunUrl } from './facts.ts';
import { FAILURE_TABLE_HEAD, countsLine, cutNote, failureRow, headlineIcon, markdownUrl } from './markdown.ts';
import { escapeMarkdown, plural, shortSha, truncate } from './text.ts';

export const DEFAULT_COMMENT_MARKER = '<!-- flakefighters-action -->';
const MAX_CHARS = 60_000;

export function renderPrComment(data: ReportData, marker = DEFAULT_COMMENT_MARKER): string {
  const counts = countRun(data.run);
  const sha = data.sha ?? data.run.commitSha;
  let head = `${marker}\n### ${headlineIcon(counts)} flakefighters: ${countsLine(counts)}\n\n`;
  head += `${sha ? `Commit \`${escapeMarkdown(shortSha(sha))}\` · ` : ''}history of ${plural(data.history.length, 'earlier run')} · ${
    data.flakefighters.length ? escapeMarkdown(data.flakefighters.join(', ')) : 'no flakefighters'
  }\n`;
  return withFailureTable(data, head, linksTail(data), MAX_CHARS);
}

/** The run's links (http(s) only, at most 10) as one Markdown line, or nothing. */
function linksTail(data: ReportData): string {
  const links = webLinks(data).slice(0, 10);
  return links.length ? `\n${links.map((l) => `[${escapeMarkdown(truncate(l.label, 100))}](${markdownUrl(l.url)})`).join(' · ')}\n` : '';
}

/** `head`, the failures table cut to keep the whole within `maxChars` characters, and `tail`. */
function withFailureTable(data: ReportData, head: string, tail: string, maxChars: number): string {
  const failures = failuresOf(data.run);
  if (!failures.length) return head + tail;
  // Characters, not bytes: GitHub's comment limit counts characters.
  const budget = maxChars - head.length - tail.length - FAILURE_TABLE_HEAD.length - cutNote(failures.length).length - 16;
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

/**
 * One comment per workflow and pull request, a section per matrix leg. Each leg's section is stored in the comment
 * between its own hidden markers, with what the header needs (label, run, commit, counts) encoded in the start
 * marker, so any leg can re-render the whole comment from what it reads: no leg's verdict is hidden by another's.
 */
export interface LegSection {
  /** Stable per leg: a hash of the run's environment key. */
  key: string;
  /** The leg as people read it ("ci.yml › test › os windows-latest"). */
  label: string;
  runId: number | null;
  runNumber: number | null;
  runAttempt: number | null;
  sha: string | null;
  /** The leg's workflow run page. */
  url: string | null;
  counts: RunCounts;
  /** ISO time the section was written; breaks ties between writes of one attempt. */
  at: string;
  /** The leg's Markdown (context line, failures table, links). */
  body: string;
}

const LEG_START = '<!-- ffa-leg:';
const LEG_END = '<!-- /ffa-leg -->';
const LEG_BLOCK = /<!-- ffa-leg:([A-Za-z0-9_-]+) -->\n([\s\S]*?)\n<!-- \/ffa-leg -->/g;

/** The leg's section body: context, the failures table (cut to `maxChars`), links. */
function renderLegBody(data: ReportData, maxChars: number): string {
  const counts = countRun(data.run);
  const sha = data.sha ?? data.run.commitSha;
  const runUrl = workflowRunUrl(data, data.run);
  const bits = [
    runUrl ? `[run ${escapeMarkdown(runRef(data.run))}](${markdownUrl(runUrl)})` : '',
    sha ? `commit \`${escapeMarkdown(shortSha(sha))}\`` : '',
    `history of ${plural(data.history.length, 'earlier run')}`,
    data.flakefighters.length ? escapeMarkdown(data.flakefighters.join(', ')) : 'no flakefighters',
  ].filter(Boolean);
  let head = `${countsLine(counts)}  \n${bits.join(' · ')}\n`;
  if (data.warnings.length) head += `\n⚠️ ${plural(data.warnings.length, 'warning')}: ${escapeMarkdown(truncate(data.warnings[0], 200))}${data.warnings.length > 1 ? ' (all in the job summary)' : ''}\n`;
  return withFailureTable(data, head, linksTail(data), maxChars);
}

export function legSection(data: ReportData, leg: { key: string; label: string }, maxChars = 20_000, now = new Date()): LegSection {
  const run = data.run;
  const runId = run.meta.runId && /^\d+$/.test(String(run.meta.runId)) ? Number(run.meta.runId) : null;
  return {
    key: leg.key,
    label: leg.label,
    runId,
    runNumber: run.meta.runNumber ?? null,
    runAttempt: run.meta.runAttempt ?? null,
    sha: data.sha ?? run.commitSha ?? null,
    url: workflowRunUrl(data, run),
    counts: countRun(run),
    at: now.toISOString(),
    body: renderLegBody(data, maxChars),
  };
}

function encodeLeg(s: LegSection): string {
  const { body, ...meta } = s;
  // base64url: the JSON may hold '--' or '-->', which would end the HTML comment.
  return `${LEG_START}${Buffer.from(JSON.stringify(meta), 'utf8').toString('base64url')} -->\n${body.replace(/<!-- \/?ffa-leg/g, '<!-- ffa leg')}\n${LEG_END}`;
}

/** The leg sections stored in a comment body; blocks that do not decode are dropped (someone edited them). */
export function parseLegSections(body: string): LegSection[] {
  const out: LegSection[] = [];
  for (const m of body.matchAll(LEG_BLOCK)) {
    try {
      const meta = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as Omit<LegSection, 'body'>;
      if (typeof meta.key !== 'string' || typeof meta.label !== 'string' || !meta.counts) continue;
      out.push({ ...meta, body: m[2] });
    } catch {
      // not ours to read
    }
  }
  return out;
}

/** Newer of two writes of one leg: later run, then later attempt, then later write. */
function newer(a: LegSection, b: LegSection): boolean {
  const k = (s: LegSection) => [s.runNumber ?? 0, s.runAttempt ?? 0, Date.parse(s.at) || 0];
  const [x, y] = [k(a), k(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return false;
}

/** `sections` merged into `into` by leg key, the newer write of each leg kept. */
export function mergeSections(into: LegSection[], sections: LegSection[]): LegSection[] {
  const byKey = new Map(into.map((s) => [s.key, s]));
  for (const s of sections) {
    const prev = byKey.get(s.key);
    if (!prev || newer(s, prev)) byKey.set(s.key, s);
  }
  return [...byKey.values()];
}

/** True when `body` holds `leg`'s section as written (or a newer write of that leg). */
export function holdsSection(body: string, leg: LegSection): boolean {
  const found = parseLegSections(body).find((s) => s.key === leg.key);
  return found !== undefined && (found.at === leg.at || newer(found, leg));
}

const COMMENT_BUDGET = 60_000;

/**
 * The whole comment: the workflow marker, a headline over every leg, a table of legs (each linked to its run, legs
 * that have not reported for the newest commit marked waiting), then each leg's section. Sections are cut to an
 * equal share when together they would pass GitHub's size limit.
 */
export function renderLegComment(marker: string, title: string, sections: LegSection[]): string {
  const sorted = [...sections].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const newest = sorted.reduce<LegSection | null>((n, s) => (!n || newer(s, n) ? s : n), null);
  const sha = newest?.sha ?? null;
  const current = sorted.filter((s) => !sha || s.sha === sha);
  const waiting = sorted.filter((s) => sha && s.sha !== sha);
  const genuine = current.filter((s) => s.counts.genuine > 0 || (s.counts.unreadable ?? 0) > 0);
  const flaky = current.reduce((n, s) => n + s.counts.flaky, 0);
  const icon = genuine.length ? '❌' : waiting.length ? '⏳' : '✅';
  const summary = genuine.length
    ? `${plural(genuine.reduce((n, s) => n + s.counts.genuine, 0), 'genuine failure')} on ${plural(genuine.length, 'leg')}`
    : 'no genuine failures';
  let head = `${marker}\n### ${icon} flakefighters · ${escapeMarkdown(title)}: ${summary}${flaky ? `, ${plural(flaky, 'flaky failure')}` : ''}\n\n`;
  head += `${sha ? `Commit \`${escapeMarkdown(shortSha(sha))}\` · ` : ''}${plural(current.length, 'leg')} reported${waiting.length ? `, ${plural(waiting.length, 'leg')} not yet for this commit` : ''}. Each leg updates its own section when it finishes.\n\n`;
  head += '| Leg | Result | Run |\n| --- | --- | --- |\n';
  for (const s of sorted) {
    const stale = waiting.includes(s);
    const legIcon = stale ? '⏳' : headlineIcon(s.counts);
    const result = stale ? `not reported yet for this commit (last: ${s.sha ? `\`${escapeMarkdown(shortSha(s.sha))}\`` : 'an earlier commit'})` : countsLine(s.counts);
    const run = s.runNumber ? `#${s.runNumber}${(s.runAttempt ?? 1) > 1 ? ` (attempt ${s.runAttempt})` : ''}` : 'run';
    head += `| ${legIcon} ${escapeMarkdown(truncate(s.label, 200))} | ${result} | ${s.url ? `[${escapeMarkdown(run)}](${markdownUrl(s.url)})` : escapeMarkdown(run)} |\n`;
  }
  const share = Math.floor((COMMENT_BUDGET - head.length) / Math.max(1, sorted.length)) - 400;
  const blocks = sorted.map((s) => {
    const stale = waiting.includes(s);
    const open = !stale && s.counts.failed > 0 ? ' open' : '';
    const summaryLine = `${stale ? '⏳' : headlineIcon(s.counts)} ${escapeMarkdown(truncate(s.label, 200))}${stale ? ' (earlier commit)' : ''}`;
    return `\n<details${open}><summary>${summaryLine}</summary>\n\n${encodeLeg({ ...s, body: shrink(s.body, share) })}\n\n</details>\n`;
  });
  return head + blocks.join('');
}

/** Cuts a section body at a line break to `max` characters, saying so. */
function shrink(body: string, max: number): string {
  if (body.length <= max) return body;
  const note = '\n\n_… cut to fit the comment; the leg’s job summary has it all._';
  const room = Math.max(0, max - note.length);
  const cut = body.lastIndexOf('\n', room);
  return body.slice(0, cut > 0 ? cut : room) + note;
}
