// The one containment check read-results (workspace), own-files (report-dir) and the CLI (--results reach) use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isInside, leadsOut } from '../src/path-inside.ts';
import { SourceFiles } from '../src/ingest/source-files.ts';
import { segments } from '../src/ingest/coverage-attach.ts';

test('posix: the folder itself and what lies under it are inside; its parent, siblings and look-alike prefixes are not', () => {
  const inside: [string, string][] = [
    ['/a', '/a'],
    ['/a/', '/a'],
    ['/a', '/a/'],
    ['/a//', '/a/b/'],
    ['/a', '/a/b'],
    ['/a', '/a/b/c.xml'],
    ['/a', '/a/b..c'],
    ['/a', '/a/b/..c'],
    ['/a', '/a/b/../c'],
    ['/a', '/a/..results/a.xml'],
    ['/a', '/a/...'],
    ['/a/./b', '/a/b/c'],
    ['/', '/anything'],
  ];
  const outside: [string, string][] = [
    ['/a', '/'],
    ['/a/b', '/a'],
    ['/a', '/ab'],
    ['/a', '/a..'],
    ['/a', '/a..b/c'],
    ['/a/b', '/a/b..c'],
    ['/a', '/a/../b'],
    ['/a', '/a/b/../../c'],
  ];
  for (const [dir, p] of inside) assert.equal(isInside(dir, p), true, `${p} inside ${dir}`);
  for (const [dir, p] of outside) assert.equal(isInside(dir, p), false, `${p} not inside ${dir}`);
});

test('relative paths are taken from the current directory', () => {
  assert.equal(isInside(process.cwd(), 'x/y'), true);
  assert.equal(isInside(process.cwd(), '../x'), false);
  assert.equal(isInside('.', 'x'), true);
});

test('Windows semantics (as on a Windows runner): another drive is outside, letter case and separators do not matter', () => {
  const w = path.win32;
  assert.equal(isInside('C:\\ws', 'C:\\ws', w), true);
  assert.equal(isInside('C:\\ws\\', 'C:\\ws', w), true);
  assert.equal(isInside('C:\\ws', 'C:\\ws\\r\\a.xml', w), true);
  assert.equal(isInside('C:\\ws', 'c:\\WS\\r', w), true);
  assert.equal(isInside('C:\\ws', 'C:/ws/r/a.xml', w), true);
  assert.equal(isInside('C:\\ws', 'D:\\ws\\r', w), false);
  assert.equal(isInside('C:\\ws', 'C:\\ws..x', w), false);
  assert.equal(isInside('C:\\ws', 'C:\\ws\\..results\\a.xml', w), true);
  assert.equal(isInside('C:\\ws', 'C:\\ws\\..\\x', w), false);
  assert.equal(isInside('C:\\ws', 'C:\\other', w), false);
  assert.equal(isInside('C:\\ws', '\\\\server\\share\\ws', w), false);
});

test('leadsOut: a relative path leaves its folder only through a `..` segment or onto another drive', () => {
  for (const r of ['..', '../x', '../../a/b']) assert.equal(leadsOut(r), true, r);
  for (const r of ['', 'x', '..results/a.xml', '...', 'a/../b', 'a/..b']) assert.equal(leadsOut(r), false, r);
  assert.equal(leadsOut('/abs/x'), true);
  assert.equal(leadsOut('D:\\x', path.win32), true);
  assert.equal(leadsOut('..\\x', path.win32), true);
  assert.equal(leadsOut('..results\\x', path.win32), false);
});

test('the ingest paths that take a path relative to the root keep a folder named `..results` inside it', () => {
  assert.equal(new SourceFiles('/ws').relativeToRoot('/ws/..results/tests/test_a.py'), '..results/tests/test_a.py');
  assert.equal(new SourceFiles('/ws').relativeToRoot('/elsewhere/test_a.py'), '/elsewhere/test_a.py');
  // Dotted module segments (a path's dots separate too); the root's own folders are not among them when inside it.
  assert.deepEqual(segments('/ws/..results/test_x.py::test_b', '/ws'), ['results', 'test_x', 'test_b']);
  assert.deepEqual(segments('/other/test_x.py::test_b', '/ws'), ['other', 'test_x', 'test_b']);
});
