import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSummary } from '../../src/report/summary.ts';
import { HOSTILE, makeBigReportData, makeReportData } from './report-fixture.ts';

describe('renderSummary', () => {
  const md = renderSummary(makeReportData());
  const lines = md.split('\n');

  test('headline counts genuine and flaky failures, passed and skipped', () => {
    assert.equal(lines[0], '## ❌ flakefighters: 6 failed: 3 genuine, 3 flaky · 4 passed · 1 skipped');
  });

  test('says what was read, the database without a URL, and where history came from', () => {
    assert.match(md, /Read 2 files \(pytest, maven-surefire\)/);
    assert.match(md, /database: sqlite — flakefighters\.db \(sql\.js\)/);
    assert.match(md, /history: artifact flakefighters-db of run \\#41 \(8 earlier runs\)/);
    assert.match(md, /flakefighters: OutcomeFlip, TracebackMatching, CosineSimilarity/);
  });

  test('failure table lists genuine failures before flaky ones, with who said flaky and why', () => {
    const rows = lines.filter((l) => /^\| .*(🔴 genuine|🟡 flaky)/.test(l));
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => (r.includes('🔴') ? 'g' : 'f')), ['g', 'g', 'g', 'f', 'f', 'f']);
    // The message sits under the name (first column, never scrolled away), the verdict says how often, the reason wraps.
    assert.match(rows[3], /test\\_supplier\\_online\]\([^)]*\)<br><sub>ConnectionError: supplier did not answer<\/sub> \| 🟡 flaky<br><sub>flaked 5 of 9 runs<\/sub> \| \*\*OutcomeFlip\*\*: failed then passed on retry in this run \|$/);
    assert.match(rows[0], /🔴 genuine<br><sub>failed 3 of 9 runs<\/sub>/);
    const timeout = rows.find((r) => r.includes('test\\_timeout'))!;
    assert.match(timeout, /\*\*TracebackMatching\*\*: same traceback as run \\#41/);
    assert.match(timeout, /\*\*CosineSimilarity\*\*: traceback similar to run \\#40 \(similarity 0\.97\)/);
    assert.match(timeout, /TimeoutError: read timed out after 5s/);
    // Links go to the test's file and line at the commit.
    assert.match(md, /\(https:\/\/github\.com\/acme\/shop\/blob\/aab1ec15909e498abc081ff4b8c7ca0ae47f20b5\/tests\/test_cart\.py#L25\)/);
  });

  test('escapes pipes, HTML and backticks in names, messages and reasons', () => {
    assert.ok(!md.includes('<script>'));
    assert.ok(!md.includes('<img'));
    assert.ok(!md.includes('<b>bold'));
    const row = lines.find((l) => l.includes('test\\_html'))!;
    // Every unescaped pipe is a cell border: 4 borders for 3 cells.
    assert.equal(row.replace(/\\\|/g, '').split('|').length - 1, 4);
    assert.match(row.replace(/<wbr>/g, ''), /&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt; \\\| \\`code\\` &amp; more/);
    assert.ok(HOSTILE.includes('`'));
  });

  test('history table, SFFL lines, warnings, links and files', () => {
    // Each run links to its workflow run.
    assert.match(md, /\| \*\*\[this run\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1009\)\*\* \| 2026-11-20 20:00 UTC \| `aab1ec1` \| 11 \| 6 \| 3 \| 3 \|/);
    assert.match(md, /\| \[#35\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1001\) \| 2026-11-20 11:00 UTC \| `1111111` \| 11 \| 3 \| 1 \| 2 \|/);
    assert.match(md, /### Most suspicious lines \(SFFL, ochiai\)\n\n\| File \| Line \| Suspiciousness \|\n\| --- \| ---: \| ---: \|\n\| src\/inventory\.py \| 44 \| 0\.7071 \|/);
    assert.match(md, /### Warnings \(2\)\n\n- ⚠️ CoverageIndependence: no coverage given; no verdict\n- ⚠️ reports\/empty\.xml: no testcases\n/);
    assert.ok(md.indexOf('### Warnings') < md.indexOf('### Failures'), 'warnings come before the failures');
    assert.match(md, /- \[HTML report\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1009\/artifacts\/77\)/);
    assert.match(md, /1 test flagged flaky although it passed in this run/);
    assert.match(md, /- reports\/surefire\/TEST-com\.shop\.CartTest\.xml/);
  });

  test('no failures: a green headline and no failure table', () => {
    const data = makeBigReportData(20, 0, 0);
    const out = renderSummary(data);
    assert.match(out, /^## ✅ flakefighters: no failures · 20 passed\n/);
    assert.ok(!out.includes('### Failures'));
    assert.match(out, /No earlier runs stored yet/);
  });

  test('100k failing tests stay under 1 MiB, genuine first, with the cut note', () => {
    const data = makeBigReportData(100_000, 100_000, 0);
    const out = renderSummary(data);
    const bytes = Buffer.byteLength(out, 'utf8');
    assert.ok(bytes <= 1_000_000, `summary is ${bytes} bytes`);
    assert.ok(bytes > 900_000, `summary uses its room (${bytes} bytes)`);
    const rows = out.split('\n').filter((l) => /^\| .*(🔴 genuine|🟡 flaky)/.test(l));
    assert.ok(rows.length > 1000);
    // 50,000 genuine failures do not fit: only genuine ones are shown.
    assert.ok(rows.every((r) => r.includes('🔴 genuine')));
    const m = /… and ([\d,]+) more failures not shown \(see the JSON\/HTML report\)/.exec(out);
    assert.ok(m, 'cut note present');
    assert.equal(Number(m[1].replace(/,/g, '')) + rows.length, 100_000);
    // The sections after the table survive the cut.
    assert.match(out, /### History/);
  });

  test('maxBytes is honoured for small budgets too', () => {
    const out = renderSummary(makeBigReportData(2000, 2000, 0), { maxBytes: 20_000 });
    assert.ok(Buffer.byteLength(out, 'utf8') <= 20_000);
    assert.match(out, /more failures not shown/);
  });
});
