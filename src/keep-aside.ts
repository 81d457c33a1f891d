/**
 * A run the database refused (a newer plugin schema with a NOT NULL column we cannot fill) goes to a
 * side file with our own schema, together with every run the database holds, so the artifact
 * uploaded from it carries the whole history and this run on to the next job.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from './model.ts';
import { sideFileName } from './store/sqlite-file.ts';
import { openSqliteStore, type SqliteStore } from './store/sqlite-store.ts';
import { copyRuns } from './sync/sync.ts';

export async function keepRunAside(source: SqliteStore, run: Run, dbPath: string): Promise<string> {
  const side = join(process.env.RUNNER_TEMP || tmpdir(), sideFileName(dbPath));
  const target = await openSqliteStore(side);
  try {
    await copyRuns(source, target, await source.listRunKeys());
    await target.save(run);
  } finally {
    await target.close();
  }
  return side;
}
