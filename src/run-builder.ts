/** Turns what ingest read and where we run into the Run that the flakefighters judge and the store saves. */
import { randomUUID } from 'node:crypto';
import type { Run, Test } from './model.ts';
import type { GitHubContext } from './github/context.ts';

export interface RunFacts {
  tests: Test[];
  root: string;
  startTime: Date;
  commitSha: string | null;
  dialects: string[];
  context: GitHubContext | null;
  source: 'action' | 'cli';
}

export function buildRun(f: RunFacts): Run {
  const ctx = f.context;
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
    },
  };
}
