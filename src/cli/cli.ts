#!/usr/bin/env node
/** The CLI's thin shell: the same pipeline as the action, driven by flags, printing a terminal table. */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INPUT_DEFAULTS, readConfig } from '../config/inputs.ts';
import { cliEnvironment } from '../github/context.ts';
import { consoleLog } from '../log.ts';
import { runPipeline } from '../pipeline.ts';
import { reportFilesLine, writeReportFiles } from '../report/write-report-files.ts';
import { renderTerminalTable } from '../report/terminal.ts';
import { redact, registerSecretsFromUrl, setRunnerMasking } from '../store/redact.ts';
import { UserError } from '../store/store.ts';
import { useColor } from './cli-color.ts';
import { inFlagTerms, inFlagTermsLog, wantsHelp } from './cli-flags.ts';
import { resultsLocation } from './cli-paths.ts';
import { NO_PROGRESS, startProgress, withProgress } from './cli-progress.ts';
import pkg from '../../package.json' with { type: 'json' };

/** classify's options, indented to sit under the command in the top-level help. */
const CLASSIFY_OPTIONS = `               --results GLOB        result files (repeatable; JUnit XML or CTRF JSON)   [required]
               --database PATH       SQLite history file                    [flakefighters.db]
               --database-url URL    Postgres (or sqlite:///path) history database instead
               --coverage GLOB       per-test coverage (repeatable)
               --root DIR            project root for paths                 [current directory]
               --flakefighters YAML  configuration (a file path or inline YAML)
               --active-flakefighters A,B   run only these
               --fail-on genuine|any|never                                  [genuine]
               --if-no-files-found error|warn|ignore   no results (no file, no tests)  [error]
               --load-max-runs N  --time-immemorial D:H:M
               --store-max-runs N|auto|all   runs kept after a save (auto: a SQLite file keeps ≤ 1,000 runs
                                     and ≤ 256 MiB, never fewer than --load-max-runs; Postgres all)  [auto]
               --source-commit SHA   DiffCov's base commit
               --target-commit SHA   the commit the results are of        [HEAD]
                                     Also the commit every flakefighter compares with: OutcomeFlip counts
                                     passes of stored runs of this commit, DiffCov diffs against it, and
                                     the run is saved under it. A revision (main, HEAD~1) is resolved to
                                     its sha. With HEAD (the default) a working tree with uncommitted
                                     changes to tracked files makes the run the same code as no other run.
               --environment NAME    where the results were made            [this machine: host, OS, arch]
                                     (or FLAKEFIGHTERS_ENVIRONMENT); passes count only from runs of the
                                     same environment
               --report-dir DIR      also write JSON, HTML and JUnit reports
               --no-save             classify without saving the run
               --quiet, -q           print only the table, warnings and errors`;

const USAGE = `Usage: flakefighters <command> [options]      (flakefighters <command> --help: that command alone)
       flakefighters --version

Commands:
  classify   Read test results, classify failures as flaky or genuine, save the run.
${CLASSIFY_OPTIONS}
  report     Render reports from a database alone (the newest run, or --run ID, with the runs before it).
               --database PATH|URL --report-dir DIR [--run ID] [--load-max-runs N] [--quiet]
  sync       Copy runs between two databases (sqlite path or Postgres URL), idempotently.
               --from A --to B [--dry-run] [--reclassify] [--load-max-runs N] [--quiet]
  evaluate   How right each flakefighter is on this history: labels from retries and re-run attempts,
             a replay as of each run, precision and recall, the genuine failures each would have hidden.
               --database PATH|URL [--labels FILE] [--json FILE] [--summary] [--load-max-runs N] [--quiet]

Exit status: 0 ok, 1 failures under --fail-on, 2 bad usage or input.`;

const CLASSIFY_HELP = `Usage: flakefighters classify --results GLOB [options]

Reads test result files, classifies every failure as flaky or genuine from the runs stored in the history
database, saves the run there and prints a table. The same engine as the GitHub action; each action input is
also a flag of the same name (--results is test-results, --database is database-path).

Options:
${CLASSIFY_OPTIONS.replace(/^ {13}/gm, '')}
  --help, -h            this help

Exit status: 0 ok, 1 failures under --fail-on, 2 bad usage or input.`;

async function main(argv: string[]): Promise<number> {
  setRunnerMasking(false);
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`flakefighters ${pkg.version}\n`);
    return 0;
  }
  if (command === 'help' && rest[0]) return main([rest[0], '--help']);
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    // Asked for, the help is the output; given no command, it is the error.
    (command ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === 'classify') return classify(rest);
  if (command === 'report') return (await import('./cli-report.ts')).reportCommand(rest);
  if (command === 'sync') return (await import('./cli-sync.ts')).syncCommand(rest);
  if (command === 'evaluate') return (await import('./cli-evaluate.ts')).evaluateCommand(rest);
  throw new UserError(`Unknown command '${command}'; use classify, report, sync or evaluate (flakefighters --help).`);
}

async function classify(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(`${CLASSIFY_HELP}\n`);
    return 0;
  }
  const options = Object.fromEntries(Object.keys(INPUT_DEFAULTS).map((k) => [k, { type: 'string' as const, multiple: true }]));
  const { values } = parseArgs({
    args,
    options: {
      ...options,
      results: { type: 'string', multiple: true },
      database: { type: 'string', multiple: true },
      'no-save': { type: 'boolean' },
      environment: { type: 'string', multiple: true },
      quiet: { type: 'boolean', short: 'q' },
    },
    strict: true,
  }) as { values: Record<string, string[] | boolean | undefined> };
  const alias: Record<string, string> = { 'test-results': 'results', 'database-path': 'database' };
  const input = (name: string): string => {
    if (name === 'save' && values['no-save']) return 'false';
    if (name === 'upload-artifact' || name === 'history-from-artifact' || name === 'summary' || name === 'annotations') return 'false';
    if (name === 'report-dir') return ((values['report-dir'] as string[] | undefined) ?? []).join('\n');
    if (name === 'flakefighters') {
      const v = ((values.flakefighters as string[] | undefined) ?? []).join('\n');
      return v && !v.includes('\n') && !v.includes(':') && existsSync(v) ? readConfigFile(v) : v;
    }
    const v = (values[alias[name] ?? name] ?? values[name]) as string[] | undefined;
    return (v ?? []).join('\n');
  };
  const url = input('database-url');
  if (url) registerSecretsFromUrl(url);
  if (!input('test-results').trim()) {
    throw new UserError("classify: --results is required: the test result files to read, e.g. --results 'reports/**/*.xml' (flakefighters classify --help).");
  }
  const progress = values.quiet ? NO_PROGRESS : startProgress('classifying');
  const log = withProgress(inFlagTermsLog(consoleLog(Boolean(values.quiet))), progress);
  const read = readConfig(input, process.cwd());
  const elsewhere = resultsLocation(read.workspace, read.testResults);
  const config = elsewhere ? { ...read, resultsDir: elsewhere.resultsDir, testResults: elsewhere.patterns } : read;
  const environment = cliEnvironment((values.environment as string[] | undefined)?.at(-1));
  let result: Awaited<ReturnType<typeof runPipeline>>;
  try {
    result = await runPipeline({ config, context: null, log, source: 'cli', environment });
    if (config.reportDir) {
      const files = writeReportFiles(result.data, config.reportDir);
      log.info(reportFilesLine(files));
    }
  } finally {
    progress.stop();
  }
  process.stdout.write(`${renderTerminalTable(result.data, { color: useColor(process.stdout) })}\n`);
  if (result.failure) {
    process.stderr.write(`${inFlagTerms(result.failure)}\n`);
    return 1;
  }
  return 0;
}

/** A config file is small text: a folder, a pipe or /dev/zero would fail or read forever. */
function readConfigFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new UserError(`--flakefighters ${path} is not a regular file; give a YAML file or inline YAML.`);
  if (st.size > MAX_CONFIG_BYTES) throw new UserError(`--flakefighters ${path} is ${st.size} bytes, more than ${MAX_CONFIG_BYTES}; a flakefighters configuration is a few lines of YAML.`);
  return readFileSync(path, 'utf8');
}

const MAX_CONFIG_BYTES = 1024 * 1024;
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UserError || (err instanceof Error && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`flakefighters: ${redact(inFlagTerms(err.message))}\n`);
      process.exit(2);
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`flakefighters: internal error: ${redact(e.message)}\n`);
    if (process.env.FLAKEFIGHTERS_DEBUG) process.stderr.write(`${redact(e.stack ?? '')}\n`);
    process.exit(1);
  },
);
