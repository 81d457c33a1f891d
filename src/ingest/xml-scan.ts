/**
 * A small strict XML reader for test reports. Why not fast-xml-parser: with attributes on (we need
 * classname/name/time on every testcase) it parses a 100k-testcase report ~2.4× slower than its own
 * attribute-less default, it does not check that closing tags match (a truncated report would read as a
 * shorter one), and it has no cheap well-formedness mode. This reader does one linear pass with indexOf,
 * checks tag nesting, never expands DTD entities (a DOCTYPE with an internal subset is refused by the
 * caller before we get here; one without is skipped), and decodes only the 5 predefined entities and
 * numeric character references.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data (CDATA included), entities decoded; whitespace between child elements dropped. */
  text: string;
}

/** The first child element with this name, or null. */
export function child(el: XmlElement, name: string): XmlElement | null {
  for (const c of el.children) if (c.name === name) return c;
  return null;
}

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY_RE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g;

/** Decodes the predefined entities and character references; anything else is left as written. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY_RE, (whole, ref: string) => {
    if (ref.charCodeAt(0) === 35 /* # */) {
      const cp = ref.charCodeAt(1) === 120 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(cp) || cp < 0 || cp > 0x10ffff) return whole;
      return String.fromCodePoint(cp);
    }
    return PREDEFINED[ref] ?? whole;
  });
}

const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];
/** Characters that end a tag or attribute name: whitespace, / > = < " ' . */
const NAME_END = new Uint8Array(65536);
for (let c = 0; c <= 32; c++) NAME_END[c] = 1;
for (const ch of '/>=<"\'') NAME_END[ch.charCodeAt(0)] = 1;

// Names repeated on every testcase, returned as one shared string instead of a new copy each time:
// a large report keeps its whole tree alive while it is read, and fewer live objects means cheaper GC.
const COMMON = ['testcase', 'testsuite', 'classname', 'name', 'time', 'failure', 'error', 'skipped', 'system-out', 'system-err', 'message', 'type', 'file', 'line', 'timestamp', 'property', 'value'];
/** The common names by length and first character (length × 128 + its code): one candidate, rarely two. */
const COMMON_BY_START: (string[] | undefined)[] = new Array(Math.max(...COMMON.map((w) => w.length + 1)) * 128).fill(undefined);
for (const w of COMMON) (COMMON_BY_START[w.length * 128 + w.charCodeAt(0)] ??= []).push(w);

const MAX_COMMON = COMMON_BY_START.length / 128;

function intern(src: string, from: number, to: number): string {
  const c = src.charCodeAt(from);
  const cands = c < 128 && to - from < MAX_COMMON ? COMMON_BY_START[(to - from) * 128 + c] : undefined;
  if (cands !== undefined) for (let k = 0; k < cands.length; k++) if (restIs(src, from, cands[k])) return cands[k];
  return copyOf(src, from, to);
}

/** Whether `src` from `from` on reads `w` past its first character (a character loop: this runs for every name read). */
function restIs(src: string, from: number, w: string): boolean {
  for (let i = 1; i < w.length; i++) if (src.charCodeAt(from + i) !== w.charCodeAt(i)) return false;
  return true;
}

/**
 * `src.slice(from, to)` as a string of its own. V8 makes a slice of 13 or more characters a view that keeps
 * all of `src` alive: a name kept in the Run would keep the whole file's text. Joining two parts builds one
 * flat string.
 */
function copyOf(src: string, from: number, to: number): string {
  return to - from < 13 ? src.slice(from, to) : [src.slice(from, from + 1), src.slice(from + 1, to)].join('');
}

/** `s` as one flat string of its own: neither a view into a file's text nor a chain of `+` parts. */
export const flatCopy = (s: string): string => copyOf(s, 0, s.length);

/** XML line-end normalisation (CRLF and CR → LF) for literal text; `&#13;` stays a CR since it is decoded after. */
const eol = (s: string): string => (s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n'));

function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = src.indexOf('\n'); i !== -1 && i < pos; i = src.indexOf('\n', i + 1)) line++;
  return line;
}

export interface ScanOptions {
  /** Deepest element nesting accepted (a report is a few levels deep; this bounds memory and recursion in callers). */
  maxDepth?: number;
  /**
   * Called for each element once its start tag is read and it is attached to its parent (null for the root);
   * `at` is the offset of its `<` in the source (see readStartTag).
   */
  onOpen?: (el: XmlElement, parent: XmlElement | null, at: number) => void;
  /**
   * Called for each element once it is complete (children and text). Returning false detaches it from its
   * parent: a reader that has used a testcase lets it go instead of keeping the whole document as a tree.
   */
  onClose?: (el: XmlElement, parent: XmlElement | null) => boolean;
  /**
   * Elements of this name get attribute values that are views into `src` instead of copies (cheaper to make),
   * for a caller that reads such elements and lets them go: whatever it keeps of them it copies (flatCopy).
   */
  viewAttrsOf?: string;
}

/** Where the last start tag read by startTag ends (past its attributes): one number, not an object per tag. */
let tagEnd = 0;

/**
 * The element of the start tag at `lt` (name, attributes with entities decoded, no children yet); sets tagEnd.
 * Hand-rolled name and attribute scanning: no regex match arrays per attribute (GC pressure on 100k testcases).
 */
function startTag(src: string, lt: number, viewAttrsOf: string | undefined): XmlElement {
  const len = src.length;
  let p = lt + 1;
  while (p < len && !NAME_END[src.charCodeAt(p)]) p++;
  if (p === lt + 1) fail(src, lt, 'invalid tag name');
  const name = intern(src, lt + 1, p);
  const views = name === viewAttrsOf;
  const attrs: Record<string, string> = {};
  for (;;) {
    while (p < len && src.charCodeAt(p) <= 32) p++;
    const c = src.charCodeAt(p);
    if (c === 62 /* > */ || c === 47 /* / */ || p >= len) break;
    const nameStart = p;
    while (p < len && !NAME_END[src.charCodeAt(p)]) p++;
    if (p === nameStart) fail(src, p, `invalid attribute syntax in <${name}>`);
    const attr = intern(src, nameStart, p);
    while (p < len && src.charCodeAt(p) <= 32) p++;
    if (src.charCodeAt(p) !== 61 /* = */) fail(src, p, `invalid attribute syntax in <${name}>`);
    p++;
    while (p < len && src.charCodeAt(p) <= 32) p++;
    const q = src.charCodeAt(p);
    if (q !== 34 && q !== 39) fail(src, p, `invalid attribute syntax in <${name}>`);
    const close = src.indexOf(q === 34 ? '"' : "'", p + 1);
    if (close === -1) fail(src, p, `unterminated attribute value in <${name}>`);
    // Plain assignment is safe here: a "__proto__" key from the file is skipped, not assigned.
    if (attr !== '__proto__') {
      const v = views ? src.slice(p + 1, close) : copyOf(src, p + 1, close);
      attrs[attr] = v.indexOf('&') === -1 ? v : decodeEntities(v);
    }
    p = close + 1;
  }
  while (p < len && src.charCodeAt(p) <= 32) p++;
  tagEnd = p;
  // Until an element gets a child it shares one frozen empty array: most testcases never get one.
  return { name, attrs, children: NO_CHILDREN, text: '' };
}

/**
 * The name and attributes of the start tag at `at` (an offset parseXml gave to onOpen), read again from the
 * source: a reader that let an element go can still look at its attributes when it rarely needs them.
 */
export function readStartTag(src: string, at: number): { name: string; attrs: Record<string, string> } {
  const { name, attrs } = startTag(src, at, undefined);
  return { name, attrs };
}

/**
 * Module functions, not closures in parseXml: a closure's context would hold `src`, and code the engine was still
 * optimizing for it could keep a whole file's text alive after the read.
 */
function fail(src: string, pos: number, what: string): never {
  throw new XmlSyntaxError(`malformed XML at line ${lineOf(src, pos)}: ${what}`);
}

function isBlank(src: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (src.charCodeAt(i) > 32) return false;
  return true;
}

function addText(src: string, cur: XmlElement | null, from: number, to: number): void {
  if (cur === null) {
    if (!isBlank(src, from, to)) fail(src, from, 'text outside the root element');
    return;
  }
  // Indentation between child elements carries no meaning and would only cost memory.
  if (cur.children.length > 0 && isBlank(src, from, to)) return;
  cur.text += decodeEntities(eol(copyOf(src, from, to)));
}

export function parseXml(src: string, opts: ScanOptions = {}): XmlElement {
  const maxDepth = opts.maxDepth ?? 256;
  const { onOpen, onClose, viewAttrsOf } = opts;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let cur: XmlElement | null = null;
  let pos = 0;
  const len = src.length;


  while (pos < len) {
    const lt = src.indexOf('<', pos);
    if (lt === -1) {
      addText(src, cur, pos, len);
      break;
    }
    if (lt > pos) addText(src, cur, pos, lt);
    const c1 = src.charCodeAt(lt + 1);
    if (c1 === 47 /* / */) {
      const gt = src.indexOf('>', lt + 2);
      if (gt === -1) fail(src, lt, 'unterminated closing tag');
      // Compared in place first: no string per closing tag (a 100k-testcase report has 100k of them).
      if (cur === null || gt - lt - 2 !== cur.name.length || !src.startsWith(cur.name, lt + 2)) {
        const name = src.slice(lt + 2, gt).trim();
        if (cur === null) fail(src, lt, `closing tag </${name}> without an opening tag`);
        if (cur!.name !== name) fail(src, lt, `expected </${cur!.name}> but found </${name}>`);
      }
      const done = stack.pop()!;
      cur = stack.length ? stack[stack.length - 1] : null;
      if (onClose !== undefined && !onClose(done, cur) && cur !== null) cur.children.pop();
      pos = gt + 1;
    } else if (c1 === 63 /* ? */) {
      const end = src.indexOf('?>', lt + 2);
      if (end === -1) fail(src, lt, 'unterminated processing instruction');
      pos = end + 2;
    } else if (c1 === 33 /* ! */) {
      if (src.startsWith('<!--', lt)) {
        const end = src.indexOf('-->', lt + 4);
        if (end === -1) fail(src, lt, 'unterminated comment');
        pos = end + 3;
      } else if (src.startsWith('<![CDATA[', lt)) {
        const end = src.indexOf(']]>', lt + 9);
        if (end === -1) fail(src, lt, 'unterminated CDATA section');
        if (cur === null) fail(src, lt, 'CDATA outside the root element');
        cur!.text += eol(copyOf(src, lt + 9, end));
        pos = end + 3;
      } else if (src.startsWith('<!DOCTYPE', lt)) {
        if (root !== null || cur !== null) fail(src, lt, 'DOCTYPE after the root element');
        // Internal subsets are refused before parsing (see junit.ts); skip a plain DOCTYPE.
        const gt = src.indexOf('>', lt);
        if (gt === -1) fail(src, lt, 'unterminated DOCTYPE');
        if (src.lastIndexOf('[', gt) > lt) fail(src, lt, 'DOCTYPE with an internal subset (entity declarations are not allowed)');
        pos = gt + 1;
      } else {
        fail(src, lt, 'unexpected "<!"');
      }
    } else {
      const el = startTag(src, lt, viewAttrsOf);
      const name = el.name;
      let p = tagEnd;
      let selfClosing = false;
      if (src.charCodeAt(p) === 47 && src.charCodeAt(p + 1) === 62) {
        selfClosing = true;
        p += 2;
      } else if (src.charCodeAt(p) === 62) {
        p += 1;
      } else {
        fail(src, p, p >= len ? `unexpected end of file inside <${name}>` : `invalid attribute syntax in <${name}>`);
      }
      const parent = cur;
      if (parent === null) {
        if (root !== null) fail(src, lt, `second root element <${name}>`);
        root = el;
      } else if (parent.children === NO_CHILDREN) {
        parent.children = [el];
      } else {
        parent.children.push(el);
      }
      onOpen?.(el, parent, lt);
      if (!selfClosing) {
        if (stack.length >= maxDepth) fail(src, lt, `elements nested deeper than ${maxDepth} levels`);
        stack.push(el);
        cur = el;
      } else if (onClose !== undefined && !onClose(el, parent) && parent !== null) {
        parent.children.pop();
      }
      pos = p;
    }
  }
  if (stack.length > 0) {
    throw new XmlSyntaxError(`malformed XML: the file ends before </${stack[stack.length - 1].name}> (truncated?)`);
  }
  if (root === null) throw new XmlSyntaxError('no XML element found');
  return root;
}
