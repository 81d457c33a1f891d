/**
 * Binds a batch of values onto a sql.js statement through SQLite's C API, with the batch's strings and blobs copied
 * into the WebAssembly heap in one piece. sql.js binds value by value: per string it measures and encodes it in
 * JavaScript, mallocs, copies and later frees it, each a call across the JavaScript–WebAssembly boundary; on a
 * 100k-test save that was most of the INSERTs' time. Here a batch is one TextEncoder pass, one copy and one bind call
 * per non-NULL value, from a heap block kept for the save (SQLITE_STATIC: SQLite reads it until the statement's reset).
 *
 * Stored values are those sql.js's own Statement.bind gives (node_modules/sql.js/dist/sql-wasm.js): a string is TEXT
 * of its UTF-8 bytes, a number that fits 32 bits (`v === (v | 0)`) sqlite3_bind_int and any other number
 * sqlite3_bind_double (NaN then stores NULL), a boolean its number, a Uint8Array a BLOB, null NULL. Anything else
 * (undefined, bigint, other objects) and strings with a lone surrogate (which sql.js encodes its own way) are left to
 * sql.js: `runBatch` returns false and the caller runs the batch through sql.js as before.
 *
 * sql.js exports what this needs from its module (`_malloc`, `_free`, `writeArrayToMemory`, `_sqlite3_bind_*`) but
 * not a statement's handle: its Statement keeps it in a field whose name its minifier chose. That field is found once
 * per sql.js module on a probe statement and checked by what SQLite answers about it; when it cannot be found or
 * checked, every batch goes through sql.js.
 */
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';

/** The emscripten exports of sql.js's module used here (present in its builds, absent from @types/sql.js). */
interface SqlJsExports {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  writeArrayToMemory(bytes: Uint8Array, ptr: number): void;
  _sqlite3_bind_int(stmt: number, pos: number, value: number): number;
  _sqlite3_bind_double(stmt: number, pos: number, value: number): number;
  _sqlite3_bind_text(stmt: number, pos: number, ptr: number, bytes: number, destructor: number): number;
  _sqlite3_bind_blob(stmt: number, pos: number, ptr: number, bytes: number, destructor: number): number;
  _sqlite3_bind_parameter_index(stmt: number, namePtr: number): number;
}

const SQLITE_STATIC = 0;
/**
 * A batch with more characters and blob bytes than this is bound by sql.js (as bulky as the batch, no more): the
 * staging buffer and heap block, kept for the whole save, stay at most a few times this.
 */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const utf8 = new TextEncoder();
const LONE_SURROGATE = /\p{Cs}/u;

/** Per sql.js module: the name of Statement's handle field, or null when it could not be confirmed. */
const handleFields = new WeakMap<object, string | null>();

function exportsOf(sqljs: SqlJsStatic): SqlJsExports | null {
  const m = sqljs as unknown as Partial<SqlJsExports>;
  const names = ['_malloc', '_free', 'writeArrayToMemory', '_sqlite3_bind_int', '_sqlite3_bind_double', '_sqlite3_bind_text', '_sqlite3_bind_blob', '_sqlite3_bind_parameter_index'] as const;
  return names.every((n) => typeof m[n] === 'function') ? (m as SqlJsExports) : null;
}

/** Writes `bytes` to a fresh heap block (the caller frees it). */
function copyToHeap(m: SqlJsExports, bytes: Uint8Array): number {
  const ptr = m._malloc(Math.max(1, bytes.length));
  if (!ptr) throw new Error('sql.js: out of memory');
  m.writeArrayToMemory(bytes, ptr);
  return ptr;
}

/**
 * The Statement field holding SQLite's handle: the one number field that is not its parameter cursor (1 on a fresh
 * statement). Confirmed first by reading only (SQLite finds the probe's named parameter at index 1 through it), then
 * by a bind: an int and a text bound through the handle must come back from sql.js's own step and get.
 */
function findHandleField(m: SqlJsExports, db: Database): string | null {
  const text = 'ffa ✓ probe';
  const textBytes = utf8.encode(text);
  let probe: Statement | null = null;
  let name = 0;
  let textPtr = 0;
  try {
    probe = db.prepare('SELECT :ffa_probe_int, :ffa_probe_text');
    name = copyToHeap(m, utf8.encode(':ffa_probe_int\0'));
    textPtr = copyToHeap(m, textBytes);
    const fields = Object.keys(probe).filter((k) => {
      const v = (probe as unknown as Record<string, unknown>)[k];
      return typeof v === 'number' && Number.isInteger(v) && v > 1;
    });
    if (fields.length !== 1) return null;
    const handle = (probe as unknown as Record<string, number>)[fields[0]];
    if (m._sqlite3_bind_parameter_index(handle, name) !== 1) return null;
    if (m._sqlite3_bind_int(handle, 1, 424242) !== 0 || m._sqlite3_bind_text(handle, 2, textPtr, textBytes.length, SQLITE_STATIC) !== 0) return null;
    const row = probe.step() ? probe.get() : [];
    probe.reset();
    return row[0] === 424242 && row[1] === text ? fields[0] : null;
  } catch {
    return null;
  } finally {
    probe?.free();
    if (name) m._free(name);
    if (textPtr) m._free(textPtr);
  }
}

/**
 * Binds statements' batches for one database. Owns a heap buffer: call free() after the statements it bound are
 * reset or freed.
 */
export class DirectBinder {
  private staged = new Uint8Array(1 << 16);
  private heap = 0;
  private heapBytes = 0;

  private constructor(
    private readonly m: SqlJsExports,
    private readonly db: Database,
    private readonly field: string,
  ) {}

  /** A binder for `db`, or null when this sql.js does not allow one (its batches then go through sql.js). */
  static open(sqljs: SqlJsStatic, db: Database): DirectBinder | null {
    const m = exportsOf(sqljs);
    if (!m) return null;
    let field = handleFields.get(sqljs);
    if (field === undefined) {
      field = findHandleField(m, db);
      handleFields.set(sqljs, field);
    }
    return field === null ? null : new DirectBinder(m, db, field);
  }

  /**
   * Binds values[0..count) to parameters 1..count of `stmt`, freshly reset (all NULL), then steps and resets it.
   * False, with nothing bound, when a value is one sql.js must bind itself.
   */
  runBatch(stmt: Statement, values: readonly SqlValue[], count: number): boolean {
    const handle = (stmt as unknown as Record<string, unknown>)[this.field];
    if (typeof handle !== 'number' || handle <= 1) return false;
    let joined = '';
    let chars = 0;
    let blobBytes = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      switch (typeof v) {
        case 'string':
          chars += v.length;
          // Measured before joining: strings past the limit together may be longer than a string can be (RangeError).
          if (chars > MAX_BATCH_BYTES) return false;
          joined += v;
          break;
        case 'number':
        case 'boolean':
          break;
        case 'object':
          if (v === null) break;
          if (v instanceof Uint8Array) {
            blobBytes += v.length;
            break;
          }
          return false;
        default:
          return false;
      }
    }
    if (chars + blobBytes > MAX_BATCH_BYTES) return false;
    let staged = this.stage(chars + blobBytes);
    let written = 0;
    if (chars > 0) {
      let done = utf8.encodeInto(joined, staged);
      // Wider than ASCII and out of room: again with room for the most a UTF-16 code unit takes (3 bytes).
      if (done.read < joined.length) {
        staged = this.stage(chars * 3 + blobBytes);
        done = utf8.encodeInto(joined, staged);
      }
      written = done.written;
    }
    // All ASCII: each string's bytes are its characters. Otherwise each is measured, and one with a lone surrogate
    // (TextEncoder writes U+FFFD, sql.js other bytes) leaves the batch to sql.js.
    const ascii = written === chars;
    if (!ascii) for (let i = 0; i < count; i++) if (typeof values[i] === 'string' && LONE_SURROGATE.test(values[i] as string)) return false;
    let end = written;
    if (blobBytes > 0) {
      if (written + blobBytes > staged.length) {
        const text = staged.subarray(0, written);
        staged = this.stage(written + blobBytes);
        staged.set(text);
      }
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (v instanceof Uint8Array) {
          staged.set(v, end);
          end += v.length;
        }
      }
    }
    const base = this.heapFor(end);
    if (end > 0) this.m.writeArrayToMemory(staged.subarray(0, end), base);
    const m = this.m;
    let text = base;
    let blob = base + written;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      let rc = 0;
      switch (typeof v) {
        case 'string': {
          const bytes = ascii ? v.length : Buffer.byteLength(v, 'utf8');
          rc = m._sqlite3_bind_text(handle, i + 1, text, bytes, SQLITE_STATIC);
          text += bytes;
          break;
        }
        case 'number':
          rc = v === (v | 0) ? m._sqlite3_bind_int(handle, i + 1, v) : m._sqlite3_bind_double(handle, i + 1, v);
          break;
        case 'boolean':
          rc = m._sqlite3_bind_int(handle, i + 1, v ? 1 : 0);
          break;
        default:
          // null stays NULL (the statement is reset with its bindings cleared); a Uint8Array is a BLOB.
          if (v instanceof Uint8Array) {
            rc = m._sqlite3_bind_blob(handle, i + 1, blob, v.length, SQLITE_STATIC);
            blob += v.length;
          }
      }
      if (rc !== 0) {
        try {
          (this.db as unknown as { handleError(rc: number): never }).handleError(rc);
        } finally {
          // Left reset, as after a failed step below: no binding points into the heap block, and it binds again.
          stmt.reset();
        }
      }
    }
    try {
      stmt.step();
    } finally {
      // Also after a failed step (a constraint): SQLite refuses binds on a statement not reset (SQLITE_MISUSE).
      stmt.reset();
    }
    return true;
  }

  /** The staging buffer, with room for at least `bytes` (a new one when it had not: the caller keeps what it needs). */
  private stage(bytes: number): Uint8Array {
    if (bytes > this.staged.length) this.staged = new Uint8Array(Math.ceil(bytes * 1.25));
    return this.staged;
  }

  /** A heap block of at least `bytes` (never 0: a NULL pointer would bind NULL, not an empty text or blob). */
  private heapFor(bytes: number): number {
    if (this.heap === 0 || bytes > this.heapBytes) {
      this.free();
      this.heapBytes = Math.max(1 << 16, Math.ceil(bytes * 1.25));
      this.heap = this.m._malloc(this.heapBytes);
      if (!this.heap) {
        this.heapBytes = 0;
        throw new Error('sql.js: out of memory');
      }
    }
    return this.heap;
  }

  /** Frees the heap buffer; statements bound from it must be reset or freed first. */
  free(): void {
    if (this.heap) this.m._free(this.heap);
    this.heap = 0;
    this.heapBytes = 0;
  }
}
