/**
 * `flakefighters sync`: copies the runs a destination lacks, each in its own transaction (one
 * Store.save), so an interrupted sync leaves only whole runs. A run is "already there" when its
 * uuid is (plugin runs carry a uuid derived from their natural key, rows.ts pluginRunUuid), or else
 * when a destination run with the same start time has the same natural key (start time, root,
 * test names): that catches one run stored under two different uuids.
 *
 * Runs are classified once, against the history they had (design §3). A run that arrives older
 * than runs already classified at the destination is therefore reported, with the destination runs
 * whose history window now includes it; `reclassify` recomputes those runs' verdicts as of their
 * own start and appends the ones that changed (append-results.ts), never overwriting.
 */
import type { Run } from '../model.ts';
import { pluginRunUuid, type RunKey } from '../store/rows.ts';
import { UserError, type Store } from '../store/store.ts';
import { appendResults, type RunAppend } from './append-results.ts';
import type { AnyStore } from './open-any.ts';
import { reclassifyRun, type VerdictChange } from './reclassify.ts';

export interface SyncOptions {
  /** Report what would be copied and which runs are affected; write nothing. */
  dryRun?: boolean;
  /**
   * Recompute the verdicts of affected destination runs and append the changed ones. With a sqlite
   * destination and something to append, `to` is closed (flushed) first and the rows go straight
   * into the file (append-results.ts); reopen it to read them.
   */
  reclassify?: boolean;
  /**
   * The load-max-runs the destination's runs were classified with (unknown to the database: it is
   * an input). With it, a later run counts as affected only when the late run falls among the N
   * runs before it; without it, every later run is.
   */
  loadMaxRuns?: number;
  /** Copied runs per load (bounds memory). */
  batchSize?: number;
  onProgress?(done: number, total: number): void;
  /** Non-fatal notes (unreadable rows, flakefighters that cannot be recomputed). */
  warn?(message: string): void;
}

export interface RunRef {
  id: number;
  uuid: string;
  startTime: Date;
}

export interface LateRun {
  /** Where it sits at the destination (null in a dry run: nothing was written). */
  id: number | null;
  sourceId: number;
  uuid: string;
  startTime: Date;
  /** Destination runs classified before the sync whose history window now includes this run, oldest first. */
  affected: RunRef[];
}

export interface SyncReport {
  dryRun: boolean;
  sourceRuns: number;
  /** Runs saved at the destination (in a dry run: that would be saved). */
  copied: number;
  alreadyThere: number;
  copiedRuns: Array<{ sourceId: number; id: number | null; uuid: string; startTime: Date }>;
  lateRuns: LateRun[];
  /** Destination runs whose verdicts were recomputed (reclassify only), oldest first. */
  reclassifiedRuns: RunRef[];
  /** Every verdict that changed, in run order. */
  changes: VerdictChange[];
  /** Flakefighters whose verdicts could not be recomputed, with why (e.g. DiffCov needs the git diff). */
  notRecomputed: string[];
  /**
   * Recomputed verdicts that differ from the stored ones with or without the late runs (the run was
   * classified by the plugin or another version): not caused by the sync, so left alone.
   */
  drifted: number;
}

const DEFAULT_BATCH = 50;

export async function syncDatabases(from: AnyStore, to: AnyStore, opts: SyncOptions = {}): Promise<SyncReport> {
  const warn = opts.warn ?? (() => {});
  const dryRun = !!opts.dryRun;
  const srcKeys = await from.listRunKeys();
  const dstKeys = await to.listRunKeys();
  const report: SyncReport = {
    dryRun,
    sourceRuns: srcKeys.length,
    copied: 0,
    alreadyThere: 0,
    copiedRuns: [],
    lateRuns: [],
    reclassifiedRuns: [],
    changes: [],
    notRecomputed: [],
    drifted: 0,
  };

  const missing = await findMissing(from, to, srcKeys, dstKeys);
  report.alreadyThere = srcKeys.length - missing.length;
  try {
    await copyRuns(from, to, missing, {
      dryRun,
      batchSize: opts.batchSize,
      onProgress: opts.onProgress,
      warn,
      onCopied: (c) => {
        report.copied++;
        report.copiedRuns.push(c);
      },
      onPresent: () => report.alreadyThere++,
      onVanished: () => report.sourceRuns--,
    });
  } catch (err) {
    // Each saved run is whole (one transaction each); say how far it got and that a re-run resumes.
    const msg = `${(err as Error).message}; sync stopped after copying ${report.copied} of ${missing.length} run(s), each complete; run it again to copy the rest`;
    throw err instanceof UserError ? new UserError(msg) : Object.assign(new Error(msg), { cause: err });
  }

  // The timeline at the destination after the sync (copied runs get stand-in ids in a dry run,
  // above every real id, as new rows would).
  const maxId = dstKeys.reduce((m, k) => Math.max(m, k.id), 0);
  const copiedRefs: RunRef[] = report.copiedRuns.map((c, i) => ({ id: c.id ?? maxId + 1 + i, uuid: c.uuid, startTime: c.startTime }));
  const existing: RunRef[] = dstKeys.map((k) => ({ id: k.id, uuid: k.uuid, startTime: k.startTime }));
  const timeline = new Timeline([...existing, ...copiedRefs], opts.loadMaxRuns);
  const newestExisting = existing.reduce((m, k) => Math.max(m, k.startTime.getTime()), -Infinity);

  const existingIds = new Set(existing.map((r) => r.id));
  report.copiedRuns.forEach((c, i) => {
    if (c.startTime.getTime() >= newestExisting) return;
    const ref = copiedRefs[i];
    const affected = existing.filter((r) => r.startTime.getTime() > c.startTime.getTime() && timeline.windowIncludes(r, ref));
    affected.sort(byTime);
    report.lateRuns.push({ id: c.id, sourceId: c.sourceId, uuid: c.uuid, startTime: c.startTime, affected });
  });
  report.lateRuns.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());

  if (opts.reclassify && !dryRun && report.lateRuns.length > 0) {
    await reclassifyAffected(to, report, timeline, existingIds, copiedRefs, opts, warn);
  }
  return report;
}

export interface CopyRunsOptions {
  dryRun?: boolean;
  batchSize?: number;
  onProgress?(done: number, total: number): void;
  warn?(message: string): void;
  onCopied?(copied: { sourceId: number; id: number | null; uuid: string; startTime: Date }): void;
  /** A run the destination already had (found by save, or twice in the source). */
  onPresent?(uuid: string): void;
  /** A listed run the source no longer has (pruned meanwhile). */
  onVanished?(key: RunKey): void;
}

/**
 * Copies the given source runs (oldest first, so they get ascending ids at the destination as
 * they would have had), `batchSize` hydrated at a time, each saved in its own transaction.
 * Idempotent: Store.save skips a uuid that is already there.
 */
export async function copyRuns(
  from: { loadRuns(ids: readonly number[]): Promise<Run[]> },
  to: Pick<Store, 'save'>,
  keys: RunKey[],
  opts: CopyRunsOptions = {},
): Promise<void> {
  const batch = Math.max(1, opts.batchSize ?? DEFAULT_BATCH);
  const seen = new Set<string>();
  let done = 0;
  opts.onProgress?.(0, keys.length);
  for (let i = 0; i < keys.length; i += batch) {
    const slice = keys.slice(i, i + batch);
    const runs = await from.loadRuns(slice.map((k) => k.id));
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (const key of slice) {
      const run = byId.get(key.id);
      done++;
      if (!run) {
        opts.warn?.(`run ${key.id} (${key.uuid}) disappeared from the source during the sync; skipped`);
        opts.onVanished?.(key);
      } else if (seen.has(run.meta.uuid)) {
        opts.onPresent?.(run.meta.uuid);
      } else {
        seen.add(run.meta.uuid);
        const saved = opts.dryRun ? null : await to.save(run);
        if (!saved || saved.inserted) opts.onCopied?.({ sourceId: key.id, id: saved?.runId ?? null, uuid: run.meta.uuid, startTime: run.startTime });
        else opts.onPresent?.(run.meta.uuid);
      }
      opts.onProgress?.(done, keys.length);
    }
  }
}

const byTime = (a: RunRef, b: RunRef) => a.startTime.getTime() - b.startTime.getTime() || a.id - b.id;

/**
 * Orders runs as loadHistory does (start_time, then id) to answer "is run X in the history
 * window of run R": X started strictly before R and is among the `maxRuns` newest such runs.
 */
export class Timeline {
  private readonly sorted: RunRef[];
  private readonly pos = new Map<number, number>();

  constructor(runs: RunRef[], private readonly maxRuns?: number) {
    this.sorted = [...runs].sort(byTime);
    this.sorted.forEach((r, i) => this.pos.set(r.id, i));
  }

  /** Index of the first run that started at or after `t` (so all before it are history). */
  private firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].startTime.getTime() < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  windowIncludes(r: RunRef, x: RunRef): boolean {
    const p = this.pos.get(x.id);
    if (p === undefined || x.startTime.getTime() >= r.startTime.getTime()) return false;
    const end = this.firstAtOrAfter(r.startTime.getTime());
    return this.maxRuns === undefined || p >= end - this.maxRuns;
  }
}

/** Source runs the destination lacks (by uuid, then natural key), oldest first. */
export async function findMissing(from: AnyStore, to: AnyStore, srcKeys: RunKey[], dstKeys: RunKey[]): Promise<RunKey[]> {
  const dstUuids = new Set(dstKeys.map((k) => k.uuid));
  const byStart = new Map<number, number[]>();
  for (const k of dstKeys) {
    const t = k.startTime.getTime();
    const list = byStart.get(t);
    if (list) list.push(k.id);
    else byStart.set(t, [k.id]);
  }
  const candidates = srcKeys.filter((k) => !dstUuids.has(k.uuid));
  // Natural-key check only where a destination run starts at the same millisecond.
  const clash = candidates.filter((k) => byStart.has(k.startTime.getTime()));
  const sameRun = new Set<number>();
  if (clash.length > 0) {
    const dstIds = [...new Set(clash.flatMap((k) => byStart.get(k.startTime.getTime())!))];
    const dstNatural = new Set((await to.loadRuns(dstIds, { coverage: false })).map(naturalKey));
    for (const run of await from.loadRuns(clash.map((k) => k.id), { coverage: false })) {
      if (dstNatural.has(naturalKey(run))) sameRun.add(run.id!);
    }
  }
  return candidates.filter((k) => !sameRun.has(k.id));
}

export const naturalKey = (run: Run): string => pluginRunUuid(run.startTime, run.root, run.tests.map((t) => t.name));

/**
 * Recomputes, oldest first, every destination run classified before the sync whose window
 * includes a late run or a run whose verdicts just changed (a change can cascade: a failure that
 * became flaky is evidence for TracebackMatching in later runs).
 */
async function reclassifyAffected(
  to: AnyStore,
  report: SyncReport,
  timeline: Timeline,
  existingIds: Set<number>,
  copiedRefs: RunRef[],
  opts: SyncOptions,
  warn: (m: string) => void,
): Promise<void> {
  const late = report.lateRuns.map((l) => copiedRefs.find((c) => c.uuid === l.uuid)!).filter(Boolean);
  const earliest = Math.min(...late.map((l) => l.startTime.getTime()));
  const candidates = (await to.listRunKeys())
    .filter((k) => existingIds.has(k.id) && k.startTime.getTime() > earliest)
    .map((k) => ({ id: k.id, uuid: k.uuid, startTime: k.startTime }))
    .sort(byTime);
  const triggers: RunRef[] = [...late];
  /** Runs as they read after the appends (old results plus new ones), for later runs' history. */
  const patched = new Map<number, Run>();
  const appends: Array<RunAppend & { changes: VerdictChange[] }> = [];
  const notes = new Set<string>();
  for (const r of candidates) {
    const cause = triggers.filter((t) => timeline.windowIncludes(r, t));
    if (cause.length === 0) continue;
    const [run] = await to.loadRuns([r.id]);
    if (!run) continue;
    // One load serves both views: after the sync (copied runs in, earlier reclassifications
    // applied) and before it (only the runs that were there, as stored).
    const max = opts.loadMaxRuns;
    const loaded = await to.loadHistory({ before: run.startTime, maxRuns: max === undefined ? undefined : max + copiedRefs.length });
    const history = loaded.slice(0, max).map((h) => patched.get(h.id!) ?? h);
    const baselineHistory = loaded.filter((h) => existingIds.has(h.id!)).slice(0, max);
    const reason = `reclassified by flakefighters sync: history now includes ${cause.map((c) => `run ${c.id} (${c.uuid})`).join(', ')}`;
    const out = await reclassifyRun(run, history, { warn, reason, baselineHistory });
    out.notRecomputed.forEach((n) => notes.add(n));
    report.drifted += out.drifted;
    report.reclassifiedRuns.push(r);
    if (out.appended.length > 0) {
      patched.set(r.id, out.patchedRun);
      triggers.push(r);
      appends.push({ runId: r.id, results: out.appended, reason, changes: out.changes, counts: out.counts });
    }
  }
  report.notRecomputed = [...notes];
  if (appends.length === 0) return;
  const ids = await appendResults(to, appends);
  appends.forEach((a, i) => {
    a.changes.forEach((c, j) => (c.resultId = ids[i][j] ?? null));
    report.changes.push(...a.changes);
  });
}
