/**
 * The evaluation history with known truth, made through the built dist/index.js (`npm run build` first) from the
 * real result files in __tests__/fixtures/evaluate (pytest 7.2.1 with coverage.py 6.5.0, gotestsum 1.8.2; how
 * each was made is in its README). One sql.js database, the runs saved one after another as the runner would:
 *
 *   1 ci.yml › test, commit A attempt 1: test_fetch_rate, test_fetch_rate_eur fail (the rate service is down)
 *   2                commit A attempt 2: every test passes               → run 1's failures are flaky
 *   3                commit B attempt 1: test_discount fails (a regression)
 *   4                commit B attempt 2: test_discount and both fetch tests fail → discount genuine ×2, fetch flaky
 *   5 ci.yml › go,   commit C:           TestFetchUSD fails, passes on gotestsum's retry → flaky (in the run)
 *   6 ci.yml › test, commit D attempt 1: both fetch tests fail           → flaky (attempt 2 passes)
 *   7                commit D attempt 2: every test passes
 *   8                commit E attempt 1: test_discount fails (the regression is back)
 *   9                commit E attempt 2: test_discount fails             → genuine ×2
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction } from '../../scripts/local-runner.ts';

export const FIXTURES = join(repoRoot, '__tests__/fixtures/evaluate');
const sha = (c: string) => c.repeat(40);

export interface Step {
  results: number;
  commit: string;
  runId: string;
  runNumber: number;
  attempt: number;
  job?: string;
}

export const STEPS: Step[] = [
  { results: 1, commit: 'a', runId: '5001', runNumber: 11, attempt: 1 },
  { results: 2, commit: 'a', runId: '5001', runNumber: 11, attempt: 2 },
  { results: 3, commit: 'b', runId: '5002', runNumber: 12, attempt: 1 },
  { results: 4, commit: 'b', runId: '5002', runNumber: 12, attempt: 2 },
  { results: 5, commit: 'c', runId: '5003', runNumber: 13, attempt: 1, job: 'go' },
  { results: 6, commit: 'd', runId: '5004', runNumber: 14, attempt: 1 },
  { results: 7, commit: 'd', runId: '5004', runNumber: 14, attempt: 2 },
  { results: 8, commit: 'e', runId: '5005', runNumber: 15, attempt: 1 },
  { results: 9, commit: 'e', runId: '5005', runNumber: 15, attempt: 2 },
];

/** Saves the given steps into `<workspace>/flakefighters.db`; returns the workspace. */
export async function buildHistory(steps: Step[] = STEPS, inputs: Record<string, string> = {}): Promise<string> {
  const ws = mkdtempSync(join(tmpdir(), 'ff-evaluate-'));
  cpSync(FIXTURES, ws, { recursive: true });
  for (const s of steps) {
    const python = s.job !== 'go';
    const run = await runAction({
      workspace: ws,
      inputs: {
        'test-results': `run-${s.results}/junit.xml`,
        root: python ? 'project' : 'goproject',
        ...(python ? { coverage: `run-${s.results}/coverage.json` } : {}),
        'active-flakefighters': 'OutcomeFlip,TracebackMatching',
        'upload-artifact': 'false',
        'history-from-artifact': 'false',
        'fail-on': 'never',
        ...inputs,
      },
      runId: s.runId,
      runNumber: s.runNumber,
      runAttempt: s.attempt,
      sha: sha(s.commit),
      job: s.job ?? 'test',
      env: { GITHUB_WORKFLOW_REF: 'octo/shop/.github/workflows/ci.yml@refs/heads/main' },
    });
    if (run.code !== 0) throw new Error(`run ${s.results} failed (${run.code}): ${run.all}`);
  }
  return ws;
}
