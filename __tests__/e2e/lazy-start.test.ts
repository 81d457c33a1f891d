/**
 * What the built action loads: a run that neither keeps, reads nor uploads a database, and writes no
 * report files, never loads sql.js, undici (the HTTP client under the artifact and REST clients) or
 * the report renderers; and dist/ copied away from node_modules still finds sql.js's WebAssembly and
 * its chunks. `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, runAction, runnerEnv, runnerFiles } from '../../scripts/local-runner.ts';

const ONE_FAILURE = '<testsuite name="s" tests="2"><testcase classname="a.B" name="test_one"/><testcase classname="a.B" name="test_two"><failure message="boom">trace</failure></testcase></testsuite>';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-lazy-'));
  writeFileSync(join(ws, 'results.xml'), ONE_FAILURE);
  return ws;
}

/** A preload that records every module file the process loads (synchronous module hooks), written at exit. */
function loadRecorder(): { args: string[]; loaded: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ff-e2e-lazy-hook-'));
  const list = join(dir, 'loaded.txt');
  const hook = join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
const seen = [];
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) seen.push(url); return next(url, context); } });
process.on('exit', () => appendFileSync(${JSON.stringify(list)}, seen.join('\\n') + '\\n'));
`,
  );
  return { args: ['--import', hook], loaded: () => (existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u)) : []) };
}

describe('the action loads what a run uses', () => {
  test('a run that keeps, reads and uploads nothing loads neither sql.js, nor undici, nor the report renderers', async () => {
    const ws = workspace();
    const rec = loadRecorder();
    const r = await runAction({
      workspace: ws,
      inputs: { 'test-results': 'results.xml', save: 'false', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '' },
      nodeArgs: rec.args,
    });
    assert.equal(r.code, 1, r.all);
    assert.match(r.all, /1 genuine test failure/);
    assert.match(r.summary, /test\\?_two/);
    assert.equal(existsSync(join(ws, 'flakefighters.db')), false, 'no database file is made when nothing is kept');
    const loaded = rec.loaded().filter((f) => f.startsWith(join(repoRoot, 'dist')));
    assert.ok(loaded.length > 1, `the recorder saw the action's modules: ${loaded.join(', ')}`);
    for (const f of loaded) {
      const code = readFileSync(f, 'utf8');
      assert.ok(!code.includes('sql-wasm.wasm'), `${f} (sql.js) is not loaded`);
      assert.ok(!code.includes('undici'), `${f} (undici) is not loaded`);
      assert.ok(!code.includes('renderHtmlReport') && !code.includes('<!DOCTYPE html>'), `${f} (the HTML report) is not loaded`);
    }
  });

  test('dist/ copied away from node_modules keeps a database and writes the reports', () => {
    const away = mkdtempSync(join(tmpdir(), 'ff-e2e-lazy-dist-'));
    cpSync(join(repoRoot, 'dist'), join(away, 'dist'), { recursive: true });
    const ws = workspace();
    const files = runnerFiles();
    const env = runnerEnv({ workspace: ws, inputs: { 'test-results': 'results.xml', 'report-dir': 'report', 'fail-on': 'never', 'upload-artifact': 'false', 'history-from-artifact': 'false' } }, files);
    const r = spawnSync(process.execPath, [join(away, 'dist/index.js')], { cwd: ws, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const db = readFileSync(join(ws, 'flakefighters.db'));
    assert.equal(db.subarray(0, 15).toString(), 'SQLite format 3', 'a real SQLite file');
    assert.ok(readdirSync(join(ws, 'report')).length >= 3, 'report files written');
    assert.match(readFileSync(files.summary, 'utf8'), /test\\?_two/);
  });
});
