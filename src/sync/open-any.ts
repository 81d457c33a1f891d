/**
 * Opens a Store from a "location" the user typed: a sqlite file path, a `sqlite:///path` URL or a
 * Postgres URL (libpq or SQLAlchemy spelling). URL secrets are registered before anything can
 * print them, and descriptions never contain the URL.
 */
import { resolve } from 'node:path';
import { parseDatabaseUrl } from '../store/database-url.ts';
import { registerSecretsFromUrl } from '../store/redact.ts';
import type { PostgresStore, PostgresStoreOptions } from '../store/postgres-store.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.ts';
import { UserError } from '../store/store.ts';

/** The stores sync and report work with: both back ends implement these beyond Store. */
export type AnyStore = SqliteStore | PostgresStore;

export interface OpenedLocation {
  store: AnyStore;
  /** Safe to print: a file path or host:port/database, never a password. */
  description: string;
}

export interface OpenAnyOptions {
  /** sqlite: open without creating tables or writing on close (a sync source, reports). */
  readonly?: boolean;
  /** sqlite: the file must already exist (a source must not be created by a typo). */
  mustExist?: boolean;
  /** Base for relative paths; default the cwd. */
  cwd?: string;
  /** Postgres options (log, retries, timeouts). */
  postgres?: PostgresStoreOptions;
  /** Names the option in errors, e.g. "--from". */
  what?: string;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

export async function openLocation(location: string, opts: OpenAnyOptions = {}): Promise<OpenedLocation> {
  const what = opts.what ?? 'database';
  const text = location.trim();
  if (!text) throw new UserError(`${what} is empty; give a sqlite file path or a postgres:// URL`);
  if (URL_LIKE.test(text)) {
    // A sqlite URL holds no secret; registering it would only mask a file name in the runner's log.
    if (!/^sqlite(\+pysqlite)?:/i.test(text)) registerSecretsFromUrl(text);
    const target = parseDatabaseUrl(text);
    if (target.kind === 'sqlite') return openSqlite(resolve(opts.cwd ?? process.cwd(), target.path), opts, what);
    const { openPostgresStore } = await import('../store/postgres-store.ts');
    const store = await openPostgresStore(text, opts.postgres ?? {});
    return { store, description: `PostgreSQL ${target.host}:${target.port}/${target.database}` };
  }
  return openSqlite(resolve(opts.cwd ?? process.cwd(), text), opts, what);
}

async function openSqlite(path: string, opts: OpenAnyOptions, what: string): Promise<OpenedLocation> {
  if (opts.mustExist) {
    const { existsSync, statSync } = await import('node:fs');
    if (!existsSync(path)) throw new UserError(`${what} ${path} does not exist; give an existing sqlite file or a postgres:// URL`);
    if (!statSync(path).isFile()) throw new UserError(`${what} ${path} is not a file; give a sqlite file or a postgres:// URL`);
  }
  const store = await openSqliteStore(path, { readonly: !!opts.readonly });
  return { store, description: `SQLite file ${path}` };
}
