/**
 * `flakefighters sync --from A --to B [--dry-run] [--reclassify] [--load-max-runs N] [--quiet]`:
 * copies runs between two databases (sqlite paths or Postgres URLs), then prints what it did and
 * which late runs may have changed verdicts of runs already classified at the destination.
 */
import { parseCommandFlags, wholeNumberFlag } from './cli-flags.ts';
import { progressBar } from './cli-progress.ts';
import { redact } from '../store/redact.ts';
import { UserError } from '../store/store.ts';
import { openLocation, type OpenedLocation } from '../sync/open-any.ts';
import { syncDatabases, type SyncReport } from '../sync/sync.ts';
import { formatLocalTimestamp } from '../store/timestamps.ts';

const USAGE = 'usage: flakefighters sync --from PATH|URL --to PATH|URL [--dry-run] [--reclassify] [--load-max-runs N] [--quiet]';

const HELP = `Usage: flakefighters sync --from PATH|URL --to PATH|URL [options]

Copies the runs of one history database into another (SQLite files and PostgreSQL, either way), leaving out runs
already there, so it can be run again safely. Then names the runs that arrived older than runs already classified
at the destination, whose verdicts might have been different with them.

Options:
  --from PATH|URL       the database to copy from (read only)                                      [required]
  --to PATH|URL         the database to copy into (a new SQLite file is created)                   [required]
  --dry-run             say what would be copied; change nothing
  --reclassify          recompute the verdicts of the runs the late runs affect (kept beside the old ones)
  --load-max-runs N     the history window the destination's runs were classified with (late runs, --reclassify)
  --quiet, -q           print only the summary and errors
  --help, -h            this help

Exit status: 0 ok, 2 bad usage or input.`;

export async function syncCommand(args: string[]): Promise<number> {
  const values = parseCommandFlags(
    'sync',
    args,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean' },
      reclassify: { type: 'boolean' },
      'load-max-runs': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
    USAGE,
    HELP,
  );
  if (!values) return 0;
  const from = values.from as string | undefined;
  const to = values.to as string | undefined;
  if (!from || !to) throw new UserError(`sync: --from and --to are both required; ${USAGE}`);
  const loadMaxRuns = wholeNumberFlag('sync', values, 'load-max-runs', 1);
  const quiet = !!values.quiet;
  const dryRun = !!values['dry-run'];
  const log = (m: string) => {
    if (!quiet) process.stderr.write(`${redact(m)}\n`);
  };

  let src: OpenedLocation | null = null;
  let dst: OpenedLocation | null = null;
  try {
    src = await openLocation(from, { readonly: true, mustExist: true, what: '--from', postgres: { log, full: true } });
    // A dry run must not create the destination: a missing sqlite file is read as empty, not written.
    dst = await openLocation(to, { readonly: dryRun, what: '--to', postgres: { log } });
    if (src.description === dst.description) throw new UserError(`sync: --from and --to are the same database (${src.description})`);
    const opened = [warningsOf(src).length, warningsOf(dst).length];
    for (const w of [...warningsOf(src), ...warningsOf(dst)]) log(`warning: ${w}`);
    log(`${dryRun ? 'Dry run: ' : ''}syncing ${src.description} → ${dst.description}`);
    const progress = quiet ? undefined : progressPrinter();
    const report = await syncDatabases(src.store, dst.store, {
      dryRun,
      reclassify: !!values.reclassify,
      loadMaxRuns,
      onProgress: progress,
      warn: (m) => log(`warning: ${m}`),
    });
    // Rows that could not be decoded while copying (a pickle over its limits) warn as they load.
    for (const w of [...warningsOf(src).slice(opened[0]), ...warningsOf(dst).slice(opened[1])]) log(`warning: ${w}`);
    process.stdout.write(summary(report, !!values.reclassify));
    return 0;
  } finally {
    await src?.store.close().catch(() => {});
    await dst?.store.close().catch(() => {});
  }
}

function warningsOf(o: OpenedLocation): string[] {
  return o.store.kind === 'sqlite' ? o.store.warnings : [];
}

/** A bar that redraws in place on a terminal; a line per 10% (and the last) otherwise. */
function progressPrinter(): (done: number, total: number) => void {
  const tty = !!process.stderr.isTTY;
  let lastStep = -1;
  return (done, total) => {
    if (total === 0) return;
    if (tty) {
      process.stderr.write(`\rcopying runs ${progressBar(done, total)}`);
      return;
    }
    const step = Math.floor((done / total) * 10);
    if (done === total || (step !== lastStep && done > 0)) {
      lastStep = step;
      process.stderr.write(`copied ${done}/${total} runs\n`);
    }
  };
}

const when = (d: Date) => formatLocalTimestamp(d).slice(0, 23);
const verdict = (v: boolean | null) => (v === null ? 'none' : v ? 'flaky' : 'genuine');

export function summary(r: SyncReport, reclassify: boolean): string {
  const lines: string[] = [];
  const would = r.dryRun ? 'would copy' : 'copied';
  lines.push(`${would} ${r.copied} run(s), already there ${r.alreadyThere} (of ${r.sourceRuns} at the source)`);
  if (r.lateRuns.length === 0) {
    lines.push('late runs: none (nothing arrived older than runs already classified at the destination)');
  } else {
    lines.push(
      `late runs: ${r.lateRuns.length} run(s) arrived older than runs already classified at the destination; ` +
        'those runs were classified without them, so their verdicts might have been different:',
    );
    for (const l of r.lateRuns) {
      const affected = l.affected.length
        ? l.affected.map((a) => `#${a.id} (${when(a.startTime)})`).join(', ')
        : 'none (outside every later run\'s load-max-runs window)';
      lines.push(`  ${l.id === null ? `source #${l.sourceId}` : `#${l.id}`} ${l.uuid} started ${when(l.startTime)}; later runs whose history now includes it: ${affected}`);
    }
    if (!reclassify) lines.push('  re-run with --reclassify to recompute those runs\' verdicts (new results are added next to the old ones).');
    else if (r.dryRun) lines.push('  (dry run: nothing was reclassified)');
  }
  if (reclassify && !r.dryRun) {
    lines.push(`reclassified ${r.reclassifiedRuns.length} run(s); verdicts changed: ${r.changes.length}`);
    for (const c of r.changes) {
      const where = c.execution === null ? 'test level' : `execution ${c.execution}`;
      lines.push(
        `  run #${c.runId} ${c.test} [${where}] ${c.flakefighter}: ${verdict(c.oldFlaky)} → ${verdict(c.newFlaky)}` +
          (c.testVerdictBefore !== c.testVerdictAfter ? ` (test ${c.testVerdictBefore} → ${c.testVerdictAfter})` : ''),
      );
    }
    for (const n of r.notRecomputed) lines.push(`  note: ${n}`);
    if (r.drifted > 0) {
      lines.push(`  note: ${r.drifted} recomputed verdict(s) differ from the stored ones with or without the late runs (the runs were classified by the plugin or another version); the sync did not cause them, so they were left as they are`);
    }
  }
  return lines.join('\n') + '\n';
}
