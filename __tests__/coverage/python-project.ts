/**
 * A real little Python project in a temp dir, measured by the real coverage.py, for the coverage
 * reader tests. Debian's python3-coverage serves /usr/bin/python3; a pyenv `python3` on PATH may
 * lack it, so both are probed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSystem } from '../helpers/require-system.ts';

/** The first interpreter that has coverage.py, or a one-line failure saying what to install. */
export function pythonWithCoverage(): string {
  return requireSystem('coverage.py');
}

export const CALC_PY = `RATE = 2

def double(x):
    return x * RATE

def triple(x):
    y = x * 3
    return y

class Box:
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v
`;

export const TEST_CALC_PY = `import calc

def test_double():
    assert calc.double(2) == 4

class TestBox:
    def test_get(self):
        assert calc.Box(3).get() == 3

def test_triple():
    assert calc.triple(1) == 3
`;

/** Runs every `test*` function and `Test*` class method of tests/test_calc.py, like a tiny pytest. */
const RUNNER_PY = `import sys, os
sys.path.insert(0, os.getcwd())
import tests.test_calc as mod
for name in sorted(vars(mod)):
    obj = getattr(mod, name)
    if name.startswith('test') and callable(obj):
        obj()
    elif name.startswith('Test') and isinstance(obj, type):
        for m in sorted(vars(obj)):
            if m.startswith('test'):
                getattr(obj(), m)()
`;

/**
 * Drives coverage.py's API the way pytest-cov's --cov-context=test does: the import of the test
 * module runs in the global context '', each phase in '<nodeid>|setup', '|run', '|teardown'.
 * Then prints coverage.py's own per-context lines (the oracle the readers are checked against).
 */
const PYTEST_COV_LIKE_PY = `import sys, os, json, coverage
sys.path.insert(0, os.getcwd())
branch = sys.argv[1] == 'branch'
cov = coverage.Coverage(data_file='.coverage', branch=branch, config_file=False)
cov.start()
import tests.test_calc as mod
cases = [('tests/test_calc.py::test_double', mod.test_double),
         ('tests/test_calc.py::TestBox::test_get', lambda: mod.TestBox().test_get()),
         ('tests/test_calc.py::test_triple', mod.test_triple)]
for nodeid, fn in cases:
    cov.switch_context(nodeid + '|setup')
    box = __import__('calc').Box(0)
    cov.switch_context(nodeid + '|run')
    fn()
    cov.switch_context(nodeid + '|teardown')
    box.get()
cov.switch_context('')
cov.stop()
cov.save()
data = cov.get_data()
out = {}
for ctx in sorted(data.measured_contexts()):
    data.set_query_contexts(['^' + __import__('re').escape(ctx) + '$'])
    files = {}
    for f in data.measured_files():
        lines = data.lines(f) or []
        if lines:
            files[f] = sorted(lines)
    out[ctx] = files
print(json.dumps(out))
`;

export interface PythonProject {
  dir: string;
  python: string;
  run(args: string[]): string;
}

export function makePythonProject(): PythonProject {
  const dir = mkdtempSync(join(tmpdir(), 'ff-cov-py-'));
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'calc.py'), CALC_PY);
  writeFileSync(join(dir, 'tests', '__init__.py'), '');
  writeFileSync(join(dir, 'tests', 'test_calc.py'), TEST_CALC_PY);
  writeFileSync(join(dir, 'runner.py'), RUNNER_PY);
  writeFileSync(join(dir, 'pytest_cov_like.py'), PYTEST_COV_LIKE_PY);
  const python = pythonWithCoverage();
  return {
    dir,
    python,
    run: (args) => execFileSync(python, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }),
  };
}
