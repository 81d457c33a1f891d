/**
 * For result formats whose writers never repeat a test as a retry (TRX, RSpec, Mocha and Dart JSON): records
 * that end up with one id are different tests the writer did not tell apart. They are kept apart with a stable
 * ordinal (TestCollector) and named in one notice, never merged into attempts of one test.
 */
import { attemptsAsWritten, type RetryRule } from './retries.ts';
import type { TestCollector } from './test-collector.ts';

export const DISTINCT_TESTS: RetryRule = { repeatsAreAttempts: () => false, readAttempts: attemptsAsWritten };

/** One line for the run's warnings when some ids were written more than once, else null. */
export function repeatNotice(collector: TestCollector, file: string, format: string): string | null {
  const s = collector.repeatSummary();
  if (s.groups === 0) return null;
  const ex = s.examples.map((e) => JSON.stringify(e)).join(', ');
  return `${file}: ${s.groups} test id(s) of this ${format} report are written more than once with nothing to tell them apart (e.g. ${ex}); each later one is kept as its own test with an ordinal ([2], [3] …), never as a retry.`;
}
