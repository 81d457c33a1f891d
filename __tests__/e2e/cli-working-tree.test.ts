/**
 * The built CLI (dist/cli.js; `npm run build` first) in a real git repository, over JUnit XML that
 * pytest writes for a small project: a run on a working tree with uncommitted changes to tracked files
 * is the same code as no other run, so OutcomeFlip links it to none; a clean run on HEAD is linked to
 * the clean runs of HEAD on the same machine; a named --environment is its own environment.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, hostname, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/local-runner.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';

const CLI = join(repoRoot, 'dist/cli.js');
const TOTAL = 'tests/test_cart.py::test_total';
const MACHINE = `${hostname()} (${platform()} ${arch()})`;

/** The price service stands in for a network call: down now and then, which makes test_total flaky. */
const CART = `import os


def total(items):
    if os.environ.get("PRICE_SERVICE_DOWN"):
        raise TimeoutError("price service did not answer in time")
    return sum(price * quantity for price, quantity in items)
`;
const TESTS = `from shop.cart import total


def test_total():
    assert total([(3, 2), (4, 1)]) == 10


def test_empty():
    assert total([]) == 0
`;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A repository with the project committed; reports and the database stay untracked. */
function repository(): { dir: string; head: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ff-tree-'));
  mkdirSync(join(dir, 'shop'));
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'shop', '__init__.py'), '');
  writeFileSync(join(dir, 'shop', 'cart.py'), CART);
  writeFileSync(join(dir, 'tests', '__init__.py'), '');
  writeFileSync(join(dir, 'tests', 'test_cart.py'), TESTS);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', 'shop', 'tests');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'shop');
  return { dir, head: git(dir, 'rev-parse', 'HEAD') };
}

/** pytest writes reports/<name>.xml (its exit status is the tests', not ours). */
function pytest(dir: string, name: string, env: Record<string, string> = {}): string {
  const file = `reports/${name}.xml`;
  const r = spawnSync('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${file}`, 'tests'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  assert.ok(r.status === 0 || r.status === 1, `pytest ran: ${r.stdout}${r.stderr}`);
  return file;
}

function classify(dir: string, results: string, extra: string[] = []) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  delete env.FLAKEFIGHTERS_ENVIRONMENT;
  for (const k of Object.keys(env)) if (k.startsWith('GITHUB_')) delete env[k];
  const r = spawnSync(process.execPath, [CLI, 'classify', '--results', results, '--database', 'flakefighters.db', '--report-dir', 'out', ...extra], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env,
  });
  const report = JSON.parse(readFileSync(join(dir, 'out', 'flakefighters.json'), 'utf8'));
  const t = report.tests.find((x: { name: string }) => x.name === TOTAL);
  // Schema version 2: a simply-passing test has no executions array.
  const flip = (t?.executions ?? []).flatMap((e: { results: { name: string; flaky: boolean; evidence: { reason: string } }[] }) => e.results).find((x: { name: string }) => x.name === 'OutcomeFlip');
  return { code: r.status, all: r.stdout + r.stderr, verdict: t ? (t.verdict as string) : null, reason: (flip?.evidence?.reason as string | undefined) ?? null };
}

describe('classify on a working tree with uncommitted changes', () => {
  const { dir, head } = repository();
  const short = head.slice(0, 7);
  const runs: ReturnType<typeof classify>[] = [];
  before(() => {
    runs.push(classify(dir, pytest(dir, 'clean-pass')));
    // A bug in a tracked file, not committed.
    writeFileSync(join(dir, 'shop', 'cart.py'), CART.replace('price * quantity', 'price - quantity'));
    runs.push(classify(dir, pytest(dir, 'dirty-fail')));
    writeFileSync(join(dir, 'shop', 'cart.py'), CART);
    runs.push(classify(dir, pytest(dir, 'clean-fail', { PRICE_SERVICE_DOWN: '1' }), ['--target-commit', 'HEAD']));
    runs.push(classify(dir, pytest(dir, 'elsewhere-fail', { PRICE_SERVICE_DOWN: '1' }), ['--environment', 'ci-container-py3.11', '--active-flakefighters', 'OutcomeFlip']));
  });

  test('a clean run on HEAD passes and untracked files (reports, the database) do not make the tree dirty', () => {
    assert.equal(runs[0].code, 0, runs[0].all);
    assert.equal(runs[0].verdict, 'passed');
  });

  test('a failure on the dirty tree is genuine although the test passed on HEAD before', () => {
    const r = runs[1];
    assert.equal(r.code, 1, r.all);
    assert.equal(r.verdict, 'genuine');
    assert.equal(r.reason, `never passed in this run; the working tree had uncommitted changes, so no stored run of ${short} is the same code`);
    assert.match(r.all, /uncommitted changes to tracked files/);
  });

  test('a clean re-run on HEAD that fails is flaky: it passed in the clean run of HEAD on this machine, not the dirty one', () => {
    const r = runs[2];
    assert.equal(r.code, 0, r.all);
    assert.equal(r.verdict, 'flaky');
    assert.equal(r.reason, `passed on the same commit ${short} in run #1 (${MACHINE})`);
  });

  // OutcomeFlip alone: TracebackMatching would rightly call this failure flaky, its traceback being run 3's flaky one.
  test('a run named as another environment is compared with none of this machine', () => {
    const r = runs[3];
    assert.equal(r.code, 1, r.all);
    assert.equal(r.verdict, 'genuine');
    assert.equal(r.reason, `never passed on this commit ${short}, in this run or in 0 stored run(s) of this environment (ci-container-py3.11)`);
  });

  test('the database keeps HEAD as the commit, the dirty flag and the environment of every run', async () => {
    const rows = await dbRows(join(dir, 'flakefighters.db'), 'SELECT r.id, r.commit_sha, f.dirty_tree, f.environment_label, f.source FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id');
    assert.deepEqual(rows, [
      { id: 1, commit_sha: head, dirty_tree: 0, environment_label: MACHINE, source: 'cli' },
      { id: 2, commit_sha: head, dirty_tree: 1, environment_label: MACHINE, source: 'cli' },
      { id: 3, commit_sha: head, dirty_tree: 0, environment_label: MACHINE, source: 'cli' },
      { id: 4, commit_sha: head, dirty_tree: 0, environment_label: 'ci-container-py3.11', source: 'cli' },
    ]);
  });
});

describe('a pass on a dirty tree is no evidence for a clean run', () => {
  test('the clean failure is genuine', () => {
    const { dir, head } = repository();
    // A harmless uncommitted edit still makes the tree another code state.
    writeFileSync(join(dir, 'tests', 'test_cart.py'), `${TESTS}\n# local note\n`);
    const dirtyPass = classify(dir, pytest(dir, 'dirty-pass'));
    assert.equal(dirtyPass.code, 0, dirtyPass.all);
    git(dir, 'checkout', '--', 'tests/test_cart.py');
    const cleanFail = classify(dir, pytest(dir, 'clean-fail', { PRICE_SERVICE_DOWN: '1' }));
    assert.equal(cleanFail.code, 1, cleanFail.all);
    assert.equal(cleanFail.verdict, 'genuine');
    assert.equal(cleanFail.reason, `never passed on this commit ${head.slice(0, 7)}, in this run or in 0 stored run(s) of this environment (${MACHINE})`);
  });

  test('FLAKEFIGHTERS_ENVIRONMENT names the environment like --environment; a bad name is one line, exit 2', async () => {
    const { dir } = repository();
    const results = pytest(dir, 'pass');
    const run = (name: string) =>
      spawnSync(process.execPath, [CLI, 'classify', '--results', results, '--database', 'f.db'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FLAKEFIGHTERS_ENVIRONMENT: name },
      });
    const bad = run('x'.repeat(201));
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /FLAKEFIGHTERS_ENVIRONMENT must be one line of at most 200 characters/);
    const good = run('  build-box-7 ');
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.deepEqual(await dbRows(join(dir, 'f.db'), 'SELECT environment, environment_label FROM ffa_run'), [
      { environment: '["named","build-box-7"]', environment_label: 'build-box-7' },
    ]);
  });
});
