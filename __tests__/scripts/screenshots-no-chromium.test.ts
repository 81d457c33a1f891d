// scripts/screenshots.ts without a browser: one line naming what is missing and how to get it, exit 1, nothing run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/local-runner.ts';

function screenshots(env: NodeJS.ProcessEnv) {
  // An empty folder as PATH: no chromium there, whatever the machine has installed.
  const emptyPath = mkdtempSync(join(tmpdir(), 'ffa-nopath-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/screenshots.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, NODE_NO_WARNINGS: '1', PATH: emptyPath, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('no Chromium on PATH: one line with the install command and the variable, exit 1', () => {
  const r = screenshots({});
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^screenshots: Chromium not found .*apt-get install chromium.*CHROMIUM_PATH/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('CHROMIUM_PATH naming a file that is not there: one line naming it, exit 1', () => {
  const missing = join(tmpdir(), 'no-such-dir', 'chromium');
  const r = screenshots({ CHROMIUM_PATH: missing });
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.includes(`CHROMIUM_PATH is set to ${missing}, which does not exist`), r.stderr);
});
