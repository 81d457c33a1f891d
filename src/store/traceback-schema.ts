/**
 * The tables of the traceback signature index (traceback-signatures.ts says why they exist), apart from the code
 * that fills them so schema.ts can list them without importing the flakefighters' tuple code.
 */

export const TRACEBACK_TABLES = ['ffa_traceback_signature', 'ffa_traceback_run', 'ffa_traceback_seen'] as const;
export type TracebackTable = (typeof TRACEBACK_TABLES)[number];

/** CREATE TABLE text laid out by schema.ts's `table`; `id` is the dialect's serial type, `timestamp` run.start_time's. */
export function tracebackDdl(table: (name: string, lines: string[]) => string, id: string, timestamp: string): Record<TracebackTable, string> {
  return {
    ffa_traceback_signature: table('ffa_traceback_signature', [
      'hash VARCHAR NOT NULL',
      'tuples TEXT NOT NULL',
      'rooted BOOLEAN NOT NULL',
      `id ${id} NOT NULL`,
      'PRIMARY KEY (id)',
      'UNIQUE (hash)',
    ]),
    // No foreign keys: the rows are a derived index that anything deleting runs may leave behind (reads join
    // through the window's run ids, so a leftover is never read), and retention must not depend on knowing them.
    ffa_traceback_run: table('ffa_traceback_run', ['run_id INTEGER NOT NULL', 'uuid VARCHAR', 'PRIMARY KEY (run_id)']),
    ffa_traceback_seen: table('ffa_traceback_seen', [
      'execution_id INTEGER NOT NULL',
      'run_id INTEGER NOT NULL',
      'test_id INTEGER NOT NULL',
      'signature_id INTEGER NOT NULL',
      'test_name VARCHAR',
      'execution_index INTEGER NOT NULL',
      // The run's start_time as stored: history's order (start_time, id), so the newest run of a signature is an index lookup.
      `start_time ${timestamp}`,
      'flaky BOOLEAN NOT NULL',
      'learned_at VARCHAR',
      'learned_from_run VARCHAR',
      'learned_reason TEXT',
      'PRIMARY KEY (execution_id)',
    ]),
  };
}

/** The indexes the reads use: a window's flaky rows by run, a signature's rows (TracebackMatching's lookup). */
export const TRACEBACK_INDEXES: ReadonlyArray<{ name: string; on: string }> = [
  // Covering: a window's flaky signatures are counted from the index alone.
  { name: 'ix_ffa_traceback_seen_window', on: 'ffa_traceback_seen (run_id, flaky, signature_id)' },
  // A signature's first occurrence in a run, in hydration order.
  { name: 'ix_ffa_traceback_seen_first', on: 'ffa_traceback_seen (signature_id, run_id, test_id, execution_id)' },
  // Covering, for a window of every stored run: each flaky signature's count and newest run without touching the runs.
  { name: 'ix_ffa_traceback_seen_newest', on: 'ffa_traceback_seen (flaky, signature_id, start_time DESC, run_id DESC)' },
];

export const TRACEBACK_COLUMNS: Record<TracebackTable, readonly string[]> = {
  ffa_traceback_signature: ['id', 'hash', 'tuples', 'rooted'],
  ffa_traceback_run: ['run_id', 'uuid'],
  ffa_traceback_seen: [
    'execution_id', 'run_id', 'test_id', 'signature_id', 'test_name', 'execution_index', 'start_time', 'flaky', 'learned_at', 'learned_from_run', 'learned_reason',
  ],
};

