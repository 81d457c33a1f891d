/**
 * Multi-row INSERTs on sql.js: rows are bound into one reused `INSERT … VALUES (…),(…),…` statement of many rows, so
 * the per-statement cost (bind, step, reset through the JavaScript–WebAssembly boundary) is paid once per batch,
 * not per row. On a 100k-test save this took the INSERTs from ~1.3 s to ~0.5 s here. Values are put one at a time
 * into one reused array: no array or object per row. A batch is bound through SQLite's C API in one piece
 * (sqljs-bind.ts) where sql.js allows it, else by sql.js value by value; the rows stored are the same.
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import type { DirectBinder } from './sqljs-bind.ts';

/**
 * A statement other than a plain INSERT: `head` replaces `INSERT INTO <table> (<columns>) VALUES ` (e.g. an INSERT
 * … SELECT … FROM (VALUES ), `tail` follows the rows (e.g. an ON CONFLICT clause). Each row is one `?` per column.
 */
export interface BatchShape {
  head?: string;
  tail?: string;
}

/**
 * Bound values per statement. SQLite allows 32,766; measured on the 100k-test save, batches of 50 to 1,000 rows ran
 * alike and single rows 2.5× slower, so a few thousand keep the prepared statement small.
 */
const VALUES_PER_STATEMENT = 2000;

export class BatchInsert {
  private readonly values: SqlValue[];
  private filled = 0;
  private full: Statement | null = null;
  private readonly columns: number;

  /** `binder`: binds whole batches (DirectBinder.open); null binds through sql.js. */
  constructor(
    private readonly db: Database,
    private readonly table: string,
    columnNames: readonly string[],
    private readonly binder: DirectBinder | null = null,
    shape: BatchShape = {},
  ) {
    this.columns = columnNames.length;
    const rows = Math.max(1, Math.floor(VALUES_PER_STATEMENT / this.columns));
    this.values = new Array<SqlValue>(rows * this.columns).fill(null);
    this.head = shape.head ?? `INSERT INTO ${table} (${columnNames.join(', ')}) VALUES `;
    this.row = `(${new Array(this.columns).fill('?').join(',')})`;
    this.tail = shape.tail ? ` ${shape.tail}` : '';
  }

  private readonly head: string;
  private readonly row: string;
  private readonly tail: string;

  /** The next value of the row being put, in the column order given. */
  put(value: SqlValue): void {
    this.values[this.filled++] = value;
  }

  /** Ends a row; a full batch is inserted. */
  endRow(): void {
    if (this.filled % this.columns !== 0) throw new Error(`${this.table}: a row of ${this.filled % this.columns} values, not ${this.columns}`);
    if (this.filled < this.values.length) return;
    this.full ??= this.db.prepare(this.sql(this.values.length / this.columns));
    if (!this.binder?.runBatch(this.full, this.values, this.filled)) this.full.run(this.values);
    this.filled = 0;
  }

  /** Inserts the rows still waiting; call once after the last row, then free(). */
  finish(): void {
    if (this.filled === 0) return;
    const stmt = this.db.prepare(this.sql(this.filled / this.columns));
    try {
      if (!this.binder?.runBatch(stmt, this.values, this.filled)) stmt.run(this.values.slice(0, this.filled));
    } finally {
      stmt.free();
    }
    this.filled = 0;
  }

  free(): void {
    this.full?.free();
    this.full = null;
  }

  private sql(rows: number): string {
    return this.head + new Array(rows).fill(this.row).join(',') + this.tail;
  }
}
