/**
 * `flakefighters evaluate`: labels from the history (and a team's own), every flakefighter and the combination
 * replayed as of each labelled failure's run, and how right each was, with the genuine failures each would have
 * hidden and the settings of CosineSimilarity and CoverageIndependence that keep precision at 0.99 or above.
 */
import { runRef, type Run } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { AnyStore } from '../sync/open-any.ts';
import { loadEvaluationHistory } from './history.ts';
import { applyLabelRows, deriveLabels, type Label, type LabelRow, type LabelledFailure } from './labels.ts';
import { confusion, metricsOf, type Metrics } from './metrics.ts';
import { COMBINATION, flakyAtThreshold, replayLabelled, REPLAYED, settingKey, type CoverageSetting } from './replay.ts';

export const EVALUATION_SCHEMA_VERSION = 1;
export const TARGET_PRECISION = 0.99;
export const COSINE_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1];
export const COVERAGE_THRESHOLDS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];

export interface RunInfo {
  id: number | null;
  uuid: string;
  /** `#41 (attempt 2)` for a workflow run, else `#<database id>`. */
  ref: string;
  startTime: string;
  commitSha: string | null;
  environment: string | null;
  /** The workflow run's page when the run was saved by the action with its repository; else null. */
  url: string | null;
}

export interface FailureInfo {
  run: RunInfo;
  test: string;
  label: Label;
  source: 'history' | 'file';
  why: string;
}

export interface FlakefighterScore {
  name: string;
  /** The parameters replayed; for the combination, each run's own. */
  params: Record<string, PickleValue> | null;
  metrics: Metrics;
  /** Labelled failures it gave no verdict on (counted as not flaky). */
  abstained: number;
  /** Labelled genuine failures it called flaky: what it would have hidden. */
  hiddenGenuine: FailureInfo[];
}

export interface SweepRow {
  flakefighter: 'CosineSimilarity' | 'CoverageIndependence';
  threshold: number;
  metric: string | null;
  metrics: Metrics;
}

export interface EvaluationReport {
  schemaVersion: number;
  generator: 'flakefighters-action';
  database: string;
  generatedAt: string;
  runs: number;
  loadMaxRuns: number | null;
  labels: { labelled: number; flaky: number; genuine: number; fromHistory: number; fromFile: number; unlabelled: number; runs: number };
  flakefighters: FlakefighterScore[];
  combination: FlakefighterScore;
  sweep: {
    targetPrecision: number;
    rows: SweepRow[];
    /** Per swept flakefighter, the setting with the highest recall at precision >= target (null: none reaches it). */
    best: { CosineSimilarity: SweepRow | null; CoverageIndependence: SweepRow | null };
    /** Labelled failures in runs with per-test coverage, the only ones CoverageIndependence can judge. */
    coverageLabelled: number;
  };
  labelled: (FailureInfo & { verdicts: Record<string, boolean> })[];
  notes: string[];
}

export interface EvaluateOptions {
  database: string;
  loadMaxRuns?: number;
  labelRows?: { rows: LabelRow[]; file: string };
  serverUrl?: string;
  onProgress?(phase: string, done: number, total: number): void;
  now?: Date;
}

/** The parameters the newest run that ran a flakefighter gave it (root aside: each run's own root is used). */
function configuredParams(runs: Run[]): Partial<Record<(typeof REPLAYED)[number], Record<string, PickleValue>>> {
  const out: Partial<Record<(typeof REPLAYED)[number], Record<string, PickleValue>>> = {};
  for (const r of [...runs].reverse()) {
    for (const a of r.activeFlakefighters) {
      const name = a.name as (typeof REPLAYED)[number];
      if (!REPLAYED.includes(name) || out[name]) continue;
      const p = a.params instanceof Map ? Object.fromEntries([...(a.params as Map<unknown, PickleValue>)].filter(([k]) => typeof k === 'string')) : { ...(a.params as Record<string, PickleValue>) };
      delete (p as Record<string, unknown>).root;
      out[name] = p as Record<string, PickleValue>;
    }
  }
  return out;
}

export function runInfo(run: Run, serverUrl: string): RunInfo {
  const m = run.meta;
  const url =
    m.runId && /^\d+$/.test(m.runId) && m.repository && /^[\w.-]+\/[\w.-]+$/.test(m.repository)
      ? `${serverUrl.replace(/\/+$/, '')}/${m.repository}/actions/runs/${m.runId}${m.runAttempt && m.runAttempt > 0 ? `/attempts/${m.runAttempt}` : ''}`
      : null;
  return {
    id: run.id ?? null,
    uuid: m.uuid,
    ref: runRef(run),
    startTime: run.startTime.toISOString(),
    commitSha: run.commitSha,
    environment: m.environmentLabel ?? m.environment ?? null,
    url,
  };
}

function pickBest(rows: SweepRow[], prefer: (a: SweepRow, b: SweepRow) => number): SweepRow | null {
  const ok = rows.filter((r) => r.metrics.precision.value !== null && r.metrics.precision.value >= TARGET_PRECISION && r.metrics.tp > 0);
  ok.sort((a, b) => (b.metrics.recall.value ?? 0) - (a.metrics.recall.value ?? 0) || (b.metrics.f1.value ?? 0) - (a.metrics.f1.value ?? 0) || prefer(a, b));
  return ok[0] ?? null;
}

export async function evaluate(store: AnyStore, opts: EvaluateOptions): Promise<EvaluationReport> {
  const serverUrl = opts.serverUrl ?? 'https://github.com';
  const history = await loadEvaluationHistory(store, { onProgress: opts.onProgress });
  let labels = deriveLabels(history);
  if (opts.labelRows) labels = applyLabelRows(history, labels, opts.labelRows.rows, opts.labelRows.file);
  const labelled = labels.labelled;
  const params = configuredParams(history.runs.map((h) => h.failures));
  const coverageSweep: CoverageSetting[] = (['jaccard', 'hamming'] as const).flatMap((metric) => COVERAGE_THRESHOLDS.map((threshold) => ({ metric, threshold })));
  const warnings = new Map<string, number>();
  const replayed = await replayLabelled(store, history, labelled, {
    loadMaxRuns: opts.loadMaxRuns,
    params,
    coverageSweep,
    onProgress: (d, t) => opts.onProgress?.('replaying runs', d, t),
    // One line per kind of warning, not one per run.
    warn: (m) => {
      const k = m.replace(/^run \d+: /, '');
      warnings.set(k, (warnings.get(k) ?? 0) + 1);
    },
  });

  const infos = new Map<number, RunInfo>();
  const info = (l: LabelledFailure): FailureInfo => {
    let ri = infos.get(l.run.index);
    if (!ri) infos.set(l.run.index, (ri = runInfo(l.run.failures, serverUrl)));
    return { run: ri, test: l.test, label: l.label, source: l.source, why: l.why };
  };
  const score = (name: string, p: Record<string, PickleValue> | null): FlakefighterScore => {
    const flaky = replayed.flaky.get(name)!;
    const abstained = replayed.abstained.get(name)!;
    return {
      name,
      params: p,
      metrics: metricsOf(confusion(labelled.map((l, i) => ({ label: l.label, flaky: flaky[i] })))),
      abstained: abstained.filter((a, i) => a && !flaky[i]).length,
      hiddenGenuine: labelled.flatMap((l, i) => (l.label === 'genuine' && flaky[i] ? [info(l)] : [])),
    };
  };
  const defaults: Record<string, Record<string, PickleValue>> = {
    CosineSimilarity: { threshold: 1 },
    CoverageIndependence: { threshold: 0, metric: 'jaccard', linkage_method: 'single' },
  };
  const flakefighters = REPLAYED.map((n) => score(n, { ...(defaults[n] ?? {}), ...(params[n] ?? {}) }));

  const rows: SweepRow[] = [];
  for (const threshold of COSINE_THRESHOLDS) {
    const c = confusion(labelled.map((l, i) => ({ label: l.label, flaky: flakyAtThreshold(replayed.similarity[i], threshold) })));
    rows.push({ flakefighter: 'CosineSimilarity', threshold, metric: null, metrics: metricsOf(c) });
  }
  for (const s of coverageSweep) {
    const arr = replayed.coverageSweep.get(settingKey(s))!;
    rows.push({ flakefighter: 'CoverageIndependence', threshold: s.threshold, metric: s.metric, metrics: metricsOf(confusion(labelled.map((l, i) => ({ label: l.label, flaky: arr[i] })))) });
  }
  const notes = [...replayed.notRecomputed, ...labels.warnings];
  for (const [m, n] of warnings) notes.push(n > 1 ? `${m} (in ${n} replays)` : m);
  if (labelled.length === 0) {
    notes.push('no failure could be labelled: labels need a test that also passed on the same commit and environment (a retry, a re-run attempt) or failed in two attempts of it; re-run failed jobs, or give --labels');
  }
  if (replayed.withCoverage === 0) notes.push('no labelled run holds per-test coverage, so CoverageIndependence gave no verdict and its sweep is empty');

  return {
    schemaVersion: EVALUATION_SCHEMA_VERSION,
    generator: 'flakefighters-action',
    database: opts.database,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    runs: history.runs.length,
    loadMaxRuns: opts.loadMaxRuns ?? null,
    labels: {
      labelled: labelled.length,
      flaky: labelled.filter((l) => l.label === 'flaky').length,
      genuine: labelled.filter((l) => l.label === 'genuine').length,
      fromHistory: labelled.filter((l) => l.source === 'history').length,
      fromFile: labelled.filter((l) => l.source === 'file').length,
      unlabelled: labels.unlabelled,
      runs: new Set(labelled.map((l) => l.run.index)).size,
    },
    flakefighters,
    combination: score(COMBINATION, null),
    sweep: {
      targetPrecision: TARGET_PRECISION,
      rows: replayed.withCoverage === 0 ? rows.filter((r) => r.flakefighter !== 'CoverageIndependence') : rows,
      best: {
        // Ties: the stricter threshold (higher similarity) for CosineSimilarity, the tighter clusters for CoverageIndependence.
        CosineSimilarity: pickBest(rows.filter((r) => r.flakefighter === 'CosineSimilarity'), (a, b) => b.threshold - a.threshold),
        CoverageIndependence: replayed.withCoverage === 0 ? null : pickBest(rows.filter((r) => r.flakefighter === 'CoverageIndependence'), (a, b) => a.threshold - b.threshold),
      },
      coverageLabelled: replayed.withCoverage,
    },
    labelled: labelled.map((l, i) => ({
      ...info(l),
      verdicts: Object.fromEntries([...REPLAYED, COMBINATION].map((n) => [n, replayed.flaky.get(n)![i]])),
    })),
    notes,
  };
}
