/**
 * The JSON and JUnit report files are written as they are rendered (never one whole string), with the same bytes the
 * whole-string renderers give; the JSON report's schema version 2 keeps every test findable by name, and the reader
 * takes version 1 and version 2 alike.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_BY_PROPERTY, GENERATOR, carriesGeneratedMarker } from '../../src/generated-marker.ts';
import { readResultFile } from '../../src/ingest/read-results.ts';
import { verdictOf } from '../../src/model.ts';
import { renderJsonReport, writeJsonReport } from '../../src/report/json-report.ts';
import { renderEnrichedJunit, writeEnrichedJunit } from '../../src/report/junit-report.ts';
import { JsonReportError, executionsOf, isPassedTest, parseJsonReport, readJsonReport, verdictsOf } from '../../src/report/read-json-report.ts';
import { writeRendered, type TextSink } from '../../src/report/text-sink.ts';
import { writeReportFiles } from '../../src/report/write-report-files.ts';
import { validate } from './json-schema-check.ts';
import { ROOT, makeBigReportData, makeReportData } from './report-fixture.ts';

const docs = (name: string) => JSON.parse(readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const V1_FIXTURE = new URL('../fixtures/json-report-v1/flakefighters.json', import.meta.url).pathname;
const temp = () => mkdtempSync(join(tmpdir(), 'ff-stream-'));

/** Records the size of every piece a renderer hands over. */
class MeasuringSink implements TextSink {
  pieces = 0;
  largest = 0;
  total = 0;
  write(text: string): void {
    this.pieces++;
    this.total += text.length;
    this.largest = Math.max(this.largest, text.length);
  }
}

describe('report files are streamed', () => {
  test('the files hold exactly what the whole-string renderers give, small (indented) and big (not)', () => {
    for (const data of [makeReportData(), makeBigReportData(6000, 300, 1)]) {
      const dir = temp();
      const files = writeReportFiles(data, dir);
      const json = readFileSync(files.json, 'utf8');
      assert.equal(json, renderJsonReport(data));
      assert.equal(readFileSync(files.junit, 'utf8'), renderEnrichedJunit(data));
      // The piecewise JSON is what JSON.stringify of the whole document would write.
      const indent = data.run.tests.length > 5000 ? undefined : 2;
      assert.equal(json, JSON.stringify(JSON.parse(json), null, indent) + '\n');
      assert.deepEqual(readdirSync(dir).sort(), ['flakefighters.html', 'flakefighters.json', 'junit-flakefighters.xml', 'sffl.csv'].filter((f) => existsSync(join(dir, f))).sort());
    }
  });

  test('a 50,000-test run reaches the sink in pieces no bigger than one test', () => {
    const data = makeBigReportData(50_000, 2000, 0);
    for (const write of [writeJsonReport, writeEnrichedJunit]) {
      const sink = new MeasuringSink();
      write(data, sink);
      assert.ok(sink.pieces > 50_000, `${write.name}: ${sink.pieces} pieces`);
      assert.ok(sink.largest < 4000, `${write.name}: largest piece ${sink.largest} chars of ${sink.total}`);
    }
  });

  test('both files start with the marker that keeps ingest from reading them back as results', () => {
    const files = writeReportFiles(makeBigReportData(6000, 10, 0), temp());
    for (const f of [files.json, files.junit]) assert.ok(carriesGeneratedMarker(readFileSync(f, 'latin1').slice(0, 4096)), f);
    assert.match(readFileSync(files.junit, 'utf8').slice(0, 2000), new RegExp(`<property name="${GENERATED_BY_PROPERTY.replace('.', '\\.')}" value="${GENERATOR}" />`));
  });

  test('the streamed enriched JUnit file reads back through our reader with every execution and verdict', async () => {
    const data = makeReportData();
    const pyData = { ...data, run: { ...data.run, tests: data.run.tests.filter((t) => t.name.includes('::')) } };
    const files = writeReportFiles(pyData, temp());
    const back = await readResultFile(files.junit, ROOT);
    assert.equal(back.dialect, 'pytest-flakefighters');
    assert.deepEqual(back.tests.map((t) => t.name), pyData.run.tests.map((t) => t.name));
    for (const orig of pyData.run.tests) {
      const got = back.tests.find((t) => t.name === orig.name)!;
      // A skipped test without executions comes back with its one skipped execution.
      if (orig.executions.length) assert.deepEqual(got.executions.map((e) => [e.outcome, e.results.map((r) => [r.name, r.flaky])]), orig.executions.map((e) => [e.outcome, e.results.map((r) => [r.name, r.flaky])]), orig.name);
      assert.equal(verdictOf(got), verdictOf(orig), orig.name);
    }
  });

  test('a render that throws leaves the earlier file whole and no partial file behind', () => {
    const dir = temp();
    const file = join(dir, 'flakefighters.json');
    writeFileSync(file, '{"earlier": true}\n');
    assert.throws(() =>
      writeRendered(file, (sink) => {
        sink.write('x'.repeat(600_000)); // past one chunk: part of it is on disk when the render fails
        throw new Error('render failed');
      }),
    /render failed/);
    assert.equal(readFileSync(file, 'utf8'), '{"earlier": true}\n');
    assert.deepEqual(readdirSync(dir), ['flakefighters.json']);
  });
});

describe('JSON report schema version 2', () => {
  const data = makeReportData();
  const v2 = parseJsonReport(renderJsonReport(data), 'v2');

  test('validates against docs/report-schema.json; a simply-passing test is compact, all others full', () => {
    assert.equal(v2.schemaVersion, 2);
    assert.deepEqual(validate(docs('report-schema.json'), v2), []);
    const compact = v2.tests.filter(isPassedTest).map((t) => t.name);
    assert.deepEqual(compact, ['tests/test_cart.py::test_add_item_param[0]', 'tests/test_cart.py::test_add_item_param[5|x]']);
    const param = v2.tests.find((t) => t.name === 'tests/test_cart.py::test_add_item_param[0]');
    assert.deepEqual(param, { name: 'tests/test_cart.py::test_add_item_param[0]', verdict: 'passed', durationSeconds: 0.12 });
    // A passing test with verdicts stays full: its evidence is the point.
    const judged = v2.tests.find((t) => t.name === 'tests/test_cart.py::test_add_item')!;
    assert.ok(!isPassedTest(judged) && judged.executions[0].results.length === 3);
  });

  test('the schema rejects a compact entry that is not a plain pass, naming the field', () => {
    const broken = structuredClone(v2) as unknown as { tests: Record<string, unknown>[] };
    const i = broken.tests.findIndex((t) => !('executions' in t));
    broken.tests[i].verdict = 'flaky';
    const errors = validate(docs('report-schema.json'), broken);
    assert.ok(errors.some((e) => e.startsWith(`$.tests[${i}]: matches 0 of oneOf`)), errors.join('\n'));
  });

  test('every test is in `tests` by name, in run order, with its verdict, at a fraction of version 1 bytes', () => {
    const big = makeBigReportData(20_000, 1000, 0);
    const text = renderJsonReport(big);
    const report = parseJsonReport(text, 'big');
    assert.deepEqual(report.tests.map((t) => t.name), big.run.tests.map((t) => t.name));
    assert.deepEqual([...verdictsOf(report).values()].filter((v) => v === 'passed').length, 19_000);
    const v1 = JSON.parse(readFileSync(V1_FIXTURE, 'utf8')) as { tests: { name: string; executions: unknown[] }[] };
    const fullPassing = JSON.stringify(v1.tests.find((t) => t.name === 'tests/test_cart.py::test_add_item_param[0]')).length;
    const compactPassing = JSON.stringify(report.tests.find(isPassedTest)).length;
    assert.ok(compactPassing * 3 < fullPassing + 160, `compact ${compactPassing} vs full ${fullPassing} chars`);
  });
});

describe('readJsonReport', () => {
  test('a version-1 report (written by the version-1 renderer) still reads, with the verdicts version 2 gives', () => {
    const v1 = readJsonReport(V1_FIXTURE);
    assert.equal(v1.schemaVersion, 1);
    assert.deepEqual(validate(docs('report-schema-v1.json'), v1), []);
    assert.ok(v1.tests.every((t) => !isPassedTest(t)), 'version 1 writes every test in full');
    const v2 = parseJsonReport(renderJsonReport(makeReportData()), 'v2');
    assert.deepEqual([...verdictsOf(v1)], [...verdictsOf(v2)]);
    // The same executions wherever version 2 kept them; a compact test's single pass is not spelled out.
    for (const t of v2.tests) {
      const old = v1.tests.find((x) => x.name === t.name)!;
      if (isPassedTest(t)) assert.deepEqual(executionsOf(old).map((e) => [e.outcome, e.results.length]), [['passed', 0]]);
      else assert.deepEqual(executionsOf(t), executionsOf(old));
      assert.equal(t.durationSeconds, old.durationSeconds);
    }
  });

  test('bad documents get one line naming the file, what is wrong and what to do', () => {
    const dir = temp();
    const cases: [string, string, RegExp][] = [
      ['cut.json', '{"schemaVersion": 2, "generator": "flakefighters-action", "tests": [', /cut\.json: not JSON \(.*\); give the flakefighters\.json a run wrote$/],
      ['other.json', '{"results": {"tests": []}}', /other\.json: not a flakefighters-action JSON report/],
      ['future.json', '{"schemaVersion": 3, "generator": "flakefighters-action", "run": {}, "tests": []}', /future\.json: JSON report schemaVersion 3 is not one this version reads \(1 or 2\); read it with the flakefighters-action that wrote it, or a newer one$/],
      ['compact-v1.json', '{"schemaVersion": 1, "generator": "flakefighters-action", "run": {}, "tests": [{"name": "a", "verdict": "passed", "durationSeconds": 1}]}', /compact-v1\.json: tests\[0\] is not a test of a version 1 JSON report/],
    ];
    for (const [name, text, message] of cases) {
      writeFileSync(join(dir, name), text);
      assert.throws(() => readJsonReport(join(dir, name)), (e: Error) => e instanceof JsonReportError && !e.message.includes('\n') && message.test(e.message));
    }
    assert.throws(() => readJsonReport(join(dir, 'missing.json')), /missing\.json: cannot read the JSON report \(ENOENT\)/);
  });
});
