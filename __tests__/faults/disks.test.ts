/**
 * Issue 16, case 10: a database-path that cannot be written (a read-only filesystem, a full one, a
 * parent that is a file) and one that is a symbolic link, through the built dist/index.js
 * (`npm run build` first). The filesystems are real: small tmpfs mounts when the tests run as root
 * (as in this project's CI container); otherwise a directory without write permission stands in for
 * the read-only one, and the full-disk case is not reachable (it says so in its diagnostic).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { endedInTime, noStackTrace, plainWarnings, runCount, sampleWorkspace } from './fault-helpers.ts';

const LIMIT_MS = 60_000;
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

function tmpfs(opts: string): string | null {
  if (!isRoot) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ff-fault-fs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});

function run(ws: string, databasePath: string, failOn: 'never' | 'genuine'): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: { 'test-results': 'run-3/*.xml', root: 'project', 'database-path': databasePath, 'fail-on': failOn, 'upload-artifact': 'false', 'history-from-artifact': 'false' },
    timeoutMs: LIMIT_MS,
  });
}

/** The one warning about the database path; the side file it names, with the run in it. */
async function assertKeptAside(r: ActionRun, path: string, cause: RegExp): Promise<string> {
  endedInTime(r);
  noStackTrace(r.all);
  const lines = plainWarnings(r).filter((w) => w.includes('could not be written'));
  assert.equal(lines.length, 1, `one warning about the path:\n${plainWarnings(r).join('\n')}`);
  const line = lines[0]!;
  assert.ok(line.startsWith(`database-path ${path} could not be written: `), line);
  assert.match(line, cause);
  assert.ok(!line.includes('\n'), 'one line');
  const side = / kept in (\S+\.db) instead/.exec(line)?.[1];
  assert.ok(side && existsSync(side), `the side file exists: ${line}`);
  assert.equal(await runCount(side), 1, 'the run is in the side file');
  // Classified and reported as without the fault.
  assert.equal(r.outputs.failed, '2');
  assert.equal(r.outputs['genuine-failures'], '2');
  assert.ok(r.summary.includes('could not be written'), 'the summary says so');
  return side;
}

describe('case 10: disks and paths', () => {
  test('a read-only filesystem: one line naming the path and the cause, exit 0 under fail-on: never', async (t) => {
    const ws = sampleWorkspace();
    let dir = tmpfs('ro,size=1m');
    if (!dir) {
      dir = join(ws, 'ro');
      mkdirSync(dir);
      chmodSync(dir, 0o555);
      t.diagnostic('not root: a directory without write permission stands in for a read-only filesystem');
    }
    const path = join(dir, 'flakefighters.db');
    const r = await run(ws, path, 'never');
    assert.equal(r.code, 0, r.all);
    await assertKeptAside(r, path, isRoot ? /read-only \(EROFS\)/ : /permission denied \(EACCES\)/);
  });

  test('a full filesystem: the cause is named and the exit code still follows fail-on (genuine failures fail the step)', async (t) => {
    const ws = sampleWorkspace();
    const dir = tmpfs('size=64k');
    if (!dir) {
      t.diagnostic('not root: no small filesystem can be mounted, the full-disk case cannot be made here');
      return;
    }
    // Leave a few kilobytes: less than the database needs.
    spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=1k', 'count=1000'], { stdio: 'ignore' });
    const path = join(dir, 'flakefighters.db');
    const r = await run(ws, path, 'genuine');
    assert.equal(r.code, 1, 'fail-on: genuine, two genuine failures');
    assert.ok(r.stdout.split('\n').some((l) => /^::error::2 genuine test failure/.test(l)), 'the failure is the tests, not the disk');
    await assertKeptAside(r, path, /no space left on the device \(ENOSPC\)/);
    assert.ok(!existsSync(path), 'no half-written database left behind');
  });

  test('a parent that is a file', async () => {
    const ws = sampleWorkspace();
    writeFileSync(join(ws, 'history'), 'not a directory\n');
    const path = join(ws, 'history', 'flakefighters.db');
    const r = await run(ws, path, 'never');
    assert.equal(r.code, 0, r.all);
    await assertKeptAside(r, path, /a parent of the path is a file, not a directory \(ENOTDIR\)/);
  });

  test('a symlinked database-path writes through to its target', async () => {
    const ws = sampleWorkspace();
    mkdirSync(join(ws, 'real'));
    const target = join(ws, 'real', 'history.db');
    // Run 1 writes the target directly; run 2 goes through the link.
    const first = await run(ws, target, 'never');
    assert.equal(first.code, 0, first.all);
    symlinkSync(join('real', 'history.db'), join(ws, 'link.db'));
    const r = await run(ws, 'link.db', 'never');
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(plainWarnings(r), []);
    assert.ok(lstatSync(join(ws, 'link.db')).isSymbolicLink(), 'the link is still a link');
    assert.equal(readlinkSync(join(ws, 'link.db')), join('real', 'history.db'));
    assert.equal(await runCount(target), 2, 'the target holds both runs');
    assert.ok(readFileSync(target).length > 0);
  });

  test('a dangling symlink creates its target', async () => {
    const ws = sampleWorkspace();
    mkdirSync(join(ws, 'store'));
    symlinkSync(join('store', 'new.db'), join(ws, 'dangling.db'));
    const r = await run(ws, 'dangling.db', 'never');
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    assert.ok(lstatSync(join(ws, 'dangling.db')).isSymbolicLink());
    assert.equal(await runCount(join(ws, 'store', 'new.db')), 1);
  });
});
