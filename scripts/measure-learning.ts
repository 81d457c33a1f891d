/**
 * What learning from re-runs (issue 18) finds on a realistic history: the real pytest runs in
 * __tests__/fixtures/learn-history (20 commits, each CI attempt and its "Re-run failed jobs" attempts; one flaky test,
 * one real regression on two commits) go in order through a built action bundle into a fresh sql.js file, and each
 * run's JSON report says which failures were called flaky.
 *
 *   node --import tsx scripts/measure-learning.ts [bundle.js ...]     (default: dist/index.js)
 *
 * Prints, per bundle, the flaky test's failures called flaky and the regressed test's failures called flaky (which
 * must stay 0). To compare with learning disabled, pass a bundle built without it as well (see the fixture README).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseOutputFile, repoRoot, runnerEnv, runnerFiles } from './local-runner.ts';

export const HISTORY = join(repoRoot, '__tests__/fixtures/learn-history');
export const FLAKY_TEST = 'tests/test_quotes.py::test_quote_has_price';
export const REGRESSED_TEST = 'tests/test_quotes.py::test_with_tax';

export interface ManifestEntry {
  file: string;
  commit: string;
  runNumber: number;
  attempt: number;
}

export interface RunVerdicts {
  entry: ManifestEntry;
  /** Test name → verdict of each failing test in that run. */
  failures: Map<string, 'flaky' | 'genuine'>;
}

export interface Measurement {
  runs: RunVerdicts[];
  flakyFailures: number;
  flakyFound: number;
  genuineFailures: number;
  genuineCalledFlaky: number;
}

export function manifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(join(HISTORY, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

async function runBundle(bundle: string, workspace: string, e: ManifestEntry, dir: string): Promise<Map<string, 'flaky' | 'genuine'>> {
  const opts = {
    workspace,
    inputs: {
      'test-results': e.file,
      root: 'project',
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      'report-dir': dir,
      matrix: '{"python":"3.11"}',
      'fail-on': 'never',
    },
    runId: String(e.runNumber * 1000),
    runNumber: e.runNumber,
    runAttempt: e.attempt,
    sha: e.commit,
    env: { GITHUB_WORKFLOW_REF: 'octo/quotes/.github/workflows/ci.yml@refs/heads/main' },
  };
  const files = runnerFiles(opts);
  const child = spawn(process.execPath, [bundle], { cwd: workspace, env: runnerEnv(opts, files) });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const outputs = parseOutputFile(readFileSync(files.output, 'utf8'));
  if (code !== 0 || !outputs['report-json']) throw new Error(`${bundle} failed on ${e.file} (exit ${code}):\n${out}`);
  const report = JSON.parse(readFileSync(resolve(workspace, outputs['report-json']), 'utf8')) as { tests: Array<{ name: string; verdict: string }> };
  const failures = new Map<string, 'flaky' | 'genuine'>();
  for (const t of report.tests) if (t.verdict === 'flaky' || t.verdict === 'genuine') failures.set(t.name, t.verdict);
  return failures;
}

/** Every recorded attempt, in order, through `bundle`, into one new database. */
export async function measure(bundle: string): Promise<Measurement> {
  const workspace = mkdtempSync(join(tmpdir(), 'ff-measure-'));
  cpSync(HISTORY, workspace, { recursive: true });
  const runs: RunVerdicts[] = [];
  const m: Measurement = { runs, flakyFailures: 0, flakyFound: 0, genuineFailures: 0, genuineCalledFlaky: 0 };
  for (const [i, entry] of manifest().entries()) {
    const failures = await runBundle(bundle, workspace, entry, `reports/${i}`);
    runs.push({ entry, failures });
    const f = failures.get(FLAKY_TEST);
    if (f) {
      m.flakyFailures++;
      if (f === 'flaky') m.flakyFound++;
    }
    const g = failures.get(REGRESSED_TEST);
    if (g) {
      m.genuineFailures++;
      if (g === 'flaky') m.genuineCalledFlaky++;
    }
  }
  return m;
}

const pct = (a: number, b: number) => (b ? `${Math.round((100 * a) / b)}%` : '-');

if (import.meta.url === `file://${process.argv[1]}`) {
  const bundles = process.argv.slice(2).length ? process.argv.slice(2) : [join(repoRoot, 'dist/index.js')];
  for (const b of bundles) {
    const m = await measure(resolve(b));
    const timeline = m.runs
      .map((r) => `${r.entry.file.split('/')[1]}:${r.failures.get(FLAKY_TEST)?.[0] ?? '.'}${r.failures.get(REGRESSED_TEST) ? `/${r.failures.get(REGRESSED_TEST)![0]}` : ''}`)
      .join(' ');
    process.stdout.write(
      `${b}\n  flaky failures called flaky: ${m.flakyFound}/${m.flakyFailures} (${pct(m.flakyFound, m.flakyFailures)}); ` +
        `genuine failures called flaky: ${m.genuineCalledFlaky}/${m.genuineFailures}\n  ${timeline}\n`,
    );
  }
}
