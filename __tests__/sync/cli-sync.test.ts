import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { lateRunFiles } from './scenario.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIST = join(ROOT, 'dist/cli.js');

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newestSource(p) : s.mtimeMs);
  }
  return t;
}

/** The built CLI when dist/cli.js is there and newer than src/, else the sources through tsx. */
const useDist = existsSync(DIST) && statSync(DIST).mtimeMs >= newestSource(join(ROOT, 'src'));
const CMD = useDist ? [DIST] : ['--import', 'tsx', join(ROOT, 'src/cli/cli.ts')];

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...CMD, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}


describe('flakefighters sync / report (CLI end to end)', () => {
  test('which CLI is tested', (t) => {
    t.diagnostic(useDist ? `testing the built ${DIST}` : 'dist/cli.js is missing or older than src/: testing `node --import tsx src/cli/cli.ts` instead');
  });

  test('usage errors exit 2 with one line', async () => {
    const [r, bad, missing] = await Promise.all([
      cli(['sync', '--from', 'a.db']),
      cli(['sync', '--from', 'a.db', '--to', 'b.db', '--bogus']),
      cli(['sync', '--from', '/nonexistent/x.db', '--to', 'b.db']),
    ]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /--from and --to are both required/);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--bogus/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /\/nonexistent\/x\.db does not exist/);
  });

  test('dry run, then sync with the late-run warning, then --reclassify, then report', async () => {
    const { src, dst, dir } = await lateRunFiles();
    const before = readFileSync(dst);
    // A copy of the destination gets the plain sync (alongside the dry run); the original gets --reclassify.
    const plain = join(dir, 'plain.db');
    copyFileSync(dst, plain);
    const [dry, warnOnly] = await Promise.all([cli(['sync', '--from', src, '--to', dst, '--dry-run']), cli(['sync', '--from', src, '--to', plain])]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^would copy 1 run\(s\), already there 0/m);
    assert.match(dry.stdout, /late runs: 1 run\(s\) arrived older/);
    assert.deepEqual(readFileSync(dst), before);

    assert.equal(warnOnly.code, 0, warnOnly.stderr);
    assert.match(warnOnly.stdout, /^copied 1 run\(s\), already there 0 \(of 1 at the source\)$/m);
    assert.match(warnOnly.stdout, /later runs whose history now includes it: #1 \(.*\), #2 \(.*\), #3 \(.*\)/);
    assert.match(warnOnly.stdout, /re-run with --reclassify/);
    assert.match(warnOnly.stderr, /copied 1\/1 runs/);

    const re = await cli(['sync', '--from', src, '--to', dst, '--reclassify']);
    assert.equal(re.code, 0, re.stderr);
    assert.match(re.stdout, /reclassified 3 run\(s\); verdicts changed: 1/);
    assert.match(re.stdout, /run #2 tests\/test_other\.py::test_other \[execution 0\] TracebackMatching: genuine → flaky \(test genuine → flaky\)/);

    const again = await cli(['sync', '--from', src, '--to', dst, '--reclassify', '--quiet']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^copied 0 run\(s\), already there 1/m);
    assert.equal(again.stderr, '');

    const out = join(dir, 'reports');
    const plugin = join(dir, 'plugin.db');
    copyFileSync(`${SHARED}/plugin/flakefighters.db`, plugin);
    const pluginOut = join(dir, 'plugin-reports');
    const [rep, noRun, pluginRep] = await Promise.all([
      cli(['report', '--database', dst, '--report-dir', out, '--run', '2']),
      cli(['report', '--database', dst, '--report-dir', join(dir, 'none'), '--run', '99']),
      cli(['report', '--database', `sqlite:///${plugin}`, '--report-dir', pluginOut]),
    ]);
    // The plugin's own database: its newest run (5) with the 4 before it as history.
    assert.equal(pluginRep.code, 0, pluginRep.stderr);
    assert.match(pluginRep.stdout, /History: 4 earlier runs/);
    assert.match(readFileSync(join(pluginOut, 'junit-flakefighters.xml'), 'utf8'), /<flakefighterresults>/);
    assert.deepEqual(readFileSync(plugin), readFileSync(`${SHARED}/plugin/flakefighters.db`));
    assert.equal(rep.code, 0, rep.stderr);
    const json = JSON.parse(readFileSync(join(out, 'flakefighters.json'), 'utf8'));
    assert.ok(JSON.stringify(json).includes('tests/test_other.py::test_other'));
    assert.ok(existsSync(join(out, 'flakefighters.html')) && existsSync(join(out, 'junit-flakefighters.xml')));
    assert.match(rep.stdout, /flaky\s+tests\/test_other\.py::test_other/);
    assert.equal(noRun.code, 2);
    assert.match(noRun.stderr, /has no run with id 99/);
  });

  test('on a terminal the progress is a bar redrawn in place', async (t) => {
    if (!existsSync('/usr/bin/script')) {
      t.diagnostic('NOT RUN: /usr/bin/script (util-linux) is not here to give the CLI a terminal');
      return;
    }
    const { src, dir } = await lateRunFiles();
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const cmd = [process.execPath, ...CMD, 'sync', '--from', src, '--to', join(dir, 'tty.db')].map(quote).join(' ');
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\rcopying runs \[#{30}\] 1\/1/);
  });

  describe('with a Postgres URL', () => {
    let pg: PgServer;
    before(async () => {
      pg = await startPostgres();
    });
    after(async () => {
      await pg?.destroy();
    });

    test('sqlite → postgres → sqlite; the password never appears in the output', async () => {
      const { src, dir } = await lateRunFiles();
      const r1 = await cli(['sync', '--from', src, '--to', pg.url]);
      assert.equal(r1.code, 0, r1.stderr);
      assert.match(r1.stdout, /^copied 1 run/m);
      assert.match(r1.stderr, /→ PostgreSQL 127\.0\.0\.1:\d+\/ffdb/);
      const back = join(dir, 'back.db');
      const r2 = await cli(['sync', '--from', pg.url.replace(/^postgres:/, 'postgresql+psycopg2:'), '--to', `sqlite:///${back}`]);
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stdout, /^copied 1 run/m);
      const bad = await cli(['sync', '--from', pg.url.replace(/@127\.0\.0\.1:\d+/, '@127.0.0.1:1'), '--to', back]);
      assert.equal(bad.code, 2);
      for (const out of [r1, r2, bad]) {
        for (const secret of [pg.password, encodeURIComponent(pg.password)]) {
          assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret), 'password printed');
        }
      }
    });
  });
});
