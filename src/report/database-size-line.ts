/**
 * The summary's database line: how big the history is, what the save's retention keeps, and which
 * store-max-runs would keep it under a round size (half of today's or less) at today's average run size.
 */
import type { DatabaseSizeFacts } from './report-data.ts';
import { bytesPerRun, roundTargetBelow, runsUnder } from '../store/database-size.ts';
import { escapeMarkdown, formatCount, formatDate, plural, truncate } from './text.ts';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const [value, unit] = n < 1024 ** 2 ? [n / 1024, 'KiB'] : n < 1024 ** 3 ? [n / 1024 ** 2, 'MiB'] : [n / 1024 ** 3, 'GiB'];
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

export function databaseSizeLine(s: DatabaseSizeFacts): string {
  const what = s.name === null ? 'PostgreSQL tables' : escapeMarkdown(truncate(s.name, 100));
  const per = bytesPerRun(s);
  const parts = [`${what} ${formatBytes(s.bytes)}, ${plural(s.runs, 'run')}${per !== null ? ` (~${formatBytes(Math.round(per))} per run)` : ''}`];
  if (s.name !== null && s.bytes - s.usedBytes >= 1024 * 1024) parts.push(`${formatBytes(s.bytes - s.usedBytes)} of it free pages of pruned runs, reused by later runs`);
  parts.push(keptText(s));
  const target = roundTargetBelow(s.usedBytes);
  const runs = target === null ? null : runsUnder(s, target);
  if (target !== null && runs !== null && runs < s.runs) parts.push(`\`store-max-runs: ${runs}\` keeps it under ${formatBytes(target)}`);
  return parts.join(' · ');
}

function keptText(s: DatabaseSizeFacts): string {
  if (s.fallback) return 'the fallback file is never pruned (its runs go to the database first)';
  const since = s.kept.since ? `, none from before ${formatDate(s.kept.since)} (time-immemorial)` : '';
  if (s.kept.maxRuns !== null) return `retention: the newest ${formatCount(s.kept.maxRuns)} runs${s.kept.auto ? ' (store-max-runs auto)' : ''}${since}`;
  if (s.name === null && s.kept.auto) return `retention: every run (PostgreSQL; set store-max-runs or time-immemorial to prune)${since}`;
  if (s.kept.auto) return `retention: store-max-runs auto${since}`;
  return `retention: every run${since}`;
}
