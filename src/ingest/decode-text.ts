/**
 * Bytes of a result file → text. XML says its own encoding (BOM, then the declaration); JSON is UTF-8.
 * Invalid UTF-8 policy: decode with U+FFFD replacement and warn, naming the file and the byte offset.
 * A stray byte in captured test output should not throw away a whole test report, and the warning
 * tells the user where to look.
 */
import { UserError } from '../store/store.ts';

export interface DecodedText {
  text: string;
  /** Encoding used, lower case (`utf-8`, `utf-16le`, `windows-1252`, ...). */
  encoding: string;
  warnings: string[];
}

function firstInvalidUtf8(buf: Uint8Array): number {
  // Walk only until the first bad sequence; called after a fatal decode failed.
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i];
    if (b < 0x80) { i++; continue; }
    let need = 0;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) if (i + k >= n || (buf[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

function decodeUtf8(buf: Uint8Array, file: string, warnings: string[]): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    warnings.push(
      `${file}: invalid UTF-8 at byte ${at < 0 ? '?' : at}; the bad bytes were replaced by U+FFFD. Write the report as UTF-8 or declare its encoding in <?xml ... encoding="..."?>.`,
    );
    return new TextDecoder('utf-8', { ignoreBOM: false }).decode(buf);
  }
}

/** Same policy as UTF-8: lone surrogates and a dangling odd byte become U+FFFD, with a warning. */
function decodeUtf16(buf: Uint8Array, encoding: 'utf-16le' | 'utf-16be', file: string, warnings: string[]): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    warnings.push(
      `${file}: invalid UTF-16 (an unpaired surrogate or an odd number of bytes); the bad units were replaced by U+FFFD. Write the report as UTF-8.`,
    );
    return new TextDecoder(encoding, { ignoreBOM: true }).decode(buf);
  }
}

const DECL_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;

/** Decodes a result file. `file` is the name used in messages. */
export function decodeResultFile(buf: Uint8Array, file: string): DecodedText {
  const warnings: string[] = [];
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    return { text: decodeUtf8(buf.subarray(3), file, warnings), encoding: 'utf-8', warnings };
  }
  // UTF-32 (checked before UTF-16: its little-endian BOM starts with FF FE too). No test tool writes it.
  if (buf.length >= 4 && ((buf[0] === 0xff && buf[1] === 0xfe && buf[2] === 0 && buf[3] === 0) || (buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff))) {
    throw new UserError(`${file}: the report is UTF-32 encoded, which is not supported; write it as UTF-8.`);
  }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) {
    return { text: decodeUtf16(buf.subarray(2), 'utf-16le', file, warnings), encoding: 'utf-16le', warnings };
  }
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    return { text: decodeUtf16(buf.subarray(2), 'utf-16be', file, warnings), encoding: 'utf-16be', warnings };
  }
  // UTF-16 without a BOM still starts with "<" as one 16-bit unit (XML spec, appendix F).
  if (buf.length >= 4 && buf[0] === 0x3c && buf[1] === 0 && buf[2] !== 0) {
    return { text: decodeUtf16(buf, 'utf-16le', file, warnings), encoding: 'utf-16le', warnings };
  }
  if (buf.length >= 4 && buf[0] === 0 && buf[1] === 0x3c) {
    return { text: decodeUtf16(buf, 'utf-16be', file, warnings), encoding: 'utf-16be', warnings };
  }
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, 256)).toString('latin1');
  const m = DECL_ENCODING.exec(head.trimStart());
  const declared = m ? m[1].toLowerCase() : 'utf-8';
  if (declared === 'utf-8' || declared === 'utf8' || declared === 'us-ascii' || declared === 'ascii') {
    return { text: decodeUtf8(buf, file, warnings), encoding: 'utf-8', warnings };
  }
  if (declared.startsWith('utf-16')) {
    // Declared UTF-16 but the bytes are single-byte (no BOM, no NULs): writers that lie; trust the bytes.
    return { text: decodeUtf8(buf, file, warnings), encoding: 'utf-8', warnings };
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(declared);
  } catch {
    throw new UserError(`${file}: unsupported XML encoding "${m![1]}"; re-write the report as UTF-8.`);
  }
  if (decoder.encoding === 'windows-1252') return { text: decodeWindows1252(buf), encoding: 'windows-1252', warnings };
  return { text: decoder.decode(buf), encoding: decoder.encoding, warnings };
}

// WHATWG maps the labels latin1/iso-8859-1/us-ascii to windows-1252, but Node 20's TextDecoder decodes them
// as plain latin1, turning 0x80-0x9F into C1 controls (so "€" would become U+0080).
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(buf: Uint8Array): string {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1');
  return /[\u0080-\u009f]/.test(text) ? text.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80])) : text;
}
