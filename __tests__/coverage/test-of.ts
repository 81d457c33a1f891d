/** A failing test with one execution and no coverage yet, for the coverage-attachment tests. */
import type { Test } from '../../src/model.ts';

export function testOf(name: string): Test {
  return {
    name,
    fspath: '',
    lineNo: null,
    skipped: false,
    results: [],
    executions: [{ outcome: 'failed', startTime: null, endTime: null, stdout: null, stderr: null, report: 'x', coverage: null, exception: null, results: [] }],
  };
}
