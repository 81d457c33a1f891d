import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArtifactStandIn, fakeSqlite, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { readContext } from '../../src/github/context.ts';
import { fetchHistoryArtifacts } from '../../src/github/artifact-history.ts';

let s: ArtifactStandIn;
before(async () => {
  s = await startArtifactStandIn();
});
after(() => s.close());

/** Runs a module in a child node, the way the runner runs dist/index.js: only the environment connects them. */
function child(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      // Only what a runner would set; no proxy, so nothing leaves 127.0.0.1.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

test('a child process pointed at the stand-in by environment alone uploads through the real client', async () => {
  s.defineRun({ id: 800, headBranch: 'main' });
  const dir = mkdtempSync(join(tmpdir(), 'ffa-child-'));
  const db = join(dir, 'flakefighters.db');
  writeFileSync(db, fakeSqlite('from-child'));
  const script = `
    import { uploadDatabase } from './src/github/artifacts.ts';
    const r = await uploadDatabase(${JSON.stringify(db)}, { name: 'child-db', suffix: 'test' });
    console.log('RESULT ' + JSON.stringify(r));`;
  const { code, out } = await child(script, s.env(800, { GITHUB_WORKSPACE: dir }));
  assert.equal(code, 0, out);
  const result = JSON.parse(/RESULT (.*)/.exec(out)![1]!);
  assert.equal(result.warning, undefined, out);
  assert.equal(s.artifacts.find((a) => a.id === result.id)?.runId, 800);

  s.defineRun({ id: 801, headBranch: 'main' });
  const r = await fetchHistoryArtifacts({ name: 'child-db', suffix: 'test', token: 't', context: readContext(s.env(801)), dir: join(dir, 'h') });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(readFileSync(r.databases[0]!.path), fakeSqlite('from-child'));
});
