/**
 * DiffCov end to end through the built action on coverage as real projects hand it over: tests run
 * by the real pytest in a real git repository (commit 2 breaks `mul`), measured by the real
 * coverage.py (see ../coverage/pytest-contexts-project.ts for how the contexts are named). Each
 * case must keep the regression (test_mul) genuine.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { makePytestProject, runPytest, type PytestProject } from '../coverage/pytest-contexts-project.ts';

const MUL = 'tests/test_app.py::TestMul::test_mul';
const NETWORK = 'tests/test_app.py::test_network';

function classify(dir: string, sha: string, before: string, runNumber: number, inputs: Record<string, string> = {}) {
  return runAction({
    workspace: dir,
    inputs: { 'test-results': 'junit.xml', coverage: '.coverage', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'fail-on': 'never', ...inputs },
    sha,
    runNumber,
    runId: String(1000 + runNumber),
    event: { name: 'push', payload: { before, after: sha } },
  });
}

function verdicts(r: ActionRun) {
  return { failed: Number(r.outputs.failed), flaky: JSON.parse(r.outputs['flaky-tests']) as string[], genuine: Number(r.outputs['genuine-failures']) };
}

interface JsonResult {
  name: string;
  flaky: boolean;
  evidence: { reason?: string; noVerdict?: boolean } | null;
}
/** The DiffCov results of a test's executions in the JSON report. */
function diffCovResults(dir: string, testName: string): JsonResult[] {
  const doc = JSON.parse(readFileSync(join(dir, 'flakefighters-report', 'flakefighters.json'), 'utf8')) as {
    tests: { name: string; executions: { results: JsonResult[] }[] }[];
  };
  const t = doc.tests.find((x) => x.name === testName);
  assert.ok(t, `${testName} in the JSON report`);
  return t.executions.flatMap((e) => e.results).filter((r) => r.name === 'DiffCov');
}

/** Commit 1 passes everywhere; commit 2 is run with `c2` options. */
async function twoCommits(p: PytestProject, c1: Parameters<typeof runPytest>[2], c2: Parameters<typeof runPytest>[2]): Promise<ActionRun> {
  runPytest(p.dir, p.c1, c1);
  const first = await classify(p.dir, p.c1, '0'.repeat(40), 1);
  assert.equal(first.code, 0, first.all);
  assert.equal(first.outputs.failed, '0', first.all);
  runPytest(p.dir, p.c2, c2);
  return classify(p.dir, p.c2, p.c1, 2);
}

describe('DiffCov with coverage recorded under another root', () => {
  const p = makePytestProject();
  let elsewhere: string;
  let second: ActionRun;
  before(async () => {
    mkdirSync('/tmp/other-root', { recursive: true });
    elsewhere = join(mkdtempSync('/tmp/other-root/runner-'), 'work', 'proj');
    second = await twoCommits(p, { contexts: 'pytest-cov', runAt: elsewhere }, { contexts: 'pytest-cov', runAt: elsewhere, env: { NETWORK: 'down' } });
  });

  test('the paths are mapped, the regression covers its changed line and is genuine', () => {
    assert.equal(second.code, 0, second.all);
    assert.deepEqual(verdicts(second), { failed: 2, flaky: [NETWORK], genuine: 1 });
    assert.match(diffCovResults(p.dir, MUL)[0].evidence?.reason ?? '', /^covers line 6 of .*\/app\.py, changed since the source commit$/);
  });

  test('the summary says what was mapped', () => {
    assert.ok(second.summary.replace(/\\_/g, '_').includes(`Coverage paths under ${elsewhere} were mapped onto the workspace (4 files)`), second.summary);
  });
});

describe("DiffCov with pytest-flakefighters' own context names (beside pytest-cov's, whose |run is empty)", () => {
  const p = makePytestProject();
  let second: ActionRun;
  before(async () => {
    second = await twoCommits(p, { contexts: 'plugin' }, { contexts: 'plugin', env: { NETWORK: 'down' } });
  });

  test('the contexts are read per test: the regression is genuine, the network failure flaky', () => {
    assert.equal(second.code, 0, second.all);
    assert.deepEqual(verdicts(second), { failed: 2, flaky: [NETWORK], genuine: 1 });
    assert.doesNotMatch(second.all, /match no test|Per-test coverage not used/);
    assert.match(diffCovResults(p.dir, MUL)[0].evidence?.reason ?? '', /^covers line 6 of /);
  });
});

describe('DiffCov with coverage whose contexts match no test', () => {
  const p = makePytestProject();
  let second: ActionRun;
  before(async () => {
    second = await twoCommits(p, { contexts: 'other' }, { contexts: 'other', env: { NETWORK: 'down' } });
  });

  test('the coverage is not used, the summary says why and how to fix it, and the regression stays genuine', () => {
    assert.equal(second.code, 0, second.all);
    assert.deepEqual(verdicts(second), { failed: 2, flaky: [], genuine: 2 });
    assert.match(second.summary.replace(/\\_/g, '_'), /Per-test coverage not used: DiffCov, CoverageIndependence and SFFL give no verdict from it\. 8 of 13 coverage contexts match no test/);
    assert.match(second.summary, /--cov-context=test/);
    for (const name of [MUL, NETWORK]) {
      const [r] = diffCovResults(p.dir, name);
      assert.deepEqual([r.flaky, r.evidence?.noVerdict], [false, true], name);
    }
  });

  test('the step fails on the genuine failures under the default fail-on', async () => {
    const r = await classify(p.dir, p.c2, p.c1, 3, { 'fail-on': 'genuine', save: 'false' });
    assert.notEqual(r.code, 0, r.all);
    assert.equal(r.outputs['genuine-failures'], '2');
  });
});

describe('DiffCov and a failing test with no coverage of its own', () => {
  const p = makePytestProject();
  let second: ActionRun;
  before(async () => {
    // Only app.py is measured; with NETWORK=offline test_network fails before it calls into app.
    const rc = '[run]\ninclude = app.py\n';
    second = await twoCommits(p, { contexts: 'pytest-cov', coveragerc: rc }, { contexts: 'pytest-cov', coveragerc: rc, env: { NETWORK: 'offline' } });
  });

  test('it gets no DiffCov verdict (a noVerdict row saying why), never "covers no changed line"', () => {
    assert.equal(second.code, 0, second.all);
    assert.deepEqual(verdicts(second), { failed: 2, flaky: [], genuine: 2 });
    const [r] = diffCovResults(p.dir, NETWORK);
    assert.equal(r.flaky, false);
    assert.equal(r.evidence?.noVerdict, true);
    assert.match(r.evidence?.reason ?? '', /^no verdict: no per-test coverage of this execution is known/);
    assert.match(diffCovResults(p.dir, MUL)[0].evidence?.reason ?? '', /^covers line 6 of /);
    // The summary escapes Markdown's `_`.
    assert.match(second.summary.replace(/\\_/g, '_'), /DiffCov: 1 failure\(s\) have no per-test coverage; no verdict \(tests\/test_app\.py::test_network\)/);
  });
});

describe('DiffCov compares with the newest stored run of the source commit', () => {
  for (const [order, env1, env2, expected] of [
    ['passed, then failed', {}, { NETWORK: 'down' }, { failed: 2, flaky: [], genuine: 2 }],
    ['failed, then passed', { NETWORK: 'down' }, {}, { failed: 2, flaky: [NETWORK], genuine: 1 }],
  ] as const) {
    test(`source commit stored twice (${order}): the newer run decides`, async () => {
      const p = makePytestProject();
      runPytest(p.dir, p.c1, { contexts: 'pytest-cov', env: { ...env1 } });
      // DiffCov alone: OutcomeFlip would (rightly) call the same-commit flip flaky, and TracebackMatching follow it.
      const only = { 'active-flakefighters': 'DiffCov' };
      assert.equal((await classify(p.dir, p.c1, '0'.repeat(40), 1, only)).code, 0);
      runPytest(p.dir, p.c1, { contexts: 'pytest-cov', env: { ...env2 } });
      const second = await classify(p.dir, p.c1, '0'.repeat(40), 2, only);
      assert.equal(second.code, 0, second.all);
      if ('NETWORK' in env2) {
        // A push that created the branch has no source commit: no changed lines are known, so DiffCov says nothing.
        assert.deepEqual(verdicts(second), { failed: 1, flaky: [], genuine: 1 });
        const [r] = diffCovResults(p.dir, NETWORK);
        assert.deepEqual([r.flaky, r.evidence?.noVerdict, r.evidence?.reason], [false, true, 'no verdict: there is no source commit to compare with']);
      }
      runPytest(p.dir, p.c2, { contexts: 'pytest-cov', env: { NETWORK: 'down' } });
      const third = await classify(p.dir, p.c2, p.c1, 3, only);
      assert.equal(third.code, 0, third.all);
      assert.deepEqual(verdicts(third), expected);
      const newest = 'NETWORK' in env2 ? 'failed' : 'passed';
      const [r] = diffCovResults(p.dir, NETWORK);
      assert.match(r.evidence?.reason ?? '', new RegExp(`source commit(: | \\()${newest} in run #2\\b`));
    });
  }
});
