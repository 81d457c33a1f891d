/**
 * Turns the configuration into flakefighter instances with what each needs from outside itself:
 * per-test coverage (read and attached to the run's executions), DiffCov's changed lines and
 * source runs, and the SFFL ranking over the run's coverage.
 */
import type { Config } from './config/inputs.ts';
import { parseFlakefightersConfig, type FlakefighterConfig } from './config/flakefighters-config.ts';
import type { Flakefighter } from './flakefighters/flakefighter.ts';
import { createFlakefighter, type FlakefighterDeps } from './flakefighters/registry.ts';
import { sfflReport } from './flakefighters/sffl.ts';
import type { GitHubContext } from './github/context.ts';
import type { Run } from './model.ts';
import type { SfflRow } from './report/report-data.ts';
import type { Store } from './store/store.ts';

export interface FlakefighterSetup {
  flakefighters: Flakefighter[];
  /** The SFFL ranking of the run's coverage, computed after classification (it reads Test.flaky). */
  sffl?: () => { formula: string; rows: SfflRow[] } | undefined;
}

export interface SetupInput {
  cfg: Config;
  /** From resolveConfiguredFlakefighters, read before any work so a bad configuration costs nothing. */
  specs: FlakefighterConfig[];
  ctx: GitHubContext | null;
  run: Run;
  store: Store;
  warn: (message: string) => void;
  /** What people should know that is no problem (coverage paths mapped); warnings when not given. */
  notice?: (message: string) => void;
}

/** The configured flakefighters, validated up front (a config error must fail before any work is done). */
export function resolveConfiguredFlakefighters(cfg: Config): FlakefighterConfig[] {
  return parseFlakefightersConfig({
    flakefighters: cfg.flakefighters,
    activeFlakefighters: cfg.activeFlakefighters?.join(',') ?? null,
    coverageGiven: cfg.coverage.length > 0,
  });
}

export async function buildFlakefighters({ cfg, specs, ctx, run, store, warn, notice = warn }: SetupInput): Promise<FlakefighterSetup> {
  let hasCoverage = false;
  let perTestCoverage = false;
  if (cfg.coverage.length > 0) {
    const { readCoverage } = await import('./ingest/coverage.ts');
    const { applyCoverage } = await import('./ingest/coverage-apply.ts');
    const cov = await readCoverage({ patterns: cfg.coverage, workspace: cfg.coverageDir ?? cfg.workspace, root: cfg.root });
    cov.warnings.forEach(warn);
    cov.notices.forEach(notice);
    hasCoverage = Object.keys(cov.totals).length > 0;
    const use = applyCoverage(run.tests, cov, cfg.root);
    use.warnings.forEach(warn);
    use.notices.forEach(notice);
    perTestCoverage = use.perTest;
  }

  const deps: FlakefighterDeps = { root: cfg.root, cwd: cfg.workspace };
  if (specs.some((s) => s.name === 'DiffCov')) {
    if (cfg.coverage.length === 0) warn('DiffCov needs per-test coverage (the `coverage` input); without it DiffCov gives no verdict.');
    const { defaultCommits, changedLines } = await import('./ingest/git-diff.ts');
    const { compareFilesOf } = await import('./github/compare-commits.ts');
    const commits = await defaultCommits(ctx?.eventName, ctx?.payload, {
      sourceCommit: cfg.sourceCommit,
      targetCommit: cfg.targetCommit,
      workspace: cfg.workspace,
    });
    if (commits.note) warn(`DiffCov: ${commits.note}`);
    const changed = await changedLines({
      workspace: cfg.workspace,
      root: cfg.root,
      source: commits.source,
      target: commits.target,
      compareFiles: cfg.githubToken && ctx?.owner ? compareFilesOf({ token: cfg.githubToken, owner: ctx.owner, repo: ctx.repo, apiUrl: ctx.apiUrl }) : undefined,
    });
    if (changed.warning) warn(`DiffCov: ${changed.warning}`);
    deps.changedLines = changed;
    // Unknown changed lines would make every failure "cover no changed line": DiffCov says nothing instead.
    if (changed.via === 'none') {
      deps.changedLinesUnknown = commits.source ? 'the lines changed since the source commit could not be found' : 'there is no source commit to compare with';
    }
    deps.sourceCommit = commits.source;
    deps.targetCommit = commits.target;
    // The store gives newest first; DiffCov reads them oldest first so that the newest run decides,
    // and sets aside those of other environments itself (sourceRunsFor).
    const stored = commits.source ? await store.loadRunsForCommit(commits.source, run.startTime, { coverage: false }) : [];
    deps.sourceRuns = [...stored].reverse();
  }
  const flakefighters = specs.map((s) => createFlakefighter(s.name, s.params, deps));
  return {
    flakefighters,
    sffl: hasCoverage && perTestCoverage ? () => sfflReport(run.tests, cfg.root) : undefined,
  };
}
