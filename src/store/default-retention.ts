/**
 * `store-max-runs: auto`, the default. The sql.js file is loaded whole into memory and travels as a workflow
 * artifact that every run downloads and uploads, so it keeps the newest AUTO_MAX_RUNS runs (a 1,000-test suite
 * stores ~168 KiB a run: ~165 MiB, a 28 MiB artifact; about three months at ten runs a day), fewer when that
 * many would pass AUTO_MAX_BYTES at the file's own average run size (a bigger suite), and never fewer than
 * `load-max-runs`. PostgreSQL keeps every run unless the user sets a retention.
 *
 * Why this never drops a run a flakefighter still reads: the next run's history window is the `load-max-runs`
 * newest runs before it, and all kept runs precede it, so keeping at least that many keeps the window whole;
 * `time-immemorial` prunes by the same cut-off the window uses. With `load-max-runs` unset the window is every
 * stored run, i.e. what retention keeps. Readers keyed by commit (OutcomeFlip and learn-from-reruns on this
 * commit's runs, DiffCov on the source commit's) see fewer runs only for a commit last run more than that many
 * runs ago, and fewer runs only ever withhold a flaky verdict.
 */
import type { DatabaseSize } from './database-size.ts';
import { runsUnder } from './database-size.ts';
import type { Store } from './store.ts';

export const AUTO_MAX_RUNS = 1000;
export const AUTO_MAX_BYTES = 256 * 1024 * 1024;

/** The input: a number of runs, `auto` (this module) or undefined for every run (`all`). */
export type StoreMaxRunsSetting = number | 'auto' | undefined;

export interface AutoLimits {
  maxRuns: number;
  maxBytes: number;
}

/** The runs `auto` keeps in a sql.js file of this size (null: nothing stored yet, the run cap alone). */
export function autoStoreMaxRuns(size: DatabaseSize | null, loadMaxRuns: number | undefined, limits: AutoLimits = { maxRuns: AUTO_MAX_RUNS, maxBytes: AUTO_MAX_BYTES }): number {
  const bySize = size ? runsUnder(size, limits.maxBytes) : null;
  const capped = bySize === null ? limits.maxRuns : Math.min(limits.maxRuns, bySize);
  return Math.max(capped, loadMaxRuns ?? 0, 1);
}

/** The store-max-runs a save uses: the user's number, every run (undefined), or auto's for this store. */
export async function storeMaxRunsFor(setting: StoreMaxRunsSetting, store: Store, loadMaxRuns: number | undefined): Promise<number | undefined> {
  if (setting !== 'auto') return setting;
  if (store.kind !== 'sqlite') return undefined;
  const size = store.databaseSize ? await store.databaseSize() : null;
  return autoStoreMaxRuns(size, loadMaxRuns);
}
