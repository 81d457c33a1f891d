/**
 * A plain clone of the repository runs the suite: the tests read nothing outside it (there is no shared folder beside a
 * clone), the fixtures that came from elsewhere are committed with their origin and licence, and a fresh clone with
 * nothing beside it passes a few tests that read those fixtures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED } from '../helpers/shared-dir.ts';
import { requireSystem } from '../helpers/require-system.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const inside = (p: string) => {
  const r = relative(ROOT, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** Source files of the tests, scripts and benchmarks (fixture folders hold data, not code). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === 'fixtures' || e === 'node_modules' || e === '.data') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|mjs|js|py|sh)$/.test(e)) out.push(p);
  }
  return out;
}

const CODE = ['__tests__', 'scripts', 'bench'].flatMap((d) => sources(join(ROOT, d)));

test('no test, script or benchmark reads outside the repository', () => {
  assert.ok(CODE.length > 50, `found only ${CODE.length} source files`);
  const problems: string[] = [];
  for (const file of CODE) {
    if (file === fileURLToPath(import.meta.url)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const where = `${relative(ROOT, file)}:${i + 1}`;
        // The project's shared folder beside the checkout, by any of its names (comments may say where a note came from).
        const code = !/^\s*(\/\/|\*|#)/.test(line);
        if (/\.\.\/shared\b|FLAKEFIGHTERS_SHARED_DIR/.test(line) || (code && /\/work\/shared\b/.test(line))) problems.push(`${where}: ${line.trim()}`);
        for (const m of line.matchAll(/new URL\(\s*['"`](\.\.?\/[^'"`$]*)['"`]\s*,\s*import\.meta\.url\s*\)/g)) {
          const target = resolve(join(file, '..'), m[1]);
          if (!inside(target)) problems.push(`${where}: ${m[1]} resolves to ${target}, outside the repository`);
        }
      });
  }
  assert.deepEqual(problems, []);
});

test('the copied fixtures live in the repository, each folder with its origin and licence', () => {
  assert.ok(inside(SHARED), `${SHARED} is inside ${ROOT}`);
  for (const folder of ['plugin', 'real-world', 'parity']) {
    const readme = readFileSync(join(SHARED, folder, 'README.md'), 'utf8');
    assert.match(readme, /\*\*Origin\.\*\*/, `${folder}/README.md names the origin`);
    assert.match(readme, /\*\*Licen[cs]e\.\*\*[^*]{0,400}\bMIT\b/, `${folder}/README.md names the licence`);
  }
  assert.ok(existsSync(join(SHARED, 'plugin', 'plugin-LICENSE')));
  assert.ok(existsSync(join(SHARED, 'real-world', 'LICENSE-dorny-test-reporter')));
});

test('every copied fixture is committed (a clone gets only what git tracks)', () => {
  const git = requireSystem('git');
  const res = spawnSync(git, ['ls-files', '--others', '--exclude-standard', '--', relative(ROOT, SHARED)], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), '', 'untracked fixture files: git add them');
});

test('a fresh clone with nothing beside it passes the tests that read the copied fixtures', () => {
  const git = requireSystem('git');
  const top = spawnSync(git, ['rev-parse', '--show-toplevel'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(top.status, 0, `${ROOT} is not a git checkout: ${top.stderr.trim()}`);
  const dir = mkdtempSync(join(tmpdir(), 'ffa-clone-'));
  try {
    const clone = join(dir, 'repo');
    // HEAD as committed: what a clone of the repository gets (work in progress is not in it).
    const c = spawnSync(git, ['clone', '--quiet', ROOT, clone], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    assert.ok(!existsSync(join(dir, 'shared')));
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const files = ['__tests__/interop/plugin-fixture.test.ts', '__tests__/ingest/plugin-junit.test.ts', '__tests__/parity.test.ts'];
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    delete env.FLAKEFIGHTERS_PARITY_DIR;
    const run = spawnSync(process.execPath, ['scripts/test.mjs', ...files], { cwd: clone, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
    const last = run.stdout.trim().split('\n').pop() ?? '';
    assert.match(last, /^[1-9]\d* passed, 0 failed$/, `${last}\n${run.stdout.split('\n').filter((l) => /✖|Error/.test(l)).slice(0, 20).join('\n')}`);
    assert.equal(run.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
