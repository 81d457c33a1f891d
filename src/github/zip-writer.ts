/**
 * Writes a zip archive as a stream of chunks with node:zlib, for the artifact upload: what the
 * artifact client's archiver does for us, without loading archiver and its dozen stream packages
 * (a third of the upload's start-up). Each file is read and deflated as it streams, its CRC-32 and
 * sizes following it in a data descriptor, so no file is ever held whole in memory. No ZIP64: the
 * caller hands archives that could pass 4 GiB or 65,535 entries to the client's own archiver.
 */
import { open, realpath } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

export interface ZipSource {
  /** The file to read; null for an entry of no content (the client's way of keeping an empty directory). */
  sourcePath: string | null;
  /** The path inside the archive; leading slashes are dropped, backslashes become slashes. */
  destinationPath: string;
  stats: { mtime: Date; mode: number; size: number; isSymbolicLink(): boolean };
}

/** The most a plain (non-ZIP64) archive can count or address. */
const ZIP32_MAX_ENTRIES = 0xffff;
const ZIP32_MAX_BYTES = 0xffffffff;

/**
 * Whether these sources surely fit a plain zip: entry count and every offset under the 32-bit
 * limits, even if each file grew by deflate's worst case (stored blocks: 5 bytes per 16 KiB).
 */
export function fitsZip32(sources: readonly ZipSource[]): boolean {
  if (sources.length >= ZIP32_MAX_ENTRIES) return false;
  let total = 22;
  for (const s of sources) {
    const size = s.sourcePath === null ? 0 : s.stats.size;
    total += 30 + 16 + 46 + 2 * Buffer.byteLength(entryName(s.destinationPath)) + size + Math.ceil(size / 16384) * 5 + 16;
  }
  // A file can still grow between the stat and the read: leave room, and check again while writing.
  return total < ZIP32_MAX_BYTES / 2;
}

/** Deflate segments in flight: the thread pool's four threads at most, two at least (one compresses while one is handed over). */
const PARALLEL = Math.max(2, Math.min(4, availableParallelism()));

const FLAGS = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 names
const VERSION = 20;
const MADE_BY_UNIX = (3 << 8) | VERSION;

interface Written {
  name: Buffer;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  mode: number;
}

/**
 * The archive's bytes, chunk by chunk. `level` 0 stores, 1–9 deflate (zlib levels); `comment` is the
 * archive's comment. A symbolic
 * link is followed to its file, as the client does. Throws (ending the stream) when a file cannot
 * be read or the archive outgrows a plain zip.
 */
export async function* zipChunks(sources: readonly ZipSource[], level: number, comment = ''): AsyncGenerator<Buffer> {
  const note = Buffer.from(comment, 'utf8');
  if (note.length > 0xffff) throw new Error('the archive comment is over 65,535 bytes');
  if (sources.length >= ZIP32_MAX_ENTRIES) throw new Error(`the archive would hold ${sources.length} entries, more than a plain zip can`);
  const written: Written[] = [];
  let offset = 0;
  for (const s of sources) {
    const name = Buffer.from(entryName(s.destinationPath), 'utf8');
    const { time, date } = dosTime(s.stats.mtime);
    const method = s.sourcePath === null || level === 0 ? 0 : 8;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    // CRC and sizes stay 0 here: they follow the data (flag bit 3).
    header.writeUInt16LE(name.length, 26);
    const entry: Written = { name, method, time, date, crc: 0, compressed: 0, size: 0, offset, mode: 0o100000 | (s.stats.mode & 0o777) };
    yield Buffer.concat([header, name]);
    offset += 30 + name.length;
    if (s.sourcePath !== null) {
      const path = s.stats.isSymbolicLink() ? await realpath(s.sourcePath) : s.sourcePath;
      for await (const chunk of fileData(path, method, level, entry)) {
        entry.compressed += chunk.length;
        yield chunk;
      }
    }
    offset += entry.compressed;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(entry.crc, 4);
    descriptor.writeUInt32LE(entry.compressed, 8);
    descriptor.writeUInt32LE(entry.size, 12);
    yield descriptor;
    offset += 16;
    if (offset > ZIP32_MAX_BYTES || entry.size > ZIP32_MAX_BYTES) throw new Error('the archive would pass 4 GiB, more than a plain zip can address');
    written.push(entry);
  }
  const central = written.map((e) => {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(MADE_BY_UNIX, 4);
    c.writeUInt16LE(VERSION, 6);
    c.writeUInt16LE(FLAGS, 8);
    c.writeUInt16LE(e.method, 10);
    c.writeUInt16LE(e.time, 12);
    c.writeUInt16LE(e.date, 14);
    c.writeUInt32LE(e.crc, 16);
    c.writeUInt32LE(e.compressed, 20);
    c.writeUInt32LE(e.size, 24);
    c.writeUInt16LE(e.name.length, 28);
    c.writeUInt32LE((e.mode << 16) >>> 0, 38);
    c.writeUInt32LE(e.offset, 42);
    return Buffer.concat([c, e.name]);
  });
  const cd = Buffer.concat(central);
  if (offset + cd.length > ZIP32_MAX_BYTES) throw new Error('the archive would pass 4 GiB, more than a plain zip can address');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(note.length, 20);
  yield Buffer.concat([cd, end, note]);
}

/** Uncompressed bytes per deflate job: big enough that the priming window costs nothing, small enough to keep several in flight. */
const SEGMENT = 8 << 20;
/** The window a deflate segment is primed with: the last 32 KiB of the one before (deflate's reach). */
const WINDOW = 32 << 10;
const deflateSegment = promisify(deflateRaw) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

/**
 * The file's bytes as stored, counting its size and CRC-32 into `entry` on the way. Deflate runs on
 * the thread pool in segments, several at once (pigz's way): each segment but the last ends with a
 * sync flush (no final block) and each but the first is primed with its predecessor's last 32 KiB,
 * so their concatenation is one deflate stream, as compact as a single pass, in a fraction of the
 * time of one (a 214 MB history: 1.4 s in one stream, 0.7 s in four).
 */
async function* fileData(path: string, method: number, level: number, entry: Written): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const read = async (): Promise<Buffer> => {
      const buf = Buffer.allocUnsafe(SEGMENT);
      let got = 0;
      while (got < SEGMENT) {
        const { bytesRead } = await fh.read(buf, got, SEGMENT - got, null);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const data = buf.subarray(0, got);
      entry.size += got;
      entry.crc = crc32(data, entry.crc);
      return data;
    };
    if (method === 0) {
      for (let data = await read(); data.length > 0; data = await read()) yield data;
      return;
    }
    const inFlight: Promise<Buffer>[] = [];
    let next = await read();
    let previous: Buffer | null = null;
    let more = true;
    while (more || inFlight.length > 0) {
      while (more && inFlight.length < PARALLEL) {
        const data = next;
        // One segment of lookahead tells whether this is the last (the file may have changed since its stat).
        next = data.length === SEGMENT ? await read() : Buffer.alloc(0);
        more = next.length > 0;
        const job = deflateSegment(data, {
          level,
          finishFlush: more ? constants.Z_SYNC_FLUSH : constants.Z_FINISH,
          ...(previous ? { dictionary: previous.subarray(Math.max(0, previous.length - WINDOW)) } : {}),
        });
        // Awaited in order below; a failure then ends the stream.
        job.catch(() => {});
        inFlight.push(job);
        previous = data;
      }
      yield await inFlight.shift()!;
    }
  } finally {
    await fh.close();
  }
}

/** The client's destination paths start with a slash; a zip's names never do. */
function entryName(destinationPath: string): string {
  return destinationPath.replace(/\\/g, '/').replace(/^\/+/, '');
}

/** MS-DOS date and time (local time, 2-second resolution), as zip headers keep them; 1980 at the earliest. */
function dosTime(d: Date): { time: number; date: number } {
  const year = d.getFullYear();
  if (!Number.isFinite(year) || year < 1980) return { time: 0, date: (1 << 5) | 1 };
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((Math.min(year, 2107) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
