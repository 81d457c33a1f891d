/**
 * Flakefighter classes by the name the plugin registers them under (its `pytest_flakefighters`
 * entry points, plus our OutcomeFlip), with their configuration parameters, types and defaults as
 * the plugin's from_config reads them.
 */
import { resolve } from 'node:path';
import type { Run } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import { CosineSimilarity } from './cosine-similarity.ts';
import { CoverageIndependence } from './coverage-independence.ts';
import { DiffCov } from './diff-cov.ts';
import type { Flakefighter } from './flakefighter.ts';
import { type DistanceMetric, DISTANCE_METRICS, type LinkageMethod, LINKAGE_METHODS } from './hierarchy.ts';
import { OutcomeFlip } from './outcome-flip.ts';
import { TracebackMatching } from './traceback-matching.ts';

export type ParamType = 'boolean' | 'number' | 'string' | 'string?';

export interface ParamSpec {
  type: ParamType;
  /** The plugin's default; `undefined` = taken from the run (root, commits). */
  default?: PickleValue;
  choices?: readonly string[];
}

/** What the pipeline knows that a flakefighter needs beyond its parameters. */
export interface FlakefighterDeps {
  /** Absolute project root (the `root` input); the default for `root` parameters. */
  root: string;
  /** Base for a relative `root` parameter (the plugin uses os.path.abspath, i.e. the cwd). */
  cwd?: string;
  /** DiffCov: stored runs with commit_sha = source commit. */
  sourceRuns?: Run[];
  /** DiffCov: from src/ingest/git-diff.ts changedLines(). */
  changedLines?: { linesChanged: Map<string, Set<number>>; methodDeclarations: Map<string, Set<number>> };
  /** DiffCov: why the changed lines are unknown (no source commit, no diff); DiffCov then gives no verdict. */
  changedLinesUnknown?: string;
  /** DiffCov: the commits actually compared (the plugin stores the resolved ones in its params). */
  sourceCommit?: string | null;
  targetCommit?: string | null;
}

export interface FlakefighterSpec {
  name: string;
  /** The plugin's module, the first level of its YAML configuration. */
  module: string;
  params: Readonly<Record<string, ParamSpec>>;
  create(params: Readonly<Record<string, PickleValue>>, deps: FlakefighterDeps): Flakefighter;
}

const rootOf = (params: Readonly<Record<string, PickleValue>>, deps: FlakefighterDeps): string =>
  typeof params.root === 'string' ? resolve(deps.cwd ?? process.cwd(), params.root) : deps.root;

const str = (v: PickleValue | undefined): string | null => (typeof v === 'string' ? v : null);

const SPECS: FlakefighterSpec[] = [
  {
    name: 'DiffCov',
    module: 'diff_cov',
    params: {
      run_live: { type: 'boolean', default: true },
      root: { type: 'string' },
      source_commit: { type: 'string?', default: null },
      target_commit: { type: 'string?', default: null },
    },
    create: (p, deps) =>
      new DiffCov({
        runLive: p.run_live !== false,
        root: rootOf(p, deps),
        sourceCommit: deps.sourceCommit !== undefined ? deps.sourceCommit : str(p.source_commit),
        targetCommit: deps.targetCommit !== undefined ? deps.targetCommit : str(p.target_commit),
        linesChanged: deps.changedLines?.linesChanged ?? new Map(),
        methodDeclarations: deps.changedLines?.methodDeclarations ?? new Map(),
        sourceRuns: deps.sourceRuns ?? [],
        unknownChanges: deps.changedLinesUnknown,
      }),
  },
  {
    name: 'TracebackMatching',
    module: 'traceback_matching',
    params: { run_live: { type: 'boolean', default: true }, root: { type: 'string' } },
    create: (p, deps) => new TracebackMatching({ runLive: p.run_live !== false, root: rootOf(p, deps) }),
  },
  {
    name: 'CosineSimilarity',
    module: 'traceback_matching',
    params: { run_live: { type: 'boolean', default: true }, root: { type: 'string' }, threshold: { type: 'number', default: 1 } },
    create: (p, deps) =>
      new CosineSimilarity({
        runLive: p.run_live !== false,
        root: rootOf(p, deps),
        threshold: typeof p.threshold === 'number' ? p.threshold : 1,
      }),
  },
  {
    name: 'CoverageIndependence',
    module: 'coverage_independence',
    params: {
      // Accepted (the plugin's README sets it) but ignored: it only runs after the run.
      run_live: { type: 'boolean', default: false },
      threshold: { type: 'number', default: 0 },
      metric: { type: 'string', default: 'jaccard', choices: DISTANCE_METRICS },
      linkage_method: { type: 'string', default: 'single', choices: LINKAGE_METHODS },
    },
    create: (p) =>
      new CoverageIndependence({
        threshold: typeof p.threshold === 'number' ? p.threshold : 0,
        metric: (str(p.metric) ?? 'jaccard') as DistanceMetric,
        linkageMethod: (str(p.linkage_method) ?? 'single') as LinkageMethod,
      }),
  },
  {
    name: 'OutcomeFlip',
    module: 'outcome_flip',
    params: {},
    create: () => new OutcomeFlip(),
  },
];

export const REGISTRY: ReadonlyMap<string, FlakefighterSpec> = new Map(SPECS.map((s) => [s.name, s]));

export const flakefighterNames = (): string[] => [...REGISTRY.keys()];

export const flakefighterModules = (): string[] => [...new Set(SPECS.map((s) => s.module))];

/** Builds one flakefighter from validated parameters (see src/config/flakefighters-config.ts). */
export function createFlakefighter(name: string, params: Readonly<Record<string, PickleValue>>, deps: FlakefighterDeps): Flakefighter {
  const spec = REGISTRY.get(name);
  if (!spec) throw new Error(`unknown flakefighter ${name} (known: ${flakefighterNames().join(', ')})`);
  return spec.create(params, deps);
}

/**
 * The plugin runs live flakefighters on each execution as it finishes, and post ones after the
 * run, each group in configuration order; a post one reads what the live ones appended.
 */
export function orderLiveThenPost<T extends { readonly runLive: boolean }>(flakefighters: readonly T[]): T[] {
  return [...flakefighters.filter((f) => f.runLive), ...flakefighters.filter((f) => !f.runLive)];
}
