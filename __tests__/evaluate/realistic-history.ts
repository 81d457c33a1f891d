/**
 * A longer history from the same real result files (__tests__/fixtures/evaluate), in the order a team's CI would
 * produce it: 16 runs over 10 commits, a failed job re-run when its failure looked flaky or to confirm a break, the
 * rate service down now and then, the discount regression introduced, fixed and back, a Go job with a retry.
 * `npx tsx __tests__/evaluate/realistic-history.ts` (after `npm run build`) prints the workspace it built; then
 * `node dist/cli.js evaluate --database <workspace>/flakefighters.db`.
 */
import { buildHistory, type Step } from './history.ts';

const steps: Step[] = [];
let run = 6000;
const push = (results: number, commit: string, attempts: number[] = [results], job?: string) => {
  run++;
  attempts.forEach((r, i) => steps.push({ results: r, commit, runId: String(run), runNumber: run - 5980, attempt: i + 1, job }));
};
push(1, 'a', [1, 2]); // rate service down; the re-run passes
push(2, 'b');
push(6, 'c'); // down again; nobody re-ran it
push(3, 'd', [3, 4]); // the regression; the re-run fails again (and the service is down too)
push(2, 'e'); // fixed
push(5, 'f', [5], 'go'); // the Go job's retry inside the run
push(1, '7', [1, 7]); // down; the re-run passes
push(8, '8', [8, 9]); // the regression is back, confirmed by a re-run
push(6, '9', [6, 2]); // down; the re-run passes
push(2, '0');
console.log(await buildHistory(steps));
