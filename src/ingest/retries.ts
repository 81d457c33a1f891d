/**
 * Retry rules per writer: when one report holds several testcases with the same id, are they attempts of one
 * test (a retry) or different tests the writer did not tell apart? And when they are attempts, how are the
 * earlier records read? Only writers known to write retries as repeated testcases say "attempts".
 */
import { isFailing, type Execution } from '../model.ts';
import type { JUnitDialect } from './junit-dialect.ts';

export interface RetryRule {
  /**
   * True when repeated records with this id are attempts of one test, in the order written. `records`: each
   * record's executions, in file order (some writers are told apart by their outcomes).
   */
  repeatsAreAttempts(id: string, records: Execution[][]): boolean;
  /** The test's executions from its records (each record's executions, in file order). */
  readAttempts(records: Execution[][]): Execution[];
}

/** Each record is one attempt, read as written. */
function attemptsAsWritten(records: Execution[][]): Execution[] {
  const out: Execution[] = [];
  for (const r of records) for (const e of r) out.push(e);
  return out;
}

/** Repeated records are attempts of one test, read as written (TestCollector's default). */
export const asWritten: RetryRule = { repeatsAreAttempts: () => true, readAttempts: attemptsAsWritten };

/**
 * Writers that never write a retry as a repeated testcase (most JUnit writers; TRX, RSpec, mocha and Dart JSON):
 * a repeat is another test (a row, a repetition) the writer did not tell apart. TestCollector keeps it apart with
 * a stable ordinal and junit-notices.ts names it in one notice; it is never merged into attempts of one test.
 */
export const distinctInvocations: RetryRule = { repeatsAreAttempts: () => false, readAttempts: attemptsAsWritten };

/** A retry only ever follows a failure: records where an earlier one did not fail are not one test's attempts. */
export function looksLikeRetries(records: Execution[][]): boolean {
  for (let i = 0; i < records.length - 1; i++) if (!records[i].some((e) => isFailing(e.outcome))) return false;
  return true;
}

export const EARLIER_ATTEMPT_MESSAGE = 'an earlier attempt failed (pytest-rerunfailures keeps no failure text for it)';

/**
 * pytest (with pytest-rerunfailures): nodeids are unique, so several records of one nodeid are one test.
 * pytest-rerunfailures 16.6.1 and later write each failed attempt as an empty record (read as a pass by
 * everyone else) before the final one; 10.x writes extra records when a teardown fails; plain pytest writes a
 * second record for a teardown error after a failed call. Reruns happen only after a failure, so an empty
 * record followed by another one of the same test is a failed attempt whose text was not kept.
 */
const pytestRerunfailures: RetryRule = {
  repeatsAreAttempts: () => true,
  readAttempts(records) {
    const out: Execution[] = [];
    records.forEach((r, i) => {
      const earlier = i < records.length - 1;
      for (const e of r) {
        out.push(earlier && e.outcome === 'passed' ? { ...e, outcome: 'failed', report: '', message: EARLIER_ATTEMPT_MESSAGE, exception: null } : e);
      }
    });
    return out;
  },
};

/**
 * gotestsum `--rerun-fails`: every attempt is its own testcase (all failed attempts first, the passes after
 * them), so repeats are attempts as written. A repeat from `-count=N` is the same test run again on the same code.
 */
const gotestsumRerunFails: RetryRule = asWritten;

/** JUnit 5 parameterized invocations as Gradle names them: the display name `[n] …` without the method. */
export const isParameterizedInvocation = (id: string): boolean => /(?:^|\.)\[\d+\](?: |$)/.test(id);

/**
 * Gradle with `mergeReruns` off (the default) writes each attempt of a retried test (test-retry plugin) as
 * another testcase of the same name. `[n] …` names are parameterized invocations of possibly several methods
 * (gradle/gradle#23324, #39079), and repeats where a pass comes before another record are rows of a
 * `@ParameterizedClass` (gradle/gradle#36658): never retries.
 */
const gradleMergeRerunsOff: RetryRule = {
  repeatsAreAttempts: (id, records) => !isParameterizedInvocation(id) && looksLikeRetries(records),
  readAttempts: attemptsAsWritten,
};

export const RETRY_RULES: Record<JUnitDialect | 'ctrf' | 'dotnet-native', RetryRule> = {
  pytest: pytestRerunfailures,
  'pytest-flakefighters': asWritten,
  'python-xmlrunner': distinctInvocations,
  'jest-junit': distinctInvocations,
  mocha: distinctInvocations,
  'mocha-xunit': distinctInvocations,
  playwright: distinctInvocations,
  'maven-surefire': distinctInvocations,
  'maven-failsafe': distinctInvocations,
  gradle: gradleMergeRerunsOff,
  testng: distinctInvocations,
  'go-junit-report': distinctInvocations,
  gotestsum: gotestsumRerunFails,
  phpunit: distinctInvocations,
  'nette-tester': distinctInvocations,
  'dotnet-junit': distinctInvocations,
  eslint: distinctInvocations,
  xunit: distinctInvocations,
  ctrf: distinctInvocations,
  'dotnet-native': asWritten,
};
