/**
 * The built CLI (dist/cli.js; `npm run build` first) as a person meets it: help for every command, the version,
 * messages that name its flags, result files anywhere on the machine, colour and progress only on a terminal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { repoRoot, runAction } from '../../scripts/local-runner.ts';
import { requireSystem } from '../helpers/require-system.ts';
import { startProgress } from '../../src/cli/cli-progress.ts';

const CLI = join(repoRoot, 'dist/cli.js');
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
/** SGR escapes: colours and bold (the progress line's erase-line is not colour). */
const ANSI = /\x1b\[[0-9;]*m/;

/** The environment of a person's shell: no colour settings unless a test gives them. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'NODE_TEST_CONTEXT']) if (!(k in extra)) delete e[k];
  return e;
}

function cli(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}, cliPath = CLI) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: env(extra) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

/** The CLI on a real pseudo-terminal (util-linux `script`), stdout and stderr both a TTY. */
function onTerminal(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const script = requireSystem('script');
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync(script, ['-qec', cmd, '/dev/null'], { cwd, encoding: 'utf8', timeout: 60_000, env: env(extra) });
  return { code: r.status, out: r.stdout };
}

/** A person's project folder with the samples, and result files somewhere else on the machine. */
function layout() {
  const base = mkdtempSync(join(tmpdir(), 'ff-cli-usage-'));
  const project = join(base, 'project');
  const elsewhere = join(base, 'elsewhere', 'results');
  cpSync(join(repoRoot, 'samples'), project, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  copyFileSync(join(repoRoot, 'samples/run-1/junit.xml'), join(elsewhere, 'junit.xml'));
  return { base, project, elsewhere };
}

describe('help and version', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ff-cli-help-'));

  test('flakefighters --help lists the commands and exits 0', () => {
    const r = cli(cwd, ['--help']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^Usage: flakefighters <command>/);
    for (const c of ['classify', 'report', 'sync']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
    assert.match(r.stdout, /--version/);
    assert.equal(r.stderr, '');
  });

  for (const [command, required] of [
    ['classify', ['--results', '--database', '--fail-on', '--environment']],
    ['report', ['--database', '--report-dir', '--run']],
    ['sync', ['--from', '--to', '--dry-run', '--reclassify']],
  ] as const) {
    test(`flakefighters ${command} --help (and -h, and help ${command}) shows that command's options and does nothing else`, () => {
      for (const args of [[command, '--help'], [command, '-h'], ['help', command], [command, '--results', 'x.xml', '--help']]) {
        if (command !== 'classify' && args.includes('--results')) continue;
        const r = cli(cwd, args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.all}`);
        assert.match(r.stdout, new RegExp(`^Usage: flakefighters ${command} `));
        for (const flag of required) assert.ok(r.stdout.includes(flag), `${command} --help names ${flag}`);
        assert.doesNotMatch(r.stdout, /Unknown option/);
        assert.equal(r.stderr, '');
      }
      assert.ok(!existsSync(join(cwd, 'flakefighters.db')), 'help opened no database');
    });
  }

  test('--version and -V print the version from package.json, bundled into dist/cli.js', () => {
    assert.equal(cli(cwd, ['--version']).stdout, `flakefighters ${VERSION}\n`);
    assert.equal(cli(cwd, ['-V']).code, 0);
    // Away from the repository (no package.json anywhere above it), the bundle still knows its version.
    const alone = mkdtempSync(join(tmpdir(), 'ff-cli-alone-'));
    copyFileSync(CLI, join(alone, 'cli.js'));
    const r = cli(alone, ['--version'], {}, join(alone, 'cli.js'));
    assert.equal(r.code, 0, r.all);
    assert.equal(r.stdout, `flakefighters ${VERSION}\n`);
  });

  test('no command: the usage on stderr, exit 2', () => {
    const r = cli(cwd, []);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: flakefighters/);
  });
});

describe('messages name the flags, not the action inputs', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ff-cli-flags-'));
  const cases: [string, string[], RegExp][] = [
    ['a missing --results', ['classify'], /^flakefighters: classify: --results is required: .*--results 'reports\/\*\*\/\*\.xml'/],
    ['a bad --fail-on', ['classify', '--results', 'x.xml', '--fail-on', 'maybe'], /^flakefighters: --fail-on is 'maybe'; use one of: genuine, any, never\.$/],
    ['a bad --store-max-runs', ['classify', '--results', 'x.xml', '--store-max-runs', 'lots'], /^flakefighters: --store-max-runs is 'lots'/],
    ['results that match nothing', ['classify', '--results', 'nothing/*.xml'], /^flakefighters: --results: no result files match nothing\/\*\.xml .* set --if-no-files-found to warn or ignore\.$/],
  ];
  for (const [name, args, expected] of cases) {
    test(name, () => {
      const r = cli(cwd, args);
      assert.equal(r.code, 2, r.all);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), expected);
      assert.doesNotMatch(r.stderr, /Input '|(?<![\w-])(test-results|if-no-files-found|store-max-runs|fail-on)\b/, 'no bare input name');
    });
  }
});

describe('result files anywhere on the machine', () => {
  test('an absolute --results path outside the current directory is read', () => {
    const { project, elsewhere } = layout();
    const r = cli(project, ['classify', '--results', join(elsewhere, 'junit.xml'), '--root', 'project', '--database', 'h.db']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stderr, /Read 6 tests from 1 file\(s\)/);
    assert.match(r.stdout, /flaky +tests\/test_shop\.py::TestInventory::test_supplier_online/);
    // The database, the root and the reports stay relative to the current directory.
    assert.ok(existsSync(join(project, 'h.db')));
  });

  test('so are ../ globs and absolute paths inside it, next to relative ones', () => {
    const { project, elsewhere } = layout();
    const rel = cli(project, ['classify', '--results', '../elsewhere/results/*.xml', '--results', 'run-2/*.xml', '--no-save']);
    assert.equal(rel.code, 0, rel.all);
    // Both files are read. They hold the same 6 tests and neither is a rerun of the other's failures, so each
    // copy is its own test (issue 12: files of two legs are never merged), and a note says so.
    assert.match(rel.stderr, /Read 12 tests from 2 file\(s\)/);
    assert.match(rel.stderr, /6 tests are in more than one of these files/);
    const inside = cli(project, ['classify', '--results', join(project, 'run-2', 'junit.xml'), '--no-save']);
    assert.equal(inside.code, 0, inside.all);
    assert.match(inside.stderr, /Read \d+ tests from 1 file\(s\)/);
    assert.ok(existsSync(elsewhere));
  });

  test('the action still reads nothing outside its workspace', async () => {
    const { project, elsewhere } = layout();
    const run = await runAction({ inputs: { 'test-results': join(elsewhere, 'junit.xml'), 'upload-artifact': 'false', 'history-from-artifact': 'false' }, workspace: project });
    assert.notEqual(run.code, 0);
    assert.match(run.all, /points outside the workspace/);
  });
});

describe('colour and progress only on a terminal', () => {
  const args = ['classify', '--results', 'run-1/*.xml', '--root', 'project', '--no-save'];

  test('piped: no colour, no progress line; FORCE_COLOR turns colour on', () => {
    const { project } = layout();
    const plain = cli(project, args);
    assert.equal(plain.code, 0, plain.all);
    assert.doesNotMatch(plain.all, ANSI);
    assert.doesNotMatch(plain.all, /\r/);
    const forced = cli(project, args, { FORCE_COLOR: '1' });
    assert.match(forced.stdout, /\x1b\[33mflaky\x1b\[0m/);
  });

  test('on a terminal: coloured, unless NO_COLOR', () => {
    const { project } = layout();
    const tty = onTerminal(project, args);
    assert.equal(tty.code, 0, tty.out);
    assert.match(tty.out, /\x1b\[33mflaky\x1b\[0m/);
    const noColor = onTerminal(project, args, { NO_COLOR: '1' });
    assert.equal(noColor.code, 0, noColor.out);
    assert.match(noColor.out, /flaky +tests\/test_shop\.py/);
    assert.doesNotMatch(noColor.out, ANSI);
  });
});

describe('the progress line (src/cli/cli-progress.ts)', () => {
  function stream(isTTY: boolean) {
    const s = Object.assign(new PassThrough(), { isTTY }) as PassThrough & { isTTY: boolean };
    let text = '';
    s.on('data', (d) => (text += d));
    return { s: s as unknown as NodeJS.WriteStream, text: () => text };
  }

  test('on a terminal: drawn in place after the delay, erased by clear and stop, silent after stop', async () => {
    const t = stream(true);
    const p = startProgress('classifying', t.s, { delayMs: 20, everyMs: 10 });
    assert.equal(t.text(), '', 'short work shows nothing');
    await sleep(60);
    assert.match(t.text(), /^\r\x1b\[Kclassifying… 0s/);
    assert.doesNotMatch(t.text(), /\n/, 'redrawn in place, never a new line');
    p.stop();
    assert.ok(t.text().endsWith('\r\x1b[K'), 'erased at the end');
    const after = t.text().length;
    await sleep(40);
    assert.equal(t.text().length, after);
  });

  test('in a pipe or a log: nothing at all', async () => {
    const t = stream(false);
    const p = startProgress('classifying', t.s, { delayMs: 1, everyMs: 1 });
    await sleep(20);
    p.stop();
    assert.equal(t.text(), '');
  });
});
