import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COMMENT_MARKER, renderPrComment } from '../../src/report/pr-comment.ts';
import { makeBigReportData, makeReportData } from './report-fixture.ts';

describe('renderPrComment', () => {
  test('starts with the marker, then counts and the failing tests verdicts', () => {
    const md = renderPrComment(makeReportData());
    assert.ok(md.startsWith(`${DEFAULT_COMMENT_MARKER}\n### ❌ flakefighters: 6 failed: 3 genuine, 3 flaky · 4 passed · 1 skipped\n`));
    assert.match(md, /Commit `aab1ec1` · history of 8 earlier runs · OutcomeFlip, TracebackMatching, CosineSimilarity/);
    const rows = md.split('\n').filter((l) => /^\| .*(🔴 genuine|🟡 flaky)/.test(l));
    assert.equal(rows.length, 6);
    assert.match(rows[0], /test\\_apply\\_discount.*🔴 genuine/);
    assert.match(md, /\[HTML report\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1009\/artifacts\/77\)/);
    assert.ok(!md.includes('<script>'));
  });

  test('a custom marker; no table without failures', () => {
    const md = renderPrComment(makeBigReportData(10, 0, 0), '<!-- ff:matrix-a -->');
    assert.ok(md.startsWith('<!-- ff:matrix-a -->\n### ✅ flakefighters: no failures · 10 passed\n'));
    assert.ok(!md.includes('| Test |'));
  });

  test('bounded to 60k characters with the cut note', () => {
    const md = renderPrComment(makeBigReportData(20_000, 20_000, 0));
    assert.ok(md.length <= 60_000, `${md.length}`);
    assert.ok(md.length > 50_000);
    const shown = md.split('\n').filter((l) => /^\| .*(🔴 genuine|🟡 flaky)/.test(l)).length;
    const m = /… and ([\d,]+) more failures not shown/.exec(md);
    assert.ok(m);
    assert.equal(shown + Number(m[1].replace(/,/g, '')), 20_000);
  });
});
