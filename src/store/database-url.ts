/**
 * Reads the `database-url` input: a Postgres URL in libpq or SQLAlchemy spelling (so the plugin's own
 * `--database-url` value works unchanged), or a SQLAlchemy sqlite URL. Never echoes the URL back in an
 * error: it normally holds a password.
 */
import { UserError } from './store.ts';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresTarget {
  kind: 'postgres';
  /** `postgres://user:password@host:port/database` with no query string (options are below). */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** libpq's default is `prefer`: TLS when the server offers it. */
  sslMode: SslMode;
  /** Whether sslmode/ssl was given in the URL (else sslMode is libpq's default, prefer). */
  sslModeSet: boolean;
  /** `sslrootcert=<path>` from the URL: a CA file to verify the server with. */
  sslRootCert?: string;
  connectTimeoutSec?: number;
  /** Our own parameter, in milliseconds; sent as the session's statement_timeout. */
  statementTimeoutMs?: number;
  /**
   * False behind a transaction-mode pooler (PgBouncer, Supabase's pooler on port 6543, `pgbouncer=true`,
   * `prepare=false`): a prepared statement lives on one server connection, and the pooler hands the next
   * transaction to another one, so named statements would fail with "prepared statement does not exist".
   */
  prepare: boolean;
  applicationName?: string;
  /** Query parameters we do not use (reported as a warning, never sent to the server). */
  ignoredParams: string[];
}

export interface SqliteTarget {
  kind: 'sqlite';
  path: string;
}

export type DatabaseTarget = PostgresTarget | SqliteTarget;

const POSTGRES_SCHEMES = [
  'postgres',
  'postgresql',
  'postgresql+psycopg2',
  'postgresql+psycopg',
  'postgresql+asyncpg',
  'postgresql+pg8000',
];
const SQLITE_SCHEMES = ['sqlite', 'sqlite+pysqlite'];
const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
/** Supabase's transaction-mode pooler (Supavisor) listens here. */
const TRANSACTION_POOLER_PORT = 6543;

const ACCEPTED = 'postgres://, postgresql:// (also postgresql+psycopg2/+psycopg/+asyncpg/+pg8000://) or sqlite:///relative.db, sqlite:////absolute/path.db';

function fail(what: string): never {
  throw new UserError(`database-url ${what}; accepted forms: ${ACCEPTED}`);
}

function intParam(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new UserError(`database-url parameter ${name}=${value} is not a whole number >= ${min}; fix the database-url secret`);
  }
  return Number(value);
}

function boolParam(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new UserError(`database-url parameter ${name}=${value} is not true or false; fix the database-url secret`);
}

/** decodeURIComponent, with a bad %-escape reported as the URL's fault instead of a bare URIError. */
function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`has a bad percent-escape in the ${what} (write a literal % as %25)`);
  }
}

export function parseDatabaseUrl(input: string): DatabaseTarget {
  const url = input.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!m) fail('is not a URL (no scheme://)');
  const scheme = m[1].toLowerCase();
  if (SQLITE_SCHEMES.includes(scheme)) return parseSqlite(url.slice(m[0].length));
  if (!POSTGRES_SCHEMES.includes(scheme)) fail(`has the unsupported scheme "${scheme}"`);

  let parsed: URL;
  try {
    // WHATWG URL only parses userinfo/host/port the way we want for "special-like" schemes; normalise first.
    parsed = new URL('postgres://' + url.slice(m[0].length));
  } catch {
    fail('is not a valid URL (check that special characters in the password are percent-encoded)');
  }
  const host = decode(parsed.hostname, 'host name');
  if (!host) fail('has no host name');
  const port = parsed.port ? Number(parsed.port) : 5432;
  let user = decode(parsed.username, 'user name');
  let password = decode(parsed.password, 'password');
  let database = decode(parsed.pathname.replace(/^\//, ''), 'database name');

  let sslMode: SslMode = 'prefer';
  let sslModeSet = false;
  let sslRootCert: string | undefined;
  let connectTimeoutSec: number | undefined;
  let statementTimeoutMs: number | undefined;
  let prepare = port !== TRANSACTION_POOLER_PORT;
  let applicationName: string | undefined;
  const ignoredParams: string[] = [];
  for (const [key, value] of parsed.searchParams) {
    switch (key) {
      case 'sslmode':
        if (!SSL_MODES.includes(value as SslMode)) {
          throw new UserError(`database-url parameter sslmode=${value} is not one of ${SSL_MODES.join(', ')}; fix the database-url secret`);
        }
        sslMode = value as SslMode;
        sslModeSet = true;
        break;
      case 'ssl':
        // psycopg/asyncpg spell it ssl=require / ssl=true.
        sslModeSet = true;
        sslMode = value === 'true' ? 'require' : value === 'false' ? 'disable' : SSL_MODES.includes(value as SslMode) ? (value as SslMode) : fail(`parameter ssl=${value} is not understood`);
        break;
      case 'sslrootcert':
        sslRootCert = value;
        break;
      case 'connect_timeout':
        connectTimeoutSec = intParam(key, value, 1);
        break;
      case 'statement_timeout':
        statementTimeoutMs = intParam(key, value, 0);
        break;
      case 'prepare':
        prepare = boolParam(key, value);
        break;
      case 'pgbouncer':
        if (boolParam(key, value)) prepare = false;
        break;
      case 'application_name':
        applicationName = value;
        break;
      // libpq reads connection parameters from the query string too, after the userinfo and the
      // path, so these win over them (`postgres://host/db?user=u&password=p`).
      case 'user':
        user = value;
        break;
      case 'password':
        password = value;
        break;
      case 'dbname':
        database = value;
        break;
      default:
        ignoredParams.push(key);
    }
  }

  const auth = user ? encodeURIComponent(user) + (password ? ':' + encodeURIComponent(password) : '') + '@' : '';
  const hostPart = parsed.hostname.includes(':') && !parsed.hostname.startsWith('[') ? `[${parsed.hostname}]` : parsed.hostname;
  const normalised = `postgres://${auth}${hostPart}:${port}/${encodeURIComponent(database)}`;
  return {
    kind: 'postgres',
    url: normalised,
    host,
    port,
    database,
    user,
    sslMode,
    sslModeSet,
    sslRootCert,
    connectTimeoutSec,
    statementTimeoutMs,
    prepare,
    applicationName,
    ignoredParams,
  };
}

/** SQLAlchemy: `sqlite:///rel.db` is relative to the cwd, `sqlite:////abs.db` is absolute. */
function parseSqlite(rest: string): SqliteTarget {
  if (!rest.startsWith('/')) fail('names a sqlite file without the third slash (sqlite:///file.db)');
  const path = decode(rest.slice(1).replace(/\?.*$/, ''), 'path');
  if (!path || path === ':memory:') fail('names no sqlite file');
  return { kind: 'sqlite', path };
}
