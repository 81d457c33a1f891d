/**
 * DiffCov (DeFlaker) end to end with the built action: a real Python project in a real git
 * repository (two commits), its tests measured by the real coverage.py with per-test contexts the
 * way pytest-cov's --cov-context=test records them, the JUnit XML its runner writes, and the changed
 * lines taken from `git diff` in a full clone and from the GitHub compare API (a local stand-in
 * driven by the real Octokit client) in a shallow one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startRestStandIn, type RestStandIn } from '../helpers/rest-stand-in.ts';
import { pythonWithCoverage } from '../coverage/python-project.ts';
import { compareFromRepo, git } from '../coverage/git-repo.ts';

const APP_V1 = `def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def ping():
    return True
`;
// Commit 2 breaks mul (a changed line that test_mul runs); ping is untouched.
const APP_V2 = APP_V1.replace('    return a * b', '    return a * b + 1');

const TESTS = `import os
import app


def test_add():
    assert app.add(2, 3) == 5


def test_mul():
    assert app.mul(2, 3) == 6


def test_network():
    # Fails when the environment says the network is down: nothing to do with the code.
    assert app.ping() and os.environ.get('NETWORK') != 'down', 'network did not answer'
`;

/** Runs each test in its own coverage context (pytest-cov's naming) and writes pytest-style JUnit XML. */
const RUNNER = `import sys, os, traceback, coverage
from xml.sax.saxutils import escape, quoteattr
sys.path.insert(0, os.getcwd())
cov = coverage.Coverage(data_file='.coverage', config_file=False)
cov.start()
import tests.test_app as mod
cases = []
for name in ['test_add', 'test_mul', 'test_network']:
    nodeid = 'tests/test_app.py::' + name
    cov.switch_context(nodeid + '|run')
    try:
        getattr(mod, name)()
        cases.append((name, None))
    except AssertionError as e:
        cases.append((name, (str(e) or 'assert', traceback.format_exc())))
cov.switch_context('')
cov.stop()
cov.save()
out = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="%d">' % len(cases)]
for name, failure in cases:
    out.append('<testcase classname="tests.test_app" name="%s" time="0.001">' % name)
    if failure:
        out.append('<failure message=%s>%s</failure>' % (quoteattr(failure[0]), escape(failure[1])))
    out.append('</testcase>')
out.append('</testsuite></testsuites>')
open('junit.xml', 'w').write(''.join(out))
`;

interface Project {
  dir: string;
  c1: string;
  c2: string;
}

function makeProject(): Project {
  const dir = mkdtempSync(join(tmpdir(), 'ff-diffcov-'));
  const write = (p: string, s: string) => writeFileSync(join(dir, p), s);
  git(dir, ['init', '-q', '-b', 'main']);
  execFileSync('mkdir', ['-p', join(dir, 'tests')]);
  write('app.py', APP_V1);
  write('tests/__init__.py', '');
  write('tests/test_app.py', TESTS);
  write('.gitignore', '.coverage\njunit.xml\nflakefighters.db\nflakefighters-report/\n__pycache__/\nrunner.py\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'v1']);
  const c1 = git(dir, ['rev-parse', 'HEAD']).trim();
  write('app.py', APP_V2);
  git(dir, ['commit', '-q', '-am', 'v2']);
  const c2 = git(dir, ['rev-parse', 'HEAD']).trim();
  return { dir, c1, c2 };
}

/** Checks out `sha`, runs the tests under coverage with `env`, leaves junit.xml and .coverage in `dir`. */
function runTests(dir: string, sha: string, env: Record<string, string> = {}) {
  git(dir, ['checkout', '-q', sha]);
  writeFileSync(join(dir, 'runner.py'), RUNNER);
  execFileSync(pythonWithCoverage(), ['runner.py'], { cwd: dir, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env } });
}

function classify(dir: string, sha: string, before: string, extra: Partial<Parameters<typeof runAction>[0]> = {}, inputs: Record<string, string> = {}) {
  return runAction({
    workspace: dir,
    inputs: {
      'test-results': 'junit.xml',
      coverage: '.coverage',
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      'fail-on': 'never',
      ...inputs,
    },
    sha,
    event: { name: 'push', payload: { before, after: sha } },
    ...extra,
  });
}

function verdicts(r: ActionRun) {
  return { flaky: JSON.parse(r.outputs['flaky-tests']) as string[], genuine: Number(r.outputs['genuine-failures']) };
}

describe('DiffCov through the action, changed lines from git diff', () => {
  const p = makeProject();
  let second: ActionRun;
  before(async () => {
    runTests(p.dir, p.c1);
    const first = await classify(p.dir, p.c1, '0'.repeat(40));
    assert.equal(first.code, 0, first.all);
    assert.equal(first.outputs.failed, '0', first.all);
    // Commit 2: mul is broken by the change; the network test fails for a reason outside the code.
    runTests(p.dir, p.c2, { NETWORK: 'down' });
    second = await classify(p.dir, p.c2, p.c1);
  });

  test('a failure that runs changed code is genuine; one that runs none and flipped is flaky', () => {
    assert.equal(second.code, 0, second.all);
    assert.equal(second.outputs.failed, '2');
    assert.deepEqual(verdicts(second), { flaky: ['tests/test_app.py::test_network'], genuine: 1 });
    assert.match(second.summary, /DiffCov/);
    assert.doesNotMatch(second.all, /::warning::DiffCov/, 'DiffCov had its commits, coverage and source runs');
  });

  test('SFFL ranks the code only the flaky test runs as most suspicious of flakiness, in sffl.csv', async () => {
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(join(p.dir, 'flakefighters-report', 'sffl.csv'), 'utf8').split('\n');
    assert.equal(csv[0], ',file,line,suspiciousness');
    // ping's body (line 10) runs only under test_network, the one flaky test: ochiai 1.0.
    assert.match(csv[1], /^0,.*app\.py,10,1\.0$/, csv.join('\n'));
    // mul's body (line 6) runs only under the genuine failure: not suspicious of flakiness.
    assert.match(csv.find((l) => /app\.py,6,/.test(l)) ?? '', /,0\.0$/);
  });
});

describe('DiffCov through the action, changed lines from the compare API (shallow clone)', () => {
  const full = makeProject();
  let api: RestStandIn;
  let second: ActionRun;
  before(async () => {
    api = await startRestStandIn();
    api.route('GET', /^\/repos\/octo\/shop\/compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)$/, compareFromRepo({ dir: full.dir, c1: full.c1, c2: full.c2 }, 100));
    const shallow = mkdtempSync(join(tmpdir(), 'ff-diffcov-shallow-'));
    // Runners check out one commit (fetch-depth: 1): the source commit is not there to diff against.
    git(shallow, ['clone', '-q', '--depth', '1', '--branch', 'main', `file://${full.dir}`, 'ws']);
    const ws = join(shallow, 'ws');
    git(full.dir, ['checkout', '-q', full.c1]);
    runTests(full.dir, full.c1);
    const first = await classify(full.dir, full.c1, '0'.repeat(40), {}, { 'database-path': join(shallow, 'history.db') });
    assert.equal(first.code, 0, first.all);
    runTests(ws, full.c2, { NETWORK: 'down' });
    second = await classify(ws, full.c2, full.c1, { env: { GITHUB_API_URL: api.url } }, { 'database-path': join(shallow, 'history.db'), 'github-token': 'ghs_testtoken123' });
  });
  after(() => api.close());

  test('the compare API is asked, and the verdicts are the same as with git diff', () => {
    assert.equal(second.code, 0, second.all);
    assert.ok(api.log.some((l) => l.path.includes(`/compare/${full.c1}...${full.c2}`)), 'the compare API was called');
    assert.deepEqual(verdicts(second), { flaky: ['tests/test_app.py::test_network'], genuine: 1 });
    assert.doesNotMatch(second.all.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), /ghs_testtoken123/);
  });
});
