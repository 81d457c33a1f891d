/**
 * An EvaluationReport built in code for the renderers: the shape `evaluate` returns, with metrics from the real
 * metricsOf, a genuine failure hidden under a hostile test name and a hostile run link, a sweep with a recommended
 * setting on each swept flakefighter, and a note. For the end-to-end numbers see evaluate-e2e.test.ts.
 */
import type { EvaluationReport, FailureInfo, FlakefighterScore, SweepRow } from '../../src/evaluate/evaluate.ts';
import { metricsOf, type Confusion } from '../../src/evaluate/metrics.ts';

export const HOSTILE_TEST = 'tests/test_x.py::test_param[<script>alert(1)</script>|**bold**|`tick`"quote\'&amp;]';
export const SAFE_RUN_URL = 'https://github.com/acme/shop/actions/runs/7001/attempts/2';

function failure(test: string, ref: string, url: string | null): FailureInfo {
  return {
    run: { id: 7, uuid: '00000000-0000-4000-8000-000000000007', ref, startTime: '2026-11-20T10:00:00.000Z', commitSha: 'b'.repeat(40), environment: 'ci.yml › test', url },
    test,
    label: 'genuine',
    source: 'history',
    why: 'failed in both attempts',
  };
}

const score = (name: string, c: Confusion, hidden: FailureInfo[] = [], abstained = 0): FlakefighterScore => ({ name, params: null, metrics: metricsOf(c), abstained, hiddenGenuine: hidden });

export function makeEvaluation(): EvaluationReport {
  const hiddenByCosine = [
    failure(HOSTILE_TEST, '#12 (attempt 2)', SAFE_RUN_URL),
    failure('tests/test_y.py::test_also_genuine', '#13', 'javascript:alert(1)'),
  ];
  const sweep: SweepRow[] = [0.5, 0.75, 1].map((threshold, i) => ({
    flakefighter: 'CosineSimilarity',
    threshold,
    metric: null,
    metrics: metricsOf({ tp: 6 - i, fp: i === 0 ? 2 : 0, tn: i === 0 ? 2 : 4, fn: 1 + i }),
  }));
  for (const metric of ['jaccard', 'hamming']) {
    for (const threshold of [0, 0.25]) sweep.push({ flakefighter: 'CoverageIndependence', threshold, metric, metrics: metricsOf({ tp: threshold ? 3 : 2, fp: metric === 'hamming' && threshold ? 1 : 0, tn: 3, fn: threshold ? 2 : 3 }) });
  }
  return {
    schemaVersion: 1,
    generator: 'flakefighters-action',
    database: 'SQLite file flakefighters.db <b>',
    generatedAt: '2026-12-04T21:00:00.000Z',
    runs: 9,
    loadMaxRuns: null,
    labels: { labelled: 11, flaky: 7, genuine: 4, fromHistory: 10, fromFile: 1, unlabelled: 2, runs: 7 },
    flakefighters: [
      score('OutcomeFlip', { tp: 3, fp: 0, tn: 4, fn: 4 }),
      score('TracebackMatching', { tp: 4, fp: 0, tn: 4, fn: 3 }),
      score('CosineSimilarity', { tp: 5, fp: 2, tn: 2, fn: 2 }, hiddenByCosine),
      score('CoverageIndependence', { tp: 0, fp: 0, tn: 4, fn: 7 }, [], 1),
    ],
    combination: score('combination', { tp: 5, fp: 0, tn: 4, fn: 2 }),
    sweep: { targetPrecision: 0.99, rows: sweep, best: { CosineSimilarity: sweep[1]!, CoverageIndependence: sweep[4]! }, coverageLabelled: 10 },
    labelled: [],
    notes: ['labels.csv line 3: no stored run 999 <img src=x onerror=alert(1)>'],
  };
}
