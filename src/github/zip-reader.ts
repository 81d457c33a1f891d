/**
 * Unpacks a downloaded artifact zip with our own checks instead of the client's streaming unzip:
 * names that would land outside the target folder (zip-slip), symlinks, and archives bigger than a
 * limit are refused as a whole, and a damaged archive fails at once (the client retries a failed
 * extraction five times, five seconds apart).
 */
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';

export class ZipError extends Error {
  override name = 'ZipError';
}

export interface ExtractLimits {
  /** Total uncompressed bytes allowed. */
  maxBytes: number;
  maxEntries?: number;
}

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  isSymlink: boolean;
}

/**
 * Each entry with the path it unpacks to under `dest`; refuses, before anything is written, a symbolic link, a path
 * outside `dest`, or more than `maxBytes` unpacked in all.
 */
function planTargets(entries: Entry[], dest: string, maxBytes: number): { entry: Entry; target: string }[] {
  const root = resolve(dest);
  let total = 0;
  return entries.map((entry) => {
    const target = safeTarget(root, entry.name);
    if (entry.isSymlink) throw new ZipError(`entry '${entry.name}' is a symbolic link`);
    total += entry.size;
    if (total > maxBytes) throw new ZipError(`it unpacks to more than ${maxBytes} bytes`);
    return { entry, target };
  });
}

/** Writes the archive's files under `dest`; returns their absolute paths. Throws ZipError, writing nothing, when any entry is refused. */
export function extractZip(zip: Buffer, dest: string, limits: ExtractLimits): string[] {
  const entries = readCentralDirectory(zip, limits.maxEntries ?? 1000);
  const planned = planTargets(entries, dest, limits.maxBytes);
  // Decompress everything before writing anything, so a bad entry leaves no half-written folder.
  const contents = planned.map(({ entry }) => (entry.name.endsWith('/') ? null : inflate(zip, entry)));
  const written: string[] = [];
  planned.forEach(({ target }, i) => {
    const data = contents[i];
    if (data === null || data === undefined) {
      mkdirSync(target, { recursive: true });
      return;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    written.push(target);
  });
  return written;
}

/** The entry's path under root, or a ZipError when the name is absolute or climbs out. */
function safeTarget(root: string, name: string): string {
  const normalized = name.replace(/\\/g, '/');
  if (normalized === '' || normalized.startsWith('/') || /^[A-Za-z]:/.test(normalized) || isAbsolute(normalized)) {
    throw new ZipError(`entry '${name}' has an absolute path`);
  }
  if (normalized.split('/').some((part) => part === '..')) throw new ZipError(`entry '${name}' points outside the target folder`);
  if (normalized.includes('\0')) throw new ZipError(`entry '${name}' has a NUL in its name`);
  const target = resolve(root, normalized);
  const rel = relative(root, target);
  if (rel === '' && !normalized.endsWith('/')) throw new ZipError(`entry '${name}' has no file name`);
  if (rel.startsWith('..') || isAbsolute(rel) || (rel !== '' && !target.startsWith(root + sep))) {
    throw new ZipError(`entry '${name}' points outside the target folder`);
  }
  return target;
}

function readCentralDirectory(zip: Buffer, maxEntries: number): Entry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('it is a ZIP64 archive (over 4 GiB), which is not supported');
  if (count > maxEntries) throw new ZipError(`it has ${count} entries (at most ${maxEntries})`);
  if (cdOffset + cdSize > eocd) throw new ZipError('its central directory is damaged');
  return parseEntries(zip, cdOffset, count);
}

/** The `count` central directory records starting at `start` of `cd` (the whole archive, or just its directory). */
function parseEntries(zip: Buffer, start: number, count: number): Entry[] {
  const entries: Entry[] = [];
  let p = start;
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50) throw new ZipError('its central directory is damaged');
    const madeBy = zip.readUInt16LE(p + 4) >> 8;
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const externalAttrs = zip.readUInt32LE(p + 38);
    const localOffset = zip.readUInt32LE(p + 42);
    const rawName = zip.subarray(p + 46, p + 46 + nameLen);
    if (flags & 1) throw new ZipError('it is encrypted');
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new ZipError('it is a ZIP64 archive (over 4 GiB), which is not supported');
    }
    // Unix "made by" (3) keeps the file mode in the high 16 bits; 0o120000 is a symlink.
    const isSymlink = madeBy === 3 && ((externalAttrs >>> 16) & 0o170000) === 0o120000;
    entries.push({ name: rawName.toString(flags & 0x800 ? 'utf8' : 'latin1'), method, crc, compressedSize, size, localOffset, isSymlink });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let p = zip.length - 22; p >= stop; p--) {
    if (zip.readUInt32LE(p) === 0x06054b50) return p;
  }
  throw new ZipError('it is not a zip archive (no end of central directory)');
}

function inflate(zip: Buffer, e: Entry): Buffer {
  const p = e.localOffset;
  if (p + 30 > zip.length || zip.readUInt32LE(p) !== 0x04034b50) throw new ZipError(`entry '${e.name}' is damaged`);
  const start = p + 30 + zip.readUInt16LE(p + 26) + zip.readUInt16LE(p + 28);
  const raw = zip.subarray(start, start + e.compressedSize);
  if (raw.length !== e.compressedSize) throw new ZipError(`entry '${e.name}' is truncated`);
  let data: Buffer;
  if (e.method === 0) data = Buffer.from(raw);
  else if (e.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
    } catch (err) {
      throw new ZipError(`entry '${e.name}' does not decompress (${(err as Error).message})`);
    }
  } else throw new ZipError(`entry '${e.name}' uses compression method ${e.method}`);
  if (data.length !== e.size) throw new ZipError(`entry '${e.name}' has the wrong size`);
  if (crc32(data) !== e.crc) throw new ZipError(`entry '${e.name}' fails its CRC check`);
  return data;
}

/**
 * Unpacks a zip file from disk without holding it (or any entry) in memory: the central directory is
 * read from the end of the file, each entry is streamed through inflate into `<target>.part`, with its
 * size and CRC checked on the way; only when every entry checks out are the parts renamed into place,
 * so a bad entry leaves nothing behind. Same refusals as extractZip. `onlyFile`: when the archive
 * holds exactly one file, it also gets that file's bytes (collected on the way) once it is in place.
 * `comment`: gets the archive's comment ('' when it has none), from the end record read anyway.
 */
export async function extractZipFile(
  zipPath: string,
  dest: string,
  limits: ExtractLimits,
  opts: { onlyFile?: (path: string, bytes: Buffer) => void; comment?: (text: string) => void } = {},
): Promise<string[]> {
  const fh = await open(zipPath, 'r');
  let entries: Entry[];
  let fileSize: number;
  const localStarts = new Map<Entry, number>();
  try {
    fileSize = (await fh.stat()).size;
    const tailLen = Math.min(fileSize, 22 + 0xffff);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, fileSize - tailLen);
    const eocd = findEndOfCentralDirectory(tail);
    opts.comment?.(tail.subarray(eocd + 22, eocd + 22 + tail.readUInt16LE(eocd + 20)).toString('utf8'));
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('it is a ZIP64 archive (over 4 GiB), which is not supported');
    if (count > (limits.maxEntries ?? 1000)) throw new ZipError(`it has ${count} entries (at most ${limits.maxEntries ?? 1000})`);
    if (cdOffset + cdSize > fileSize - tailLen + eocd) throw new ZipError('its central directory is damaged');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    entries = parseEntries(cd, 0, count);
    for (const e of entries) {
      const head = Buffer.alloc(30);
      const { bytesRead } = await fh.read(head, 0, 30, e.localOffset);
      if (bytesRead < 30 || head.readUInt32LE(0) !== 0x04034b50) throw new ZipError(`entry '${e.name}' is damaged`);
      const start = e.localOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
      if (start + e.compressedSize > fileSize) throw new ZipError(`entry '${e.name}' is truncated`);
      localStarts.set(e, start);
    }
  } finally {
    await fh.close();
  }
  const planned = planTargets(entries, dest, limits.maxBytes);
  const fileEntries = planned.filter(({ entry }) => !entry.name.endsWith('/'));
  const collect = opts.onlyFile && fileEntries.length === 1 ? Buffer.allocUnsafe(fileEntries[0]!.entry.size) : null;
  const parts: string[] = [];
  try {
    for (const { entry, target } of planned) {
      if (entry.name.endsWith('/')) continue;
      if (entry.method !== 0 && entry.method !== 8) throw new ZipError(`entry '${entry.name}' uses compression method ${entry.method}`);
      mkdirSync(dirname(target), { recursive: true });
      const part = `${target}.part`;
      parts.push(part);
      const check = checker(entry, collect);
      const start = localStarts.get(entry)!;
      // An empty stored entry has no bytes to read (a read stream cannot end before it starts).
      const source = entry.compressedSize === 0 ? Readable.from([]) : createReadStream(zipPath, { start, end: start + entry.compressedSize - 1, highWaterMark: CHUNK });
      try {
        if (entry.compressedSize === 0) {
          await pipeline(source, check.stream, createWriteStream(part));
        } else if (entry.method === 8) {
          await pipeline(source, createInflateRaw({ chunkSize: CHUNK }), check.stream, createWriteStream(part, { highWaterMark: CHUNK }));
        } else {
          await pipeline(source, check.stream, createWriteStream(part));
        }
      } catch (err) {
        if (err instanceof ZipError) throw err;
        throw new ZipError(`entry '${entry.name}' does not decompress (${(err as Error).message})`);
      }
      check.verify();
    }
    const written: string[] = [];
    for (const { entry, target } of planned) {
      if (entry.name.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      await rename(`${target}.part`, target);
      written.push(target);
    }
    if (collect) opts.onlyFile!(written[0]!, collect);
    return written;
  } catch (err) {
    for (const p of parts) await rm(p, { force: true });
    throw err;
  }
}

/** Bytes per read, inflate output and write: zlib's 16 KiB default makes a 214 MB database 13,000 round trips through the stream machinery. */
const CHUNK = 1 << 20;

/** Counts and checksums an entry's bytes as they stream by (copying them `into` a buffer of its size); stops at once past its declared size. */
function checker(e: Entry, into: Buffer | null = null): { stream: Transform; verify(): void } {
  let size = 0;
  let crc = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > e.size) return done(new ZipError(`entry '${e.name}' has the wrong size`));
      if (into) chunk.copy(into, size - chunk.length);
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
  });
  return {
    stream,
    verify() {
      if (size !== e.size) throw new ZipError(`entry '${e.name}' has the wrong size`);
      if (crc !== e.crc) throw new ZipError(`entry '${e.name}' fails its CRC check`);
    },
  };
}
