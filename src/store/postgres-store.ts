/**
 * The Store on PostgreSQL (postgres.js). Sections: connecting and wording failures (one redacted line
 * each), bootstrapping the schema under an advisory lock, saving a run in one transaction with a fixed
 * number of statements whatever its size, and loading history with set queries.
 */
import { flakiestSql, toFlakiness, type TestFlakiness } from './flakiest-query.ts';
import { TEST_OUTCOMES_SQL, toTestOutcomes, type TestOutcomes } from './outcomes-query.ts';
import { existsSync, readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';
import postgres from 'postgres';
import { parseDatabaseUrl, type PostgresTarget } from './database-url.ts';
import { redact, registerSecretsFromUrl } from './redact.ts';
import { UserError, type HistoryQuery, type Retention, type SaveResult, type Store } from './store.ts';
import type { Run } from '../model.ts';
import {
  formatLocalTimestamp,
  flattenRun,
  hydrateRuns,
  parseTimestamp,
  pluginRunUuid,
  type FlatRun,
  type LoadOptions,
  type RunKey,
  type RunRows,
} from './rows.ts';
import { isConnectionLoss, isTransient, withRetry } from './retry.ts';
import { learnOnSavePostgres } from './learn-from-reruns.ts';
import { TRACEBACK_INDEXES } from './traceback-schema.ts';
import { forgetRunsSql, groupsFromRows, indexRun, KEEPS_ALL, POSTGRES_KEEPS, savedIds, type GroupRow } from './traceback-signatures.ts';
import { forgetRunsPostgres, indexedUuidsPostgres, rangeGroupsPostgres, unindexedPostgres, windowGroupsPostgres, writeIndexPostgres } from './traceback-index-postgres.ts';
import type { FlakyTracebackGroup } from '../flakefighters/traceback-history.ts';
import { jsonCell } from './postgres-json-cell.ts';
import { POSTGRES_SIZE_SQL, postgresDatabaseSize, type DatabaseSize } from './database-size.ts';
import {
  FFA_SCHEMA_VERSION,
  FFA_TABLES,
  FFA_VERSION_KEY,
  PLUGIN_TABLES,
  POSTGRES_FFA_DDL,
  POSTGRES_PLUGIN_DDL,
  checkFfaVersion,
  checkTableColumns,
  ffaRunUpgrades,
  type FfaTable,
  type PluginTable,
} from './schema.ts';

export type Sql = postgres.Sql<{}>;

export interface ConnectOptions {
  /** CA certificate: PEM text or a path to a PEM file (`database-ssl-ca`). */
  sslCa?: string;
  /** Overrides the URL's connect_timeout; default 15 s. */
  connectTimeoutSec?: number;
  /** Overrides the URL's statement_timeout; default 120 000 ms (0 = none). */
  statementTimeoutMs?: number;
  /** Called with every statement sent (tests count round trips with it). */
  onQuery?: (query: string) => void;
  max?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_SEC = 15;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 120_000;

/** A database failure, already redacted and worded for the user. */
export class PostgresStoreError extends UserError {
  constructor(
    message: string,
    /** SQLSTATE or socket code of the cause. */
    readonly code: string | undefined,
    /** Worth falling back / retrying later (server down, network). */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

function readCa(sslCa: string): string {
  if (sslCa.includes('-----BEGIN')) return sslCa;
  if (!existsSync(sslCa)) throw new UserError(`database-ssl-ca: ${sslCa} is neither PEM text nor an existing file; pass the server's CA certificate`);
  return readFileSync(sslCa, 'utf8');
}

/** libpq's sslmode semantics on top of node's tls options. */
export function sslOption(target: PostgresTarget, sslCa?: string): boolean | 'prefer' | 'require' | Record<string, unknown> {
  const caText = sslCa ?? (target.sslRootCert && target.sslRootCert !== 'system' ? target.sslRootCert : undefined);
  const ca = caText ? readCa(caText) : undefined;
  // A CA given without an sslmode means "verify the server with it"; the chain, not the host name,
  // since runners often reach a database by an address its certificate does not name.
  const mode = ca && !target.sslModeSet ? 'verify-ca' : target.sslMode;
  switch (mode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
      return 'prefer';
    case 'require':
      // libpq: with a root CA given, require behaves like verify-ca.
      return ca ? { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } : 'require';
    case 'verify-ca':
      return { ...(ca ? { ca } : {}), rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      // node checks the certificate against `servername`, which may not be an IP address (RFC 6066).
      return { ...(ca ? { ca } : {}), rejectUnauthorized: true, ...(isIP(bareHost(target)) ? {} : { servername: target.host }) };
  }
}

export function openPool(target: PostgresTarget, opts: ConnectOptions = {}): Sql {
  const connectTimeout = opts.connectTimeoutSec ?? target.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC;
  const statementTimeout = opts.statementTimeoutMs ?? target.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return postgres({
    host: bareHost(target),
    port: target.port,
    database: target.database || target.user,
    user: target.user,
    pass: passwordOf(target.url),
    ssl: sslOption(target, opts.sslCa) as never,
    prepare: target.prepare,
    connect_timeout: connectTimeout,
    max: opts.max ?? 2,
    idle_timeout: 30,
    // Array types are never sent as typed arrays here (ids go as text '{1,2}'::int[]); skipping the
    // type fetch saves a round trip per connection.
    fetch_types: false,
    onnotice: () => {},
    debug: opts.onQuery ? (_c: number, q: string) => opts.onQuery!(q) : false,
    connection: {
      application_name: target.applicationName ?? 'flakefighters-action',
      // Transaction poolers (PgBouncer) refuse unknown startup parameters; there the timeout is set
      // per transaction instead (see inTransaction).
      ...(target.prepare ? { statement_timeout: statementTimeout } : {}),
      // Naive local timestamps written into TIMESTAMP WITH TIME ZONE columns (execution times) are then
      // read in the same zone the action formatted them in.
      TimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    } as never,
  });
}

/** The host as a socket takes it: an IPv6 address without its URL brackets. */
function bareHost(target: PostgresTarget): string {
  return target.host.replace(/^\[(.*)\]$/, '$1');
}

/** sslmode values under which libpq never falls back to an unencrypted connection. */
function requiresTls(target: PostgresTarget): boolean {
  return target.sslMode === 'require' || target.sslMode === 'verify-ca' || target.sslMode === 'verify-full';
}

function passwordOf(url: string): string {
  const m = /^postgres:\/\/([^@/]*)@/.exec(url);
  if (!m) return '';
  const i = m[1].indexOf(':');
  return i < 0 ? '' : decodeURIComponent(m[1].slice(i + 1));
}

/**
 * Asks the server whether it speaks TLS (the SSLRequest handshake): 'S' yes, 'N' no. Used only to
 * explain a dropped connection under sslmode=require, where postgres.js reports a bare reset.
 */
export function probeServerSsl(host: string, port: number, timeoutMs = 3000): Promise<boolean | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (v: boolean | null) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on('error', () => done(null));
    socket.on('connect', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once('data', (d) => done(d[0] === 0x53 ? true : d[0] === 0x4e ? false : null));
  });
}

interface PgLikeError {
  code?: string;
  message?: string;
  severity?: string;
  hostname?: string;
}

/** One line naming what failed and what to do; every path goes through redact. */
export function describePgError(err: unknown, target: PostgresTarget, what: string, statementTimeoutMs?: number): PostgresStoreError {
  if (err instanceof PostgresStoreError) return err;
  const e = (err ?? {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const raw = String(e.message ?? err).split('\n')[0];
  const where = `${target.host}:${target.port}`;
  const db = `PostgreSQL at ${where}/${target.database}`;
  let msg: string;
  switch (code) {
    case '28P01':
      msg = `password authentication failed for user "${target.user}" at ${where}; check the database-url secret`;
      break;
    case '28000':
      msg = /no encryption/.test(raw)
        ? `${db} refused an unencrypted connection (${raw}); add ?sslmode=require to the database-url secret`
        : `${db} refused the login: ${raw}; check the user in the database-url secret and the server's pg_hba.conf`;
      break;
    case '3D000':
      msg = `database "${target.database}" does not exist at ${where}; create it or fix the database name in the database-url secret`;
      break;
    case '42501':
      msg = `${db}: permission denied while trying to ${what} (${raw}); grant the user CREATE/INSERT/SELECT/DELETE on the schema, or create the tables with an owner account first`;
      break;
    case '57014':
      msg = /statement timeout/.test(raw)
        ? `${db}: a statement took longer than statement_timeout=${statementTimeoutMs ?? '?'} ms while trying to ${what}, and was cancelled; raise statement_timeout in the database-url or check for locks on the flakefighters tables`
        : `${db}: a statement was cancelled while trying to ${what} (${raw})`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      msg = `unknown database host "${target.host}" (DNS lookup failed); check the host name in the database-url secret`;
      break;
    case 'ECONNREFUSED':
      msg = `connection refused by ${where}; is PostgreSQL running and reachable from the runner (service container port mapping, firewall)?`;
      break;
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      msg = `could not connect to ${where} within the connect timeout; check the host, port and firewall, or raise connect_timeout in the database-url`;
      break;
    case 'ECONNRESET':
    case 'CONNECTION_CLOSED':
    case 'CONNECTION_DESTROYED':
    case 'EPIPE':
      msg =
        requiresTls(target)
          ? `${db} closed the connection while trying to ${what}; sslmode=${target.sslMode} is set: if the server has no SSL, use sslmode=prefer or disable`
          : `${db} closed the connection while trying to ${what} (the server restarted or the network dropped)`;
      break;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      msg = `the TLS certificate of ${where} could not be verified (${code}); pass the server's CA certificate as database-ssl-ca, or use sslmode=require to encrypt without verifying`;
      break;
    default:
      if (/SSL|TLS|secure TLS connection/i.test(raw)) {
        msg = `${db}: TLS failed while trying to ${what} (${raw}); check sslmode (the server may have no SSL: use sslmode=prefer or disable)`;
      } else if (code && /^[0-9A-Z]{5}$/.test(code)) {
        msg = `${db}: ${raw} (SQLSTATE ${code}) while trying to ${what}`;
      } else {
        msg = `${db}: ${raw} while trying to ${what}`;
      }
  }
  return new PostgresStoreError(redact(msg), code, isTransient(err) || code === 'CONNECT_TIMEOUT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN');
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

/** pg_advisory_xact_lock key for schema creation ("ffa-ddl"); any constant shared by all our processes. */
export const DDL_LOCK_KEY = 0x0ffa_dd1;
/** Serialises retention pruning of concurrent saves, so two deletes of the same old runs cannot deadlock. */
export const PRUNE_LOCK_KEY = 0x0ffa_d31;

/**
 * Indexes the history queries need; the plugin creates none. Added only when missing, under our own
 * names, so plugin tables keep their exact columns.
 */
export const POSTGRES_INDEXES: ReadonlyArray<{ name: string; table: string; sql: string }> = [
  ['ix_ffa_run_start_time', 'run (start_time)'],
  ['ix_ffa_run_commit_sha', 'run (commit_sha)'],
  ['ix_ffa_activeflakefighter_run_id', 'activeflakefighter (run_id)'],
  ['ix_ffa_test_run_id', 'test (run_id)'],
  ['ix_ffa_test_execution_test_id', 'test_execution (test_id)'],
  ['ix_ffa_test_exception_execution_id', 'test_exception (execution_id)'],
  ['ix_ffa_tracebackentry_exception_id', 'tracebackentry (exception_id)'],
  ['ix_ffa_flakefighter_result_test_execution_id', 'flakefighter_result (test_execution_id)'],
  ['ix_ffa_flakefighter_result_test_id', 'flakefighter_result (test_id)'],
  // Failing executions only (about 2% of the rows): history loads start from these.
  ['ix_ffa_test_execution_failing', "test_execution (test_id) WHERE outcome IN ('failed', 'error')"],
  ...TRACEBACK_INDEXES.map((ix) => [ix.name, ix.on]),
].map(([name, on]) => ({ name, table: on.split(' ')[0]!, sql: `CREATE INDEX IF NOT EXISTS ${name} ON ${on}` }));

const ALL_TABLES: ReadonlyArray<PluginTable | FfaTable> = [...PLUGIN_TABLES, ...FFA_TABLES];

interface SchemaState {
  columns: Map<string, string[]>;
  indexes: Set<string>;
  version: string | null;
  /** Tables this role may write but does not own (created by another role): only their owner can index them. Table → owner. */
  foreign: Map<string, string>;
}

async function readSchemaState(sql: postgres.Sql<{}> | postgres.TransactionSql<{}>): Promise<SchemaState> {
  const [row] = await sql.unsafe(
    `SELECT
       (SELECT coalesce(json_object_agg(table_name, cols), '{}'::json) FROM (
          SELECT table_name, json_agg(column_name::text ORDER BY ordinal_position) AS cols
          FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = ANY($1::text::text[])
          GROUP BY table_name) c) AS columns,
       (SELECT coalesce(json_agg(indexname::text), '[]'::json) FROM pg_indexes
          WHERE schemaname = current_schema() AND indexname = ANY($2::text::text[])) AS indexes,
       (SELECT coalesce(json_object_agg(c.relname, pg_get_userbyid(c.relowner)), '{}'::json) FROM pg_class c
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname = ANY($1::text::text[])
            AND NOT pg_has_role(c.relowner, 'USAGE')) AS foreign_tables`,
    [pgArray(ALL_TABLES), pgArray(POSTGRES_INDEXES.map((i) => i.name))],
  );
  const columns = new Map<string, string[]>(Object.entries(parseJson(row.columns) as Record<string, string[]>));
  let version: string | null = null;
  if (columns.has('ffa_meta')) {
    const [v] = await sql.unsafe(`SELECT value FROM ffa_meta WHERE key = $1`, [FFA_VERSION_KEY]);
    version = v ? String(v.value) : null;
  }
  const foreign = new Map<string, string>(Object.entries(parseJson(row.foreign_tables) as Record<string, string>));
  return { columns, indexes: new Set(parseJson(row.indexes) as string[]), version, foreign };
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/** A text[] literal: ids and names go as one text parameter, so no array type lookup is needed. */
function pgArray(items: ReadonlyArray<string | number>): string {
  return '{' + items.map((x) => (typeof x === 'number' ? String(x) : '"' + x.replace(/(["\\])/g, '\\$1') + '"')).join(',') + '}';
}

function checkState(state: SchemaState, where: string): boolean {
  for (const [table, cols] of state.columns) {
    const why = checkTableColumns(table as PluginTable | FfaTable, cols, where);
    if (why) throw new UserError(why);
  }
  checkFfaVersion(state.version, where);
  return (
    state.columns.size === ALL_TABLES.length &&
    POSTGRES_INDEXES.every((ix) => state.indexes.has(ix.name) || state.foreign.has(ix.table)) &&
    state.version !== null &&
    Number(state.version) >= FFA_SCHEMA_VERSION &&
    ffaRunUpgrades(state.columns.get('ffa_run') ?? []).length === 0
  );
}

/**
 * Creates what is missing: plugin tables with SQLAlchemy's exact DDL, our ffa_ tables, the indexes.
 * The common case (all there) costs one query and takes no lock. Otherwise one transaction holding
 * an advisory lock re-reads and creates, so concurrent first runs never race on CREATE TABLE.
 */
export async function bootstrapSchema(sql: postgres.Sql<{}>, where: string, notice?: (message: string) => void): Promise<'ready' | 'created'> {
  const first = await readSchemaState(sql);
  noteUnindexable(first, notice);
  if (checkState(first, where)) return 'ready';
  await sql.begin(async (tx) => {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(${DDL_LOCK_KEY})`);
    const state = await readSchemaState(tx);
    checkState(state, where);
    const ddl: Record<string, string> = { ...POSTGRES_PLUGIN_DDL, ...POSTGRES_FFA_DDL };
    for (const table of ALL_TABLES) {
      if (!state.columns.has(table)) await tx.unsafe(ddl[table]);
    }
    for (const ix of POSTGRES_INDEXES) if (!state.indexes.has(ix.name) && !state.foreign.has(ix.table)) await tx.unsafe(ix.sql);
    // An ffa_run of an older schema gains its new columns in place (nullable: old rows keep theirs empty).
    if (state.columns.has('ffa_run')) for (const alter of ffaRunUpgrades(state.columns.get('ffa_run')!)) await tx.unsafe(alter);
    if (state.version === null || Number(state.version) < FFA_SCHEMA_VERSION) {
      await tx.unsafe(`INSERT INTO ffa_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [FFA_VERSION_KEY, String(FFA_SCHEMA_VERSION)]);
    }
  });
  return 'created';
}

/**
 * Plugin tables created by another role can be written (DML and REFERENCES granted) but only their
 * owner may index them: those indexes are left out, said once per opening, with what would allow them.
 */
function noteUnindexable(state: SchemaState, notice?: (message: string) => void): void {
  const skipped = POSTGRES_INDEXES.filter((ix) => !state.indexes.has(ix.name) && state.foreign.has(ix.table));
  if (!notice || skipped.length === 0) return;
  const owners = [...new Set(skipped.map((ix) => state.foreign.get(ix.table)!))];
  notice(
    `PostgreSQL: ${skipped.length} index(es) that speed up history loads were not created (${skipped.map((ix) => ix.name).join(', ')}): their tables belong to role ${owners.join(', ')}, and only a table's owner can index it. History works without them; to add them, have ${owners.length > 1 ? 'the owners' : 'that role'} run ${skipped.map((ix) => `${ix.sql};`).join(' ')} or grant ${owners.length > 1 ? 'those roles' : 'that role'} to the database-url user (GRANT ${owners.join(', ')} TO <database-url user>).`,
  );
}

// ---------------------------------------------------------------------------------------------
// Opening

export interface PostgresStoreOptions {
  /** `database-ssl-ca`: PEM text or a path. */
  sslCa?: string;
  connectTimeoutSec?: number;
  statementTimeoutMs?: number;
  /** Extra attempts for transient failures (server restarting, too many connections); default 2. */
  retries?: number;
  /** First backoff delay; default 500 ms, doubling. */
  retryDelayMs?: number;
  log?: (msg: string) => void;
  /** Called with every statement sent (round-trip counting in tests and bench). */
  onQuery?: (query: string) => void;
  /**
   * Load every column in loadHistory/loadRunsForCommit (sync needs this). By default the stdout and
   * stderr of executions that did not fail are left out: no flakefighter reads them.
   */
  full?: boolean;
  /** Load test_execution.coverage with history (default true; it is the bulk of a row). */
  historyCoverage?: boolean;
  /** Load only failing executions and executions with results (see rows.ts LoadOptions). */
  failuresOnly?: boolean;
}

export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  registerSecretsFromUrl(url);
  const target = parseDatabaseUrl(url);
  if (target.kind !== 'postgres') throw new UserError('database-url: openPostgresStore needs a postgres:// URL; sqlite URLs go to the sqlite store');
  registerSecretsFromUrl(target.url);

  const statementTimeoutMs = opts.statementTimeoutMs ?? target.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  let sql: Sql;
  try {
    sql = openPool(target, { ...opts, statementTimeoutMs });
  } catch (err) {
    throw err instanceof UserError ? new UserError(redact(err.message)) : describePgError(err, target, 'connect', statementTimeoutMs);
  }
  const store = new PostgresStore(sql, target, opts, statementTimeoutMs);
  if (target.ignoredParams.length) store.warn(`database-url: ignoring parameter(s) ${target.ignoredParams.join(', ')}`);
  // postgres.js reconnects without end when the peer closes the socket before the login completes (a
  // proxy with no backend, a service that is not PostgreSQL): bound the whole opening, retries included.
  const connectTimeoutSec = opts.connectTimeoutSec ?? target.connectTimeoutSec ?? DEFAULT_CONNECT_TIMEOUT_SEC;
  const deadlineMs = (connectTimeoutSec * ((opts.retries ?? 2) + 1) + 5) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UserError(
            redact(
              `could not open PostgreSQL at ${target.host}:${target.port} within ${deadlineMs / 1000} s: the server kept closing the connection before the login completed; check that the database-url host and port are a PostgreSQL server`,
            ),
          ),
        ),
      deadlineMs,
    );
  });
  try {
    const opening = (async () => {
      await store.retrying('check or create the flakefighters tables', () =>
        bootstrapSchema(store.client, `PostgreSQL database "${target.database}" at ${target.host}:${target.port}`, (m) => opts.log?.(redact(m))),
      );
      store.sequences = await store.retrying('read the id sequences', () => readSequences(store.client));
    })();
    opening.catch(() => {}); // after the deadline, closing the pool rejects it too; that one is not news
    await Promise.race([opening, deadline]);
  } catch (err) {
    await store.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return store;
}

/** The `run` columns every load reads (RunRows['runs']), timestamps as the text they were written as. */
const RUN_HEAD = 'id, start_time::text AS start_time, created_at::text AS created_at, root, commit_sha';

/** loadHistory's window over `run` as a condition … ORDER BY … LIMIT (loadWhere's runFilter; others put WHERE before it). */
function historyWindow(q: HistoryQuery): { filter: string; params: unknown[] } {
  const where = ['start_time < $1::text::timestamp'];
  const params: unknown[] = [formatLocalTimestamp(q.before)];
  if (q.since) {
    params.push(formatLocalTimestamp(q.since));
    where.push(`start_time >= $${params.length}::text::timestamp`);
  }
  let limit = '';
  if (q.maxRuns !== undefined) {
    params.push(Math.max(0, Math.floor(q.maxRuns)));
    limit = ` LIMIT $${params.length}::int`;
  }
  return { filter: `${where.join(' AND ')} ORDER BY start_time DESC, id DESC${limit}`, params };
}

/** loadHistory's window without a run limit: the start times it spans, as a condition on `<alias>.start_time`. */
function startSpan(q: HistoryQuery): { on: (alias: string) => string; params: unknown[] } {
  const params: unknown[] = [formatLocalTimestamp(q.before), ...(q.since ? [formatLocalTimestamp(q.since)] : [])];
  return { on: (a) => `${a}.start_time < $1::text::timestamp${q.since ? ` AND ${a}.start_time >= $2::text::timestamp` : ''}`, params };
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  /** Things the user should know (ignored URL parameters, unreadable rows); also sent to opts.log. */
  readonly warnings: string[] = [];
  private closed = false;
  /** A connection died under us: close() then drops sockets at once instead of waiting for them. */
  private lostConnection = false;
  /** Set by openPostgresStore right after the bootstrap. */
  sequences: Sequences = {};
  /** Runs known to be in the signature index since this store's last save (a read checks each window run once). */
  private readonly indexedRuns = new Set<number>();

  constructor(
    private sql: Sql,
    readonly target: PostgresTarget,
    private readonly opts: PostgresStoreOptions,
    private readonly statementTimeoutMs: number,
  ) {}

  /** Runs `fn`, retrying transient failures with backoff; any failure leaves as one redacted line. */
  async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(fn, {
        retries: this.opts.retries ?? 2,
        baseDelayMs: this.opts.retryDelayMs ?? 500,
        onRetry: (err, attempt, delay) => {
          this.opts.log?.(`${describePgError(err, this.target, what, this.statementTimeoutMs).message}; retry ${attempt} in ${delay} ms`);
          // A terminated backend can take its pool's idle connections with it; a retry on one of those
          // would only fetch that old error again and spend an attempt on it. Retry on fresh ones.
          if (isConnectionLoss(err)) this.renewPool();
        },
      });
    } catch (err) {
      if (err instanceof UserError && !(err instanceof PostgresStoreError)) throw new UserError(redact(err.message));
      const code = (err as { code?: string }).code;
      if (isTransient(err)) this.lostConnection = true;
      if (requiresTls(this.target) && (code === 'ECONNRESET' || code === 'CONNECTION_CLOSED' || code === 'EPIPE')) {
        const where = `${this.target.host}:${this.target.port}`;
        if ((await probeServerSsl(bareHost(this.target), this.target.port)) === false) {
          throw new PostgresStoreError(
            `${where} does not accept SSL, but the database-url asks for sslmode=${this.target.sslMode}; enable SSL on the server or use sslmode=prefer (or disable)`,
            code,
            false,
          );
        }
      }
      throw describePgError(err, this.target, what, this.statementTimeoutMs);
    }
  }

  /** The current pool (renewed after a lost connection). */
  get client(): Sql {
    return this.sql;
  }

  private renewPool(): void {
    const old = this.sql;
    this.sql = openPool(this.target, { ...this.opts, statementTimeoutMs: this.statementTimeoutMs });
    old.end({ timeout: 0 }).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A dead server must not keep the action waiting: give in-flight queries 2 s, then drop sockets.
    await this.sql.end({ timeout: this.lostConnection ? 0 : 2 }).catch(() => undefined);
  }

  async save(run: Run, retention: Retention = {}): Promise<SaveResult> {
    this.assertOpen();
    this.indexedRuns.clear();
    const flat = flattenRun(run);
    return this.retrying('save the run', async () => {
      try {
        return await this.sql.begin((tx) => this.inTransaction(tx, () => saveFlatRun(tx, this.sequences, flat, retention, run)));
      } catch (err) {
        // A concurrent save of the same uuid committed first: the UNIQUE constraint stopped ours.
        if ((err as { code?: string }).code === '23505' && /ffa_run/.test(String((err as { constraint_name?: string }).constraint_name ?? (err as Error).message))) {
          const [row] = await this.sql.unsafe('SELECT run_id FROM ffa_run WHERE uuid = $1', [flat.ffaRun.uuid]);
          if (row) return { runId: Number(row.run_id), pruned: 0, inserted: false };
        }
        throw err;
      }
    });
  }

  async loadHistory(q: HistoryQuery, load?: LoadOptions): Promise<Run[]> {
    this.assertOpen();
    const w = historyWindow(q);
    return this.loadWhere('load the history', w.filter, w.params, load);
  }

  async loadRunsForCommit(sha: string | null, before: Date, load?: LoadOptions): Promise<Run[]> {
    this.assertOpen();
    if (sha === null || load?.environment === null) return [];
    const env = load?.environment !== undefined;
    return this.loadWhere(
      env ? 'load the runs of this commit and environment' : 'load the runs of the source commit',
      `commit_sha = $1 AND start_time < $2::text::timestamp${env ? ' AND EXISTS (SELECT 1 FROM ffa_run f WHERE f.run_id = run.id AND f.environment = $3)' : ''} ORDER BY start_time DESC, id DESC`,
      env ? [sha, formatLocalTimestamp(before), load!.environment] : [sha, formatLocalTimestamp(before)],
      load,
    );
  }

  /** The window loadHistory selects, each run without its tests (meta, counts): what the signature index is read for. */
  async loadHistoryRuns(q: HistoryQuery): Promise<Run[]> {
    this.assertOpen();
    const w = historyWindow(q);
    const runs = (await this.retrying('load the history', () =>
      this.sql.unsafe(`SELECT ${RUN_HEAD} FROM run WHERE ${w.filter}`, w.params as never[]),
    )) as unknown as RunRows['runs'];
    if (runs.length === 0) return [];
    await this.ensureIndexed(runs.map((r) => Number(r.id)));
    return this.lightRuns(runs);
  }

  /** Runs without their tests; a plugin run gets the uuid history derives, which the index keeps. */
  private async lightRuns(runs: RunRows['runs']): Promise<Run[]> {
    const ids = runs.map((r) => Number(r.id));
    const [ffaRuns, uuids] = await this.retrying('load the history', () =>
      Promise.all([
        this.sql.unsafe('SELECT * FROM ffa_run WHERE run_id IN (SELECT unnest($1::text::int[]))', [pgArray(ids)]) as unknown as Promise<RunRows['ffaRuns']>,
        // Only plugin runs (no ffa_run row) need the uuid the index keeps.
        indexedUuidsPostgres(this.sql, ids, true),
      ]),
    );
    const light = hydrateRuns(
      { runs, ffaRuns, activeFlakefighters: [], tests: [], executions: [], exceptions: [], frames: [], results: [], evidence: [] },
      { warn: (m) => this.warn(m) },
    );
    for (const r of light) if (r.meta.source === 'plugin' && uuids.get(r.id!)) r.meta.uuid = uuids.get(r.id!)!;
    return light;
  }

  /**
   * The flaky traceback signatures of a window: the runs loadHistory would select for `window`, or these runs (newest
   * first, as merged with runs stamped ahead). The refs' runs are read only for the signatures' first occurrences.
   */
  async flakyTracebacks(window: HistoryQuery | readonly Run[], hashes?: readonly string[]): Promise<FlakyTracebackGroup[]> {
    this.assertOpen();
    if (Array.isArray(window)) {
      const runs = window as readonly Run[];
      const ids = runs.map((r) => r.id).filter((id): id is number => Number.isInteger(id));
      await this.ensureIndexed(ids);
      const rows = await this.retrying('read the traceback signatures', () => windowGroupsPostgres(this.sql, ids, hashes));
      return groupsFromRows(rows, runs);
    }
    const q = window as HistoryQuery;
    let rows: GroupRow[];
    if (q.maxRuns !== undefined) {
      const w = historyWindow(q);
      const ids = (await this.retrying('read the traceback signatures', () => this.sql.unsafe(`SELECT id FROM run WHERE ${w.filter}`, w.params as never[]))).map((r) => Number(r.id));
      await this.ensureIndexed(ids);
      rows = await this.retrying('read the traceback signatures', () => windowGroupsPostgres(this.sql, ids, hashes));
    } else {
      // A span of start times (the default window): no list of runs to join, only the runs of the span not indexed yet,
      // and index rows left by runs deleted without them (never read as history) forgotten first.
      const span = startSpan(q);
      const [state] = await this.retrying('check the traceback signatures', () =>
        this.sql.unsafe(
          `SELECT (SELECT coalesce(json_agg(r.id), '[]'::json) FROM run r WHERE ${span.on('r')} AND NOT EXISTS (SELECT 1 FROM ffa_traceback_run t WHERE t.run_id = r.id)) AS missing,
                  (SELECT coalesce(json_agg(t.run_id), '[]'::json) FROM ffa_traceback_run t WHERE NOT EXISTS (SELECT 1 FROM run r WHERE r.id = t.run_id)) AS orphans`,
          span.params as never[],
        ),
      );
      const orphans = (parseJson(state.orphans) as number[]).map(Number);
      if (orphans.length) await this.retrying('forget the traceback signatures of deleted runs', () => this.sql.begin((tx) => forgetRunsPostgres(tx, orphans)));
      await this.ensureIndexed((parseJson(state.missing) as number[]).map(Number));
      rows = await this.retrying('read the traceback signatures', () => rangeGroupsPostgres(this.sql, span.on('s'), span.params, hashes));
    }
    const refs = [...new Set(rows.map((r) => Number(r.run_id)))];
    const runs = refs.length
      ? await this.lightRuns(
          (await this.retrying('load the history', () =>
            this.sql.unsafe(
              `SELECT ${RUN_HEAD} FROM run WHERE id IN (SELECT unnest($1::text::int[]))`,
              [pgArray(refs)],
            ),
          )) as unknown as RunRows['runs'],
        )
      : [];
    return groupsFromRows(rows, runs);
  }

  /**
   * Indexes the runs the signature index lacks (stored before schema 4, written by the plugin, or forgotten when their
   * verdicts changed) from their failures, as history loads them; each batch in a transaction of its own.
   */
  private async ensureIndexed(ids: readonly number[]): Promise<void> {
    const unknown = ids.filter((id) => !this.indexedRuns.has(id));
    const missing = await this.retrying('check the traceback signatures', () => unindexedPostgres(this.sql, unknown));
    for (let i = 0; i < missing.length; i += 100) {
      const runs = await this.loadRuns(missing.slice(i, i + 100), { failuresOnly: true, coverage: false });
      const indexed = runs.map((run) => indexRun(run, run.id!, KEEPS_ALL));
      await this.retrying('index the traceback signatures', () => this.sql.begin((tx) => this.inTransaction(tx, () => writeIndexPostgres(tx, indexed))));
    }
    for (const id of unknown) this.indexedRuns.add(id);
  }

  /** Every stored run, oldest first (sync, reports). */
  async loadAllRuns(load?: LoadOptions): Promise<Run[]> {
    this.assertOpen();
    return this.loadWhere('load all runs', 'TRUE ORDER BY start_time ASC NULLS FIRST, id ASC', [], { full: true, ...load });
  }

  /** The runs with these database ids, in the order given (unknown ids are skipped). */
  async loadRuns(ids: readonly number[], load?: LoadOptions): Promise<Run[]> {
    this.assertOpen();
    if (!ids.length) return [];
    const runs = await this.loadWhere('load runs', 'id = ANY($1::text::int[])', [pgArray(ids.map(Number))], { full: true, ...load });
    const byId = new Map(runs.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is Run => r !== undefined);
  }

  /** Identity of every stored run, oldest first; plugin runs get their derived uuid (rows.ts). */
  async listRunKeys(): Promise<RunKey[]> {
    this.assertOpen();
    const rows = await this.retrying('list the stored runs', () =>
      this.sql.unsafe(
        `SELECT r.id, r.start_time::text AS start_time, r.root, f.uuid, f.source,
                CASE WHEN f.uuid IS NULL THEN (SELECT coalesce(json_agg(t.name), '[]'::json) FROM test t WHERE t.run_id = r.id) END AS names
           FROM run r LEFT JOIN ffa_run f ON f.run_id = r.id
          ORDER BY r.start_time ASC NULLS FIRST, r.id ASC`,
      ),
    );
    return rows.map((r) => {
      const startTime = parseTimestamp(r.start_time, 'local') ?? new Date(0);
      const uuid = r.uuid ?? pluginRunUuid(startTime, r.root, (parseJson(r.names) as Array<string | null>).map((n) => n ?? ''));
      return { id: Number(r.id), uuid, startTime, source: r.uuid ? (r.source ?? null) : 'plugin' };
    });
  }

  /** Row count of every table, ours included (tests, diagnostics). */
  async tableCounts(): Promise<Record<string, number>> {
    this.assertOpen();
    const tables = ALL_TABLES;
    const [row] = await this.retrying('count rows', () =>
      this.sql.unsafe(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})::int AS "${t}"`).join(', ')}`),
    );
    return Object.fromEntries(tables.map((t) => [t, Number(row[t])]));
  }

  private async loadWhere(what: string, runFilter: string, params: unknown[], load: (LoadOptions & { full?: boolean }) = {}): Promise<Run[]> {
    const opts: Required<Omit<LoadOptions, 'environment' | 'testNames'>> & Pick<LoadOptions, 'testNames'> & { full: boolean } = {
      full: load.full ?? this.opts.full ?? false,
      coverage: load.coverage ?? this.opts.historyCoverage ?? true,
      failuresOnly: load.failuresOnly ?? this.opts.failuresOnly ?? false,
      testNames: load.testNames,
      bare: load.bare ?? false,
    };
    const rows = await this.retrying(what, () =>
      // One snapshot for all the set queries, so a concurrent prune cannot tear a run apart.
      this.sql.begin('isolation level repeatable read read only', (tx) => this.inTransaction(tx, () => loadRunRows(tx, runFilter, params as never[], opts))),
    );
    return hydrateRuns(rows, { warn: (m) => this.warn(m) });
  }

  /** The catalogue's sizes of our tables and the run count, in one statement (database-size.ts). */
  async databaseSize(): Promise<DatabaseSize> {
    this.assertOpen();
    return this.retrying('read the database size', async () => postgresDatabaseSize((await this.sql.unsafe(POSTGRES_SIZE_SQL))[0] as { bytes?: unknown; runs?: unknown } | undefined));
  }

  async flakiestTests(limit: number): Promise<TestFlakiness[]> {
    this.assertOpen();
    return this.retrying('rank the flakiest tests', async () => (await this.sql.unsafe(flakiestSql(limit))).map((r) => toFlakiness(r as Record<string, unknown>)));
  }

  /** Outcomes of every failing test and of its namesakes on the same commit, in one query (outcomes-query.ts). */
  async testOutcomes(): Promise<TestOutcomes[]> {
    this.assertOpen();
    return this.retrying('read test outcomes', async () => (await this.sql.unsafe(TEST_OUTCOMES_SQL)).map((r) => toTestOutcomes(r as Record<string, unknown>)));
  }

  async hasRun(uuid: string): Promise<boolean> {
    this.assertOpen();
    return this.retrying('look up a run uuid', async () => (await this.sql.unsafe('SELECT 1 FROM ffa_run WHERE uuid = $1', [uuid])).length > 0);
  }

  warn(message: string): void {
    const m = redact(message);
    this.warnings.push(m);
    this.opts.log?.(m);
  }

  /** Behind a transaction pooler the session's statement_timeout is unknown: set it for this transaction. */
  private inTransaction<T>(tx: Tx, body: () => Promise<T>): Promise<T> {
    if (this.target.prepare) return abandonOnConnectionLoss(body());
    const setTimeoutStmt = tx.unsafe(`SET LOCAL statement_timeout = ${Math.max(0, Math.floor(this.statementTimeoutMs))}`);
    return abandonOnConnectionLoss(setTimeoutStmt.then(body));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PostgresStore used after close()');
  }
}

// ---------------------------------------------------------------------------------------------
// Saving

const CONNECTION_LOST = new Set(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNRESET', 'EPIPE']);

/**
 * When the connection dies inside `sql.begin`, postgres.js (3.4.x) has already rejected begin() (its
 * onclose race), but if our callback then rejects it still writes ROLLBACK to the dead connection,
 * whose socket is null: an uncaught TypeError from a setImmediate that would kill the process. So
 * on connection loss the callback is left pending instead; an unref'd timer rejects it later in case
 * begin() somehow had not settled, so nothing can hang.
 */
export function abandonOnConnectionLoss<T>(body: Promise<T>): Promise<T> {
  return body.catch((err) => {
    if (!CONNECTION_LOST.has((err as { code?: string }).code ?? '')) throw err;
    return new Promise<T>((_, reject) => setTimeout(() => reject(err), 30_000).unref());
  });
}

type Tx = postgres.TransactionSql<{}>;

/**
 * Statements are built as `INSERT … SELECT … FROM jsonb_array_elements($1)` over positional JSON rows (jsonb,
 * so each `->>` does not parse the row again): one
 * parameter per statement
 * whatever the row count (the protocol caps a statement at 65 535 parameters), and chunks only when a
 * statement's JSON passes this size.
 */
const MAX_STATEMENT_JSON = 16 * 1024 * 1024;

function jsonChunks(rows: unknown[][]): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let size = 0;
  for (const row of rows) {
    const text = JSON.stringify(row.map(jsonCell));
    if (size + text.length > MAX_STATEMENT_JSON && parts.length) {
      chunks.push('[' + parts.join(',') + ']');
      parts = [];
      size = 0;
    }
    parts.push(text);
    size += text.length + 1;
  }
  if (parts.length) chunks.push('[' + parts.join(',') + ']');
  return chunks;
}

/** Column name, its json_to_recordset type, and the expression that turns it into the column's type. */
type Col = [name: string, recordType: string, expr?: string];

const TABLE_COLUMNS: Record<string, Col[]> = {
  activeflakefighter: [['id', 'int'], ['run_id', 'int'], ['name', 'text'], ['params', 'text', "decode(params, 'hex')"]],
  test: [['id', 'int'], ['run_id', 'int'], ['fspath', 'text'], ['line_no', 'int'], ['name', 'text'], ['skipped', 'boolean']],
  test_execution: [
    ['id', 'int'],
    ['test_id', 'int'],
    ['outcome', 'text'],
    ['stdout', 'text'],
    ['stderr', 'text'],
    ['report', 'text'],
    ['start_time', 'text', 'start_time::timestamptz'],
    ['end_time', 'text', 'end_time::timestamptz'],
    ['coverage', 'text', "decode(coverage, 'hex')"],
  ],
  test_exception: [['id', 'int'], ['execution_id', 'int'], ['name', 'text']],
  tracebackentry: [['id', 'int'], ['exception_id', 'int'], ['path', 'text'], ['lineno', 'int'], ['colno', 'int'], ['statement', 'text'], ['source', 'text']],
  flakefighter_result: [['id', 'int'], ['test_execution_id', 'int'], ['test_id', 'int'], ['name', 'text'], ['flaky', 'boolean']],
  ffa_result_evidence: [['result_id', 'int'], ['evidence', 'text']],
  ffa_learned_result: [['result_id', 'int'], ['learned_at', 'text', 'learned_at::timestamp'], ['learned_from_run', 'text']],
};

function insertStatement(table: string): string {
  const cols = TABLE_COLUMNS[table];
  // Rows travel as JSON arrays (positional), so the record is built with ->> by index.
  const select = cols
    .map(([name, type, expr], i) => {
      const v = type === 'text' ? `(r->>${i})` : `(r->>${i})::${type}`;
      return expr ? expr.replace(new RegExp(`\\b${name}\\b(?!\\s*')`), v) : v;
    })
    .join(', ');
  return `INSERT INTO ${table} (${cols.map((c) => c[0]).join(', ')}) SELECT ${select} FROM jsonb_array_elements($1::text::jsonb) AS r`;
}

const INSERTS = Object.fromEntries(Object.keys(TABLE_COLUMNS).map((t) => [t, insertStatement(t)]));

/** Each plugin table's id sequence, as a quoted regclass literal, looked up once at open. */
export type Sequences = Record<string, string>;

async function readSequences(sql: Sql): Promise<Sequences> {
  const tables = ['run', 'activeflakefighter', 'test', 'test_execution', 'test_exception', 'tracebackentry', 'flakefighter_result'];
  const [row] = await sql.unsafe(
    `SELECT json_object_agg(t, pg_get_serial_sequence(t, 'id')) AS seqs FROM unnest($1::text::text[]) AS t`,
    [pgArray(tables)],
  );
  const seqs = parseJson(row.seqs) as Record<string, string | null>;
  for (const t of tables) {
    if (!seqs[t]) throw new UserError(`table "${t}" has no id sequence (SERIAL); it was not created by pytest-flakefighters or flakefighters-action`);
  }
  return Object.fromEntries(tables.map((t) => [t, `'${seqs[t]!.replace(/'/g, "''")}'::regclass`]));
}

/**
 * Ids are taken from each table's sequence up front, in one query, so children can be built before
 * parents exist and every insert can be sent at once. The sequence is a constant in the statement:
 * nextval() is the cost per row, a lookup per row would triple it.
 */
async function allocateIds(tx: Tx, seqs: Sequences, counts: Record<string, number>): Promise<Record<string, number[]>> {
  const tables = Object.keys(counts);
  const select = tables
    .map((t, i) => `(SELECT coalesce(json_agg(nextval(${seqs[t]})), '[]'::json) FROM generate_series(1, $${i + 1}::int)) AS "${t}"`)
    .join(', ');
  const [row] = await tx.unsafe(`SELECT ${select}`, tables.map((t) => counts[t]) as never[]);
  return Object.fromEntries(tables.map((t) => [t, (parseJson(row[t]) as Array<number | string>).map(Number)]));
}

async function saveFlatRun(tx: Tx, seqs: Sequences, flat: FlatRun, retention: Retention, run: Run): Promise<SaveResult> {
  const [existing] = await tx.unsafe('SELECT run_id FROM ffa_run WHERE uuid = $1', [flat.ffaRun.uuid]);
  if (existing) return { runId: Number(existing.run_id), pruned: 0, inserted: false };

  const ids = await allocateIds(tx, seqs, {
    run: 1,
    activeflakefighter: flat.activeFlakefighters.length,
    test: flat.tests.length,
    test_execution: flat.executions.length,
    test_exception: flat.exceptions.length,
    tracebackentry: flat.frames.length,
    flakefighter_result: flat.results.length,
  });
  const runId = ids.run[0];
  const testIds = ids.test;
  const execIds = ids.test_execution;
  const excIds = ids.test_exception;
  const resultIds = ids.flakefighter_result;

  const tables: Array<[string, unknown[][]]> = [
    ['activeflakefighter', flat.activeFlakefighters.map((a, i) => [ids.activeflakefighter[i], runId, a.name, a.params])],
    ['test', flat.tests.map((t, i) => [testIds[i], runId, t.fspath, t.line_no, t.name, t.skipped])],
    [
      'test_execution',
      flat.executions.map((e, i) => [execIds[i], testIds[e.testIndex], e.outcome, e.stdout, e.stderr, e.report, e.start_time, e.end_time, e.coverage]),
    ],
    ['test_exception', flat.exceptions.map((x, i) => [excIds[i], execIds[x.executionIndex], x.name])],
    ['tracebackentry', flat.frames.map((f, i) => [ids.tracebackentry[i], excIds[f.exceptionIndex], f.path, f.lineno, f.colno, f.statement, f.source])],
    [
      'flakefighter_result',
      flat.results.map((r, i) => [
        resultIds[i],
        r.executionIndex === null ? null : execIds[r.executionIndex],
        r.testIndex === null ? null : testIds[r.testIndex],
        r.name,
        r.flaky,
      ]),
    ],
    ['ffa_result_evidence', flat.evidence.map((e) => [resultIds[e.resultIndex], e.evidence])],
    ['ffa_learned_result', flat.learned.map((l) => [resultIds[l.resultIndex], l.learned_at, l.learned_from_run])],
  ];

  // Every statement below is independent of the others' results, so they are sent together
  // (postgres.js pipelines them on the transaction's connection) and run in order.
  const f = flat.ffaRun;
  const pending: Promise<unknown>[] = [
    tx.unsafe(
      `INSERT INTO run (id, start_time, created_at, root, commit_sha) VALUES ($1::int, $2::text::timestamp, $3::text::timestamp, $4, $5)`,
      [runId, flat.run.start_time, flat.run.created_at, flat.run.root, flat.run.commit_sha] as never[],
    ),
    // Right after the run: a concurrent save of the same uuid waits here on the UNIQUE index.
    tx.unsafe(
      `INSERT INTO ffa_run (run_id, uuid, workflow, job, gh_run_id, run_attempt, run_number, ref, branch, repository, event_name, source, dialects, counts,
                            environment, environment_label, dirty_tree)
       VALUES ($1::int, $2, $3, $4, $5, $6::int, $7::int, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::boolean)`,
      [
        runId, f.uuid, f.workflow, f.job, f.gh_run_id, f.run_attempt, f.run_number, f.ref, f.branch, f.repository, f.event_name, f.source, f.dialects, f.counts,
        f.environment, f.environment_label, f.dirty_tree,
      ].map(jsonCell) as never[],
    ),
  ];
  for (const [table, rows] of tables) {
    if (!rows.length) continue;
    for (const chunk of jsonChunks(rows)) pending.push(tx.unsafe(INSERTS[table], [chunk]));
  }
  await settleAll(pending);
  // The signature index in the same transaction; runs whose verdicts the learning changes are indexed again when read.
  await writeIndexPostgres(tx, [indexRun(run, runId, POSTGRES_KEEPS, savedIds(run, testIds, execIds))]);
  // This run's passes show stored failures of the same code and environment to be flaky (issue 18).
  const learned = await learnOnSavePostgres(tx, runId, flat);
  await forgetRunsPostgres(tx, learned.map((l) => l.runId));

  const pruned = await prune(tx, runId, retention);
  return { runId, pruned, inserted: true, ...(learned.length ? { learned } : {}) };
}

/** Like Promise.all, but waits for every pipelined statement so none is left unhandled. */
async function settleAll(pending: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(pending);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Retention inside the save's transaction; children are deleted explicitly (the schema has no cascades). */
async function prune(tx: Tx, newRunId: number, retention: Retention): Promise<number> {
  const keep = retention.storeMaxRuns;
  const since = retention.since;
  if (keep === undefined && since === undefined) return 0;
  await tx.unsafe(`SELECT pg_advisory_xact_lock(${PRUNE_LOCK_KEY})`);
  const conds: string[] = [];
  const params: unknown[] = [newRunId];
  if (keep !== undefined) {
    // The new run counts as one of the kept ones.
    params.push(Math.max(0, Math.floor(keep) - 1));
    // A run stamped after the new run's start (a clock ahead) ranks just after the newest run saved
    // before it (history-skew.ts), so it never displaces newer runs.
    const now = `(SELECT start_time FROM run WHERE id = $1)`;
    conds.push(
      `id NOT IN (SELECT r.id FROM run r WHERE r.id <> $1 ORDER BY (CASE WHEN r.start_time > ${now} THEN (SELECT MAX(p.start_time) FROM run p WHERE p.id < r.id AND p.start_time <= ${now}) ELSE r.start_time END) DESC NULLS LAST, r.id DESC LIMIT $${params.length}::int)`,
    );
  }
  if (since !== undefined) {
    params.push(formatLocalTimestamp(since));
    conds.push(`start_time < $${params.length}::text::timestamp`);
  }
  const doomedRows = await tx.unsafe(`SELECT id FROM run WHERE id <> $1 AND (${conds.join(' OR ')})`, params as never[]);
  if (!doomedRows.length) return 0;
  const doomed = pgArray(doomedRows.map((r) => Number(r.id)));
  const tests = `SELECT id FROM test WHERE run_id = ANY($1::text::int[])`;
  const execs = `SELECT id FROM test_execution WHERE test_id IN (${tests})`;
  const excs = `SELECT id FROM test_exception WHERE execution_id IN (${execs})`;
  const results = `SELECT id FROM flakefighter_result WHERE test_id IN (${tests}) UNION SELECT id FROM flakefighter_result WHERE test_execution_id IN (${execs})`;
  const statements = [
    ...forgetRunsSql('SELECT unnest($1::text::int[])'),
    `DELETE FROM ffa_learned_result WHERE result_id IN (${results})`,
    `DELETE FROM ffa_result_evidence WHERE result_id IN (${results})`,
    `DELETE FROM flakefighter_result WHERE id IN (${results})`,
    `DELETE FROM tracebackentry WHERE exception_id IN (${excs})`,
    `DELETE FROM test_exception WHERE id IN (${excs})`,
    `DELETE FROM test_execution WHERE id IN (${execs})`,
    `DELETE FROM test WHERE run_id = ANY($1::text::int[])`,
    `DELETE FROM activeflakefighter WHERE run_id = ANY($1::text::int[])`,
    `DELETE FROM ffa_run WHERE run_id = ANY($1::text::int[])`,
  ];
  const pending: Promise<unknown>[] = statements.map((s) => tx.unsafe(s, [doomed]));
  const runDelete = tx.unsafe(`DELETE FROM run WHERE id = ANY($1::text::int[])`, [doomed]);
  pending.push(runDelete);
  await settleAll(pending);
  return (await runDelete).count;
}

// ---------------------------------------------------------------------------------------------
// Loading

const FAILING = `('failed', 'error')`;

async function loadRunRows(
  tx: Tx,
  runFilter: string,
  params: never[],
  load: Required<Omit<LoadOptions, 'environment' | 'testNames'>> & Pick<LoadOptions, 'testNames'> & { full: boolean },
): Promise<RunRows> {
  const runs = (await tx.unsafe(
    `SELECT ${RUN_HEAD} FROM run WHERE ${runFilter}`,
    params,
  )) as unknown as RunRows['runs'];
  const empty: RunRows = { runs, ffaRuns: [], activeFlakefighters: [], tests: [], executions: [], exceptions: [], frames: [], results: [], evidence: [] };
  if (!runs.length) return empty;
  // $2, when given, is the test names asked for (LoadOptions.testNames: OutcomeFlip's failing tests).
  const named = load.testNames !== undefined;
  const ids = [pgArray(runs.map((r) => r.id))] as never[];
  // The names asked for as they were stored (jsonCell): Postgres refuses a NUL in a parameter, and the stored name has none.
  const withNames = (named ? [...ids, pgArray(load.testNames!.map((n) => jsonCell(n) as string))] : ids) as never[];
  const inRuns = `t.run_id IN (SELECT unnest($1::text::int[]))${named ? ' AND t.name = ANY($2::text::text[])' : ''}`;
  // Every subquery below is a join or a lone IN (a semi-join, which can hash and spill): an IN under
  // an OR becomes a per-row SubPlan once its id set outgrows work_mem, which is quadratic at scale.
  // Run ids are joined (IN (SELECT unnest(...))), not filtered with = ANY($1): a parameter array is
  // searched linearly for every row, 1,000 runs × 2,000,000 tests.
  // With failuresOnly, executions are found from the failing ones (a partial index holds only those)
  // and from the results, so the cost follows the failures, not every test of every run.
  const execs = load.failuresOnly
    ? `SELECT e.id FROM test_execution e JOIN test t ON t.id = e.test_id WHERE e.outcome IN ${FAILING} AND ${inRuns}
       UNION SELECT e.id FROM flakefighter_result fr JOIN test_execution e ON e.id = fr.test_execution_id JOIN test t ON t.id = e.test_id WHERE ${inRuns}`
    : `SELECT e.id FROM test_execution e JOIN test t ON t.id = e.test_id WHERE ${inRuns}`;
  const excs = `SELECT id FROM test_exception WHERE execution_id IN (${execs})`;
  const testResults = `SELECT x.id, x.test_id FROM flakefighter_result x JOIN test t ON t.id = x.test_id WHERE ${inRuns}`;
  const results = `SELECT id FROM flakefighter_result WHERE test_execution_id IN (${execs}) UNION SELECT id FROM (${testResults}) tr`;
  const testFilter = load.failuresOnly
    ? `id IN (SELECT test_id FROM test_execution WHERE id IN (${execs}) UNION SELECT test_id FROM (${testResults}) tr)`
    : `run_id IN (SELECT unnest($1::text::int[]))${named ? ' AND name = ANY($2::text::text[])' : ''}`;
  const text = (col: string) => (load.bare ? `NULL::text AS ${col}` : load.full ? col : `CASE WHEN e.outcome IN ${FAILING} THEN ${col} END AS ${col}`);
  const none = Promise.resolve([] as never[]);
  const q = (s: string) => tx.unsafe(s, s.includes('$2') ? withNames : ids) as unknown as Promise<never[]>;
  if (load.bare && load.failuresOnly) {
    // The failing executions' set is evaluated once (over every test of the window, ~1 s at 1,000 runs of 2,000 tests);
    // the rows hanging off it are then read by primary key and indexed foreign key, not by evaluating it again.
    const byIds = (sql: string, list: ReadonlyArray<number>) => tx.unsafe(sql, [pgArray(list)] as never[]) as unknown as Promise<never[]>;
    // Test-level results are few (the action writes none): read by their index, not by joining every test of the window.
    const [execIdRows, testLevel, ffaRuns, activeFlakefighters] = await Promise.all([
      q(execs) as Promise<{ id: number }[]>,
      tx.unsafe(`SELECT x.id, x.test_id FROM flakefighter_result x WHERE x.test_id IS NOT NULL`) as unknown as Promise<{ id: number; test_id: number }[]>,
      q(`SELECT * FROM ffa_run WHERE run_id IN (SELECT unnest($1::text::int[]))`),
      q(`SELECT id, run_id, name, params FROM activeflakefighter WHERE run_id IN (SELECT unnest($1::text::int[])) ORDER BY id`),
    ]);
    const execIds = execIdRows.map((r) => Number(r.id));
    const executions = (await byIds(
      `SELECT e.id, e.test_id, e.outcome, NULL::text AS stdout, NULL::text AS stderr, NULL::text AS report,
              e.start_time::text AS start_time, e.end_time::text AS end_time, NULL::bytea AS coverage
         FROM test_execution e WHERE e.id IN (SELECT unnest($1::text::int[])) ORDER BY e.id`,
      execIds,
    )) as RunRows['executions'];
    const testIds = [...new Set([...executions.map((e) => Number(e.test_id)), ...testLevel.map((r) => Number(r.test_id))])];
    // The window's tests among them (a test-level result may belong to any stored run).
    const inWindow = `t.id IN (SELECT unnest($1::text::int[])) AND t.run_id IN (SELECT unnest($2::text::int[]))${named ? ' AND t.name = ANY($3::text::text[])' : ''}`;
    const [testList, execResults] = await Promise.all([
      tx.unsafe(`SELECT t.id, t.run_id, t.fspath, t.line_no, t.name, t.skipped FROM test t WHERE ${inWindow} ORDER BY t.id`, [pgArray(testIds), ...withNames] as never[]) as unknown as Promise<RunRows['tests']>,
      byIds(`SELECT id FROM flakefighter_result WHERE test_execution_id IN (SELECT unnest($1::text::int[]))`, execIds) as Promise<{ id: number }[]>,
    ]);
    const windowTests = new Set(testList.map((t) => Number(t.id)));
    const testResultRows = testLevel.filter((r) => windowTests.has(Number(r.test_id)));
    const resultIds = [...new Set([...execResults.map((r) => Number(r.id)), ...testResultRows.map((r) => Number(r.id))])];
    const [resultRows, learned] = await Promise.all([
      byIds(`SELECT id, test_execution_id, test_id, name, flaky FROM flakefighter_result WHERE id IN (SELECT unnest($1::text::int[])) ORDER BY id`, resultIds),
      byIds(`SELECT result_id, learned_at::text AS learned_at, learned_from_run FROM ffa_learned_result WHERE result_id IN (SELECT unnest($1::text::int[]))`, resultIds),
    ]);
    return { runs, ffaRuns, activeFlakefighters, tests: testList, executions, exceptions: [], frames: [], results: resultRows, evidence: [], learned };
  }
  // Independent set queries, pipelined on the transaction's connection.
  const [ffaRuns, activeFlakefighters, testList, executions, exceptions, frames, resultRows, evidence, learned] = await Promise.all([
    q(`SELECT * FROM ffa_run WHERE run_id IN (SELECT unnest($1::text::int[]))`),
    q(`SELECT id, run_id, name, params FROM activeflakefighter WHERE run_id IN (SELECT unnest($1::text::int[])) ORDER BY id`),
    q(`SELECT id, run_id, fspath, line_no, name, skipped FROM test WHERE ${testFilter} ORDER BY id`),
    q(
      `SELECT e.id, e.test_id, e.outcome, ${text('stdout')}, ${text('stderr')}, ${load.bare ? 'NULL::text AS report' : 'e.report'},
              e.start_time::text AS start_time, e.end_time::text AS end_time, ${load.coverage ? 'e.coverage' : 'NULL::bytea AS coverage'}
         FROM test_execution e WHERE e.id IN (${execs}) ORDER BY e.id`,
    ),
    load.bare ? none : q(`SELECT id, execution_id, name FROM test_exception WHERE execution_id IN (${execs}) ORDER BY id`),
    load.bare ? none : q(`SELECT id, exception_id, path, lineno, colno, statement, source FROM tracebackentry WHERE exception_id IN (${excs}) ORDER BY id`),
    q(`SELECT id, test_execution_id, test_id, name, flaky FROM flakefighter_result WHERE id IN (${results}) ORDER BY id`),
    load.bare ? none : q(`SELECT result_id, evidence FROM ffa_result_evidence WHERE result_id IN (${results})`),
    q(`SELECT result_id, learned_at::text AS learned_at, learned_from_run FROM ffa_learned_result WHERE result_id IN (${results})`),
  ]);
  return { runs, ffaRuns, activeFlakefighters, tests: testList, executions, exceptions, frames, results: resultRows, evidence, learned };
}
