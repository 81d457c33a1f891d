/**
 * For result formats whose writers never repeat a test as a retry (TRX, RSpec, Mocha and Dart JSON): records
 * that end up with one id are different tests the writer did not tell apart. They are kept apart with a stable
 * ordinal (TestCollector) and named in one notice (junit-notices.ts repeatNotice), never merged into attempts of one test.
 */
import { attemptsAsWritten, type RetryRule } from './retries.ts';

export const DISTINCT_TESTS: RetryRule = { repeatsAreAttempts: () => false, readAttempts: attemptsAsWritten };
