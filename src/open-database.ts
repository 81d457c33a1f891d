/**
 * Chooses and opens the history database: Postgres from `database-url`, else the sql.js file at
 * `database-path` (first merging the newest earlier artifacts into it). A Postgres server that
 * cannot be reached never loses the run: it goes to the sql.js file instead, said in a warning.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from './config/inputs.ts';
import type { GitHubContext } from './github/context.ts';
import type { Log } from './log.ts';
import { parseDatabaseUrl } from './store/database-url.ts';
import { redact, registerSecretsFromUrl } from './store/redact.ts';
import { DatabaseFileError, type FileIdentity } from './store/sqlite-file.ts';
import type { SqliteStore } from './store/sqlite-store.ts';
import { emptyStore } from './store/empty-store.ts';
import type { Store } from './store/store.ts';

export interface OpenedDatabase {
  store: Store;
  kind: 'sqlite' | 'postgres';
  /** Safe to print: never the URL. */
  description: string;
  /** Where history came from, for the summary. */
  historySource: string;
  /** Set when Postgres failed and the sql.js file at database-path stands in for it. */
  fallbackReason: string | null;
  /** The sql.js file in use (own or fallback), for the artifact upload. */
  sqlitePath: string | null;
  /**
   * Set when this job's own history artifact was too big to merge (said in a warning). The database
   * then goes up under the carry name so that artifact stays the history (artifact-history.ts).
   */
  carry?: string;
}

export async function openDatabase(cfg: Config, ctx: GitHubContext | null, log: Log): Promise<OpenedDatabase> {
  if (cfg.databaseUrl) {
    registerSecretsFromUrl(cfg.databaseUrl);
    const target = parseDatabaseUrl(cfg.databaseUrl);
    if (target.kind === 'sqlite') {
      const path = resolve(cfg.workspace, target.path);
      return openSqlite(path, cfg, ctx, log, `SQLite file ${target.path}`);
    }
    // A hosted runner starts from a fresh workspace: runs kept in the fallback file while the database
    // was down reach a later job only through that file's artifact, so it is fetched first when asked.
    let carried: string | null = null;
    if (cfg.historyFromArtifact && ctx && ctx.repository) carried = (await mergeArtifactHistory(cfg.databasePath, cfg, ctx, log)).source;
    let pg: Store | null = null;
    try {
      const { openPostgresStore } = await import('./store/postgres-store.ts');
      const store = await openPostgresStore(cfg.databaseUrl, {
        sslCa: cfg.databaseSslCa ?? undefined,
        log: (m: string) => log.info(redact(m)),
      });
      pg = store;
      const description = `PostgreSQL ${target.host}:${target.port}/${target.database}`;
      try {
        await uploadPendingRuns(store, cfg.databasePath, log);
      } catch (err) {
        // The database works for this run (it was just opened); the pending runs wait for the next one.
        log.warning(
          `Could not upload the runs kept in ${cfg.databasePath} to the database (${redact(err instanceof Error ? err.message : String(err))}); they stay there, pending, and the next run that reaches the database tries again. This run uses the database as usual.`,
        );
      }
      return { store, kind: 'postgres', description, historySource: description, fallbackReason: null, sqlitePath: null };
    } catch (err) {
      // Every path that leaves the database closes it: an open pool would hold the process for its idle timeout.
      await pg?.close().catch(() => {});
      const reason = redact(err instanceof Error ? err.message : String(err));
      log.warning(`Could not use the database-url database (${reason}); this run is kept in ${cfg.databasePath} instead and will be uploaded to the database by the next run that reaches it.`);
      const opened = await openSqlite(cfg.databasePath, { ...cfg, historyFromArtifact: false }, ctx, log, `SQLite fallback file ${cfg.databasePath}`);
      return { ...opened, historySource: carried ?? opened.historySource, fallbackReason: reason };
    }
  }
  return openSqlite(cfg.databasePath, cfg, ctx, log, `SQLite file ${cfg.databasePath}`);
}

async function openSqlite(path: string, cfg: Config, ctx: GitHubContext | null, log: Log, description: string): Promise<OpenedDatabase> {
  const exists = existsSync(path);
  let historySource = exists ? `the file ${path}` : 'none yet (fresh history)';
  // Nothing to read, nothing to keep, nothing to upload: no sql.js (its WebAssembly is most of a small run's start).
  if (!cfg.save && !cfg.uploadArtifact && !exists && !(cfg.historyFromArtifact && ctx && ctx.repository)) {
    return { store: emptyStore(), kind: 'sqlite', description, historySource, fallbackReason: null, sqlitePath: path };
  }
  const { openSqliteStore } = await import('./store/sqlite-store.ts');
  let carry: string | undefined;
  // Downloaded before the file is opened: a fresh runner adopts the first one as its file (see adoptFirst).
  const fetched = cfg.historyFromArtifact && ctx && ctx.repository ? await fetchArtifactHistory(cfg, ctx, log) : null;
  const adopted = fetched ? await adoptFirst(path, fetched, log) : null;
  // One store from the merge to the save: the file is read (and locked) once and written once, so a
  // path that cannot be written loses neither the merged history nor this run (see sqlite-file.ts).
  const store = await openSqliteStore(path, { checked: adopted?.checked ?? null });
  try {
    if (fetched) {
      const merged = await mergeFetched(store, fetched, adopted, log);
      if (merged.source) historySource = merged.source;
      carry = merged.carry;
    }
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  for (const w of store.warnings ?? []) log.warning(w);
  return { store, kind: 'sqlite', description, historySource, fallbackReason: null, sqlitePath: path, ...(carry ? { carry } : {}) };
}

type Fetched = Awaited<ReturnType<typeof import('./github/artifact-history.ts').fetchHistoryArtifacts>>;

/** Downloads the newest earlier runs' database artifacts; every failure is a warning. */
async function fetchArtifactHistory(cfg: Config, ctx: GitHubContext, log: Log): Promise<Fetched> {
  const { fetchHistoryArtifacts } = await import('./github/artifact-history.ts');
  const { jobSuffix } = await import('./github/context.ts');
  const fetched = await fetchHistoryArtifacts({
    name: cfg.artifactName,
    suffix: jobSuffix(ctx),
    token: cfg.githubToken,
    context: ctx,
    maxBytes: cfg.historyMaxMb * 1024 * 1024,
  });
  for (const w of fetched.warnings) log.warning(w);
  if (fetched.ownTooBig) log.warning(fetched.ownTooBig.message);
  return fetched;
}

interface Adopted {
  /** The downloaded file now at the database path. */
  from: string;
  uuids: string[];
  /** The file as adoptDatabase checked it: the store opening it need not quick_check it again. */
  checked: FileIdentity | null;
}

/**
 * With no database file yet (a fresh runner), the first downloaded database (this job's own leg
 * when it has one) becomes the file as it is, instead of being merged into an empty one run by run.
 * One that cannot be adopted is merged as before, with the merge's warnings.
 */
async function adoptFirst(path: string, fetched: Fetched, log: Log): Promise<Adopted | null> {
  const first = fetched.databases[0];
  if (!first) return null;
  const { resolveDatabasePath } = await import('./store/sqlite-file.ts');
  const target = await resolveDatabasePath(path);
  if (existsSync(target)) return null;
  const { adoptDatabase } = await import('./github/merge-history.ts');
  const got = await adoptDatabase(first.path, target, { exportedByAction: first.exportedByAction === true });
  if (!got.adopted) {
    log.info(`History artifact '${first.artifactName}' is merged run by run rather than taken as ${path}: ${got.reason}.`);
    return null;
  }
  log.info(`History: took artifact '${first.artifactName}' (${got.uuids.length} run(s)) as ${path}.`);
  return { from: first.path, uuids: got.uuids, checked: got.checked };
}

/** Merges the downloaded databases (all but an adopted one) into the open local file. */
async function mergeFetched(store: SqliteStore, fetched: Fetched, adopted: Adopted | null, log: Log): Promise<{ source: string | null; carry?: string }> {
  const carry = fetched.ownTooBig?.message;
  if (fetched.databases.length === 0) return { source: fetched.source ?? null, carry };
  let sources = fetched.databases.map((d) => d.path);
  if (adopted) {
    // The file read is the adopted one unless another writer replaced it meanwhile: then merge it too.
    const have = new Set((await store.listRunKeys()).map((k) => k.uuid));
    if (adopted.uuids.every((u) => have.has(u))) sources = sources.filter((p) => p !== adopted.from);
  }
  const { mergeDatabases } = await import('./github/merge-history.ts');
  const result = await mergeDatabases(store, sources);
  for (const w of result.warnings) log.warning(w);
  return { source: fetched.source ?? `${fetched.databases.length} artifact(s) of earlier runs`, carry };
}

/** Brings earlier runs' database artifacts into the file at `path` (the Postgres fallback file), adopting the first when there is none. */
async function mergeArtifactHistory(path: string, cfg: Config, ctx: GitHubContext, log: Log): Promise<{ source: string | null; carry?: string }> {
  const fetched = await fetchArtifactHistory(cfg, ctx, log);
  if (fetched.databases.length === 0) return { source: fetched.source ?? null, carry: fetched.ownTooBig?.message };
  const adopted = await adoptFirst(path, fetched, log);
  const store = await (await import('./store/sqlite-store.ts')).openSqliteStore(path, { checked: adopted?.checked ?? null });
  try {
    return await mergeFetched(store, fetched, adopted, log);
  } finally {
    await store.close().catch((err: unknown) => {
      // The carried runs could not be written next to us; the artifact they came from still holds them.
      if (err instanceof DatabaseFileError) log.warning(err.message);
      else throw err;
    });
  }
}

/** Runs kept in the fallback file while Postgres was unreachable go up now, idempotently by uuid. */
async function uploadPendingRuns(store: Store, fallbackPath: string, log: Log): Promise<void> {
  if (!existsSync(fallbackPath)) return;
  const { openSqliteStore } = await import('./store/sqlite-store.ts');
  const local = await openSqliteStore(fallbackPath, { readonly: true });
  try {
    // Keys first, oldest first: only the runs still to upload are read whole (the file may hold a long artifact history).
    const pending: number[] = [];
    for (const key of await local.listRunKeys()) {
      // Only runs that were meant for the database: a local file may also hold local-only runs.
      if (key.source === 'fallback' && !(await store.hasRun(key.uuid))) pending.push(key.id);
    }
    let uploaded = 0;
    for (const run of await local.loadRuns(pending)) {
      await store.save(run);
      uploaded++;
    }
    if (uploaded > 0) log.info(`Uploaded ${uploaded} run(s) kept in ${fallbackPath} while the database was unreachable.`);
  } finally {
    await local.close();
  }
}
