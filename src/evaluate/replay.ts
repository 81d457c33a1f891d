/**
 * Replays each flakefighter, and the combination each run actually ran, as of each labelled failure's run: with
 * only the runs that started before it as history and as OutcomeFlip's other attempts, so the later rerun that
 * gave a failure its label is not known yet (no leakage). The replay is sync --reclassify's (classifyAsOf).
 *
 * The history handed over holds only the tests flaky at the time: TracebackMatching and CosineSimilarity read
 * nothing else of it, OutcomeFlip reads the same-commit runs given beside it, CoverageIndependence reads the
 * run alone. That keeps a replay of a large history linear in its flaky failures.
 */
import { SIMILARITY_EPSILON } from '../flakefighters/cosine-similarity.ts';
import type { Flakefighter } from '../flakefighters/flakefighter.ts';
import { isNoVerdict } from '../flakefighters/no-verdict.ts';
import { hideLearnedAfter } from '../learned-verdicts.ts';
import { createFlakefighter } from '../flakefighters/registry.ts';
import { isFailing, verdictOf, type ActiveFlakefighter, type FlakefighterResult, type Run, type Test } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import { classifyAsOf, keptVerdicts, paramsRecord } from '../sync/reclassify.ts';
import type { AnyStore } from '../sync/open-any.ts';
import { attemptsOf, passesOf, type EvaluationHistory, type HistoryRun } from './history.ts';
import type { LabelledFailure } from './labels.ts';

/** The flakefighters evaluate replays one by one (DiffCov needs the git diff, which the database does not hold). */
export const REPLAYED = ['OutcomeFlip', 'TracebackMatching', 'CosineSimilarity', 'CoverageIndependence'] as const;
export const COMBINATION = 'combination';
/** Labelled runs per query when some must be loaded whole. */
const WHOLE_CHUNK = 25;
/** What a run that stored no flakefighters ran: the defaults without coverage. */
const DEFAULT_ACTIVE: ActiveFlakefighter[] = [{ name: 'OutcomeFlip', params: {} }, { name: 'TracebackMatching', params: {} }];

export interface CoverageSetting {
  metric: 'jaccard' | 'hamming';
  threshold: number;
}

export interface ReplayOptions {
  /** Runs of history each replay sees, newest first (the load-max-runs the team runs with); all when undefined. */
  loadMaxRuns?: number;
  /** Parameters of each replayed flakefighter (without root: each run's own root is used). */
  params?: Partial<Record<(typeof REPLAYED)[number], Record<string, PickleValue>>>;
  /** CoverageIndependence settings to sweep (each replayed on the runs with per-test coverage). */
  coverageSweep?: CoverageSetting[];
  onProgress?(done: number, total: number): void;
  warn?(message: string): void;
}

export interface Replayed {
  /** Per evaluator (a REPLAYED name or COMBINATION), per labelled failure (same order): called flaky. */
  flaky: Map<string, boolean[]>;
  /** Per evaluator, per labelled failure: it gave no verdict (no result, or a no-verdict row). */
  abstained: Map<string, boolean[]>;
  /** CosineSimilarity's best similarity to an earlier flaky failure, per labelled failure; null when it compared none. */
  similarity: (number | null)[];
  /** Per CoverageIndependence setting (`metric@threshold`), per labelled failure: called flaky. */
  coverageSweep: Map<string, boolean[]>;
  /** Labelled failures in runs that hold per-test coverage (CoverageIndependence can judge only those). */
  withCoverage: number;
  notRecomputed: string[];
}

export const settingKey = (s: CoverageSetting) => `${s.metric}@${s.threshold}`;

/** The results a flakefighter gave a test: test-level ones and those of its failing executions. */
function resultsOf(test: Test, name: string) {
  return [...test.results, ...test.executions.filter((e) => isFailing(e.outcome)).flatMap((e) => e.results)].filter((r) => r.name === name);
}

export async function replayLabelled(store: AnyStore, history: EvaluationHistory, labelled: LabelledFailure[], opts: ReplayOptions = {}): Promise<Replayed> {
  const names = [...REPLAYED, COMBINATION];
  const out: Replayed = {
    flaky: new Map(names.map((n) => [n, labelled.map(() => false)])),
    abstained: new Map(names.map((n) => [n, labelled.map(() => true)])),
    similarity: labelled.map(() => null),
    coverageSweep: new Map((opts.coverageSweep ?? []).map((s) => [settingKey(s), labelled.map(() => false)])),
    withCoverage: 0,
    notRecomputed: [],
  };
  const notes = new Set<string>();
  const byRun = new Map<HistoryRun, number[]>();
  labelled.forEach((l, i) => {
    const list = byRun.get(l.run);
    if (list) list.push(i);
    else byRun.set(l.run, [i]);
  });
  // CosineSimilarity keeps each earlier document once it has read it: one instance per root and parameters.
  const shared = new Map<string, Flakefighter>();
  const instance = (name: string, params: Record<string, PickleValue>, root: string): Flakefighter | undefined => {
    if (name !== 'CosineSimilarity') return undefined;
    const { root: _ignored, ...rest } = params;
    const key = `${root}\u0000${JSON.stringify(rest)}`;
    let f = shared.get(key);
    if (!f) shared.set(key, (f = createFlakefighter(name, rest, { root })));
    return f;
  };
  const record = (name: string, tests: Map<string, Test>, idx: number[], read: (t: Test) => { flaky: boolean; abstained: boolean }) => {
    for (const i of idx) {
      const t = tests.get(labelled[i].test);
      if (!t) continue;
      const v = read(t);
      out.flaky.get(name)![i] = v.flaky;
      out.abstained.get(name)![i] = v.abstained;
    }
  };
  const runs = [...byRun.keys()].sort((a, b) => a.index - b.index);
  const outcome = (h: HistoryRun, i: number) => h.outcomes.get(labelled[i].test);
  // A run is loaded whole only when its failures alone would not do: a labelled test also passed in it (OutcomeFlip
  // reads the retry), or has per-test coverage (CoverageIndependence clusters every execution). A chunk at a time:
  // one query for many runs costs little more than for one.
  const covered = (h: HistoryRun) => byRun.get(h)!.some((i) => outcome(h, i)?.covered);
  const needsWhole = (h: HistoryRun) => covered(h) || byRun.get(h)!.some((i) => outcome(h, i)?.passed);
  let done = 0;
  opts.onProgress?.(0, runs.length);
  for (let c = 0; c < runs.length; c += WHOLE_CHUNK) {
    const chunk = runs.slice(c, c + WHOLE_CHUNK);
    const wanted = chunk.filter(needsWhole);
    const whole = new Map(
      (wanted.length ? await store.loadRuns(wanted.map((h) => h.failures.id!), { coverage: wanted.some(covered) }) : []).map((r) => [r.id, r]),
    );
    for (const h of chunk) {
      await replayRun(h, whole.get(h.failures.id!) ?? null, covered(h));
      done++;
      opts.onProgress?.(done, runs.length);
    }
  }

  async function replayRun(h: HistoryRun, whole: Run | null, hasCoverage: boolean): Promise<void> {
    const idx = byRun.get(h)!;
    const start = h.failures.startTime.getTime();
    const earlier: Run[] = [];
    for (let j = h.index - 1; j >= 0 && (opts.loadMaxRuns === undefined || earlier.length < opts.loadMaxRuns); j--) {
      const o = history.runs[j];
      if (o.failures.startTime.getTime() < start) earlier.push(o.flakyOnly);
    }
    // Verdicts learned from a later re-run (store/learn-from-reruns.ts) were not known at the run's start.
    const known = hideLearnedAfter(earlier, h.failures.startTime);
    const sameCommitRuns = attemptsOf(history, h)
      .filter((o) => o !== h && o.failures.startTime.getTime() < start)
      .reverse()
      .map(passesOf);
    const run = hideLearnedAfter([whole ?? h.failures], h.failures.startTime)[0];
    const warn = opts.warn;
    const active = (h.failures.activeFlakefighters.length ? h.failures.activeFlakefighters : DEFAULT_ACTIVE).map((a) => ({ ...a }));

    for (const name of REPLAYED) {
      const clusters = name === 'CoverageIndependence';
      // Without coverage on the labelled tests CoverageIndependence can only abstain on them: nothing to replay.
      if (clusters && !hasCoverage) continue;
      const params = opts.params?.[name] ?? {};
      const inst = instance(name, params, run.root);
      const got = await classifyAsOf(run, clusters ? [] : known, {
        active: [{ name, params }],
        instances: inst ? new Map([[name, inst]]) : undefined,
        sameCommitRuns,
        warn,
      });
      got.notRecomputed.forEach((n) => notes.add(n));
      const tests = new Map(got.run.tests.map((t) => [t.name, t]));
      record(name, tests, idx, (t) => {
        const rs = resultsOf(t, name);
        return { flaky: rs.some((r) => r.flaky), abstained: rs.length === 0 || rs.every(isNoVerdict) };
      });
      if (name === 'CosineSimilarity') {
        for (const i of idx) {
          const t = tests.get(labelled[i].test);
          const sims = t ? resultsOf(t, name).map((r) => r.evidence?.similarity).filter((s): s is number => typeof s === 'number') : [];
          out.similarity[i] = sims.length ? Math.max(...sims) : null;
        }
      }
    }

    // Flakefighters that judge as the run goes read nothing another one wrote: when the run ran only such ones, with
    // the parameters replayed alone, the combination calls flaky what any of them did, or a verdict kept as stored.
    const alone = (a: ActiveFlakefighter) => {
      const p = paramsRecord(a.params);
      delete p.root;
      const mine = opts.params?.[a.name as (typeof REPLAYED)[number]] ?? {};
      return (REPLAYED as readonly string[]).includes(a.name) && a.name !== 'CoverageIndependence' && p.run_live !== false &&
        JSON.stringify(Object.entries(p).sort()) === JSON.stringify(Object.entries(mine).sort());
    };
    if (active.every(alone)) {
      const names = new Set(active.map((a) => a.name));
      const tests = new Map(run.tests.map((t) => [t.name, t]));
      for (const i of idx) {
        const t = tests.get(labelled[i].test);
        // Stored verdicts of flakefighters not replayed (DiffCov) stand, as classifyAsOf keeps them.
        const kept = t ? [t.results, ...t.executions.map((e) => e.results)].some((rs) => keptFlaky(rs, names)) : false;
        out.flaky.get(COMBINATION)![i] = kept || active.some((a) => out.flaky.get(a.name)![i]);
        out.abstained.get(COMBINATION)![i] = false;
      }
    } else {
      const combined = await classifyAsOf(run, known, {
        active,
        instances: new Map(active.flatMap((a) => {
          const f = instance(a.name, paramsRecord(a.params), h.failures.root);
          return f ? [[a.name, f] as const] : [];
        })),
        sameCommitRuns,
        warn,
      });
      combined.notRecomputed.forEach((n) => notes.add(n));
      record(COMBINATION, new Map(combined.run.tests.map((t) => [t.name, t])), idx, (t) => ({
        flaky: verdictOf(t) === 'flaky',
        abstained: false,
      }));
    }

    if (opts.coverageSweep?.length && hasCoverage) {
      out.withCoverage += idx.filter((i) => outcome(h, i)?.covered).length;
      const linkage = opts.params?.CoverageIndependence?.linkage_method ?? 'single';
      for (const s of opts.coverageSweep) {
        const params = { threshold: s.threshold, metric: s.metric, linkage_method: linkage };
        const got = await classifyAsOf(run, [], { active: [{ name: 'CoverageIndependence', params }], sameCommitRuns, warn: () => {} });
        const tests = new Map(got.run.tests.map((t) => [t.name, t]));
        const arr = out.coverageSweep.get(settingKey(s))!;
        for (const i of idx) {
          const t = tests.get(labelled[i].test);
          arr[i] = t ? resultsOf(t, 'CoverageIndependence').some((r) => r.flaky) : false;
        }
      }
    }
  }
  out.notRecomputed = [...notes];
  return out;
}

/** A stored verdict classifyAsOf keeps (the newest of each flakefighter not replayed, learned ones aside) says flaky. */
function keptFlaky(results: FlakefighterResult[], replayed: Set<string>): boolean {
  return keptVerdicts(results, replayed).some((r) => r.flaky);
}

/** CosineSimilarity's verdict at another threshold, from the similarity of the one replay (the best match does not depend on it). */
export const flakyAtThreshold = (similarity: number | null, threshold: number): boolean =>
  similarity !== null && similarity >= threshold - SIMILARITY_EPSILON;
