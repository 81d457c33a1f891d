import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareFilesOf } from '../../src/github/compare-commits.ts';
import { changedLines, defaultCommits, type ChangedLines } from '../../src/ingest/git-diff.ts';
import { startRestStandIn, type RestStandIn } from '../helpers/rest-stand-in.ts';
import { compareFromRepo, git, makeRepo, type Repo } from './git-repo.ts';

const plain = (m: Map<string, Set<number>>, base: string): Record<string, number[]> =>
  Object.fromEntries(
    [...m]
      .map(([k, v]) => [k.startsWith(base) ? k.slice(base.length + 1) : k, [...v].sort((a, b) => a - b)] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/**
 * What `unidiff.PatchSet` gives on this repository's `git diff -U0 --no-prefix` (checked with
 * Debian's python3-unidiff 0.7.3): modified files only, even binary ones and those with pure
 * deletions (as empty lists); added, deleted and renamed files absent.
 */
const EXPECTED_LINES = {
  'blob.bin': [],
  'calc.py': [1, 8, 11, 12, 13, 14, 15, 16, 17],
  'extra.py': [],
  'notes.txt': [2],
  'space name.txt': [2],
  'tests/test_calc.py': [5, 6, 7],
};
const EXPECTED_DEFS = { 'calc.py': [12], 'tests/test_calc.py': [6] };

describe('changedLines through local git', () => {
  let repo: Repo;
  let res: ChangedLines;
  before(async () => {
    repo = makeRepo();
    repo.dir = realpathSync(repo.dir);
    res = await changedLines({ workspace: repo.dir, root: repo.dir, source: repo.c1, target: repo.c2 });
  });

  test('modified files only, new-version lines, pure deletions add nothing, keys absolute', () => {
    assert.equal(res.via, 'git');
    assert.equal(res.warning, undefined);
    assert.deepEqual(plain(res.linesChanged, repo.dir), EXPECTED_LINES);
    for (const k of res.linesChanged.keys()) assert.ok(k.startsWith(`${repo.dir}/`));
  });

  test('method declarations: the def line (not the decorator) of changed defs, async too', () => {
    assert.deepEqual(plain(res.methodDeclarations, repo.dir), EXPECTED_DEFS);
  });

  test('run from a subdirectory, paths are still keyed by the repository top level', async () => {
    const sub = await changedLines({ workspace: join(repo.dir, 'tests'), root: repo.dir, source: repo.c1, target: repo.c2 });
    assert.deepEqual(plain(sub.linesChanged, repo.dir), EXPECTED_LINES);
  });

  test('target null diffs the working tree (the dirty-repo case)', async () => {
    const wt = makeRepo();
    writeFileSync(join(wt.dir, 'notes.txt'), 'a\nB\nc\nd\n');
    const r = await changedLines({ workspace: wt.dir, root: wt.dir, source: wt.c2, target: null });
    assert.equal(r.via, 'git');
    assert.deepEqual(plain(r.linesChanged, realpathSync(wt.dir)), { 'notes.txt': [4] });
  });

  test('a commit that git would read as an option is a UserError naming the input', async () => {
    await assert.rejects(
      changedLines({ workspace: repo.dir, root: repo.dir, source: '--output=/tmp/x', target: repo.c2 }),
      (e: Error) => e.name === 'UserError' && /`source-commit` value "--output=\/tmp\/x" is not a commit/.test(e.message),
    );
    await assert.rejects(changedLines({ workspace: repo.dir, root: repo.dir, source: repo.c1, target: '-p' }), /`target-commit`/);
  });

  test('no source commit: nothing changed, with a warning', async () => {
    const r = await changedLines({ workspace: repo.dir, root: repo.dir, source: null, target: repo.c2 });
    assert.equal(r.via, 'none');
    assert.equal(r.linesChanged.size, 0);
    assert.match(r.warning!, /no source commit/);
  });
});


describe('changedLines through the GitHub compare API (shallow clone)', () => {
  let repo: Repo;
  let shallow: string;
  let api: RestStandIn;
  before(async () => {
    repo = makeRepo();
    shallow = realpathSync(mkdtempSync(join(tmpdir(), 'ff-shallow-')));
    git(tmpdir(), ['clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow]);
    api = await startRestStandIn();
    api.route('GET', /^\/repos\/acme\/calc\/compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)$/, compareFromRepo(repo, 4));
  });
  after(() => api.close());

  test('the shallow clone lacks the source commit, so the API is used and gives what git gives', async () => {
    assert.throws(() => git(shallow, ['cat-file', '-e', `${repo.c1}^{commit}`]));
    const res = await changedLines({
      workspace: shallow,
      root: shallow,
      source: repo.c1,
      target: repo.c2,
      compareFiles: compareFilesOf({ token: 'test-token', owner: 'acme', repo: 'calc', apiUrl: api.url }),
    });
    assert.equal(res.via, 'api');
    // GitHub omits the patch of a binary file: same (empty) lines as git, plus a warning.
    assert.deepEqual(plain(res.linesChanged, shallow), EXPECTED_LINES);
    assert.deepEqual(plain(res.methodDeclarations, shallow), EXPECTED_DEFS);
    assert.match(res.warning!, /no patch \(too large or binary\) for blob\.bin/);
    const calls = api.log.filter((l) => l.path.includes('/compare/'));
    assert.equal(calls.length, 3, 'followed rel="next" over 3 pages of 4 files');
    assert.ok(calls.every((c) => c.status === 200 && c.authorization === 'token test-token'));
  });

  test("locally in the shallow clone, HEAD's parent is read from HEAD's object, and the API diffs it", async () => {
    const commits = await defaultCommits(null, null, { workspace: shallow });
    assert.deepEqual(commits, { source: repo.c1, target: repo.c2 });
    const res = await changedLines({ workspace: shallow, root: shallow, ...commits, compareFiles: compareFilesOf({ token: 't', owner: 'acme', repo: 'calc', apiUrl: api.url }) });
    assert.equal(res.via, 'api');
    assert.deepEqual(plain(res.linesChanged, shallow), EXPECTED_LINES);
  });

  test('a workspace that is no git checkout at all: the API still gives the lines, keyed under the workspace', async () => {
    const bare = realpathSync(mkdtempSync(join(tmpdir(), 'ff-nogit-')));
    const res = await changedLines({ workspace: bare, root: bare, source: repo.c1, target: repo.c2, compareFiles: compareFilesOf({ token: 't', owner: 'acme', repo: 'calc', apiUrl: api.url }) });
    assert.equal(res.via, 'api');
    assert.deepEqual(plain(res.linesChanged, bare), EXPECTED_LINES);
    assert.equal(res.methodDeclarations.size, 0, 'no files on disk to read def lines from');
    const none = await changedLines({ workspace: bare, root: bare, source: repo.c1, target: repo.c2 });
    assert.match(none.warning!, /git cannot read .*not a git repository/);
  });

  test('API failure or no token: no changed lines and a warning saying why', async () => {
    const failing = await changedLines({
      workspace: shallow,
      root: shallow,
      source: 'deadbeef',
      target: repo.c2,
      compareFiles: compareFilesOf({ token: 't', owner: 'acme', repo: 'calc', apiUrl: api.url }),
    });
    assert.equal(failing.via, 'none');
    assert.match(failing.warning!, /not in the local clone .*compare API failed/);
    const noToken = await changedLines({ workspace: shallow, root: shallow, source: repo.c1, target: repo.c2 });
    assert.equal(noToken.via, 'none');
    assert.match(noToken.warning!, /fetch-depth: 0/);
  });
});

describe('defaultCommits', () => {
  test('pull_request: base and head; push: before and after; inputs override', async () => {
    const pr = { pull_request: { base: { sha: 'b'.repeat(40) }, head: { sha: 'h'.repeat(40) } } };
    assert.deepEqual(await defaultCommits('pull_request', pr), { source: 'b'.repeat(40), target: 'h'.repeat(40) });
    const merged = await defaultCommits('pull_request', pr, { checkoutSha: 'c'.repeat(40) });
    assert.equal(merged.source, 'b'.repeat(40));
    assert.equal(merged.target, 'c'.repeat(40));
    assert.match(merged.note!, /merge commit/);
    assert.deepEqual(await defaultCommits('pull_request', pr, { checkoutSha: 'h'.repeat(40) }), { source: 'b'.repeat(40), target: 'h'.repeat(40) });
    const push = { before: '1'.repeat(40), after: '2'.repeat(40) };
    assert.deepEqual(await defaultCommits('push', push), { source: '1'.repeat(40), target: '2'.repeat(40) });
    const mg = { merge_group: { base_sha: 'm'.repeat(40), head_sha: 'n'.repeat(40) } };
    assert.deepEqual(await defaultCommits('merge_group', mg), { source: 'm'.repeat(40), target: 'n'.repeat(40) });
    const o = await defaultCommits('push', push, { sourceCommit: 'abc', targetCommit: ' def ' });
    assert.equal(o.source, 'abc');
    assert.equal(o.target, 'def');
  });

  test('push of a new branch (all-zero before): no source, and the note says so', async () => {
    const r = await defaultCommits('push', { before: '0'.repeat(40), after: '2'.repeat(40) });
    assert.equal(r.source, null);
    assert.equal(r.target, '2'.repeat(40));
    assert.match(r.note!, /created the branch/);
    const overridden = await defaultCommits('push', { before: '0'.repeat(40), after: '2'.repeat(40) }, { sourceCommit: 'abc' });
    assert.equal(overridden.source, 'abc');
  });

  test("locally: the plugin's rule (clean → HEAD's parent..HEAD, dirty → HEAD..working tree)", async () => {
    const repo = makeRepo();
    assert.deepEqual(await defaultCommits(null, null, { workspace: repo.dir }), { source: repo.c1, target: repo.c2 });
    writeFileSync(join(repo.dir, 'untracked.txt'), 'new\n');
    assert.deepEqual(await defaultCommits(null, null, { workspace: repo.dir }), { source: repo.c1, target: repo.c2 }, 'untracked files do not make it dirty');
    writeFileSync(join(repo.dir, 'notes.txt'), 'changed\n');
    const dirty = await defaultCommits(null, null, { workspace: repo.dir });
    assert.equal(dirty.source, repo.c2);
    assert.equal(dirty.target, null);
  });

  test('locally on the first commit: no source commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-git-one-'));
    git(dir, ['init', '-q', '-b', 'main']);
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'only']);
    const r = await defaultCommits(undefined, undefined, { workspace: dir });
    assert.equal(r.source, null);
    assert.equal(r.target, git(dir, ['rev-parse', 'HEAD']).trim());
    assert.match(r.note!, /no parent/);
  });
});
