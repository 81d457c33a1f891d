/**
 * Folds the runs of downloaded history databases into this run's database. Saving is idempotent
 * by run uuid (a plugin-written run gets a uuid from its natural key), so the same run arriving
 * through several matrix legs' artifacts is stored once.
 */
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';

export interface MergeResult {
  runsAdded: number;
  /** Runs already in the target. */
  runsPresent: number;
  warnings: string[];
}

/** Runs hydrated and saved per batch: bounds memory on large histories. */
const BATCH = 50;

export async function mergeDatabases(target: Store, sources: string[]): Promise<MergeResult> {
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
      result.warnings.push(...source.warnings.map((w) => `History database: ${w}`));
      const missing: number[] = [];
      // Oldest first, so merged runs get ascending ids in the target as they would have had.
      for (const key of await source.listRunKeys()) {
        if (key.uuid && (await target.hasRun(key.uuid))) result.runsPresent++;
        else missing.push(key.id);
      }
      for (let i = 0; i < missing.length; i += BATCH) {
        for (const run of await source.loadRuns(missing.slice(i, i + BATCH))) {
          const saved = await target.save(run);
          if (saved.inserted) result.runsAdded++;
          else result.runsPresent++;
        }
      }
    } catch (e) {
      result.warnings.push(`History database ${path}: merge stopped: ${(e as Error).message}`);
    } finally {
      await source.close().catch(() => {});
    }
  }
  return result;
}
