/**
 * `flakefighters report --database PATH|URL --report-dir DIR [--run ID] [--load-max-runs N]`:
 * renders the JSON, HTML and enriched JUnit reports (and the terminal table) of one stored run,
 * the newest unless `--run` names one, with the runs before it as history — from the database
 * alone, e.g. for a run the plugin wrote or one copied by `sync`.
 */
import { useColor } from './cli-color.ts';
import { DATABASE_FLAGS, databaseFlag, parseCommandFlags, wholeNumberFlag } from './cli-flags.ts';
import { NO_PROGRESS, startProgress } from './cli-progress.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import { sfflReport } from '../flakefighters/sffl.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import type { ReportData } from '../report/report-data.ts';
import { renderTerminalTable } from '../report/terminal.ts';
import { reportFilesLine, writeReportFiles } from '../report/write-report-files.ts';
import { redact } from '../store/redact.ts';
import { UserError } from '../store/store.ts';
import { openLocation, type OpenedLocation } from '../sync/open-any.ts';

const USAGE = 'usage: flakefighters report --database PATH|URL --report-dir DIR [--run ID] [--load-max-runs N] [--evaluate] [--quiet]';

const HELP = `Usage: flakefighters report --database PATH|URL --report-dir DIR [options]

Renders the reports of one stored run from the database alone (a run the action, the CLI or the plugin saved, or
one copied by sync): the JSON, HTML, enriched JUnit XML (and SFFL CSV with coverage) in --report-dir, and the table.

Options:
  --database PATH|URL   the history database: a SQLite file, or a postgres:// or sqlite:/// URL   [required]
  --database-url URL    the same as --database
  --report-dir DIR      where the report files go                                                  [required]
  --run ID              the run to report (its database id)                                      [the newest]
  --load-max-runs N     use at most N runs before it as history                                      [all]
  --evaluate            add "How right is each flakefighter?" to the HTML report: every flakefighter replayed
                        on the whole history, as \`flakefighters evaluate\` does (--load-max-runs applies)
  --quiet, -q           print only the table and errors
  --help, -h            this help

Exit status: 0 ok, 2 bad usage or input.`;

export async function reportCommand(args: string[]): Promise<number> {
  const values = parseCommandFlags(
    'report',
    args,
    {
      ...DATABASE_FLAGS,
      'report-dir': { type: 'string' },
      run: { type: 'string' },
      'load-max-runs': { type: 'string' },
      evaluate: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    },
    USAGE,
    HELP,
  );
  if (!values) return 0;
  const location = databaseFlag('report', values, USAGE);
  const dir = values['report-dir'] as string | undefined;
  if (!dir) throw new UserError(`report: --report-dir is required; ${USAGE}`);
  const runId = wholeNumberFlag('report', values, 'run', 1);
  const loadMaxRuns = wholeNumberFlag('report', values, 'load-max-runs', 1);
  const quiet = !!values.quiet;

  let db: OpenedLocation | null = null;
  const progress = quiet ? NO_PROGRESS : startProgress('loading runs and writing reports');
  try {
    db = await openLocation(location, { readonly: true, mustExist: true, what: '--database', postgres: { full: true } });
    progress.clear();
    if (db.store.kind === 'sqlite') for (const w of db.store.warnings) process.stderr.write(`warning: ${redact(w)}\n`);
    const data = await loadReportData(db, { runId, loadMaxRuns });
    // Over every stored run, not only those before the reported one: the labels need the later attempts.
    const evaluation = values.evaluate
      ? await evaluate(db.store, { database: db.description, loadMaxRuns, serverUrl: process.env.GITHUB_SERVER_URL })
      : undefined;
    const files = evaluation ? writeReportFiles(data, dir, (d) => redact(renderHtmlReport(d, { evaluation }))) : writeReportFiles(data, dir);
    progress.stop();
    if (!quiet) process.stderr.write(`${reportFilesLine(files)}\n`);
    process.stdout.write(`${renderTerminalTable(data, { color: useColor(process.stdout) })}\n`);
    return 0;
  } finally {
    progress.stop();
    await db?.store.close().catch(() => {});
  }
}

/** The run (newest, or the given id) and the runs before it, as a ReportData. */
export async function loadReportData(db: OpenedLocation, opts: { runId?: number; loadMaxRuns?: number } = {}): Promise<ReportData> {
  const keys = await db.store.listRunKeys();
  if (keys.length === 0) throw new UserError(`report: ${db.description} holds no runs; classify or sync some first`);
  const id = opts.runId ?? keys[keys.length - 1].id;
  if (!keys.some((k) => k.id === id)) {
    throw new UserError(`report: ${db.description} has no run with id ${id}; its runs are ${keys[0].id}…${keys[keys.length - 1].id}`);
  }
  const [run] = await db.store.loadRuns([id]);
  const history = await db.store.loadHistory({ before: run.startTime, maxRuns: opts.loadMaxRuns });
  const hasCoverage = run.tests.some((t) => t.executions.some((e) => e.coverage && Object.keys(e.coverage).length > 0));
  return {
    run,
    history,
    files: [],
    dialects: run.meta.dialects ?? [],
    flakefighters: run.activeFlakefighters.map((a) => a.name),
    warnings: [],
    database: { kind: db.store.kind, description: db.description },
    historySource: db.description,
    sffl: hasCoverage ? sfflReport(run.tests, run.root) : undefined,
    repoUrl: run.meta.repository ? `https://github.com/${run.meta.repository}` : null,
    sha: run.commitSha,
    links: [],
  };
}

