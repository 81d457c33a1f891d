/** Small builders for Runs, Tests and Executions in flakefighter tests. */
import type { Execution, ExceptionInfo, FlakefighterResult, Outcome, Run, Test, TracebackFrame } from '../../src/model.ts';
import type { ClassifyContext } from '../../src/flakefighters/flakefighter.ts';

export function execution(outcome: Outcome | string, extra: Partial<Execution> = {}): Execution {
  return {
    outcome: outcome as Outcome,
    startTime: null,
    endTime: null,
    stdout: null,
    stderr: null,
    report: 'None',
    coverage: null,
    exception: null,
    results: [],
    ...extra,
  };
}

export function test(name: string, executions: Execution[], extra: Partial<Test> = {}): Test {
  return { name, fspath: '', lineNo: null, skipped: false, executions, results: [], ...extra };
}

export function run(tests: Test[], extra: Partial<Run> = {}): Run {
  return { startTime: new Date(0), root: '/', commitSha: null, tests, activeFlakefighters: [], meta: { uuid: 'run' }, ...extra };
}

export function frames(tuples: [string, number, number | null, string | null][]): TracebackFrame[] {
  return tuples.map(([path, lineno, colno, statement]) => ({ path, lineno, colno, statement }));
}

export function exception(tuples: [string, number, number | null, string | null][], name = 'AssertionError'): ExceptionInfo {
  return { name, frames: frames(tuples) };
}

export const flakyResult = (flaky = true): FlakefighterResult => ({ name: 'Previous', flaky });

export function context(current: Run, history: Run[] = [], root = current.root): ClassifyContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { run: current, history, root, warn: (m: string) => warnings.push(m), warnings };
}

/** (name, flaky) pairs, the plugin's FlakefighterResult equality for unsaved rows. */
export const pairs = (results: FlakefighterResult[]): { name: string; flaky: boolean }[] =>
  results.map((r) => ({ name: r.name, flaky: r.flaky }));
