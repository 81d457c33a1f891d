/**
 * The evaluation for people: `evaluate --html FILE` (a page of its own), `report --evaluate` (a section of the
 * report) and `evaluate --summary` (Markdown in $GITHUB_STEP_SUMMARY), all through the built dist/cli.js
 * (`npm run build` first) on the history with known truth (history.ts); and hostile test names and links rendered
 * as text in Chromium and in the Markdown.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '../../scripts/local-runner.ts';
import type { EvaluationReport } from '../../src/evaluate/evaluate.ts';
import { renderEvaluationPage } from '../../src/evaluate/render-html.ts';
import { estimate } from '../../src/evaluate/render.ts';
import { renderEvaluationMarkdown } from '../../src/evaluate/render-markdown.ts';
import { requireSystem } from '../helpers/require-system.ts';
import { HOSTILE_TEST, makeEvaluation, SAFE_RUN_URL } from './evaluation-fixture.ts';
import { buildHistory } from './history.ts';

const CLI = join(repoRoot, 'dist/cli.js');
const FETCH = 'tests/test_calc.py::test_fetch_rate';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function cli(ws: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ws, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let browser: Browser;
let ws = '';

before(async () => {
  browser = await chromium.launch({ executablePath: requireSystem('chromium'), args: CHROMIUM_ARGS });
  ws = await buildHistory();
  // The history labels no genuine failure a flakefighter calls flaky; a team's triage does (see evaluate-e2e).
  writeFileSync(join(ws, 'labels.csv'), `run,test,label\n4,"${FETCH}",genuine\n`);
});
after(async () => {
  await browser?.close();
});

/** Text of each row of a table in the page, cells joined by ' | '. */
async function rows(html: string, selector: string): Promise<string[]> {
  const page = await browser.newPage();
  await page.setContent(html);
  const out = await page.$$eval(selector, (trs) => trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim()).join(' | ')));
  await page.close();
  return out;
}

describe('evaluate --html, --summary and report --evaluate through dist/cli.js', () => {
  let json: EvaluationReport;
  let html = '';
  let summary = '';
  let stdout = '';
  // Without the triage label: the history's own labels, where a CosineSimilarity setting reaches precision 0.99.
  let plainJson: EvaluationReport;
  let plainHtml = '';
  let plainSummary = '';

  before(() => {
    const plainSummaryFile = join(ws, 'plain-summary.md');
    const p = cli(ws, ['evaluate', '--database', 'flakefighters.db', '--json', 'p.json', '--html', 'p.html', '--summary', '-q'], { GITHUB_STEP_SUMMARY: plainSummaryFile });
    assert.equal(p.code, 0, p.stderr);
    plainJson = JSON.parse(readFileSync(join(ws, 'p.json'), 'utf8')) as EvaluationReport;
    plainHtml = readFileSync(join(ws, 'p.html'), 'utf8');
    plainSummary = readFileSync(plainSummaryFile, 'utf8');

    const summaryFile = join(ws, 'summary.md');
    writeFileSync(summaryFile, '# earlier step\n');
    const r = cli(ws, ['evaluate', '--database', 'flakefighters.db', '--labels', 'labels.csv', '--json', 'e.json', '--html', 'e.html', '--summary', '-q'], { GITHUB_STEP_SUMMARY: summaryFile });
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    json = JSON.parse(readFileSync(join(ws, 'e.json'), 'utf8')) as EvaluationReport;
    html = readFileSync(join(ws, 'e.html'), 'utf8');
    summary = readFileSync(summaryFile, 'utf8');
  });

  test('the page: a self-contained document whose table holds the same numbers as the JSON', async () => {
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /<script|<link|src="http/);
    const got = await rows(html, '#evaluation table.scores tbody tr');
    assert.equal(got.length, json.flakefighters.length + 1);
    for (const [i, s] of [...json.flakefighters, json.combination].entries()) {
      const m = s.metrics;
      const cells = got[i]!.split(' | ');
      assert.deepEqual(cells.slice(1, 5), [m.tp, m.fp, m.tn, m.fn].map(String), s.name);
      assert.equal(cells[5], m.precision.value === null ? '– no flaky call to measure' : `${m.precision.value.toFixed(2)} [${m.precision.low!.toFixed(2)}–${m.precision.high!.toFixed(2)}]`, s.name);
      assert.deepEqual(cells.slice(8), [String(s.abstained), String(m.labelled)], s.name);
    }
    // OutcomeFlip with the triage label: the fetch failure of #12 attempt 2 it caught is now a genuine one hidden.
    const of = got[0]!.split(' | ');
    assert.deepEqual(of.slice(0, 5), ['OutcomeFlip', '2', '1', '4', '4']);
  });

  test('the page names the genuine failure OutcomeFlip would have hidden, linked to its run, and marks the recommended setting', async () => {
    const hidden = await rows(html, '#evaluation table.hidden-genuine tbody tr');
    // Every flakefighter that caught it as flaky would have hidden it once it is labelled genuine.
    assert.deepEqual(hidden, ['OutcomeFlip', 'TracebackMatching', 'CosineSimilarity', 'combination'].map((n) => `${n} | ${FETCH} | run #12 (attempt 2) ci.yml › test › Linux · bbbbbbb`));
    assert.match(html, /<a href="https:\/\/github\.com\/octo\/shop\/actions\/runs\/5002\/attempts\/2">run #12 \(attempt 2\)<\/a>/);
    // With it no setting is safe, and the page says so.
    assert.match(html, /CosineSimilarity: no setting reaches precision ≥ 0\.99 with a flaky verdict on this history\./);
    assert.doesNotMatch(html, /class="pill passed">recommended/);
    const sweep = await rows(plainHtml, '#evaluation table.sweep tbody tr');
    assert.equal(sweep.length, plainJson.sweep.rows.length);
    const best = plainJson.sweep.best.CosineSimilarity!;
    const marked = sweep.filter((r) => r.includes('recommended'));
    assert.ok(marked.some((r) => r.startsWith(`CosineSimilarity threshold ${best.threshold} recommended`)), marked.join('\n'));
    assert.match(plainHtml, new RegExp(`Recommended at precision ≥ 0\\.99: <b>CosineSimilarity threshold ${best.threshold}</b>`));
    assert.match(plainHtml, /None: no flakefighter called a labelled genuine failure flaky\./);
  });

  test('--summary appends Markdown: the table as rows, the hidden failure linked, the sweep folded', () => {
    assert.ok(summary.startsWith('# earlier step\n## Flakefighters evaluation\n\n'), summary.slice(0, 100));
    assert.match(summary, /^\| Flakefighter \| TP \| FP \| TN \| FN \| Precision \[95%\] \| Recall \[95%\] \| F1 \[95%\] \| No verdict \| Labelled \|$/m);
    const m = json.flakefighters.find((f) => f.name === 'OutcomeFlip')!.metrics;
    assert.ok(summary.includes(`\n| OutcomeFlip | 2 | **1** | 4 | 4 | ${estimate(m.precision)} | ${estimate(m.recall)} | ${estimate(m.f1)} | 0 | 11 |\n`), summary);
    assert.equal(estimate(m.precision), '0.67 [0.21–0.94]');
    assert.match(summary, /^\| \*\*combination\*\* \(as each run ran\) \| /m);
    assert.ok(summary.includes('- **OutcomeFlip**: tests/<wbr>test\\_calc.<wbr>py::<wbr>test\\_fetch\\_rate in [run \\#12 (attempt 2)](https://github.com/octo/shop/actions/runs/5002/attempts/2)\n'), summary);
    assert.match(summary, /<details><summary>Threshold sweep<\/summary>\n\n\| Setting \|/);
    assert.match(summary, /^CosineSimilarity: no setting reaches precision ≥ 0\.99/m);
    assert.match(plainSummary, new RegExp(`\\*\\*Recommended\\*\\* at precision ≥ 0\\.99: CosineSimilarity threshold ${plainJson.sweep.best.CosineSimilarity!.threshold} \\(recall`));
    assert.match(plainSummary, /\*\*Genuine failures hidden:\*\* none\./);
    assert.match(plainSummary, /^\| CosineSimilarity threshold [\d.]+ ✅ recommended \|/m);
    assert.doesNotMatch(summary, /```/);
    // The terminal still gets the plain table.
    assert.match(stdout, /OutcomeFlip\s+2\s+1\s+4\s+4/);
  });

  test('report --evaluate adds the section to the report; without it there is none', async () => {
    const plain = cli(ws, ['report', '--database', 'flakefighters.db', '--report-dir', 'plain', '-q']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(readFileSync(join(ws, 'plain/flakefighters.html'), 'utf8'), /id="evaluation"/);
    const r = cli(ws, ['report', '--database', 'flakefighters.db', '--report-dir', 'with', '--evaluate', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = readFileSync(join(ws, 'with/flakefighters.html'), 'utf8');
    assert.ok(report.indexOf('id="failures"') < report.indexOf('id="evaluation"'), 'after the run\'s own sections');
    const got = await rows(report, '#evaluation table.scores tbody tr');
    // No triage file here: the history's own labels, as evaluate-e2e counts them.
    assert.deepEqual(got.map((r) => r.split(' | ').slice(0, 5).join(' ')), [
      'OutcomeFlip 3 0 4 4',
      'TracebackMatching 4 0 4 3',
      ...got.slice(2, -1).map((r) => r.split(' | ').slice(0, 5).join(' ')),
      'combination (as each run ran) 5 0 4 2',
    ]);
    assert.match(report, /None: no flakefighter called a labelled genuine failure flaky\./);
    // The report's own script still runs: the filter counts the failures.
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(report);
    assert.match((await page.textContent('#ff-count'))!, /failures?/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('an --html path that cannot be written: one line naming it, exit 2', () => {
    const r = cli(ws, ['evaluate', '--database', 'flakefighters.db', '--html', 'no/such/dir/e.html']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'flakefighters: evaluate: --html no/such/dir/e.html cannot be written (ENOENT); give a file path in an existing, writable directory');
    assert.ok(!existsSync(join(ws, 'no')));
  });
});

describe('hostile names and links are text', () => {
  test('in the HTML: no element, script or link comes from a test name, a note or a run URL', async () => {
    const html = renderEvaluationPage(makeEvaluation());
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.setContent(html);
    assert.equal(await page.locator('script, img, strong, em').count(), 0);
    const hidden = await page.$$eval('#evaluation table.hidden-genuine tbody tr', (trs) => trs.map((tr) => (tr.querySelector('.tname')?.textContent ?? '')));
    assert.deepEqual(hidden, [HOSTILE_TEST, 'tests/test_y.py::test_also_genuine']);
    const hrefs = await page.$$eval('#evaluation a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs, [SAFE_RUN_URL], 'the javascript: URL is not a link');
    assert.match((await page.textContent('#evaluation'))!, /no stored run 999 <img src=x onerror=alert\(1\)>/);
    assert.match((await page.textContent('header'))!, /SQLite file flakefighters\.db <b>/);
    assert.equal(dialogs, 0);
    await page.close();
  });

  test('in the Markdown: the name cannot end the list item, open a tag or format text', () => {
    const md = renderEvaluationMarkdown(makeEvaluation());
    const line = md.split('\n').find((l) => l.includes('test\\_param'))!;
    assert.ok(line.startsWith('- **CosineSimilarity**: '), line);
    assert.doesNotMatch(line, /<script|\*\*bold\*\*|`tick`/);
    assert.ok(line.includes('&lt;script&gt;alert(<wbr>1)&lt;/<wbr>script&gt;\\|\\*\\*bold\\*\\*\\|\\`tick\\`"quote\'<wbr>&amp;amp;\\]'), line);
    assert.match(line, /in \[run \\#12 \(attempt 2\)\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/7001\/attempts\/2\)$/);
    const other = md.split('\n').find((l) => l.includes('test\\_also\\_genuine'))!;
    assert.doesNotMatch(other, /javascript:|\]\(/);
    assert.match(md, /> labels\.csv line 3: no stored run 999 &lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(md, /SQLite file flakefighters\.db &lt;b&gt;/);
    assert.match(md, /^\| CosineSimilarity threshold 0\.75 ✅ recommended \| 5 \| 0 \| 2 \|/m);
  });
});
