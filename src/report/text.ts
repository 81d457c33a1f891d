/** Escaping and formatting shared by every report: one place to get quoting right. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in HTML text and in quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Text inside a GitHub Markdown table cell or paragraph: HTML-escaped (names like `<lambda>` must not become tags),
 * Markdown punctuation backslash-escaped, newlines flattened (a newline ends a table row).
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[&<>]/g, (c) => HTML_ESCAPES[c])
    .replace(/[\\`*_[\]|~#!]/g, (c) => '\\' + c);
}

/**
 * Terminal control sequences (ANSI colours, cursor and erase codes: ESC [ parameters final-byte) taken out of test
 * output shown as text. Done before control characters are dropped: dropping ESC first leaves `[31m` behind.
 */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.includes('\x1b') ? s.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '') : s;
}

/**
 * XML 1.0 allows only tab, LF, CR and code points from 0x20 (minus the surrogates, FFFE and FFFF); anything else
 * (ANSI escapes in test output, NULs) makes the whole file unreadable, so it is dropped.
 */
export function stripInvalidXmlChars(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

const NEEDS_XML_WORK = /[^\x20-\x7e]|[&<>"]/;

/** Printable ASCII without `&<>"`: what escapeXml returns unchanged, as text or attribute (so does any part of it). */
export const xmlPlain = (s: string): boolean => !NEEDS_XML_WORK.test(s);

/** Escapes text or an attribute value; attribute newlines become character references so they survive parsing. */
export function escapeXml(s: string, attribute = false): string {
  // Most names and times are printable ASCII with nothing to escape: one scan returns them as they are (100k testcases).
  if (xmlPlain(s)) return s;
  const clean = /[^\x20-\x7e\t\n\r]/.test(s) ? stripInvalidXmlChars(s) : s;
  const out = clean.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]);
  return attribute ? out.replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : out;
}

/** Cuts to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return s.slice(0, Math.max(0, max - 1)) + '…';
}

export function firstLine(s: string): string {
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf('\n', start);
    if (end === -1) end = s.length;
    const t = s.slice(start, end).trim();
    if (t) return t;
    start = end + 1;
  }
  return '';
}

/** `2026-11-25 17:53 UTC`; '' for missing or invalid dates. */
export function formatDate(d: Date | null | undefined): string {
  if (!d || !Number.isFinite(d.getTime())) return '';
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '';
}

export function plural(n: number, word: string, many = word + 's'): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/**
 * 12,345 — by hand: the first toLocaleString call loads ICU's locale data, about 70 ms of the
 * action's cold start for one comma.
 */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The database description is meant to be URL-free; if a connection string slips in anyway, no report shows it
 * (it may carry a password).
 */
export function hideUrls(s: string): string {
  return s.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)]+/gi, '[url hidden]');
}
