/**
 * Issue 12 through the built dist/index.js, run as the runner runs it, on the unchanged output of the real
 * JavaScript test tools (__tests__/fixtures/results/js-tools, README there): tests the writer did not tell
 * apart, retries that are not retries, and a rerun of the failures. `npm run build` first.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';

const TOOLS = join(repoRoot, '__tests__/fixtures/results/js-tools');
const sha = (c: string) => c.repeat(40);

/** A fresh workspace holding one tool's project (its test sources and result files). */
function workspace(tool: string): string {
  const ws = mkdtempSync(join(tmpdir(), `ff-identity-${tool}-`));
  cpSync(join(TOOLS, tool), ws, { recursive: true });
  return ws;
}

function run(ws: string, results: string, n = 1, extra: { sha?: string; runId?: string; job?: string } = {}): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: { 'test-results': results, root: '.', 'upload-artifact': 'false', 'history-from-artifact': 'false' },
    runId: extra.runId ?? String(700 + n),
    runNumber: n,
    sha: extra.sha ?? sha('a'),
    job: extra.job,
  });
}

/** The summary as text: without the Markdown escapes and <wbr> break hints the renderer adds. */
const plain = (md: string): string => md.replace(/<wbr>/g, '').replace(/\\([[\]_*])/g, '$1');

const flakyTests = (r: ActionRun): string[] => (JSON.parse(r.outputs['flaky-tests'] ?? '[]') as string[]).sort();

function counts(r: ActionRun): { total: number; failed: number; flaky: number; genuine: number } {
  return {
    total: Number(r.outputs.total),
    failed: Number(r.outputs.failed),
    flaky: Number(r.outputs['flaky-failures']),
    genuine: Number(r.outputs['genuine-failures']),
  };
}

describe('jest: two describe blocks with one title, test.each rows with one title', () => {
  for (const file of ['junit-default.xml', 'junit-file.xml']) {
    test(`jest-junit ${file}: the failing test in the second describe block and the failing row are genuine, nothing is flaky`, async () => {
      const r = await run(workspace('jest'), file);
      assert.deepEqual(counts(r), { total: 6, failed: 2, flaky: 0, genuine: 2 }, r.all);
      assert.deepEqual(flakyTests(r), []);
      assert.equal(r.code, 1, 'fail-on: genuine fails the step');
      // The repeated ids are named in one warning that says how to give them ids of their own.
      assert.match(r.all, new RegExp(`${file.replace('.', '\\.')}: \\d test ids? (is|are) written more than once`));
      if (file === 'junit-file.xml') assert.match(plain(r.summary), /src\/each\.test\.js › doubles \[2\]/);
    });
  }

  test('jest-ctrf-json-reporter: the real retry (retries: 1) is flaky, the failing row and describe block are genuine', async () => {
    const r = await run(workspace('jest'), 'ctrf-report.json');
    assert.deepEqual(counts(r), { total: 6, failed: 3, flaky: 1, genuine: 2 }, r.all);
    // filePath was written under another root (/work/scratch-h1/run/jest); the id uses the workspace's path.
    assert.deepEqual(flakyTests(r), ['src/flaky.test.js::flaky.test.js › passes on retry']);
    assert.equal(r.code, 1);
  });
});

describe('mocha: the same title in two describe blocks and two files', () => {
  for (const file of ['xunit.xml', 'mocha-junit-reporter.xml']) {
    test(`${file}: "lexer should throw SyntaxError" is a genuine failure, not a flip of the passing "parser" tests`, async () => {
      const r = await run(workspace('mocha'), file);
      assert.deepEqual(counts(r), { total: 4, failed: 1, flaky: 0, genuine: 1 }, r.all);
      assert.match(plain(r.summary), /test\/parser\.spec\.js › lexer should throw SyntaxError/);
      assert.equal(r.code, 1);
    });
  }
});

describe('Playwright: two projects, retries', () => {
  test('default JUnit reporter: the test failing only in firefox is genuine (the project is part of the id); the retried pass is flaky', async () => {
    const r = await run(workspace('playwright'), 'junit.xml');
    // Only the final result is written; the failed attempt of "loads settings" shows as its error-context attachment.
    assert.deepEqual(counts(r), { total: 8, failed: 5, flaky: 2, genuine: 3 }, r.all);
    assert.deepEqual(flakyTests(r), ['[chromium] › engine.spec.js › loads settings', '[firefox] › engine.spec.js › loads settings']);
    assert.match(plain(r.summary), /\[firefox\] › engine\.spec\.js › formats dates/);
    assert.equal(r.code, 1);
  });

  test('includeRetries: the real retry in each project is flaky, the failures on every attempt are genuine', async () => {
    const r = await run(workspace('playwright'), 'junit-include-retries.xml');
    assert.deepEqual(counts(r), { total: 8, failed: 5, flaky: 2, genuine: 3 }, r.all);
    assert.deepEqual(flakyTests(r), ['[chromium] › engine.spec.js › loads settings', '[firefox] › engine.spec.js › loads settings']);
    assert.equal(r.code, 1);
  });

  test('a second file that reruns only the failures (--last-failed) gives further attempts of the same tests', async () => {
    const r = await run(workspace('playwright'), 'junit-no-retries.xml\njunit-last-failed.xml');
    assert.deepEqual(counts(r), { total: 8, failed: 5, flaky: 2, genuine: 3 }, r.all);
    assert.deepEqual(flakyTests(r), ['[chromium] › engine.spec.js › loads settings', '[firefox] › engine.spec.js › loads settings']);
    assert.match(r.all, /junit-last-failed\.xml: its 5 tests all failed in junit-no-retries\.xml, so it is read as a rerun/);
  });

  test('two matrix legs read in one step: the same test in both is two tests, and a pass in one leg does not make the other leg flaky', async () => {
    const ws = workspace('playwright');
    for (const leg of ['node20', 'node22']) mkdirSync(join(ws, 'reports', leg), { recursive: true });
    // node20 ran with retries (flaky retry inside the leg); node22 without: its failures are its own.
    cpSync(join(ws, 'junit-include-retries.xml'), join(ws, 'reports/node20/junit.xml'));
    cpSync(join(ws, 'junit-no-retries.xml'), join(ws, 'reports/node22/junit.xml'));
    const r = await run(ws, 'reports/**/*.xml');
    assert.equal(counts(r).total, 16, r.all);
    // "loads settings" failed (and was not retried) on node22 and passed on node20: not flaky on node22.
    assert.deepEqual(flakyTests(r), ['[chromium] › engine.spec.js › loads settings [node20]', '[firefox] › engine.spec.js › loads settings [node20]']);
    assert.equal(counts(r).genuine, counts(r).failed - 2);
    assert.match(r.all, /reports\/node20\/junit\.xml, reports\/node22\/junit\.xml: 8 tests are in more than one of these files/);
  });
});

describe('two steps in one workspace, one database', () => {
  const ws = workspace('playwright');
  const runs: ActionRun[] = [];
  before(async () => {
    // One workflow run, one job: the tests, then a step that reruns only the failures.
    runs.push(await run(ws, 'junit-no-retries.xml', 1, { runId: '801', job: 'e2e' }));
    runs.push(await run(ws, 'junit-last-failed.xml', 1, { runId: '801', job: 'e2e' }));
  });

  test('step 1 alone: nothing passed yet, so no failure is flaky', () => {
    assert.deepEqual(counts(runs[0]), { total: 8, failed: 5, flaky: 0, genuine: 5 }, runs[0].all);
  });

  test('step 2: the tests that now pass on the same commit were flaky; the ones failing again stay genuine', () => {
    const r = runs[1];
    assert.equal(counts(r).total, 5, r.all);
    assert.equal(counts(r).failed, 3, r.all);
    assert.equal(counts(r).genuine, 3, r.all);
    assert.deepEqual(flakyTests(r), []);
  });
});
