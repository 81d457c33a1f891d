/**
 * Playwright's JUnit reporter without `includeRetries` writes one testcase per test with its final result, and
 * in system-out the attachments of every attempt. Playwright attaches `error-context.md` only to an attempt
 * that failed, so a passing testcase listing k of them passed after k failed attempts: the flaky tests
 * Playwright itself reports as "flaky". Checked with @playwright/test 1.65.2 (js-tools/playwright/junit.xml).
 */
import type { Execution } from '../model.ts';
import { newExecution } from './test-collector.ts';

const ERROR_CONTEXT = /^\[\[ATTACHMENT\|[^\]\n]*error-context\.md\]\]$/gm;

const HIDDEN_ATTEMPT_MESSAGE =
  "failed before a retry (Playwright's JUnit reporter writes only the final result; the attempt's error-context attachment shows it failed)";

/** The failed attempts a passing Playwright testcase's output shows, oldest first (none for most tests). */
export function hiddenFailedAttempts(stdout: string | null): Execution[] {
  if (!stdout || stdout.indexOf('error-context.md') === -1) return [];
  const n = stdout.match(ERROR_CONTEXT)?.length ?? 0;
  return Array.from({ length: n }, () => newExecution('failed', { report: '', message: HIDDEN_ATTEMPT_MESSAGE }));
}
