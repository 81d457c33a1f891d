/**
 * DiffCov's two inputs side by side on one real project: coverage.py's per-test coverage and
 * git's changed lines must use the same absolute keys and 1-based lines, so that "covers a
 * changed line that is not a def line" can be decided by set lookups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachCoverage, readCoverage } from '../../src/ingest/coverage.ts';
import { changedLines } from '../../src/ingest/git-diff.ts';
import type { Test } from '../../src/model.ts';
import { testOf } from './test-of.ts';
import { makeRepo } from './git-repo.ts';
import { pythonWithCoverage } from './python-project.ts';
import { execFileSync } from 'node:child_process';


test('coverage keys and changed-line keys meet; decorator lines count as changed code, def lines do not', async () => {
  const repo = makeRepo();
  const dir = realpathSync(repo.dir);
  writeFileSync(join(dir, '.coveragerc'), '[run]\ndynamic_context = test_function\n');
  writeFileSync(
    join(dir, 'runner.py'),
    'import sys, os, asyncio\nsys.path.insert(0, os.getcwd())\nimport tests.test_calc as t\nt.test_double()\nasyncio.run(t.test_square())\n',
  );
  execFileSync(pythonWithCoverage(), ['-m', 'coverage', 'run', 'runner.py'], { cwd: dir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });

  const cov = await readCoverage({ patterns: ['.coverage'], workspace: dir, root: dir });
  const tests = [testOf('tests/test_calc.py::test_double'), testOf('tests/test_calc.py::test_square')];
  assert.equal(attachCoverage(tests, cov, dir).matched, 2);
  const changed = await changedLines({ workspace: dir, root: dir, source: repo.c1, target: repo.c2 });

  const calc = join(dir, 'calc.py');
  const hits = (t: Test, file: string): number[] =>
    (t.executions[0].coverage![file] ?? []).filter((l) => changed.linesChanged.get(file)?.has(l) && !changed.methodDeclarations.get(file)?.has(l));

  // Import time ran `import functools` (line 1) and the decorator (line 11): both changed, neither a def line.
  assert.deepEqual(hits(tests[0], calc), [1, 11]);
  assert.ok(tests[0].executions[0].coverage![calc].includes(12), 'the def line of square ran at import...');
  assert.ok(changed.methodDeclarations.get(calc)!.has(12), '...but it is a method declaration, so it does not count');
  // test_square ran square's body (line 15), a changed non-def line.
  assert.deepEqual(hits(tests[1], calc), [1, 11, 15]);
  // The test file's own new def line (6) is a declaration; its body line 7 is changed code the test ran.
  const testFile = join(dir, 'tests/test_calc.py');
  assert.deepEqual(hits(tests[1], testFile), [7]);
  assert.ok(changed.methodDeclarations.get(testFile)!.has(6));
});
