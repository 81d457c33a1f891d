/** The built CLI (dist/cli.js) over the bundled samples: the same pipeline as the action, a terminal table. */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/local-runner.ts';

const CLI = join(repoRoot, 'dist/cli.js');

function cli(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

describe('flakefighters classify', () => {
  const ws = mkdtempSync(join(tmpdir(), 'ff-cli-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  const runs: ReturnType<typeof cli>[] = [];
  before(() => {
    for (const n of [1, 2, 3]) {
      runs.push(cli(ws, ['classify', '--results', `run-${n}/*.xml`, '--root', 'project', '--database', 'local.db', '--target-commit', 'abc'[n - 1].repeat(40), '--report-dir', `out-${n}`]));
    }
  });

  test('three runs: exit 0, 0, then 1 for the genuine failure', () => {
    assert.deepEqual(runs.map((r) => r.code), [0, 0, 1], runs.map((r) => r.all).join('\n----\n'));
  });

  test('the terminal table shows each failing test with its verdict', () => {
    const out = runs[2].stdout;
    assert.match(out, /test_total/);
    assert.match(out, /genuine/);
    assert.match(out, /test_supplier_online/);
    assert.match(out, /flaky/);
    assert.match(runs[2].stderr, /1 genuine test failure/);
    assert.doesNotMatch(runs[2].all, /::(error|warning|add-mask)/, 'no workflow commands outside the runner');
  });

  test('the runs are saved to the local database and reports are written', () => {
    assert.ok(existsSync(join(ws, 'local.db')));
    const json = JSON.parse(readFileSync(join(ws, 'out-3', 'flakefighters.json'), 'utf8'));
    assert.equal(json.schemaVersion, 2);
    const report = cli(ws, ['report', '--database', 'local.db', '--report-dir', 'from-db']);
    assert.equal(report.code, 0, report.all);
    assert.ok(readFileSync(join(ws, 'from-db', 'flakefighters.html'), 'utf8').includes('test_supplier_online'));
  });

  test('the plugin-style sqlite:/// URL names the same kind of file', () => {
    const r = cli(ws, ['classify', '--results', 'run-2/*.xml', '--root', 'project', '--database-url', 'sqlite:///url.db']);
    assert.equal(r.code, 0, r.all);
    assert.ok(existsSync(join(ws, 'url.db')));
  });
});

describe('CLI usage errors: one line, exit 2', () => {
  const ws = mkdtempSync(join(tmpdir(), 'ff-cli-bad-'));
  const cases: [string, string[], RegExp][] = [
    ['unknown command', ['frobnicate'], /Unknown command 'frobnicate'/],
    ['unknown flag', ['classify', '--results', 'x.xml', '--bogus'], /bogus/],
    ['missing results', ['classify'], /--results is required/],
    ['bad fail-on', ['classify', '--results', 'x.xml', '--fail-on', 'maybe'], /--fail-on is 'maybe'/],
    ['secret URL stays secret', ['classify', '--results', 'x.xml', '--database-url', 'mysql://u:s3cr3tpw@h/db'], /accepted forms/],
  ];
  for (const [name, args, expected] of cases) {
    test(name, () => {
      const r = cli(ws, args);
      assert.equal(r.code, 2, r.all);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^flakefighters: /);
      assert.match(lines[0], expected);
      assert.doesNotMatch(r.all, /s3cr3tpw/);
    });
  }
});
