import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { sampleRun, tempDir } from './sample-run.ts';

test('saving and loading tens of thousands of tests takes seconds', async () => {
  const path = join(tempDir(), 'big.db');
  const N = 20_000;
  const store = await openSqliteStore(path);
  let t = performance.now();
  const res = await store.save(sampleRun({ tests: N, failEvery: 50, start: new Date(2026, 0, 1), uuid: 'a' }));
  const saveMs = performance.now() - t;
  assert.equal(res.inserted, true);
  t = performance.now();
  await store.save(sampleRun({ tests: N, failEvery: 50, start: new Date(2026, 0, 2), uuid: 'b' }), { storeMaxRuns: 1 });
  const pruneMs = performance.now() - t;
  await store.close();
  const again = await openSqliteStore(path);
  t = performance.now();
  const [slim] = await again.loadHistory({ before: new Date(2027, 0, 1) }, { failuresOnly: true, coverage: false });
  const slimMs = performance.now() - t;
  t = performance.now();
  const [full] = await again.loadHistory({ before: new Date(2027, 0, 1) });
  const fullMs = performance.now() - t;
  assert.equal(slim.tests.length, N / 50);
  assert.equal(full.tests.length, N);
  assert.equal((await again.tableCounts()).test, N);
  await again.close();
  // Generous bounds for a loaded 2-core runner; typical: save ~2 s, loads ~0.3 s / ~2 s.
  assert.ok(saveMs < 30_000, `save took ${saveMs} ms`);
  assert.ok(pruneMs < 30_000, `save + prune took ${pruneMs} ms`);
  assert.ok(slimMs < 10_000 && slimMs < fullMs, `failures-only load ${slimMs} ms vs full ${fullMs} ms`);
  console.log(`# ${N} tests: save ${saveMs | 0} ms, save+prune ${pruneMs | 0} ms, load failures-only ${slimMs | 0} ms, full ${fullMs | 0} ms`);
});

test('a bundle finds sql-wasm.wasm next to itself, without node_modules', async () => {
  const dir = tempDir();
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { loadSqlJs } from ${JSON.stringify(new URL('../../src/store/sqljs.ts', import.meta.url).pathname)};
const SQL = await loadSqlJs();
const db = new SQL.Database();
console.log(db.exec('select sqlite_version()')[0].values[0][0]);`,
  );
  // Same shape as scripts/build.mjs: ESM bundle with a require shim for sql.js's CommonJS loader.
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(dir, 'out', 'index.mjs'),
    logLevel: 'silent',
    banner: { js: "import{createRequire as __ffCreateRequire}from'node:module';const require=__ffCreateRequire(import.meta.url);" },
  });
  const run = () => spawnSync(process.execPath, [join(dir, 'out', 'index.mjs')], { cwd: dir, encoding: 'utf8' });
  const without = run();
  assert.notEqual(without.status, 0);
  assert.match(without.stderr, /sql-wasm\.wasm not found/);
  copyFileSync(new URL('../../node_modules/sql.js/dist/sql-wasm.wasm', import.meta.url), join(dir, 'out', 'sql-wasm.wasm'));
  const withWasm = run();
  assert.equal(withWasm.status, 0, withWasm.stderr);
  assert.match(withWasm.stdout.trim(), /^3\.\d+\.\d+$/);
});
