/** Which code a run is of (src/code-state.ts), in real git repositories. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCodeState } from '../src/code-state.ts';
import { UserError } from '../src/store/store.ts';

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function repo(): { dir: string; first: string; head: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ff-code-'));
  git(dir, 'init', '-q', '-b', 'main');
  const commit = (text: string) => {
    writeFileSync(join(dir, 'a.txt'), text);
    git(dir, 'add', 'a.txt');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', text);
    return git(dir, 'rev-parse', 'HEAD');
  };
  const first = commit('one\n');
  return { dir, first, head: commit('two\n') };
}

test('the CLI: HEAD, and whether tracked files have uncommitted changes (staged or not; untracked files do not count)', () => {
  const { dir, head } = repo();
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: null }), { commitSha: head, dirtyTree: false });
  writeFileSync(join(dir, 'untracked.xml'), '<testsuite/>');
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: null }), { commitSha: head, dirtyTree: false });
  writeFileSync(join(dir, 'a.txt'), 'changed\n');
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: null }), { commitSha: head, dirtyTree: true });
  git(dir, 'add', 'a.txt');
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: null }), { commitSha: head, dirtyTree: true }, 'staged is still uncommitted');
});

test('target-commit: a revision is resolved to its sha; the tree is looked at only when it is HEAD', () => {
  const { dir, first, head } = repo();
  writeFileSync(join(dir, 'a.txt'), 'changed\n');
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: 'HEAD' }), { commitSha: head, dirtyTree: true });
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: head.slice(0, 10) }), { commitSha: head, dirtyTree: true });
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: 'HEAD~1' }), { commitSha: first, dirtyTree: null });
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: 'main~1', runnerSha: head }), { commitSha: first, dirtyTree: null });
});

test('the action takes the runner sha and does not look at the tree', () => {
  const { dir } = repo();
  writeFileSync(join(dir, 'a.txt'), 'changed by a build step\n');
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: null, runnerSha: 'c'.repeat(40) }), { commitSha: 'c'.repeat(40), dirtyTree: null });
});

test('outside a repository: the sha as given (lower case), nothing for a name git cannot resolve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-nogit-'));
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: null }), { commitSha: null, dirtyTree: null });
  assert.deepEqual(readCodeState({ workspace: dir, targetCommit: 'ABCDEF1234' }), { commitSha: 'abcdef1234', dirtyTree: null });
  assert.throws(
    () => readCodeState({ workspace: dir, targetCommit: 'main' }),
    (e: Error) => e instanceof UserError && /^target-commit 'main' is not a commit git can resolve in /.test(e.message),
  );
});
