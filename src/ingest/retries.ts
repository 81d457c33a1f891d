/**
 * Retry rules per writer: when one report holds several testcases with the same id, are they attempts of one
 * test (a retry) or different tests the writer did not tell apart? And when they are attempts, how are the
 * earlier records read? Only writers known to write retries as repeated testcases say "attempts".
 */
import type { Execution } from '../model.ts';
import type { JUnitDialect } from './junit-dialect.ts';

export interface RetryRule {
  /** True when repeated records with this id are attempts of one test, in the order written. */
  repeatsAreAttempts(id: string): boolean;
  /** The test's executions from its records (each record's executions, in file order). */
  readAttempts(records: Execution[][]): Execution[];
}

/** Each record is one attempt, read as written. */
export function attemptsAsWritten(records: Execution[][]): Execution[] {
  const out: Execution[] = [];
  for (const r of records) for (const e of r) out.push(e);
  return out;
}

const asWritten: RetryRule = { repeatsAreAttempts: () => true, readAttempts: attemptsAsWritten };

export const RETRY_RULES: Record<JUnitDialect | 'ctrf' | 'dotnet-native', RetryRule> = {
  pytest: asWritten,
  'pytest-flakefighters': asWritten,
  'python-xmlrunner': asWritten,
  'jest-junit': asWritten,
  mocha: asWritten,
  'maven-surefire': asWritten,
  'maven-failsafe': asWritten,
  gradle: asWritten,
  testng: asWritten,
  'go-junit-report': asWritten,
  gotestsum: asWritten,
  phpunit: asWritten,
  'nette-tester': asWritten,
  'dotnet-junit': asWritten,
  eslint: asWritten,
  xunit: asWritten,
  ctrf: asWritten,
  'dotnet-native': asWritten,
};
