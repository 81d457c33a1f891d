/**
 * Folds the runs of downloaded history databases into this run's database, with the same copy that
 * `flakefighters sync` uses: idempotent by run uuid, then by the plugin's natural key, so the same
 * run arriving through several matrix legs' artifacts is stored once.
 */
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.ts';
import { copyRuns, findMissing } from '../sync/sync.ts';

export interface MergeResult {
  runsAdded: number;
  /** Runs already in the target. */
  runsPresent: number;
  warnings: string[];
}

export async function mergeDatabases(target: SqliteStore, sources: string[]): Promise<MergeResult> {
  const result: MergeResult = { runsAdded: 0, runsPresent: 0, warnings: [] };
  for (const path of sources) {
    let source;
    try {
      source = await openSqliteStore(path, { readonly: true });
    } catch (e) {
      result.warnings.push(`History database ${path} skipped: ${(e as Error).message}`);
      continue;
    }
    try {
      const srcKeys = await source.listRunKeys();
      const missing = await findMissing(source, target, srcKeys, await target.listRunKeys());
      result.runsPresent += srcKeys.length - missing.length;
      await copyRuns(source, target, missing, {
        onCopied: () => result.runsAdded++,
        onPresent: () => result.runsPresent++,
        warn: (m) => result.warnings.push(`History database ${path}: ${m}`),
      });
    } catch (e) {
      result.warnings.push(`History database ${path}: merge stopped: ${(e as Error).message}`);
    } finally {
      // Read after the copy: rows that could not be decoded (a pickle over its limits) warn while loading.
      result.warnings.push(...source.warnings.map((w) => `History database: ${w}`));
      await source.close().catch(() => {});
    }
  }
  return result;
}
