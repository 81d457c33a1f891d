import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JSON_REPORT_SCHEMA_VERSION, renderJsonReport } from '../../src/report/json-report.ts';
import { validate } from './json-schema-check.ts';
import { HOSTILE, makeBigReportData, makeReportData } from './report-fixture.ts';

const schema = JSON.parse(readFileSync(new URL('../../docs/report-schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('renderJsonReport', () => {
  const data = makeReportData();
  const report = JSON.parse(renderJsonReport(data));

  test('validates against docs/report-schema.json', () => {
    assert.deepEqual(validate(schema, report), []);
    assert.equal(report.schemaVersion, JSON_REPORT_SCHEMA_VERSION);
  });

  test('the checker really checks: broken documents are rejected', () => {
    const broken = structuredClone(report);
    broken.tests[0].verdict = 'maybe';
    delete broken.run.counts.flaky;
    // Schema version 2: tests[1] is a compact passing test; the first full test after tests[0] gets the broken exception.
    const full = broken.tests.findIndex((t: { executions?: unknown[] }, i: number) => i > 0 && t.executions?.length);
    broken.tests[full].executions[0].exception = { name: 1, frames: [] };
    broken.extra = true;
    const errors = validate(schema, broken);
    assert.ok(errors.some((e) => e.startsWith('$.tests[0].verdict')), errors.join('\n'));
    assert.ok(errors.some((e) => e === '$.run.counts: missing flaky'), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith(`$.tests[${full}].executions[0].exception`)), errors.join('\n'));
    assert.ok(errors.includes('$: unexpected property extra'));
  });

  test('carries run, counts, tests with executions, verdicts and evidence, history and SFFL', () => {
    assert.deepEqual(report.run.counts, { total: 11, passed: 4, failed: 6, skipped: 1, flaky: 3, genuine: 3 });
    assert.equal(report.run.id, 43);
    assert.equal(report.database.kind, 'sqlite');
    const timeout = report.tests.find((t: { name: string }) => t.name === 'tests/test_net.py::test_timeout');
    assert.equal(timeout.verdict, 'flaky');
    assert.equal(timeout.file, 'tests/test_net.py');
    assert.deepEqual(timeout.executions[0].results[1], {
      name: 'TracebackMatching',
      flaky: true,
      verdict: 'flaky',
      evidence: { reason: 'same traceback as run #41 (tests/test_net.py::test_timeout)', runId: 41, testName: 'tests/test_net.py::test_timeout' },
    });
    // Frames: 1-based lines in the report (0-based in the database).
    const parse = report.tests.find((t: { name: string }) => t.name === 'tests/test_parse.py::test_parse_bad_record');
    assert.deepEqual(parse.executions[0].exception.frames[0], { path: 'tests/test_parse.py', line: 47, column: null, statement: 'assert inventory.parse_record("apple: lots") == ("apple", 0)' });
    assert.equal(report.tests.find((t: { name: string }) => t.name === 'tests/test_cart.py::test_add_item').executions[0].report, null);
    assert.equal(report.tests.find((t: { name: string }) => t.name === HOSTILE).verdict, 'flaky');
    assert.equal(report.history.runs.length, 8);
    assert.equal(report.history.runs[0].id, 42);
    assert.equal(report.sffl.formula, 'ochiai');
    assert.equal(report.flakiest[0].name, 'tests/test_cart.py::TestSupplier::test_supplier_online');
  });

  test('a big run is written without indentation and stays valid', () => {
    const big = makeBigReportData(20_000, 1000, 0);
    const text = renderJsonReport(big);
    const parsed = JSON.parse(text);
    assert.equal(parsed.tests.length, 20_000);
    assert.ok(!text.startsWith('{\n'), 'big reports are not indented');
    // Schema version 2: a passing test is its name, verdict and duration (version 1 wrote about 0.5 kB per passing test).
    assert.ok(text.length < 20_000 * 200, `${text.length} chars`);
    // Validate a slice: the whole array would only repeat the same checks.
    assert.deepEqual(validate(schema, { ...parsed, tests: parsed.tests.slice(0, 2000) }), []);
  });
});
