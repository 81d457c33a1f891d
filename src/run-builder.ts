/** Turns what ingest read and where we run into the Run that the flakefighters judge and the store saves. */
import { randomUUID } from 'node:crypto';
import type { Run, Test } from './model.ts';
import { actionEnvironment, cliEnvironment, type GitHubContext, type RunEnvironment } from './github/context.ts';

export interface RunFacts {
  tests: Test[];
  root: string;
  startTime: Date;
  commitSha: string | null;
  dialects: string[];
  context: GitHubContext | null;
  source: 'action' | 'cli';
  /**
   * Where the run ran. Default: the workflow, job and matrix leg for the action; the machine (or
   * FLAKEFIGHTERS_ENVIRONMENT) for the CLI.
   */
  environment?: RunEnvironment | null;
  /** The CLI ran on a working tree with uncommitted changes to tracked files (null: not known / not the CLI). */
  dirtyTree?: boolean | null;
}

export function buildRun(f: RunFacts): Run {
  const ctx = f.context;
  const environment = f.environment !== undefined ? f.environment : ctx ? actionEnvironment(ctx) : cliEnvironment(undefined);
  return {
    startTime: f.startTime,
    root: f.root,
    commitSha: f.commitSha,
    tests: f.tests,
    activeFlakefighters: [],
    meta: {
      uuid: randomUUID(),
      workflow: ctx?.workflow || null,
      job: ctx?.job || null,
      runId: ctx?.runId ? String(ctx.runId) : null,
      runAttempt: ctx?.runAttempt ?? null,
      runNumber: ctx?.runNumber || null,
      ref: ctx?.ref || null,
      branch: ctx?.branch || null,
      repository: ctx?.repository || null,
      eventName: ctx?.eventName || null,
      source: f.source,
      dialects: f.dialects,
      environment: environment?.key ?? null,
      environmentLabel: environment?.label ?? null,
      dirtyTree: f.dirtyTree ?? null,
    },
  };
}
