/**
 * `flakefighters evaluate --database PATH|URL [--labels FILE] [--json FILE] [--html FILE] [--summary] [--load-max-runs N]`:
 * how often each flakefighter was right on this history, and which genuine failures it would have hidden.
 */
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DATABASE_FLAGS, databaseFlag, parseCommandFlags, wholeNumberFlag } from './cli-flags.ts';
import { progressBar } from './cli-progress.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import { parseLabelsCsv } from '../evaluate/labels.ts';
import { renderEvaluation } from '../evaluate/render.ts';
import { renderEvaluationPage } from '../evaluate/render-html.ts';
import { renderEvaluationMarkdown } from '../evaluate/render-markdown.ts';
import { redact } from '../store/redact.ts';
import { UserError } from '../store/store.ts';
import { openLocation, type OpenedLocation } from '../sync/open-any.ts';

const USAGE = 'usage: flakefighters evaluate --database PATH|URL [--labels FILE] [--json FILE] [--html FILE] [--summary] [--load-max-runs N] [--quiet]';

const HELP = `Usage: flakefighters evaluate --database PATH|URL [options]

Measures how right each flakefighter is on this history. A test's failure in a run is labelled flaky when the
same test also passed on the same commit in the same environment (a retry, another attempt of the job), genuine
when it failed in every one of at least two attempts of that commit and environment. Each flakefighter, and the
combination each run ran, is replayed as of that run with only the runs before it; the table gives true and false
positives and negatives, precision, recall and F1 with 95% Wilson intervals, the genuine failures each would
have hidden, and the CosineSimilarity and CoverageIndependence settings that keep precision at 0.99 or above.
The database is only read.

Options:
  --database PATH|URL   the history database: a SQLite file, or a postgres:// or sqlite:/// URL   [required]
  --database-url URL    the same as --database
  --labels FILE         CSV of run,test,flaky|genuine (run: database id or uuid) adding to or overriding
                        the labels from the history
  --json FILE           also write the evaluation as JSON (docs/evaluate-schema.json)
  --html FILE           also write the evaluation as a self-contained HTML page (the report's styles)
  --summary             also append the table, as Markdown, to the job summary ($GITHUB_STEP_SUMMARY)
  --load-max-runs N     replay with at most N earlier runs as history, as the action's load-max-runs  [all]
  --server-url URL      where run links point                       [$GITHUB_SERVER_URL or https://github.com]
  --quiet, -q           print only the table and errors
  --help, -h            this help

Exit status: 0 ok, 2 bad usage or input.`;

const MAX_LABELS_BYTES = 16 * 1024 * 1024;

export async function evaluateCommand(args: string[]): Promise<number> {
  const values = parseCommandFlags(
    'evaluate',
    args,
    {
      ...DATABASE_FLAGS,
      labels: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      summary: { type: 'boolean' },
      'load-max-runs': { type: 'string' },
      'server-url': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
    USAGE,
    HELP,
  );
  if (!values) return 0;
  const location = databaseFlag('evaluate', values, USAGE);
  const loadMaxRuns = wholeNumberFlag('evaluate', values, 'load-max-runs', 1);
  const labelsFile = values.labels as string | undefined;
  const labelRows = labelsFile ? { rows: parseLabelsCsv(readLabels(labelsFile), labelsFile), file: labelsFile } : undefined;
  const summaryPath = process.env.GITHUB_STEP_SUMMARY;
  if (values.summary && !summaryPath) throw new UserError('evaluate: --summary needs $GITHUB_STEP_SUMMARY (set by GitHub Actions); leave --summary out elsewhere');
  const quiet = !!values.quiet;

  let db: OpenedLocation | null = null;
  const progress = quiet ? undefined : progressPrinter();
  try {
    db = await openLocation(location, { readonly: true, mustExist: true, what: '--database', postgres: { full: true } });
    if (db.store.kind === 'sqlite') for (const w of db.store.warnings) process.stderr.write(`warning: ${redact(w)}\n`);
    const report = await evaluate(db.store, {
      database: db.description,
      loadMaxRuns,
      labelRows,
      serverUrl: (values['server-url'] as string | undefined) ?? process.env.GITHUB_SERVER_URL,
      onProgress: progress,
    });
    const text = renderEvaluation(report);
    // Test names and failure texts can carry a secret: redact each string before it is encoded, so the JSON stays valid.
    if (values.json) writeOutput('--json', String(values.json), `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'string' ? redact(v) : v), 2)}\n`);
    if (values.html) writeOutput('--html', String(values.html), redact(renderEvaluationPage(report)));
    if (values.summary) writeOutput('--summary', summaryPath!, redact(renderEvaluationMarkdown(report)), appendFileSync);
    process.stdout.write(redact(text));
    return 0;
  } finally {
    await db?.store.close().catch(() => {});
  }
}

function writeOutput(flag: string, path: string, text: string, write: (path: string, text: string) => void = writeFileSync): void {
  try {
    write(path, text);
  } catch (err) {
    throw new UserError(`evaluate: ${flag} ${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a file path in an existing, writable directory`);
  }
}

function readLabels(path: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UserError(`evaluate: --labels ${path} is not a regular file; give a CSV of run,test,flaky|genuine`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`evaluate: --labels ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a CSV of run,test,flaky|genuine`);
  }
  if (size > MAX_LABELS_BYTES) throw new UserError(`evaluate: --labels ${path} is ${size} bytes, more than ${MAX_LABELS_BYTES}; a labels file is one short line per failure`);
  return readFileSync(path, 'utf8');
}

/** On a terminal a line redrawn in place per phase; elsewhere nothing (a CI log gets the table). */
function progressPrinter(): ((phase: string, done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (phase, done, total) => {
    if (total === 0) return;
    process.stderr.write(`\r\x1b[K${phase} ${progressBar(done, total)}`);
  };
}
