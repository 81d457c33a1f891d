/**
 * Table definitions shared by both back ends.
 *
 * The plugin's seven tables are created exactly as SQLAlchemy 2 creates them for
 * pytest-flakefighters 0.7.0 (byte-identical `sqlite_master.sql`; Postgres DDL as
 * `CreateTable(...).compile(dialect=postgresql)`), so one database serves both tools. They are
 * only ever created when missing, never altered or dropped. Our own data lives in `ffa_*` tables.
 *
 * Exports:
 *   PLUGIN_TABLES                      creation order (the plugin's create_all order)
 *   SQLITE_PLUGIN_DDL / POSTGRES_PLUGIN_DDL   Record<table, CREATE TABLE text>
 *   FFA_TABLES, SQLITE_FFA_DDL / POSTGRES_FFA_DDL
 *   FFA_SCHEMA_VERSION, FFA_VERSION_KEY
 *   PLUGIN_COLUMNS, FFA_COLUMNS        required columns per table (for foreign-schema checks)
 *   checkTableColumns(table, have, where) → string | null   (why a table is not ours)
 *   checkFfaVersion(value, where)      throws UserError when written by a newer action
 */
import { UserError } from './store.ts';
import { TRACEBACK_COLUMNS, TRACEBACK_INDEXES, TRACEBACK_TABLES, tracebackDdl } from './traceback-schema.ts';

export const PLUGIN_TABLES = [
  'run',
  'activeflakefighter',
  'test',
  'test_execution',
  'test_exception',
  'flakefighter_result',
  'tracebackentry',
] as const;
export type PluginTable = (typeof PLUGIN_TABLES)[number];

export const FFA_TABLES = ['ffa_meta', 'ffa_run', 'ffa_result_evidence', 'ffa_learned_result', ...TRACEBACK_TABLES] as const;
export type FfaTable = (typeof FFA_TABLES)[number];

/**
 * Version of OUR tables (ffa_*); bump with a migration when they change.
 * 2: ffa_run.environment, environment_label, dirty_tree (FFA_RUN_V2_COLUMNS), added in place to older tables.
 * 3: ffa_learned_result (verdicts learned after their run was saved), created when missing.
 * 4: the traceback signature index (traceback-signatures.ts), created when missing; runs stored before are indexed
 *    when a read first needs them (and runs the plugin writes, or whose verdicts change, the same way).
 */
export const FFA_SCHEMA_VERSION = 4;
export const FFA_VERSION_KEY = 'schema_version';

/** SQLAlchemy's CreateTable layout: tab-indented columns joined by ", \n". */
function table(name: string, lines: string[]): string {
  return `CREATE TABLE ${name} (\n\t${lines.join(', \n\t')}\n)`;
}

function pluginDdl(t: { datetime: string; datetimeTz: string; blob: string; id: string }): Record<PluginTable, string> {
  return {
    run: table('run', [
      `start_time ${t.datetime}`,
      `created_at ${t.datetime}`,
      'root VARCHAR',
      'commit_sha VARCHAR',
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
    ]),
    activeflakefighter: table('activeflakefighter', [
      'run_id INTEGER NOT NULL',
      'name VARCHAR',
      `params ${t.blob}`,
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
      'FOREIGN KEY(run_id) REFERENCES run (id)',
    ]),
    test: table('test', [
      'run_id INTEGER NOT NULL',
      'fspath VARCHAR',
      'line_no INTEGER',
      'name VARCHAR',
      'skipped BOOLEAN',
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
      'FOREIGN KEY(run_id) REFERENCES run (id)',
    ]),
    test_execution: table('test_execution', [
      'test_id INTEGER NOT NULL',
      'outcome VARCHAR',
      'stdout TEXT',
      'stderr TEXT',
      'report TEXT',
      `start_time ${t.datetimeTz}`,
      `end_time ${t.datetimeTz}`,
      `coverage ${t.blob}`,
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
      'FOREIGN KEY(test_id) REFERENCES test (id)',
    ]),
    test_exception: table('test_exception', [
      'execution_id INTEGER NOT NULL',
      'name VARCHAR',
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
      'FOREIGN KEY(execution_id) REFERENCES test_execution (id)',
    ]),
    flakefighter_result: table('flakefighter_result', [
      'test_execution_id INTEGER',
      'test_id INTEGER',
      'name VARCHAR',
      'flaky BOOLEAN',
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
      'CONSTRAINT check_test_id_not_null CHECK (NOT (test_execution_id IS NULL AND test_id IS NULL))',
      'FOREIGN KEY(test_execution_id) REFERENCES test_execution (id)',
      'FOREIGN KEY(test_id) REFERENCES test (id)',
    ]),
    tracebackentry: table('tracebackentry', [
      'exception_id INTEGER NOT NULL',
      'path VARCHAR',
      'lineno INTEGER',
      'colno INTEGER',
      'statement VARCHAR',
      'source TEXT',
      `id ${t.id} NOT NULL`,
      'PRIMARY KEY (id)',
      'FOREIGN KEY(exception_id) REFERENCES test_exception (id)',
    ]),
  };
}

export const SQLITE_PLUGIN_DDL = pluginDdl({ datetime: 'DATETIME', datetimeTz: 'DATETIME', blob: 'BLOB', id: 'INTEGER' });
export const POSTGRES_PLUGIN_DDL = pluginDdl({
  datetime: 'TIMESTAMP WITHOUT TIME ZONE',
  datetimeTz: 'TIMESTAMP WITH TIME ZONE',
  blob: 'BYTEA',
  id: 'SERIAL',
});

/**
 * Columns schema 2 added to ffa_run: where the run ran and whether its working tree was dirty. A
 * database of schema 1 gets them by ALTER TABLE ADD COLUMN (nullable, so its rows read as runs of
 * an unknown environment, which match no run). Not in FFA_COLUMNS: their absence is upgraded, not refused.
 */
const FFA_RUN_V2_COLUMNS: ReadonlyArray<readonly [name: string, type: string]> = [
  ['environment', 'VARCHAR'],
  ['environment_label', 'VARCHAR'],
  ['dirty_tree', 'BOOLEAN'],
];

/** `ALTER TABLE ffa_run ADD COLUMN …` for each schema-2 column missing from `have`. */
export function ffaRunUpgrades(have: readonly string[]): string[] {
  const lower = new Set(have.map((c) => c.toLowerCase()));
  return FFA_RUN_V2_COLUMNS.filter(([name]) => !lower.has(name)).map(([name, type]) => `ALTER TABLE ffa_run ADD COLUMN ${name} ${type}`);
}

/**
 * Our tables. `ffa_run.run_id` and `ffa_result_evidence.result_id` are both the key and the link,
 * so each plugin row has at most one of ours; `uuid` UNIQUE makes concurrent or repeated saves of
 * the same run fail instead of duplicating it. No cascades, like the plugin's tables.
 */
function ffaDdl(timestamp: string, id: string): Record<FfaTable, string> {
  return {
    ...tracebackDdl(table, id, timestamp),
    ffa_meta: table('ffa_meta', ['key VARCHAR NOT NULL', 'value TEXT', 'PRIMARY KEY (key)']),
    ffa_run: table('ffa_run', [
      'run_id INTEGER NOT NULL',
      'uuid VARCHAR NOT NULL',
      'workflow VARCHAR',
      'job VARCHAR',
      'gh_run_id VARCHAR',
      'run_attempt INTEGER',
      'run_number INTEGER',
      'ref VARCHAR',
      'branch VARCHAR',
      'repository VARCHAR',
      'event_name VARCHAR',
      'source VARCHAR',
      'dialects TEXT',
      'counts TEXT',
      ...FFA_RUN_V2_COLUMNS.map(([name, type]) => `${name} ${type}`),
      'PRIMARY KEY (run_id)',
      'UNIQUE (uuid)',
      'FOREIGN KEY(run_id) REFERENCES run (id)',
    ]),
    ffa_result_evidence: table('ffa_result_evidence', [
      'result_id INTEGER NOT NULL',
      'evidence TEXT NOT NULL',
      'PRIMARY KEY (result_id)',
      'FOREIGN KEY(result_id) REFERENCES flakefighter_result (id)',
    ]),
    // A verdict learned after its run was saved (store/learn-from-reruns.ts): when (UTC) and from which run (its
    // uuid, no foreign key: the teaching run may be pruned before the failure it taught about).
    ffa_learned_result: table('ffa_learned_result', [
      'result_id INTEGER NOT NULL',
      `learned_at ${timestamp} NOT NULL`,
      'learned_from_run VARCHAR',
      'PRIMARY KEY (result_id)',
      'FOREIGN KEY(result_id) REFERENCES flakefighter_result (id)',
    ]),
  };
}

export const SQLITE_FFA_DDL = sqliteWithIndexes(ffaDdl('DATETIME', 'INTEGER'));
export const POSTGRES_FFA_DDL = ffaDdl('TIMESTAMP WITHOUT TIME ZONE', 'SERIAL');

/** sql.js runs a table's DDL as one script: the index table's indexes go with it (Postgres lists them in postgres-store.ts). */
function sqliteWithIndexes(ddl: Record<FfaTable, string>): Record<FfaTable, string> {
  const out = { ...ddl };
  for (const ix of TRACEBACK_INDEXES) {
    const t = ix.on.split(' ')[0] as FfaTable;
    out[t] += `;\nCREATE INDEX IF NOT EXISTS ${ix.name} ON ${ix.on}`;
  }
  return out;
}

/** Columns our code reads and writes; a table with the same name lacking one is not the plugin's. */
export const PLUGIN_COLUMNS: Record<PluginTable, readonly string[]> = {
  run: ['id', 'start_time', 'created_at', 'root', 'commit_sha'],
  activeflakefighter: ['id', 'run_id', 'name', 'params'],
  test: ['id', 'run_id', 'fspath', 'line_no', 'name', 'skipped'],
  test_execution: ['id', 'test_id', 'outcome', 'stdout', 'stderr', 'report', 'start_time', 'end_time', 'coverage'],
  test_exception: ['id', 'execution_id', 'name'],
  flakefighter_result: ['id', 'test_execution_id', 'test_id', 'name', 'flaky'],
  tracebackentry: ['id', 'exception_id', 'path', 'lineno', 'colno', 'statement', 'source'],
};

export const FFA_COLUMNS: Record<FfaTable, readonly string[]> = {
  ffa_meta: ['key', 'value'],
  ffa_run: [
    'run_id', 'uuid', 'workflow', 'job', 'gh_run_id', 'run_attempt', 'run_number', 'ref', 'branch',
    'repository', 'event_name', 'source', 'dialects', 'counts',
  ],
  ffa_result_evidence: ['result_id', 'evidence'],
  ffa_learned_result: ['result_id', 'learned_at', 'learned_from_run'],
  ...TRACEBACK_COLUMNS,
};

/**
 * Why an existing table with one of our names cannot be used, or null when it has every column we
 * need (extra columns are fine: a newer plugin may add some).
 */
export function checkTableColumns(tableName: PluginTable | FfaTable, have: readonly string[], where: string): string | null {
  const need = (PLUGIN_COLUMNS as Record<string, readonly string[]>)[tableName] ?? (FFA_COLUMNS as Record<string, readonly string[]>)[tableName];
  const lower = new Set(have.map((c) => c.toLowerCase()));
  const missing = need.filter((c) => !lower.has(c));
  if (missing.length === 0) return null;
  return (
    `${where} is not a pytest-flakefighters database: its table "${tableName}" has columns (${have.join(', ')}) ` +
    `but lacks ${missing.join(', ')}; point database-path/database-url at a flakefighters database or a new file`
  );
}

/** Refuses a database whose ffa_* tables were written by a newer flakefighters-action. */
export function checkFfaVersion(value: string | number | null | undefined, where: string): void {
  if (value === null || value === undefined) return;
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new UserError(`${where}: ffa_meta.${FFA_VERSION_KEY} is ${JSON.stringify(value)}, not a number; the database was not written by flakefighters-action`);
  }
  if (n > FFA_SCHEMA_VERSION) {
    throw new UserError(
      `${where} was written by a newer flakefighters-action (schema ${n} > ${FFA_SCHEMA_VERSION}); upgrade the action`,
    );
  }
}
