/**
 * For result formats whose writers never repeat a test as a retry (TRX, RSpec, Mocha and Dart JSON): records
 * that end up with one id are different tests the writer did not tell apart. They are kept apart with a stable
 * ordinal (TestCollector) and named in one notice, never merged into attempts of one test.
 */
import { attemptsAsWritten, type RetryRule } from './retries.ts';
import type { TestCollector } from './test-collector.ts';
import { repeatsWarning } from './junit-notices.ts';

export const DISTINCT_TESTS: RetryRule = { repeatsAreAttempts: () => false, readAttempts: attemptsAsWritten };

/** One line for the run's warnings when some ids were written more than once, else null (worded as for JUnit). */
export function repeatNotice(collector: TestCollector, file: string, format: string): string | null {
  const s = collector.repeatSummary();
  return s.groups === 0 ? null : repeatsWarning(file, format, s);
}
