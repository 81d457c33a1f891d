/**
 * CoverageIndependence: cluster every execution of the run by its covered lines (scipy pdist +
 * linkage + fcluster by distance); a cluster whose executions have more than one outcome makes
 * each of its tests flaky, a single-outcome cluster appends a not-flaky result.
 */
import { addResults, isFailing, type Execution, type Test } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';
import { noVerdict } from './no-verdict.ts';
import {
  fclusterDistance, linkage, LinkageError, pdistRows, singleLinkageRows,
  type DistanceMetric, type Linkage, type LinkageMethod,
} from './hierarchy.ts';

/** n(n-1)/2 float64 distances, twice over (pdist and linkage's working copy): 10,000 → 800 MB. */
export const MAX_EXECUTIONS = 10_000;

export interface CoverageIndependenceOptions {
  threshold?: number;
  metric?: DistanceMetric;
  linkageMethod?: LinkageMethod;
}

export interface CoverageRow {
  test: Test;
  execution: Execution;
}

export interface Clustering {
  ncols: number;
  /** The condensed distance matrix, computed when asked for (single linkage does without it). */
  readonly distances: Float64Array;
  Z: Linkage;
  /** fcluster ids 1..k, one per row. */
  labels: Int32Array;
}

/** One row per execution (run.tests in order, then their executions), one column per covered file:line. */
export function coverageRows(rows: readonly CoverageRow[]): { columns: number; cols: number[][] } {
  const index = new Map<string, Map<number, number>>();
  let columns = 0;
  const cols = rows.map(({ execution }) => {
    const out: number[] = [];
    for (const [file, lines] of Object.entries(execution.coverage ?? {})) {
      let m = index.get(file);
      if (!m) index.set(file, (m = new Map()));
      for (const line of lines) {
        let c = m.get(line);
        if (c === undefined) m.set(line, (c = columns++));
        out.push(c);
      }
    }
    return out;
  });
  return { columns, cols };
}

/** pdist → linkage → fcluster exactly as the plugin calls them; throws LinkageError where scipy raises. */
export function clusterRows(rows: readonly CoverageRow[], metric: DistanceMetric, method: LinkageMethod, threshold: number): Clustering {
  const { columns, cols } = coverageRows(rows);
  // Single linkage (the default) needs no condensed matrix: distances are computed as the MST reaches them.
  let distances: Float64Array | null = null;
  const Z = method === 'single' ? singleLinkageRows(cols, columns, metric) : linkage((distances = pdistRows(cols, columns, metric)), rows.length, method);
  return {
    ncols: columns,
    get distances() {
      return (distances ??= pdistRows(cols, columns, metric));
    },
    Z,
    labels: fclusterDistance(Z, rows.length, threshold),
  };
}

export class CoverageIndependence implements Flakefighter {
  readonly name = 'CoverageIndependence';
  /** The plugin cannot run it live (NotImplementedError). */
  readonly runLive = false;
  readonly threshold: number;
  readonly metric: DistanceMetric;
  readonly linkageMethod: LinkageMethod;

  constructor(opts: CoverageIndependenceOptions = {}) {
    this.threshold = opts.threshold ?? 0;
    this.metric = opts.metric ?? 'jaccard';
    this.linkageMethod = opts.linkageMethod ?? 'single';
  }

  params(): Record<string, PickleValue> {
    return { threshold: this.threshold, metric: this.metric, linkage_method: this.linkageMethod };
  }

  classify(ctx: ClassifyContext): void {
    const all: CoverageRow[] = ctx.run.tests.flatMap((test) => test.executions.map((execution) => ({ test, execution })));
    // Without per-test coverage every execution would look identical and every mixed test flaky. A
    // test with an execution that ran and whose coverage is unknown (null: no context named it, or its
    // own contexts held no line, see coverage-attach.ts) is left out whole; a failing one gets a
    // noVerdict row saying why. Empty coverage ({}, as the plugin stores it) is clustered as the plugin does.
    const unknown = new Set(ctx.run.tests.filter((t) => t.executions.some((e) => e.outcome !== 'skipped' && e.coverage === null)));
    const rows = all.filter((r) => !unknown.has(r.test) && r.execution.coverage !== null);
    for (const test of unknown) {
      if (!test.executions.some((e) => isFailing(e.outcome))) continue;
      addResults(test, noVerdict(this.name, 'no verdict: an execution of this test has no known per-test coverage, so it cannot be clustered by what it ran'));
    }
    if (rows.length === 0 && all.length > 0) ctx.warn('CoverageIndependence: no per-test coverage was given; no verdict');
    else if (unknown.size > 0) {
      ctx.warn(`CoverageIndependence: ${unknown.size} test(s) have executions without per-test coverage and were left out of the clustering; no verdict for them`);
    }
    if (rows.length < 2) return;
    if (rows.length > MAX_EXECUTIONS) {
      ctx.warn(`CoverageIndependence: ${rows.length} executions are more than the ${MAX_EXECUTIONS} it clusters (the distance matrix grows with the square); no verdict`);
      return;
    }
    let clustering: Clustering;
    try {
      clustering = clusterRows(rows, this.metric, this.linkageMethod, this.threshold);
    } catch (e) {
      if (!(e instanceof LinkageError)) throw e;
      ctx.warn(`CoverageIndependence: ${this.metric} distances cannot be clustered (${e.message}${this.metric === 'hamming' ? ' — no covered lines at all?' : ''}); no verdict`);
      return;
    }
    applyClusters(rows, clustering.labels, this.name);
  }
}

/** groupby("cluster") in label order; per row, append (name, mixed) unless an equal result is there. */
export function applyClusters(rows: readonly CoverageRow[], labels: Int32Array, name: string): void {
  const members = new Map<number, number[]>();
  labels.forEach((l, i) => {
    let m = members.get(l);
    if (!m) members.set(l, (m = []));
    m.push(i);
  });
  const k = members.size;
  for (const label of [...members.keys()].sort((a, b) => a - b)) {
    const idx = members.get(label)!;
    const outcomes = [...new Set(idx.map((i) => rows[i].execution.outcome))].sort();
    const flaky = outcomes.length > 1;
    for (const i of idx) {
      const test = rows[i].test;
      if (test.results.some((r) => r.name === name && r.flaky === flaky)) continue;
      addResults(test, {
        name,
        flaky,
        evidence: {
          reason: flaky
            ? `executions with similar coverage (cluster ${label} of ${k}, ${idx.length} executions) had outcomes ${outcomes.join(', ')}`
            : `executions with similar coverage (cluster ${label} of ${k}, ${idx.length} executions) all ${outcomes[0]}`,
          cluster: label,
          clusterSize: idx.length,
          outcomes,
        },
      });
    }
  }
}
