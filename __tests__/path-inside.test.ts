// The one containment check read-results (workspace), own-files (report-dir) and the CLI (--results reach) use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isInside } from '../src/path-inside.ts';

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
