/**
 * Issue 16, case 4: twelve matrix legs, two runs of them, then one more job, through the built
 * dist/index.js against the artifact stand-in (`npm run build` first). Every leg's newest artifact is
 * merged (there was a silent cap of 10), and the summary says how many were merged.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { extractZip } from '../../src/github/zip-reader.ts';
import { endedInTime, noStackTrace, plainWarnings, runCount, sampleWorkspace } from './fault-helpers.ts';

const TOKEN = 'ghs_faultManyArtifacts0123456789';
const LEGS = Array.from({ length: 12 }, (_, i) => `leg${String(i + 1).padStart(2, '0')}`);

describe('case 4: twelve matrix legs', () => {
  let s: ArtifactStandIn;
  let last: ActionRun;
  const start = Date.now() - 3600_000;
  before(async () => {
    s = await startArtifactStandIn();
    for (const [n, runId] of [10401, 10402].entries()) {
      s.defineRun({ id: runId, runNumber: 41 + n, runStartedAt: new Date(start + n * 600_000) });
      for (const leg of LEGS) {
        const ws = sampleWorkspace();
        const r = await runAction({
          workspace: ws,
          inputs: { 'test-results': `run-${n + 1}/*.xml`, root: 'project', 'github-token': TOKEN, matrix: JSON.stringify({ leg }) },
          env: s.env(runId, { GITHUB_WORKSPACE: ws, ACTIONS_RUNTIME_TOKEN: s.token(runId, `test-${leg}`) }),
        });
        assert.equal(r.code, 0, r.all);
      }
    }
    s.defineRun({ id: 10403, runNumber: 43 });
    const ws = sampleWorkspace();
    last = await runAction({
      workspace: ws,
      inputs: { 'test-results': 'run-3/*.xml', root: 'project', 'github-token': TOKEN, matrix: JSON.stringify({ leg: 'leg01' }) },
      env: s.env(10403, { GITHUB_WORKSPACE: ws }),
      timeoutMs: 120_000,
    });
  });
  after(() => s.close());

  test('all 24 earlier runs are merged, and the summary says how many artifacts were', async () => {
    endedInTime(last);
    noStackTrace(last.all);
    assert.deepEqual(plainWarnings(last), []);
    const line = last.summary.split('\n').find((l) => l.startsWith('history:'))!.replace(/\\(.)/g, '$1');
    // Each leg's newest artifact (12), and leg01's of the run before, made after that one started (concurrent runs).
    const m = /and (\d+) more \((\d+) of (\d+) artifact\(s\) merged\) \(24 earlier runs\)/.exec(line);
    assert.ok(m, line);
    assert.equal(m[2], m[3], 'every artifact taken was merged');
    assert.ok(Number(m[2]) >= 12, `${m[2]} artifacts merged: every leg's`);
    const own = s.artifacts.find((a) => a.runId === 10403 && a.finalized)!;
    const dir = mkdtempSync(join(tmpdir(), 'ff-fault-many-'));
    const [db] = extractZip(own.bytes, dir, { maxBytes: 64 * 1024 * 1024 });
    assert.equal(await runCount(db!), 25, 'every earlier run of every leg, and this one');
  });
});
