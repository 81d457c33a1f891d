/**
 * Python pickle codec for the plugin's PickleType columns (activeflakefighter.params,
 * test_execution.coverage).
 *
 * Reading interprets protocols 0–5 as data only: nothing is ever imported or called. A global
 * (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*) becomes an OpaqueObject that records the name, the
 * constructor arguments and the BUILD state, so a plugin database that pickles a GitPython Repo
 * still loads. The only globals given meaning are the handful Python itself emits for plain data
 * at protocols 2–3 (bytes via `_codecs.encode`, set, frozenset, bytearray), and they are rebuilt
 * here from their arguments, not called.
 *
 * Writing emits protocol 4 with no GLOBAL at all, so any Python 3.4+ can load it without imports.
 */
import { OpaqueObject, PickleDict, PickleSet, PickleTuple, type PickleValue } from './pickle-types.ts';

export { OpaqueObject, PickleDict, PickleSet, PickleTuple, type PickleValue };

/** Anything `pickle()` accepts: PickleValue plus plain objects/arrays built from it. */
export type Picklable = PickleValue | undefined | readonly Picklable[] | { readonly [key: string]: Picklable };

export class PickleError extends Error {
  override name = 'PickleError';
}

const MAX_LENGTH = 64 * 1024 * 1024;
const MAX_DEPTH = 1000;
/**
 * Work, not bytes, is what a hostile pickle multiplies: memo references let a few hundred bytes
 * describe a value whose expansion (a list holding itself twice, 64 levels deep) never ends, or
 * 50,000 keys sharing one 50,000-int list. Decoding keeps shared references shared, and refuses a
 * value whose expanded form (what a consumer walking it would visit) has more elements than this.
 */
export const PICKLE_LIMITS = { maxElements: 5_000_000, maxDepth: MAX_DEPTH } as const;

const MARK_SENTINEL = Symbol('mark');
type StackItem = PickleValue | typeof MARK_SENTINEL;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function opName(op: number): string {
  return `0x${op.toString(16).padStart(2, '0')}`;
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (n > MAX_LENGTH) throw new PickleError(`pickle ${what} of ${n} bytes exceeds the ${MAX_LENGTH}-byte limit`);
    if (this.pos + n > this.bytes.length) {
      throw new PickleError(`pickle truncated: ${what} needs ${n} bytes at offset ${this.pos}, only ${this.bytes.length - this.pos} left`);
    }
  }
  u8(): number {
    this.need(1, 'opcode argument');
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2, 'uint16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'uint32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, 'int32');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8, 'uint64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(MAX_LENGTH)) throw new PickleError(`pickle length ${v} exceeds the ${MAX_LENGTH}-byte limit`);
    return Number(v);
  }
  f64be(): number {
    this.need(8, 'float');
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A protocol-0 text argument up to (not including) the newline. */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError(`pickle truncated: missing newline after offset ${this.pos}`);
    if (end - this.pos > MAX_LENGTH) throw new PickleError('pickle text argument too long');
    const s = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  done(): boolean {
    return this.pos >= this.bytes.length;
  }
}

function decodeUtf8(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    // Python writes surrogates with surrogatepass; keep what we can rather than failing the row.
    return new TextDecoder('utf-8').decode(b);
  }
}

/** Little-endian two's complement (LONG1/LONG4) to number when safe, else bigint. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return normInt(v);
}

function normInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseTextInt(s: string): number | bigint | boolean {
  const t = s.trim().replace(/L$/, '');
  // Protocol 0 spells True/False as I01/I00.
  if (s === '01') return true;
  if (s === '00') return false;
  if (!/^[+-]?\d+$/.test(t)) throw new PickleError(`pickle: bad integer literal ${JSON.stringify(s)}`);
  return normInt(BigInt(t));
}

/** Python's repr of a str/bytes literal as written by protocol 0 STRING: 'abc' or "abc" with escapes. */
function parseStringLiteral(s: string): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) {
    throw new PickleError('pickle: STRING argument is not quoted');
  }
  return unescapePython(s.slice(1, -1), false);
}

function unescapePython(s: string, rawUnicode: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (rawUnicode) {
      // raw-unicode-escape only knows \uXXXX and \UXXXXXXXX.
      if (n === 'u' || n === 'U') {
        const len = n === 'u' ? 4 : 8;
        out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + len), 16));
        i += len;
      } else out += '\\' + (n ?? '');
      continue;
    }
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case 'x': out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; break;
      case 'u': out += String.fromCharCode(parseInt(s.slice(i + 1, i + 5), 16)); i += 4; break;
      case 'U': out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 9), 16)); i += 8; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        let j = i;
        while (j < i + 3 && /[0-7]/.test(s[j] ?? '')) j++;
        out += String.fromCharCode(parseInt(s.slice(i, j), 8));
        i = j - 1;
        break;
      }
      default: out += '\\' + (n ?? '');
    }
  }
  return out;
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new PickleError('pickle: _codecs.encode argument is not latin-1');
    out[i] = c;
  }
  return out;
}

const isBuiltins = (m: string) => m === 'builtins' || m === '__builtin__';

/**
 * The constructors Python's own pickler uses for plain data at protocols 2–3 are rebuilt from
 * their arguments; anything else stays an opaque record.
 */
function construct(callable: PickleValue, args: PickleValue[]): PickleValue {
  if (!(callable instanceof OpaqueObject)) {
    throw new PickleError(`pickle: REDUCE/NEWOBJ target is not a class or function (${describe(callable)})`);
  }
  const { module, qualname } = callable;
  if (callable.args.length === 0 && callable.state === null) {
    if (module === '_codecs' && qualname === 'encode' && typeof args[0] === 'string' && (args[1] === 'latin1' || args[1] === 'latin-1')) {
      return latin1Bytes(args[0]);
    }
    if (isBuiltins(module) && (qualname === 'set' || qualname === 'frozenset')) {
      const items = args.length === 0 ? [] : iterableItems(args[0]);
      if (items) return new PickleSet(items, qualname === 'frozenset');
    }
    if (isBuiltins(module) && qualname === 'bytearray') {
      if (args.length === 0) return new Uint8Array(0);
      if (args[0] instanceof Uint8Array) return new Uint8Array(args[0]);
      if (typeof args[0] === 'string' && args[1] === 'latin-1') return latin1Bytes(args[0]);
    }
    if (isBuiltins(module) && qualname === 'bytes' && args.length === 0) return new Uint8Array(0);
  }
  return new OpaqueObject(module, qualname, args);
}

function iterableItems(v: PickleValue): PickleValue[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof PickleTuple || v instanceof PickleSet) return v.items;
  return null;
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PickleDict) return 'dict';
  if (v instanceof PickleTuple) return 'tuple';
  if (v instanceof PickleSet) return 'set';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

/**
 * Decodes one pickle. Throws PickleError on malformed, truncated, oversized or unsupported input;
 * never runs code.
 */
export function unpickle(bytes: Uint8Array): PickleValue {
  const r = new Reader(bytes);
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Map<number, PickleValue>();

  const pop = (): PickleValue => {
    if (stack.length === 0) throw new PickleError('pickle: stack underflow');
    const v = stack.pop()!;
    if (v === MARK_SENTINEL) throw new PickleError('pickle: unexpected MARK');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (stack.length === 0 || v === MARK_SENTINEL) throw new PickleError('pickle: stack underflow');
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const items = stack as PickleValue[];
    if (metastack.length === 0) throw new PickleError('pickle: no MARK on the stack');
    stack = metastack.pop()!;
    return items;
  };
  let decoded = 0;
  const push = (v: PickleValue) => {
    if (++decoded > PICKLE_LIMITS.maxElements) throw new PickleError(`pickle decodes more than ${PICKLE_LIMITS.maxElements} elements`);
    stack.push(v);
  };
  const memoGet = (i: number): PickleValue => {
    if (!memo.has(i)) throw new PickleError(`pickle: memo key ${i} missing`);
    return memo.get(i)!;
  };
  const setItems = (d: PickleValue, kv: PickleValue[]) => {
    if (!(d instanceof PickleDict)) {
      if (d instanceof OpaqueObject) {
        // A dict subclass (e.g. OrderedDict) pickled by reduce: keep its items as the state.
        const state = d.state instanceof PickleDict ? d.state : new PickleDict();
        for (let i = 0; i + 1 < kv.length; i += 2) state.set(kv[i], kv[i + 1]);
        d.state = state;
        return;
      }
      throw new PickleError(`pickle: SETITEM on a ${describe(d)}`);
    }
    if (kv.length % 2) throw new PickleError('pickle: SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) d.set(dictKey(d, kv[i]), kv[i + 1]);
  };
  const appendItems = (l: PickleValue, items: PickleValue[]) => {
    if (Array.isArray(l)) {
      for (const it of items) l.push(it);
      return;
    }
    if (l instanceof OpaqueObject) {
      // list subclass pickled by reduce: keep items as args so nothing is lost.
      (l.args as PickleValue[]).push(...items);
      return;
    }
    throw new PickleError(`pickle: APPEND on a ${describe(l)}`);
  };

  let proto = 0;
  for (;;) {
    if (r.done()) throw new PickleError('pickle truncated: no STOP opcode');
    const op = r.u8();
    switch (op) {
      case 0x80: // PROTO
        proto = r.u8();
        if (proto > 5) throw new PickleError(`pickle protocol ${proto} is not supported (0–5)`);
        break;
      case 0x95: { // FRAME: framing is only a read-ahead hint
        const n = r.u64();
        r.need(n, 'frame');
        break;
      }
      case 0x2e: { // STOP
        const v = pop();
        checkShape(v);
        return v;
      }
      case 0x28: // MARK
        if (metastack.length >= MAX_DEPTH) throw new PickleError(`pickle nesting deeper than ${MAX_DEPTH}`);
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        // Python pops the mark itself when the stack above it is empty.
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(r.u8()); break; // BININT1
      case 0x4d: push(r.u16()); break; // BININT2
      case 0x4a: push(r.i32()); break; // BININT
      case 0x8a: push(decodeLong(r.take(r.u8(), 'LONG1'))); break;
      case 0x8b: { // LONG4
        const n = r.i32();
        if (n < 0) throw new PickleError('pickle: negative LONG4 length');
        push(decodeLong(r.take(n, 'LONG4')));
        break;
      }
      case 0x49: push(parseTextInt(r.line())); break; // INT
      case 0x4c: { // LONG
        const v = parseTextInt(r.line());
        push(typeof v === 'boolean' ? Number(v) : v);
        break;
      }
      case 0x46: { // FLOAT
        const t = r.line().trim();
        const v = Number(t);
        if (Number.isNaN(v) && !/^[+-]?nan$/i.test(t)) throw new PickleError(`pickle: bad float literal ${JSON.stringify(t)}`);
        push(v);
        break;
      }
      case 0x47: push(r.f64be()); break; // BINFLOAT
      case 0x8c: push(decodeUtf8(r.take(r.u8(), 'SHORT_BINUNICODE'))); break;
      case 0x58: push(decodeUtf8(r.take(r.u32(), 'BINUNICODE'))); break;
      case 0x8d: push(decodeUtf8(r.take(r.u64(), 'BINUNICODE8'))); break;
      case 0x56: push(unescapePython(r.line(), true)); break; // UNICODE (raw-unicode-escape)
      case 0x53: push(parseStringLiteral(r.line())); break; // STRING (py2 str → str)
      case 0x54: { // BINSTRING
        const n = r.i32();
        if (n < 0) throw new PickleError('pickle: negative BINSTRING length');
        push(latin1.decode(r.take(n, 'BINSTRING')));
        break;
      }
      case 0x55: push(latin1.decode(r.take(r.u8(), 'SHORT_BINSTRING'))); break;
      case 0x43: push(new Uint8Array(r.take(r.u8(), 'SHORT_BINBYTES'))); break;
      case 0x42: push(new Uint8Array(r.take(r.u32(), 'BINBYTES'))); break;
      case 0x8e: push(new Uint8Array(r.take(r.u64(), 'BINBYTES8'))); break;
      case 0x96: push(new Uint8Array(r.take(r.u64(), 'BYTEARRAY8'))); break;
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        throw new PickleError('pickle: out-of-band buffers (protocol 5 NEXT_BUFFER) are not supported');
      case 0x7d: push(new PickleDict()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PickleTuple([])); break; // EMPTY_TUPLE
      case 0x8f: push(new PickleSet([])); break; // EMPTY_SET
      case 0x64: { // DICT
        const items = popMark();
        const d = new PickleDict();
        setItems(d, items);
        push(d);
        break;
      }
      case 0x6c: push(popMark()); break; // LIST
      case 0x74: push(new PickleTuple(popMark())); break; // TUPLE
      case 0x85: push(new PickleTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new PickleTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PickleTuple([a, b, c])); break; } // TUPLE3
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof PickleSet)) throw new PickleError(`pickle: ADDITEMS on a ${describe(s)}`);
        (s.items as PickleValue[]).push(...items);
        break;
      }
      case 0x91: push(new PickleSet(popMark(), true)); break; // FROZENSET
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x70: memo.set(Number(r.line()), top()); break; // PUT
      case 0x71: memo.set(r.u8(), top()); break; // BINPUT
      case 0x72: memo.set(r.u32(), top()); break; // LONG_BINPUT
      case 0x67: push(memoGet(Number(r.line()))); break; // GET
      case 0x68: push(memoGet(r.u8())); break; // BINGET
      case 0x6a: push(memoGet(r.u32())); break; // LONG_BINGET
      case 0x63: { // GLOBAL
        const module = r.line();
        const name = r.line();
        push(new OpaqueObject(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('pickle: STACK_GLOBAL needs two strings');
        push(new OpaqueObject(module, name));
        break;
      }
      case 0x82: push(new OpaqueObject('copyreg.extension', String(r.u8()))); break; // EXT1
      case 0x83: push(new OpaqueObject('copyreg.extension', String(r.u16()))); break; // EXT2
      case 0x84: push(new OpaqueObject('copyreg.extension', String(r.i32()))); break; // EXT4
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PickleTuple)) throw new PickleError('pickle: REDUCE arguments are not a tuple');
        push(construct(fn, [...args.items]));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(args instanceof PickleTuple)) throw new PickleError('pickle: NEWOBJ arguments are not a tuple');
        push(construct(cls, [...args.items]));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(args instanceof PickleTuple)) throw new PickleError('pickle: NEWOBJ_EX arguments are not a tuple');
        const all = [...args.items];
        if (kwargs instanceof PickleDict && kwargs.size > 0) all.push(kwargs);
        push(construct(cls, all));
        break;
      }
      case 0x69: { // INST
        const module = r.line();
        const name = r.line();
        push(new OpaqueObject(module, name, popMark()));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        if (items.length === 0) throw new PickleError('pickle: OBJ without a class');
        const cls = items[0];
        if (!(cls instanceof OpaqueObject)) throw new PickleError('pickle: OBJ target is not a class');
        push(new OpaqueObject(cls.module, cls.qualname, items.slice(1)));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof OpaqueObject) obj.state = state;
        else if (obj instanceof PickleDict && state instanceof PickleDict) for (const [k, v] of state) obj.set(k, v);
        else throw new PickleError(`pickle: BUILD on a ${describe(obj)}`);
        break;
      }
      case 0x50: // PERSID
      case 0x51: // BINPERSID
        throw new PickleError('pickle: persistent ids are not supported');
      default:
        throw new PickleError(`pickle: unknown opcode ${opName(op)} at offset ${r.pos - 1}${proto ? ` (protocol ${proto})` : ''}`);
    }
  }
}

/** Dict keys must be hashable in Python; a Map keyed by a list would silently differ, so refuse it. */
function dictKey(_d: PickleDict, k: PickleValue): PickleValue {
  if (Array.isArray(k) || k instanceof PickleDict || (k instanceof PickleSet && !k.frozen)) {
    throw new PickleError(`pickle: unhashable dict key (${describe(k)})`);
  }
  return k;
}

function children(v: PickleValue): PickleValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PickleTuple || v instanceof PickleSet) return v.items as PickleValue[];
  if (v instanceof PickleDict) {
    const out: PickleValue[] = [];
    for (const [k, x] of v) out.push(k, x);
    return out;
  }
  if (v instanceof OpaqueObject) return [...v.args, v.state];
  return [];
}

/**
 * Refuses self-referencing values, nesting deeper than MAX_DEPTH and values whose expansion has
 * more than PICKLE_LIMITS.maxElements elements. Each shared object is measured once (memoised), so
 * this is linear in the decoded objects however often they are referenced.
 */
function checkShape(root: PickleValue): void {
  const known = new Map<object, { depth: number; size: number }>();
  const onPath = new Set<object>();
  const max = PICKLE_LIMITS.maxElements;
  const visit = (v: PickleValue, level: number): { depth: number; size: number } => {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return { depth: 0, size: 0 };
    if (level > MAX_DEPTH) throw new PickleError(`pickle nesting deeper than ${MAX_DEPTH}`);
    if (onPath.has(v)) throw new PickleError('pickle: self-referencing value is not supported');
    const seen = known.get(v);
    if (seen !== undefined) {
      if (seen.depth + level > MAX_DEPTH) throw new PickleError(`pickle nesting deeper than ${MAX_DEPTH}`);
      return seen;
    }
    onPath.add(v);
    let depth = 0;
    let size = 0;
    for (const c of children(v)) {
      const sub = visit(c, level + 1);
      depth = Math.max(depth, sub.depth + 1);
      size += 1 + sub.size;
      if (size > max) {
        throw new PickleError(`pickle expands to more than ${max} elements (shared references repeated); kept as a placeholder`);
      }
    }
    onPath.delete(v);
    const out = { depth, size };
    known.set(v, out);
    return out;
  };
  visit(root, 0);
}

const ENCODER = new TextEncoder();

class Writer {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  private len = 0;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  private view(): DataView {
    return this.dv;
  }
  byte(b: number) {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u16(v: number) {
    this.ensure(2);
    this.view().setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number) {
    this.ensure(4);
    this.view().setUint32(this.len, v, true);
    this.len += 4;
  }
  i32(v: number) {
    this.ensure(4);
    this.view().setInt32(this.len, v, true);
    this.len += 4;
  }
  f64be(v: number) {
    this.ensure(8);
    this.view().setFloat64(this.len, v, false);
    this.len += 8;
  }
  str(s: string) {
    const b = ENCODER.encode(s);
    if (b.length < 256) {
      this.byte(0x8c);
      this.byte(b.length);
    } else {
      if (b.length > 0xffffffff) throw new PickleError('pickle: string too long');
      this.byte(0x58);
      this.u32(b.length);
    }
    this.bytes(b);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function encodeLong(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let x = v;
  // Emit bytes until the remaining value is pure sign extension of the last byte written.
  for (;;) {
    const b = Number(x & 0xffn);
    out.push(b);
    x >>= 8n;
    if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

/** Python-loadable form of an opaque object: never a GLOBAL (Python may lack the module). */
function opaqueReplacement(o: OpaqueObject): Picklable {
  // DiffCov's pickled git Repo becomes its working directory: the string root the design asks for.
  if (o.module.startsWith('git.') && o.qualname === 'Repo' && o.state instanceof PickleDict) {
    const wd = o.state.get('working_dir') ?? o.state.get('_working_tree_dir');
    if (typeof wd === 'string') return wd;
  }
  if (o.state instanceof PickleDict) return o.state;
  return o.toString();
}

/** Encodes a value as a protocol 4 pickle that Python's `pickle.loads` reads with no imports. */
export function pickle(value: Picklable): Uint8Array {
  const enc = new Encoder();
  enc.w.byte(0x80);
  enc.w.byte(4);
  enc.write(value, 0);
  enc.w.byte(0x2e);
  return enc.w.result();
}

class Encoder {
  readonly w = new Writer();
  private readonly onPath = new Set<object>();
  private readonly memo = new Map<object, number>();

  /** MEMOIZE: the value on top of the stack gets the next memo index. */
  private memoize(v: object): void {
    this.memo.set(v, this.memo.size);
    this.w.byte(0x94);
  }

  private get(index: number): void {
    if (index < 0x100) {
      this.w.byte(0x68);
      this.w.byte(index);
    } else {
      this.w.byte(0x6a);
      this.w.u32(index);
    }
  }

  write(v: Picklable, depth: number): void {
    const w = this.w;
    if (depth > MAX_DEPTH) throw new PickleError(`pickle: value nested deeper than ${MAX_DEPTH}`);
    if (v === null || v === undefined) return w.byte(0x4e);
    if (v === true) return w.byte(0x88);
    if (v === false) return w.byte(0x89);
    if (typeof v === 'number') {
      if (Number.isInteger(v) && !Object.is(v, -0)) {
        if (v >= 0 && v < 0x100) {
          w.byte(0x4b);
          return w.byte(v);
        }
        if (v >= 0 && v < 0x10000) {
          w.byte(0x4d);
          return w.u16(v);
        }
        if (v >= -0x80000000 && v <= 0x7fffffff) {
          w.byte(0x4a);
          return w.i32(v);
        }
        if (Number.isSafeInteger(v)) return this.write(BigInt(v), depth);
      }
      w.byte(0x47);
      return w.f64be(v);
    }
    if (typeof v === 'bigint') {
      const b = encodeLong(v);
      if (b.length < 256) {
        w.byte(0x8a);
        w.byte(b.length);
      } else {
        w.byte(0x8b);
        w.i32(b.length);
      }
      return w.bytes(b);
    }
    if (typeof v === 'string') return w.str(v);
    if (v instanceof Uint8Array) {
      if (v.length < 256) {
        w.byte(0x43);
        w.byte(v.length);
      } else {
        w.byte(0x42);
        w.u32(v.length);
      }
      return w.bytes(v);
    }
    if (typeof v !== 'object') throw new PickleError(`pickle: cannot encode a ${typeof v}`);
    if (v instanceof OpaqueObject) return this.write(opaqueReplacement(v), depth);
    if (this.onPath.has(v)) throw new PickleError('pickle: cannot encode a self-referencing value');
    // A value met again is referenced, never written twice: shared structure stays shared (as
    // Python's pickler does), so re-pickling what we read costs what reading it cost.
    const known = this.memo.get(v);
    if (known !== undefined) return this.get(known);
    this.onPath.add(v);
    try {
      if (Array.isArray(v)) {
        w.byte(0x5d);
        this.memoize(v);
        this.batched(v, 0x65, depth);
      } else if (v instanceof PickleTuple) {
        const items = v.items;
        if (items.length === 0) w.byte(0x29);
        else if (items.length <= 3) {
          for (const it of items) this.write(it, depth + 1);
          w.byte(0x84 + items.length);
        } else {
          w.byte(0x28);
          for (const it of items) this.write(it, depth + 1);
          w.byte(0x74);
        }
        this.memoize(v);
      } else if (v instanceof PickleSet) {
        if (v.frozen) {
          w.byte(0x28);
          for (const it of v.items) this.write(it, depth + 1);
          w.byte(0x91);
          this.memoize(v);
        } else {
          w.byte(0x8f);
          this.memoize(v);
          this.batched(v.items, 0x90, depth);
        }
      } else if (v instanceof Map) {
        w.byte(0x7d);
        this.memoize(v);
        this.pairs([...v.entries()] as [Picklable, Picklable][], depth);
      } else if (v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v)) {
        throw new PickleError(`pickle: cannot encode a ${v.constructor.name}`);
      } else {
        w.byte(0x7d);
        this.memoize(v);
        this.pairs(Object.entries(v as Record<string, Picklable>), depth);
      }
    } finally {
      this.onPath.delete(v);
    }
  }

  /** Python batches APPENDS/SETITEMS by 1000; so do we (keeps the unpickler's stack small). */
  private batched(items: readonly Picklable[], op: number, depth: number): void {
    for (let i = 0; i < items.length; i += 1000) {
      this.w.byte(0x28);
      const end = Math.min(items.length, i + 1000);
      for (let j = i; j < end; j++) this.write(items[j], depth + 1);
      this.w.byte(op);
    }
  }

  private pairs(pairs: [Picklable, Picklable][], depth: number): void {
    for (let i = 0; i < pairs.length; i += 1000) {
      this.w.byte(0x28);
      const end = Math.min(pairs.length, i + 1000);
      for (let j = i; j < end; j++) {
        this.write(pairs[j][0], depth + 1);
        this.write(pairs[j][1], depth + 1);
      }
      this.w.byte(0x75);
    }
  }
}

/** JSON-friendly form for reports and logs: dicts → objects, tuples/sets → arrays, bytes → base64. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

export function toPlain(value: PickleValue | Picklable): PlainValue {
  const conv = (v: unknown, depth: number): PlainValue => {
    if (depth > MAX_DEPTH) throw new PickleError(`value nested deeper than ${MAX_DEPTH}`);
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (Array.isArray(v)) return v.map((x) => conv(x, depth + 1));
    if (v instanceof PickleTuple || v instanceof PickleSet) return v.items.map((x) => conv(x, depth + 1));
    if (v instanceof OpaqueObject) {
      const o: { [key: string]: PlainValue } = { __pickle_global__: `${v.module}.${v.qualname}` };
      if (v.args.length) o.__args__ = v.args.map((x) => conv(x, depth + 1));
      if (v.state !== null) o.__state__ = conv(v.state, depth + 1);
      return o;
    }
    if (v instanceof Map) {
      const o: { [key: string]: PlainValue } = {};
      for (const [k, x] of v) o[typeof k === 'string' ? k : JSON.stringify(conv(k, depth + 1))] = conv(x, depth + 1);
      return o;
    }
    if (typeof v === 'object') {
      const o: { [key: string]: PlainValue } = {};
      for (const [k, x] of Object.entries(v)) o[k] = conv(x, depth + 1);
      return o;
    }
    throw new PickleError(`cannot convert a ${typeof v}`);
  };
  return conv(value, 0);
}

/** Decodes test_execution.coverage: path → 1-based lines (order kept as stored, like the plugin). */
export function coverageFromPickle(bytes: Uint8Array | null | undefined): Record<string, number[]> | null {
  if (bytes == null || bytes.length === 0) return null;
  const v = unpickle(bytes);
  if (v === null) return null;
  if (!(v instanceof PickleDict)) throw new PickleError(`coverage pickle is a ${describe(v)}, expected a dict`);
  const out: Record<string, number[]> = {};
  for (const [k, lines] of v) {
    if (typeof k !== 'string') throw new PickleError('coverage pickle has a non-string file key');
    const items = iterableItems(lines);
    if (!items) throw new PickleError(`coverage pickle: lines of ${k} are a ${describe(lines)}`);
    out[k] = items.map((n) => {
      if (typeof n === 'number') return n;
      if (typeof n === 'bigint') return Number(n);
      throw new PickleError(`coverage pickle: a line of ${k} is a ${describe(n)}`);
    });
  }
  return out;
}

export function coverageToPickle(coverage: Record<string, readonly number[]> | null | undefined): Uint8Array | null {
  if (coverage == null) return null;
  return pickle(coverage as { [key: string]: readonly number[] });
}
