/**
 * Issue 16, case 3: extractZipFile unpacks a zip from disk, streaming (the archive is never held in
 * memory), with the same refusals as extractZip. The archives are made by the stand-in's zip writer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeZip } from '../helpers/artifact-stand-in.ts';
import { extractZipFile, ZipError } from '../../src/github/zip-reader.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'ffa-zipfile-'));
const onDisk = (zip: Buffer) => {
  const p = join(fresh(), 'a.zip');
  writeFileSync(p, zip);
  return p;
};
const limits = { maxBytes: 8_000_000 };

test('files unpack from disk, deflated or stored, byte for byte', async () => {
  const data = randomBytes(3_000_000);
  const d = fresh();
  const files = await extractZipFile(onDisk(makeZip([{ name: 'dir/', data: Buffer.alloc(0), stored: true }, { name: 'dir/big.db', data }, { name: 'b.txt', data: Buffer.from('raw'), stored: true }])), d, limits);
  assert.deepEqual(files, [join(d, 'dir', 'big.db'), join(d, 'b.txt')]);
  assert.ok(readFileSync(join(d, 'dir', 'big.db')).equals(data));
  assert.equal(readFileSync(join(d, 'b.txt'), 'utf8'), 'raw');
  assert.deepEqual(readdirSync(join(d, 'dir')), ['big.db'], 'no part files left');
});

test('zip-slip, a bad CRC, a lying size and a bomb are refused, leaving nothing behind', async () => {
  const d = join(fresh(), 'inner');
  await assert.rejects(extractZipFile(onDisk(makeZip([{ name: 'good.db', data: Buffer.from('g') }, { name: '../evil.db', data: Buffer.from('bad') }])), d, limits), ZipError);
  assert.equal(existsSync(join(d, '..', 'evil.db')), false);
  const good = makeZip([{ name: 'a.db', data: Buffer.from('x'.repeat(1000)) }, { name: 'b.db', data: Buffer.from('y'.repeat(1000)) }]);
  const cd = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const badCrc = Buffer.from(good);
  badCrc.writeUInt32LE(12345, cd + 16);
  const d2 = fresh();
  await assert.rejects(extractZipFile(onDisk(badCrc), d2, limits), /CRC/);
  assert.deepEqual(readdirSync(d2), [], 'the good first entry is not left behind either');
  const lying = Buffer.from(good);
  lying.writeUInt32LE(10, cd + 24);
  await assert.rejects(extractZipFile(onDisk(lying), fresh(), limits), ZipError);
  const bomb = makeZip([{ name: 'a.db', data: Buffer.alloc(6_000_000) }, { name: 'b.db', data: Buffer.alloc(6_000_000) }]);
  await assert.rejects(extractZipFile(onDisk(bomb), fresh(), limits), /more than 8000000 bytes/);
  await assert.rejects(extractZipFile(onDisk(Buffer.from('not a zip at all')), fresh(), limits), /not a zip archive/);
});
