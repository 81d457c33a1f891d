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
 * runs ago: OutcomeFlip and learning then give fewer flaky verdicts, never more; DiffCov's source commit is spared
 * by the count (sparedCommits), since for DiffCov a missing source run looks like a transition.
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

/**
 * Under `auto`, the commits whose runs the count does not prune: DiffCov's source commit. DiffCov reads every stored
 * run of it, and a failure with no source run to compare looks like a transition, so losing those runs could make a
 * failure flaky, not only withhold a verdict; the next push of the same pull request has the same source commit.
 */
export function sparedCommits(setting: StoreMaxRunsSetting, flakefighters: ReadonlyArray<{ name: string; params(): Record<string, unknown> }>): string[] {
  if (setting !== 'auto') return [];
  const source = flakefighters.find((f) => f.name === 'DiffCov')?.params().source_commit;
  return typeof source === 'string' && source !== '' ? [source] : [];
}

/** The store-max-runs a save uses: the user's number, every run (undefined), or auto's for this store. */
export async function storeMaxRunsFor(setting: StoreMaxRunsSetting, store: Store, loadMaxRuns: number | undefined): Promise<number | undefined> {
  if (setting !== 'auto') return setting;
  if (store.kind !== 'sqlite') return undefined;
  const size = store.databaseSize ? await store.databaseSize() : null;
  return autoStoreMaxRuns(size, loadMaxRuns);
}
