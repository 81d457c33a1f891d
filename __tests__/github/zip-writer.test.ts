import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractZipFile } from '../../src/github/zip-reader.ts';
import { fitsZip32, zipChunks, type ZipSource } from '../../src/github/zip-writer.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'ffa-zipw-'));

function source(root: string, rel: string): ZipSource {
  const p = join(root, rel);
  return { sourcePath: p, destinationPath: `/${rel}`, stats: lstatSync(p) };
}

async function writeZip(sources: ZipSource[], level: number, file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of zipChunks(sources, level)) chunks.push(c);
  const zip = Buffer.concat(chunks);
  writeFileSync(file, zip);
  return zip;
}

test('the archive unpacks with Info-ZIP unzip and our reader to the same bytes: deflated, stored, empty, nested, a followed symlink', async () => {
  const root = fresh();
  mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
  // Over one read chunk (1 MiB) and partly incompressible, so deflate emits several chunks.
  const big = Buffer.concat([randomBytes(700_000), Buffer.alloc(900_000, 7)]);
  writeFileSync(join(root, 'flakefighters.db'), big);
  writeFileSync(join(root, 'sub', 'deeper', 'ünïcode report.json'), '{"a":1}');
  writeFileSync(join(root, 'empty.txt'), '');
  symlinkSync(join(root, 'sub', 'deeper', 'ünïcode report.json'), join(root, 'link.json'));
  const sources = ['flakefighters.db', 'sub/deeper/ünïcode report.json', 'empty.txt', 'link.json'].map((r) => source(root, r));
  for (const level of [0, 3]) {
    const out = fresh();
    const zipFile = join(out, 'a.zip');
    await writeZip(sources, level, zipFile);
    // Info-ZIP's own integrity test reads every entry and checks its CRC.
    assert.match(execFileSync('unzip', ['-t', zipFile], { encoding: 'utf8' }), /No errors detected/);
    const listing = execFileSync('zipinfo', ['-1', zipFile], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listing, ['flakefighters.db', 'sub/deeper/ünïcode report.json', 'empty.txt', 'link.json']);
    const dest = join(out, 'x');
    const files = await extractZipFile(zipFile, dest, { maxBytes: 10_000_000 });
    assert.equal(files.length, 4);
    assert.ok(readFileSync(join(dest, 'flakefighters.db')).equals(big));
    assert.equal(readFileSync(join(dest, 'sub', 'deeper', 'ünïcode report.json'), 'utf8'), '{"a":1}');
    assert.equal(readFileSync(join(dest, 'empty.txt'), 'utf8'), '');
    // A symbolic link is followed (as the artifact client does): the entry is a regular file with its target's bytes.
    assert.equal(readFileSync(join(dest, 'link.json'), 'utf8'), '{"a":1}');
    assert.equal(lstatSync(join(dest, 'link.json')).isSymbolicLink(), false);
  }
});

test('level 3 deflates a repetitive database; level 0 stores it', async () => {
  const root = fresh();
  writeFileSync(join(root, 'db'), Buffer.alloc(2_000_000, 'SQLite page '));
  const deflated = await writeZip([source(root, 'db')], 3, join(root, 'a.zip'));
  const stored = await writeZip([source(root, 'db')], 0, join(root, 'b.zip'));
  assert.ok(deflated.length < 50_000, `deflated to ${deflated.length}`);
  assert.ok(stored.length > 2_000_000);
});

test('a file that cannot be read fails the stream instead of ending it as if whole', async () => {
  const root = fresh();
  writeFileSync(join(root, 'a'), 'x');
  const s = source(root, 'a');
  const gone: ZipSource = { ...s, sourcePath: join(root, 'missing') };
  await assert.rejects(writeZip([s, gone], 3, join(root, 'z.zip')), /ENOENT/);
});

test('fitsZip32 sends archives near the 32-bit limits to the client archiver (ZIP64)', () => {
  const st = (size: number) => ({ mtime: new Date(), mode: 0o644, size, isSymbolicLink: () => false });
  assert.equal(fitsZip32([{ sourcePath: '/x', destinationPath: '/x', stats: st(1024 ** 3) }]), true);
  assert.equal(fitsZip32([{ sourcePath: '/x', destinationPath: '/x', stats: st(3 * 1024 ** 3) }]), false);
  assert.equal(fitsZip32(Array.from({ length: 70_000 }, (_, i) => ({ sourcePath: `/f${i}`, destinationPath: `/f${i}`, stats: st(1) }))), false);
});

test('unpacking a lone file hands its bytes over as well; an archive of two files hands none', async () => {
  const root = fresh();
  writeFileSync(join(root, 'one.db'), randomBytes(300_000));
  writeFileSync(join(root, 'two.db'), 'second');
  const single = join(root, 'single.zip');
  await writeZip([source(root, 'one.db')], 3, single);
  const got: Array<[string, Buffer]> = [];
  const files = await extractZipFile(single, join(root, 'out1'), { maxBytes: 10_000_000 }, { onlyFile: (p, b) => got.push([p, b]) });
  assert.equal(got.length, 1);
  assert.equal(got[0]![0], files[0]);
  assert.ok(got[0]![1].equals(readFileSync(files[0]!)));
  const both = join(root, 'both.zip');
  await writeZip([source(root, 'one.db'), source(root, 'two.db')], 3, both);
  await extractZipFile(both, join(root, 'out2'), { maxBytes: 10_000_000 }, { onlyFile: (p, b) => got.push([p, b]) });
  assert.equal(got.length, 1);
});
