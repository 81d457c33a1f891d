import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeZip } from '../helpers/artifact-stand-in.ts';
import { extractZip, ZipError } from '../../src/github/zip-reader.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'ffa-zip-'));
const limits = { maxBytes: 1_000_000 };

test('files and folders unpack where their names say, deflated or stored', () => {
  const d = fresh();
  const files = extractZip(makeZip([{ name: 'dir/', data: Buffer.alloc(0), stored: true }, { name: 'dir/a.db', data: Buffer.from('hello') }, { name: 'b.txt', data: Buffer.from('raw'), stored: true }]), d, limits);
  assert.deepEqual(files, [join(d, 'dir', 'a.db'), join(d, 'b.txt')]);
  assert.equal(readFileSync(join(d, 'dir', 'a.db'), 'utf8'), 'hello');
});

for (const name of ['../evil.db', 'a/../../evil.db', '..\\evil.db', '/etc/evil.db', 'C:/evil.db', 'C:\\evil.db', '\\\\server\\share\\x']) {
  test(`zip-slip: '${name}' is refused and nothing is written`, () => {
    const d = join(fresh(), 'inner');
    assert.throws(() => extractZip(makeZip([{ name: 'good.db', data: Buffer.from('g') }, { name, data: Buffer.from('bad') }]), d, limits), ZipError);
    assert.equal(existsSync(join(d, 'good.db')), false);
    assert.equal(existsSync(join(d, '..', 'evil.db')), false);
  });
}

test('a symbolic link entry is refused', () => {
  const zip = makeZip([{ name: 'link', data: Buffer.from('/etc/passwd'), stored: true }]);
  // Mark the central entry as made on Unix with mode lrwxrwxrwx.
  const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt16LE((3 << 8) | 20, cd + 4);
  zip.writeUInt32LE((0o120777 << 16) >>> 0, cd + 38);
  assert.throws(() => extractZip(zip, fresh(), limits), /symbolic link/);
});

test('damaged archives fail with a ZipError: junk, truncation, bad CRC, a lying size', () => {
  const good = makeZip([{ name: 'a.db', data: Buffer.from('x'.repeat(1000)) }]);
  assert.throws(() => extractZip(Buffer.from('not a zip'), fresh(), limits), /not a zip archive/);
  assert.throws(() => extractZip(good.subarray(20), fresh(), limits), ZipError);
  const badCrc = Buffer.from(good);
  const cd = badCrc.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  badCrc.writeUInt32LE(12345, cd + 16);
  assert.throws(() => extractZip(badCrc, fresh(), limits), /CRC/);
  // Declares 10 bytes but inflates to 1000: the inflater stops at the declared size.
  const lying = Buffer.from(good);
  lying.writeUInt32LE(10, cd + 24);
  assert.throws(() => extractZip(lying, fresh(), limits), ZipError);
});

test('size and entry-count limits refuse bombs before anything is written', () => {
  const d = fresh();
  const bomb = makeZip([{ name: 'a.db', data: Buffer.alloc(600_000) }, { name: 'b.db', data: Buffer.alloc(600_000) }]);
  assert.ok(bomb.length < 5000);
  assert.throws(() => extractZip(bomb, d, limits), /more than 1000000 bytes/);
  assert.deepEqual(readdirSync(d), []);
  const many = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: Buffer.from('x') })));
  assert.throws(() => extractZip(many, fresh(), { maxBytes: 100, maxEntries: 4 }), /5 entries/);
});
