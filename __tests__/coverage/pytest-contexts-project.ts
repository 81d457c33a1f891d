/**
 * A real Python project in a real git repository (two commits: commit 2 breaks `mul`), its tests run
 * by Debian's real pytest and measured by Debian's real coverage.py, with the coverage contexts
 * named the way the tools name them. pytest-flakefighters itself is not installable here (no PyPI),
 * so `conftest.py` carries its coverage hooks as they are in its plugin.py (test-flare/pytest-flakefighters
 * a541673, MIT): its own `coverage.Coverage()` measures collection under `collection` and each
 * attempt's call phase under `re.escape(nodeid) + "__" + attempt`, rerunning a failure once as its
 * FLAKY_FAILURE strategy does. Beside it, pytest-cov's `--cov-context=test` is done as pytest-cov does it:
 * a second Coverage started at import and switched to `<nodeid>|setup|run|teardown` per phase; the
 * plugin's start() in the call phase pauses that tracer, so its `|run` contexts hold no project line.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './git-repo.ts';
import { pythonWithCoverage } from './python-project.ts';

export const APP_V1 = `def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def ping():
    return True
`;
/** Commit 2 breaks mul (line 6, a changed line that test_mul runs); ping is untouched. */
export const APP_V2 = APP_V1.replace('    return a * b', '    return a * b + 1');

/**
 * test_network fails when NETWORK=down (nothing to do with the code). With FLIP set it fails on the
 * first attempt and passes on the second (a marker file), the plugin's classic flaky test.
 */
export const TEST_APP = `import os
import pytest
import app


@pytest.fixture
def numbers():
    return (2, 3)


def test_add(numbers):
    assert app.add(*numbers) == 5


class TestMul:
    def test_mul(self, numbers):
        assert app.mul(*numbers) == 6


def test_network():
    if os.environ.get('NETWORK') == 'offline':
        assert False, 'no network at all'
    if os.environ.get('FLIP') and not os.path.exists('flip.marker'):
        open('flip.marker', 'w').close()
        assert app.ping() and False, 'first attempt fails'
    assert app.ping() and os.environ.get('NETWORK') != 'down', 'network did not answer'


@pytest.mark.parametrize('x', [1, 2])
def test_param(x):
    assert app.add(x, 0) == x
`;

/** FF_CONTEXTS: `plugin` (the plugin's names and pytest-cov's), `pytest-cov` (pytest-cov's only), `other` (pytest-cov's, and per-attempt names this action does not read). */
export const CONFTEST = `import os
from re import escape
import coverage
import pytest
from _pytest.runner import runtestprotocol

MODE = os.environ.get('FF_CONTEXTS', 'plugin')
PLUGIN = MODE in ('plugin', 'other')
pytest_cov = coverage.Coverage(data_file='.coverage.pytestcov')
pytest_cov.start()
plugin_cov = coverage.Coverage(data_file='.coverage.plugin') if PLUGIN else None


def context(item):
    # plugin.py: escape(item.nodeid) + "__" + str(item.execution_count)
    if MODE == 'other':
        return item.nodeid + '#' + str(item.execution_count)
    return escape(item.nodeid) + "__" + str(item.execution_count)


def pytest_sessionstart(session):
    if PLUGIN:
        plugin_cov.start()
        plugin_cov.switch_context("collection")


def pytest_collection_finish(session):
    if PLUGIN:
        plugin_cov.switch_context(None)
        plugin_cov.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    # The plugin's own protocol: up to max_reruns + 1 attempts, rerunning a failed call (FLAKY_FAILURE, max_reruns 1).
    attempts = 2 if PLUGIN else 1
    item.execution_count = 0
    for _ in range(attempts):
        item.execution_count += 1
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        rerun = any(r.when == 'call' and r.failed for r in reports) and item.execution_count < attempts
        for r in reports:
            if not rerun:
                item.ihook.pytest_runtest_logreport(report=r)
        if not rerun:
            break
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_runtest_setup(item):
    pytest_cov.switch_context(item.nodeid + '|setup')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    pytest_cov.switch_context(item.nodeid + '|run')
    if PLUGIN:
        plugin_cov.start()
        plugin_cov.switch_context(context(item))
    yield
    if PLUGIN:
        plugin_cov.stop()


def pytest_runtest_teardown(item):
    pytest_cov.switch_context(item.nodeid + '|teardown')


def pytest_sessionfinish(session):
    pytest_cov.switch_context('')
    pytest_cov.stop()
    pytest_cov.save()
    if PLUGIN:
        plugin_cov.save()
`;

export interface PytestProject {
  dir: string;
  c1: string;
  c2: string;
}

/** The project in `dir` (a new temp dir when omitted), committed twice. */
export function makePytestProject(dir = mkdtempSync(join(tmpdir(), 'ff-pytest-ctx-'))): PytestProject {
  const write = (p: string, s: string) => writeFileSync(join(dir, p), s);
  mkdirSync(join(dir, 'tests'), { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  write('app.py', APP_V1);
  write('tests/__init__.py', '');
  write('tests/test_app.py', TEST_APP);
  write('conftest.py', CONFTEST);
  // Measure the project only (pytest itself lives in dist-packages, which coverage.py 6.5 measures otherwise).
  write('.coveragerc', '[run]\nsource = .\n');
  write('.gitignore', '.coverage*\njunit.xml\nflakefighters.db\nflakefighters-report/\n__pycache__/\nflip.marker\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'v1']);
  const c1 = git(dir, ['rev-parse', 'HEAD']).trim();
  write('app.py', APP_V2);
  git(dir, ['commit', '-q', '-am', 'v2']);
  const c2 = git(dir, ['rev-parse', 'HEAD']).trim();
  return { dir, c1, c2 };
}

export interface PytestRunOptions {
  contexts?: 'plugin' | 'pytest-cov' | 'other';
  env?: Record<string, string>;
  /** Run the tests in a copy of the checkout at this directory (another root), then bring junit.xml and .coverage back. */
  runAt?: string;
  /** More pytest arguments (`-k add`). */
  args?: string[];
  /** coverage.py configuration to use instead of the project's `.coveragerc` (through COVERAGE_RCFILE). */
  coveragerc?: string;
}

/**
 * Checks out `sha` and runs `pytest --junitxml=junit.xml` with the contexts asked for; leaves
 * junit.xml and the combined .coverage (`coverage combine`, as pytest-cov does) in the checkout.
 */
export function runPytest(dir: string, sha: string, opts: PytestRunOptions = {}): void {
  git(dir, ['checkout', '-q', sha]);
  for (const f of ['.coverage', '.coverage.plugin', '.coverage.pytestcov', 'junit.xml', 'flip.marker']) rmSync(join(dir, f), { force: true });
  let cwd = dir;
  if (opts.runAt) {
    rmSync(opts.runAt, { recursive: true, force: true });
    mkdirSync(opts.runAt, { recursive: true });
    const gitDir = join(dir, '.git');
    cpSync(dir, opts.runAt, { recursive: true, filter: (src) => src !== gitDir && !src.startsWith(`${gitDir}/`) });
    cwd = opts.runAt;
  }
  const python = pythonWithCoverage();
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', FF_CONTEXTS: opts.contexts ?? 'plugin', ...opts.env };
  if (opts.coveragerc !== undefined) {
    const rc = join(mkdtempSync(join(tmpdir(), 'ff-covrc-')), 'coveragerc');
    writeFileSync(rc, opts.coveragerc);
    env.COVERAGE_RCFILE = rc;
  }
  try {
    execFileSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--junitxml=junit.xml', ...(opts.args ?? [])], { cwd, env, stdio: 'pipe' });
  } catch (e) {
    // pytest exits 1 when a test failed; anything else is a broken setup.
    if ((e as { status?: number }).status !== 1) throw e;
  }
  const parts = ['.coverage.pytestcov', ...(opts.contexts === 'pytest-cov' ? [] : ['.coverage.plugin'])];
  execFileSync(python, ['-m', 'coverage', 'combine', ...parts], { cwd, env, stdio: 'pipe' });
  if (opts.runAt) {
    for (const f of ['.coverage', 'junit.xml']) writeFileSync(join(dir, f), readFileSync(join(cwd, f)));
  }
}
