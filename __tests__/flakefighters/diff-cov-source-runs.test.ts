/**
 * Which stored runs of the source commit DiffCov compares with, and when it gives no verdict: the
 * newest run decides (the plugin's order), runs of another environment or of a dirty working tree do
 * not count, and unknown coverage or unknown changed lines give a noVerdict row that says why.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DiffCov, sourceRunsFor } from '../../src/flakefighters/diff-cov.ts';
import type { Run, RunMeta } from '../../src/model.ts';
import { context, execution, run, test as mkTest } from './builders.ts';

const FILE = '/repo/app.py';
/** Line 6 of app.py changed; the test under judgement covers line 10 only (no changed line). */
const changed = { linesChanged: new Map([[FILE, new Set([6])]]), methodDeclarations: new Map<string, Set<number>>() };

function stored(id: number, outcome: string, meta: Partial<RunMeta> = {}): Run {
  return run([mkTest('t', [execution(outcome)])], { id, meta: { uuid: `run-${id}`, ...meta } });
}
function judge(sourceRuns: Run[], current: Partial<RunMeta> = {}, coverage: Record<string, number[]> | null = { [FILE]: [10] }) {
  const ff = new DiffCov({ sourceCommit: 'c1', sourceRuns, ...changed });
  const cur = run([mkTest('t', [execution('failed', { coverage })])], { meta: { uuid: 'now', ...current } });
  const ctx = context(cur);
  ff.classify(ctx);
  return { result: cur.tests[0].executions[0].results[0], warnings: ctx.warnings, ff, cur };
}

describe('DiffCov source runs', () => {
  test('the newest run of the source commit decides (runs given oldest first, as the setup passes them)', () => {
    // passed then failed: the newest says failed, the same outcome as now → not flaky.
    assert.equal(judge([stored(1, 'passed'), stored(2, 'failed')]).result.flaky, false);
    assert.match(String(judge([stored(1, 'passed'), stored(2, 'failed')]).result.evidence?.reason), /same outcome as on the source commit \(failed in run #2\)/);
    // failed then passed: the newest says passed, a transition without a changed line → flaky.
    assert.equal(judge([stored(1, 'failed'), stored(2, 'passed')]).result.flaky, true);
  });

  test("with an environment, only the source runs of this environment count (the newest of them)", () => {
    const here = { environment: 'ci.yml/test/py3.12', environmentLabel: 'ci.yml › test › py3.12' };
    const other = { environment: 'ci.yml/test/py3.9' };
    // The newest run overall is another leg's (passed); this leg's own newest failed too → not flaky.
    const r = judge([stored(1, 'failed', here), stored(2, 'passed', other)], here);
    assert.equal(r.result.flaky, false);
    assert.match(String(r.result.evidence?.reason), /failed in run #1/);
    assert.deepEqual(sourceRunsFor(run([], { meta: { uuid: 'x', ...here } }), [stored(1, 'failed', here), stored(2, 'passed', other), stored(3, 'passed', here)]).runs.map((x) => x.id), [1, 3]);
  });

  test('source runs only of other environments (or of unknown ones): no verdict, with the reason', () => {
    const here = { environment: 'ci.yml/test/py3.12', environmentLabel: 'ci.yml › test › py3.12' };
    const r = judge([stored(1, 'passed', { environment: 'ci.yml/test/py3.9' }), stored(2, 'passed', { environment: null })], here);
    assert.deepEqual([r.result.name, r.result.flaky, r.result.evidence?.noVerdict], ['DiffCov', false, true]);
    assert.match(String(r.result.evidence?.reason), /^no verdict: the source commit's 2 stored run\(s\) ran in other environments than this one \(ci\.yml › test › py3\.12\)/);
    assert.match(r.warnings.join('\n'), /DiffCov: no verdict for 1 failure\(s\)/);
  });

  test('without an environment (the CLI, plugin-like use) every source run counts, the newest deciding', () => {
    const r = judge([stored(1, 'failed', { environment: 'a' }), stored(2, 'passed', { environment: 'b' })]);
    assert.equal(r.result.flaky, true);
    assert.match(String(r.result.evidence?.reason), /source commit: passed in run #2/);
  });

  test('a source run from a working tree with uncommitted changes is not the source commit', () => {
    assert.equal(judge([stored(1, 'failed'), stored(2, 'passed', { dirtyTree: true })]).result.flaky, false);
  });
});

describe('DiffCov gives no verdict when it cannot know', () => {
  test('unknown (null) or empty coverage: a noVerdict row, never "covers no changed line"', () => {
    for (const coverage of [null, {}, { [FILE]: [] }] as (Record<string, number[]> | null)[]) {
      const r = judge([stored(1, 'passed')], {}, coverage);
      assert.deepEqual([r.result.flaky, r.result.evidence?.noVerdict], [false, true], JSON.stringify(coverage));
      assert.match(String(r.result.evidence?.reason), /^no verdict: /);
    }
  });

  test('unknown changed lines (abstain): every failure gets a noVerdict row with the reason', () => {
    const ff = new DiffCov({ sourceCommit: null, sourceRuns: [], linesChanged: new Map(), methodDeclarations: new Map() });
    ff.abstain('there is no source commit to compare with');
    const cur = run([mkTest('t', [execution('failed', { coverage: { [FILE]: [10] } }), execution('passed', { coverage: { [FILE]: [10] } })])]);
    const ctx = context(cur);
    ff.classify(ctx);
    assert.deepEqual(cur.tests[0].executions.map((e) => e.results.map((r) => [r.flaky, r.evidence?.noVerdict, r.evidence?.reason])), [
      [[false, true, 'no verdict: there is no source commit to compare with']],
      [],
    ]);
    assert.match(ctx.warnings[0], /DiffCov: no verdict for 1 failure\(s\): there is no source commit to compare with/);
  });
});
