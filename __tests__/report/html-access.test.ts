/**
 * The HTML report for people: text contrast computed from the page's own computed styles in Chromium (WCAG 2 ratio
 * of every text element's colour against the background it sits on, pills included, light and dark schemes), usable
 * at 390 px (nothing wider than the screen but inside its own scrolling section), history strips with text
 * alternatives, and evidence that shows the run link, matched test and similarity rather than internal ids. The
 * evaluation section (`report --evaluate`, `evaluate --html`) is held to the same rules, in the report and on its own page.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderEvaluationPage } from '../../src/evaluate/render-html.ts';
import { makeEvaluation } from '../evaluate/evaluation-fixture.ts';
import { suiteBrowser, TEST_OUTPUT as OUT } from '../helpers/chromium.ts';
import { makeReportData } from './report-fixture.ts';

function data() {
  const d = makeReportData();
  // Evidence as the flakefighters write it: ids pointing at a stored run, the matched test, the similarity.
  const timeout = d.run.tests.find((t) => t.name.endsWith('test_timeout'))!;
  const ref = d.history[1]!;
  for (const e of timeout.executions) {
    for (const r of e.results) if (r.name === 'TracebackMatching') r.evidence = { reason: 'same traceback as a flaky failure of run #41', runId: ref.id, runUuid: ref.meta.uuid, testName: 'tests/test_net.py::test_read_timeout', executionIndex: 0 };
  }
  return d;
}

/** Every element with its own text: its colour, the first opaque background behind it, and the WCAG contrast ratio. */
async function contrasts(page: Page): Promise<{ text: string; ratio: number; fg: string; bg: string }[]> {
  // A string, not a function: the test runner's transform would add helpers the page does not have.
  return page.evaluate(`(() => {
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent || '').trim());
      if (!own || el.closest('script,style,svg,[hidden]')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const fg = getComputedStyle(el).color;
      let bg = 'rgb(255, 255, 255)';
      for (let p = el; p; p = p.parentElement) {
        const c = getComputedStyle(p).backgroundColor;
        const v = rgb(c);
        if (v.length === 3 || (v.length === 4 && v[3] > 0.99)) { bg = c; break; }
      }
      const a = lum(rgb(fg)), b = lum(rgb(bg));
      out.push({ text: (el.textContent || '').trim().slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), fg, bg });
    }
    return out;
  })()`);
}

describe('the HTML report for people', () => {
  const browser = suiteBrowser();

  for (const scheme of ['light', 'dark'] as const) {
    test(`contrast of every text and pill is at least 4.5:1 (${scheme})`, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
      await page.setContent(renderHtmlReport(data(), { evaluation: makeEvaluation() }));
      // Open every detail row, so the evidence tables and execution pills are measured too.
      await page.$$eval('tr.detail', (rows) => rows.forEach((r) => r.removeAttribute('hidden')));
      const all = await contrasts(page);
      assert.ok(all.length > 100, `${all.length} text elements measured`);
      assert.ok(all.some((c) => c.text === 'flaky'), 'the pills are measured');
      assert.ok(all.some((c) => c.text === 'recommended') && all.some((c) => c.text === '[0.44–1.00]'), 'the evaluation section is measured');
      const low = all.filter((c) => c.ratio < 4.5);
      assert.deepEqual(low.map((c) => `${c.text} ${c.fg} on ${c.bg}: ${c.ratio.toFixed(2)}`), []);
      // The evaluation on its own page, header included.
      await page.setContent(renderEvaluationPage(makeEvaluation()));
      const own = await contrasts(page);
      assert.ok(own.length > 50, `${own.length} text elements measured on the evaluation page`);
      assert.deepEqual(own.filter((c) => c.ratio < 4.5).map((c) => `${c.text} ${c.fg} on ${c.bg}: ${c.ratio.toFixed(2)}`), []);
      await page.close();
    });
  }

  test('usable at 390 px: nothing wider than the screen, each failure readable', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.setContent(renderHtmlReport(data()));
    await page.screenshot({ path: join(OUT, 'report-390.png'), fullPage: true });
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'), 'the page does not scroll sideways');
    const names = await page.$$eval('#failures tbody.item .tname .n', (els) => els.map((e) => e.getBoundingClientRect().right));
    assert.equal(names.length, 6);
    for (const r of names) assert.ok(r <= 390, `a test name ends at ${r} px`);
    const msgs = await page.$$eval('#failures tbody.item td.msg', (els) => els.map((e) => e.getBoundingClientRect().right));
    for (const r of msgs) assert.ok(r <= 390, `a message ends at ${r} px`);
    await page.close();
  });

  test('history strips have text alternatives; evidence shows a run link, the matched test and no internal ids', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.setContent(renderHtmlReport(data()));
    const labels = await page.$$eval('#failures .strip', (els) => els.map((e) => [e.getAttribute('role'), e.getAttribute('aria-label')]));
    assert.ok(labels.length >= 6);
    for (const [role, label] of labels) {
      assert.equal(role, 'img');
      assert.match(label!, /^History of \d+ runs: .*; this run: (genuine|flaky)$/);
    }
    assert.match(labels[0]![1]!, /genuine in 3, passed in 6; this run: genuine/);
    await page.click('#failures tbody.item:has-text("test_timeout") tr.main');
    const detail = (await page.textContent('#failures tbody.item:has-text("test_timeout") tr.detail'))!;
    assert.match(detail, /run #41/);
    assert.match(detail, /matched tests\/test_net\.py::test_read_timeout/);
    assert.doesNotMatch(detail, /runUuid|executionIndex|00000000-0000-4000/);
    const href = await page.getAttribute('#failures tbody.item:has-text("test_timeout") tr.detail a', 'href');
    assert.equal(href, 'https://github.com/acme/shop/actions/runs/1007');
    await page.close();
  });
  test('the evaluation at 390 px and its intervals described in words', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    for (const [name, html] of [['report', renderHtmlReport(data(), { evaluation: makeEvaluation() })], ['page', renderEvaluationPage(makeEvaluation())]] as const) {
      await page.setContent(html);
      await page.screenshot({ path: join(OUT, `evaluation-${name}-390.png`), fullPage: true });
      assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'), `${name}: the page does not scroll sideways`);
      const section = await page.$eval('#evaluation', (e) => e.getBoundingClientRect().right);
      assert.ok(section <= 390, `${name}: the section ends at ${section} px`);
      // Wide tables scroll inside the section; the hidden failures' names wrap within their cells.
      const scrolls = await page.evaluate("getComputedStyle(document.getElementById('evaluation')).overflowX");
      assert.equal(scrolls, 'auto');
      const bars = await page.$$eval('#evaluation .ci-bar', (els) => els.map((e) => [e.getAttribute('role'), e.getAttribute('aria-label')]));
      assert.ok(bars.length >= 15, `${bars.length} interval bars`);
      for (const [role, label] of bars) {
        assert.equal(role, 'img');
        assert.match(label!, /^(precision|recall|F1) \d\.\d\d, 95% interval \d\.\d\d to \d\.\d\d$/);
      }
      assert.ok(bars.some(([, l]) => l === 'precision 1.00, 95% interval 0.44 to 1.00'), 'OutcomeFlip 3 of 3');
    }
    await page.close();
  });
});
