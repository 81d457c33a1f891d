import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { HOSTILE, makeBigReportData, makeReportData } from './report-fixture.ts';
import { suiteBrowser, TEST_OUTPUT as OUT } from '../helpers/chromium.ts';

interface Loaded {
  page: Page;
  problems: string[];
  requests: string[];
}

describe('renderHtmlReport in headless Chromium', () => {
  const browser = suiteBrowser();

  async function load(html: string, file: string): Promise<Loaded> {
    const path = join(OUT, file);
    writeFileSync(path, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href);
    return { page, problems, requests };
  }

  const visibleFailures = (page: Page): Promise<string[]> =>
    page.$$eval('#failures tbody.item:not([hidden]) .tname', (els) => els.map((e) => e.querySelector('.n')!.textContent!));

  test('renders tests, verdicts, evidence, history and trend; the filter works; no errors, no network', async () => {
    const data = makeReportData();
    const { page, problems, requests } = await load(renderHtmlReport(data), 'report.html');

    const rows = await page.$$eval('#failures tbody.item', (els) =>
      els.map((e) => [e.querySelector('.pill')!.textContent, e.querySelector('.tname .n')!.textContent]),
    );
    assert.deepEqual(rows, [
      ['genuine', 'tests/test_cart.py::test_apply_discount'],
      ['genuine', 'tests/test_parse.py::test_parse_bad_record'],
      ['genuine', 'com.shop.CartTest.testTotal'],
      ['flaky', 'tests/test_cart.py::TestSupplier::test_supplier_online'],
      ['flaky', 'tests/test_net.py::test_timeout'],
      ['flaky', HOSTILE],
    ]);
    // Hostile names and messages stay text: nothing injected.
    assert.equal(await page.$$eval('img', (e) => e.length), 0);
    assert.equal(await page.$$eval('script', (e) => e.length), 2);
    // Strip cells get their tooltip from the embedded run list.
    const firstCell = page.locator('#failures tbody.item').first().locator('.strip i').first();
    await firstCell.hover();
    assert.equal(await firstCell.getAttribute('title'), '#35 · 2026-11-20 11:00 UTC · passed');
    const lastCell = page.locator('#failures tbody.item').first().locator('.strip i').last();
    await lastCell.hover();
    assert.equal(await lastCell.getAttribute('title'), 'this run · 2026-11-20 20:00 UTC · genuine');
    assert.match((await page.textContent('#failures')) ?? '', /got <\/script><img src=x onerror=alert\(1\)> \| `code` & more/);

    const cards = await page.$$eval('.card', (els) => els.map((e) => `${e.querySelector('.l')!.textContent}=${e.querySelector('.n')!.textContent}`));
    assert.deepEqual(cards, ['tests=11', 'passed=4', 'failed=6', 'genuine=3', 'flaky=3', 'skipped=1']);
    assert.equal(await page.$$eval('svg.trend g.bar', (e) => e.length), 9);
    // History strips: 9 runs per failing test, the current one marked.
    assert.deepEqual(await page.$$eval('#failures tbody.item', (els) => [...els[0].querySelectorAll('.strip i')].map((e) => e.className)), [
      'passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'genuine', 'genuine', 'genuine now',
    ]);
    assert.equal(await page.textContent('#flakiest tbody tr:first-child .tname .n'), 'tests/test_cart.py::TestSupplier::test_supplier_online');
    assert.equal(await page.$$eval('#sffl tbody tr', (e) => e.length), 3);

    // Expand a row: evidence and traceback appear.
    const detail = page.locator('#failures tbody.item', { hasText: 'test_timeout' }).locator('tr.detail');
    assert.equal(await detail.isVisible(), false);
    await page.click('#failures tbody.item:has-text("test_timeout") tr.main');
    assert.equal(await detail.isVisible(), true);
    assert.match((await detail.textContent())!, /TracebackMatching.*flaky.*same traceback as run #41/);
    assert.match((await detail.textContent())!, /tests\/test_net\.py:12/);

    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });

    await page.fill('#ff-search', 'timeout');
    assert.deepEqual(await visibleFailures(page), ['tests/test_net.py::test_timeout']);
    assert.equal(await page.textContent('#ff-count'), '1 of 6 failures match');
    await page.fill('#ff-search', 'cosinesimilarity');
    assert.equal((await visibleFailures(page)).length, 2);
    await page.fill('#ff-search', '');
    await page.click('.chip[data-verdict="genuine"]');
    assert.deepEqual(await visibleFailures(page), ['tests/test_cart.py::test_apply_discount', 'tests/test_parse.py::test_parse_bad_record', 'com.shop.CartTest.testTotal']);
    await page.click('.chip[data-verdict="flaky"]');
    assert.equal((await visibleFailures(page)).length, 3);
    await page.click('.chip[data-verdict="all"]');
    assert.equal((await visibleFailures(page)).length, 6);

    assert.deepEqual(problems, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), []);
    await page.close();
  });

  test('a hostile run label cannot break out of the embedded run list', async () => {
    const data = makeReportData();
    // A run without an id is labelled by its uuid.
    delete data.history[7].id;
    data.history[7].meta.uuid = '</script><script>alert(1)</script>';
    const { page, problems } = await load(renderHtmlReport(data), 'report-hostile.html');
    assert.equal(await page.$$eval('script', (e) => e.length), 2);
    const firstCell = page.locator('#failures tbody.item').first().locator('.strip i').first();
    await firstCell.hover();
    assert.equal(await firstCell.getAttribute('title'), '</script · 2026-11-20 11:00 UTC · passed');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a 100k-test run with 100k failures: bounded tables, a note, still filterable', async () => {
    const html = renderHtmlReport(makeBigReportData(100_000, 100_000, 1));
    assert.ok(html.length < 12_000_000, `${html.length} chars`);
    const { page, problems } = await load(html, 'report-100k.html');
    assert.equal(await page.$$eval('#failures tbody.item', (e) => e.length), 2000);
    assert.match((await page.textContent('#failures .note'))!, /^98,000 more failures not shown; see the JSON report\.$/);
    // Genuine failures come first: the even-numbered tests.
    await page.fill('#ff-search', 'test_case_1998[');
    assert.equal((await visibleFailures(page)).length, 1);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
