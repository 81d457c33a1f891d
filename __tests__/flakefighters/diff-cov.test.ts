/**
 * DiffCov's decision rule on the plugin's own test cases (tests/flakefighters/test_diff_cov.py),
 * with changed lines from real git repositories through src/ingest/git-diff.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffCov } from '../../src/flakefighters/diff-cov.ts';
import { changedLines } from '../../src/ingest/git-diff.ts';
import { context, execution, pairs, run, test as mkTest } from './builders.ts';

const FLAKY_RERUNS = `import os
from pathlib import Path


class FlakyReruns:
    def __init__(self, filepath: str):
        self.filepath = Path(filepath)

    def create_or_delete(self) -> bool:
        file_exists = os.path.exists(self.filepath)
        # Delete the file if it exists, and create it otherwise
        # This has to be a single line otherwise you get different coverage for passing and failing runs
        os.remove(self.filepath) if file_exists else self.filepath.touch()
        return file_exists


class TestFlakyRuns:

    def test_create_or_delete(self):
        flaky = FlakyReruns("test.txt")
        result = flaky.create_or_delete()
        assert result
`;
const APP = (base: string) => `class SuperOld:
    def magic(self):
        assert True


class SuperNew:
    def magic(self):
        assert False


class App(${base}):
    pass


def test_app():
    App().magic()
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

function repo(name: string, file: string, contents: string[]): { dir: string; path: string; commits: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  git(dir, 'init', '-q', '-b', 'main');
  const commits: string[] = [];
  for (const c of contents) {
    writeFileSync(join(dir, file), c);
    git(dir, 'add', file);
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'c');
    commits.push(git(dir, 'rev-parse', 'HEAD'));
  }
  return { dir, path: join(dir, file), commits };
}

/** The plugin's flaky_reruns_repo: the file, then an empty commit. */
const flakyRerunsRepo = () => repo('flaky_reruns_repo', 'flaky_reruns.py', [FLAKY_RERUNS, FLAKY_RERUNS]);

async function diffCov(dir: string, source: string, target: string | null, sourceRuns = [] as ReturnType<typeof run>[], judgeAll = false) {
  const c = await changedLines({ workspace: dir, root: dir, source, target });
  return { c, ff: new DiffCov({ root: dir, sourceCommit: source, targetCommit: target, ...c, sourceRuns, judgeAll }) };
}

describe('DiffCov', () => {
  for (const [previous, current] of [
    ['passed', 'passed'],
    ['passed', 'failed'],
    ['failed', 'passed'],
    ['failed', 'failed'],
  ]) {
    test(`previous ${previous}, current ${current}: flaky iff they differ (test_previous_runs)`, async () => {
      const r = flakyRerunsRepo();
      const coverage = { [r.path]: [1, 4, 6, 9, 10, 11, 12, 14] };
      const source = run([mkTest('', [execution(previous, { coverage })])]);
      const { ff } = await diffCov(r.dir, r.commits[0], r.commits[1], [source], true);
      const cur = run([mkTest('', [execution(current, { coverage })])]);
      ff.classify(context(cur));
      assert.deepEqual(pairs(cur.tests[0].executions[0].results), [{ name: 'DiffCov', flaky: previous !== current }]);
    });
  }

  test('only failures get a verdict unless judging like the plugin', async () => {
    const r = flakyRerunsRepo();
    const coverage = { [r.path]: [1, 4] };
    const { ff } = await diffCov(r.dir, r.commits[0], r.commits[1]);
    const cur = run([mkTest('a', [execution('passed', { coverage }), execution('failed', { coverage }), execution('error', { coverage: null })])]);
    const ctx = context(cur);
    ff.classify(ctx);
    // The failure without coverage gets a noVerdict row (flaky=false) that says why.
    assert.deepEqual(cur.tests[0].executions.map((e) => pairs(e.results)), [[], [{ name: 'DiffCov', flaky: true }], [{ name: 'DiffCov', flaky: false }]]);
    assert.equal(cur.tests[0].executions[2].results[0].evidence?.noVerdict, true);
    assert.match(String(cur.tests[0].executions[2].results[0].evidence?.reason), /^no verdict: no per-test coverage/);
    assert.match(ctx.warnings.join(), /1 failure\(s\) have no per-test coverage/);
  });

  test('lines_changed after appending one line is {flaky_reruns.py: [23]} (test_line_modified_by_target_commit)', async () => {
    const r = flakyRerunsRepo();
    appendFileSync(r.path, 'print()\n');
    git(r.dir, 'commit', '-q', '-am', 'Added a print statement.');
    const head = git(r.dir, 'rev-parse', 'HEAD');
    const { c, ff } = await diffCov(r.dir, r.commits[1], head);
    assert.deepEqual([...c.linesChanged].map(([f, s]) => [f, [...s]]), [[r.path, [23]]]);
    const hit = run([mkTest('t', [execution('failed', { coverage: { [r.path]: [22, 23] } })])]);
    const miss = run([mkTest('t', [execution('failed', { coverage: { [r.path]: [1, 22], '/elsewhere/spurious.py': [23] } })])]);
    ff.classify(context(hit));
    ff.classify(context(miss));
    assert.equal(hit.tests[0].executions[0].results[0].flaky, false);
    assert.equal(hit.tests[0].executions[0].results[0].evidence?.reason, `covers line 23 of ${r.path}, changed since the source commit`);
    assert.equal(miss.tests[0].executions[0].results[0].flaky, true);
  });

  test('a failure covering changed lines of app.py is genuine (test_flaky_test_live_false / post_false)', async () => {
    const r = repo('diff_cov_repo', 'app.py', [APP('SuperOld'), APP('SuperNew')]);
    const { c, ff } = await diffCov(r.dir, r.commits[0], r.commits[1]);
    assert.deepEqual([...c.linesChanged.get(r.path)!], [11]);
    const cur = run([
      mkTest('app.py::test_app', [execution('failed', { coverage: { [r.path]: [1, 2, 6, 7, 8, 11, 12, 15, 16] } })], {
        fspath: join(r.dir, 'diff_cov_example.py'),
        lineNo: 15,
      }),
    ]);
    ff.classify(context(cur));
    assert.deepEqual(pairs(cur.tests[0].executions[0].results), [{ name: 'DiffCov', flaky: false }]);
  });

  test('with nothing changed and no source runs, a failure is flaky (test_flaky_test_live_true)', async () => {
    const r = flakyRerunsRepo();
    const { ff } = await diffCov(r.dir, r.commits[0], r.commits[1]);
    const cur = run([mkTest('app.py::test_app', [execution('failed', { coverage: { [r.path]: Array.from({ length: 23 }, (_, i) => i) } })])]);
    ff.classify(context(cur));
    assert.deepEqual(pairs(cur.tests[0].executions[0].results), [{ name: 'DiffCov', flaky: true }]);
  });

  test("a changed def line of another function does not count, the test's own def line does (test_new_test_preserves_original_results)", async () => {
    const r = flakyRerunsRepo();
    // Dirty working tree: source HEAD, target the working tree.
    writeFileSync(r.path, 'def test_fail(self):\n    assert False\n');
    const { c, ff } = await diffCov(r.dir, r.commits[1], null);
    assert.deepEqual([...c.methodDeclarations.get(r.path)!], [1]);
    const coverage = { [r.path]: [1, 4, 6, 9, 10, 11, 12, 14] };
    const cur = run([
      mkTest('flaky_reruns.py::TestFlakyRuns::test_create_or_delete', [execution('failed', { coverage })], { fspath: r.path, lineNo: 9 }),
      mkTest('flaky_reruns.py::test_fail', [execution('failed', { coverage })], { fspath: r.path, lineNo: 1 }),
    ]);
    ff.classify(context(cur));
    assert.deepEqual(cur.tests.map((t) => t.executions[0].results[0].flaky), [true, false]);
  });

  test('the last source test with the name decides, and mixed history stays flaky', () => {
    const ff = (sourceRuns: ReturnType<typeof run>[]) =>
      new DiffCov({ sourceRuns, linesChanged: new Map(), methodDeclarations: new Map(), judgeAll: true });
    const older = run([mkTest('t', [execution('failed'), execution('passed')])]);
    const newer = run([mkTest('t', [execution('failed')])]);
    const cur = () => run([mkTest('t', [execution('failed', { coverage: {} })])]);
    const verdict = (sources: ReturnType<typeof run>[]) => {
      const c = cur();
      ff(sources).classify(context(c));
      return c.tests[0].executions[0].results[0].flaky;
    };
    assert.equal(verdict([older, newer]), false, 'newer (failed only) overwrites the mixed one');
    assert.equal(verdict([newer, older]), true, '{failed, passed} has more than one outcome');
    assert.equal(verdict([]), true, 'no history: every outcome is a transition');
  });
});
