/** The GitHub context of a run of the artifact stand-in, and dates relative to now, for the history-download tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContext, type GitHubContext } from '../../src/github/context.ts';
import type { ArtifactStandIn } from './artifact-stand-in.ts';

/** `n` days before now. */
export const days = (n: number) => new Date(Date.now() - n * 86400e3);

/** The context of run `runId` on the stand-in, with `payload` as its event file and `extra` over its environment. */
export function ctxFor(stand: ArtifactStandIn, runId: number, extra: Record<string, string> = {}, payload: object = { repository: { default_branch: 'main' } }): GitHubContext {
  const p = join(mkdtempSync(join(tmpdir(), 'ffa-ev-')), 'event.json');
  writeFileSync(p, JSON.stringify(payload));
  return readContext({ ...stand.env(runId), GITHUB_EVENT_PATH: p, ...extra });
}
