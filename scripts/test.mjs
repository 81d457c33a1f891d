#!/usr/bin/env node
// Runs the test files with node's own test runner (TypeScript through tsx), prints the spec
// report, then the plain closing line "N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function collect(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (entry === 'fixtures' || entry === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (/\.test\.ts$/.test(entry)) out.push(relative(root, p));
  }
  return out;
}
const args = process.argv.slice(2);
const files = args.length ? args : collect(join(root, '__tests__')).sort();
// Every temporary file the tests make goes under one folder of this run (TMPDIR for the test processes and all they
// start), removed at the end: thousands of workspaces, databases and runner files are not left in /tmp per run.
const runDir = mkdtempSync(join(tmpdir(), 'ff-test-'));
const tap = join(runDir, 'results.tap');
const testTmp = join(runDir, 'tmp');
mkdirSync(testTmp);
const res = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1', TMPDIR: testTmp } },
);
let passed = 0, failed = 0, skipped = 0;
try {
  // Top-level summary lines of the TAP stream (not indented) carry the totals.
  const text = readFileSync(tap, 'utf8');
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^# pass (\d+)$/.exec(line))) passed = Number(m[1]);
    else if ((m = /^# fail (\d+)$/.exec(line))) failed = Number(m[1]);
    else if ((m = /^# (?:skipped|todo) (\d+)$/.exec(line))) skipped += Number(m[1]);
    else if ((m = /^# cancelled (\d+)$/.exec(line))) failed += Number(m[1]);
  }
} catch {
  failed = Math.max(failed, 1);
}
if (res.status !== 0 && failed === 0) failed = 1;
rmSync(runDir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || res.status !== 0 ? 1 : 0);
