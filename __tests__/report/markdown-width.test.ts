/**
 * The job summary and the PR comment read at GitHub's 780 px column: rendered as GitHub-flavoured Markdown (marked,
 * gfm), styled with GitHub's table rules (a table is a block of max-content width capped at the column, scrolling
 * sideways when its cells cannot wrap), and laid out in headless Chromium. The failure message must lie inside the
 * visible width, and the failures table must not scroll.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { marked } from 'marked';
import { renderSummary } from '../../src/report/summary.ts';
import { legSection, renderLegComment } from '../../src/report/pr-comment.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { suiteBrowser, TEST_OUTPUT as OUT } from '../helpers/chromium.ts';
import { makeReportData } from './report-fixture.ts';

const WIDTH = 780;

/** The layout rules of GitHub's markdown-body that decide whether a table fits (github-markdown-css, MIT). */
const GITHUB_CSS = `
body { margin: 0; }
.markdown-body { box-sizing: border-box; width: ${WIDTH}px; padding: 0; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; word-wrap: break-word; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; font-variant: tabular-nums; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body code { padding: .2em .4em; font-size: 85%; white-space: break-spaces; }
.markdown-body sub { font-size: 75%; }
`;

/** A run with what makes tables wide: a long parametrised test id, a long message without spaces, a long reason. */
function wideData(): ReportData {
  const data = makeReportData();
  const failing = data.run.tests.find((t) => t.name.endsWith('test_apply_discount'))!;
  failing.name = `tests/integration/checkout/test_payment_providers.py::TestProviderMatrix::test_refund_roundtrip[provider=stripe-currency=EUR-amount=199.99-3ds=required-retry=exponential]`;
  const e = failing.executions.find((x) => x.outcome === 'failed')!;
  e.message = `AssertionError: expected refund status 'succeeded' but the provider answered https://api.payments.example.com/v1/refunds/re_3PqXyZ2eZvKYlo2C0aBcDeFg/status?expand[]=charge&expand[]=balance_transaction with 'pending'`;
  e.results = [{ name: 'OutcomeFlip', flaky: false, evidence: { reason: 'never passed on this commit aab1ec1, in this run or in 8 stored run(s) of this environment (ci.yml › test › os ubuntu-latest, python 3.12)' } }];
  data.run.meta.environmentLabel = 'ci.yml › test › os ubuntu-latest, python 3.12';
  data.run.meta.runNumber = 43;
  data.run.meta.runAttempt = 1;
  data.run.meta.repository = 'acme/shop';
  return data;
}

describe('summary and PR comment at 780 px', () => {
  const browser = suiteBrowser();

  async function layout(markdown: string, shot: string) {
    const html = `<!doctype html><meta charset="utf-8"><style>${GITHUB_CSS}</style><article class="markdown-body">${await marked.parse(markdown, { gfm: true })}</article>`;
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    await page.setContent(html);
    await page.screenshot({ path: join(OUT, shot), fullPage: true });
    const result = await page.$$eval('table', (all) => {
      const tables = all.filter((t) => t.querySelector('th')?.textContent === 'Test');
      return tables.map((t) => ({
        scrolls: t.scrollWidth > t.clientWidth + 1,
        right: t.getBoundingClientRect().right,
        messages: [...t.querySelectorAll('td:first-child sub')].map((s) => ({ text: s.textContent ?? '', right: s.getBoundingClientRect().right, left: s.getBoundingClientRect().left })),
        verdictWidth: Math.max(...[...t.querySelectorAll('td:nth-child(2)')].map((c) => c.getBoundingClientRect().width)),
      }));
    });
    await page.close();
    return result;
  }

  function assertReadable(tables: Awaited<ReturnType<typeof layout>>, what: string) {
    assert.ok(tables.length >= 1, `${what}: a failures table`);
    for (const t of tables) {
      assert.equal(t.scrolls, false, `${what}: the failures table does not scroll sideways`);
      assert.ok(t.right <= WIDTH, `${what}: the table ends at ${t.right} px`);
      assert.ok(t.messages.length >= 1);
      for (const m of t.messages) assert.ok(m.left >= 0 && m.right <= WIDTH, `${what}: message "${m.text.slice(0, 40)}" spans ${m.left}–${m.right} px`);
      assert.ok(t.verdictWidth < 200, `${what}: the verdict column is narrow (${t.verdictWidth} px)`);
    }
  }

  test('the job summary: every message inside the visible width, no sideways scrolling', async () => {
    const md = renderSummary(wideData());
    const tables = await layout(md, 'summary-780.png');
    assertReadable(tables, 'summary');
    assert.ok(tables[0]!.messages.some((m) => m.text.includes('provider answered')), 'the long message is the one measured');
  });

  test('the PR comment with a section per leg: the same', async () => {
    const a = wideData();
    const b = wideData();
    b.run.meta.environmentLabel = 'ci.yml › test › os windows-latest, python 3.12';
    const sections = [legSection(a, { key: 'a', label: a.run.meta.environmentLabel! }), legSection(b, { key: 'b', label: b.run.meta.environmentLabel! })];
    const md = renderLegComment('<!-- flakefighters-action -->\n<!-- workflow: ci.yml -->', 'ci.yml', sections);
    const tables = await layout(md, 'comment-780.png');
    assert.equal(tables.length, 2, 'a failures table per leg');
    assertReadable(tables, 'comment');
  });

  test('the check can fail: the same message in a fourth column scrolls out of view', async () => {
    // The layout before this change: the message in its own column on the right.
    const md = `| Test | Verdict | Flaky according to | Message |\n| --- | --- | --- | --- |\n| tests/integration/checkout/test_payment_providers.py::TestProviderMatrix::test_refund_roundtrip[provider=stripe-currency=EUR] | 🔴 genuine | **OutcomeFlip**: never passed on this commit | <sub>AssertionError: https://api.payments.example.com/v1/refunds/re_3PqXyZ2eZvKYlo2C0aBcDeFg/status</sub> |\n`;
    const tables = await layout(md, 'old-layout-780.png');
    assert.equal(tables[0]!.scrolls, true);
  });
});
