import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnnotations } from '../../src/report/annotations.ts';
import { testLocation } from '../../src/report/facts.ts';
import { ROOT, makeBigReportData, makeReportData } from './report-fixture.ts';

describe('buildAnnotations', () => {
  test('genuine failures are errors, flaky ones warnings, on the test file and line', () => {
    const a = buildAnnotations(makeReportData());
    assert.deepEqual(
      a.map((x) => [x.level, x.file, x.startLine]),
      [
        ['error', 'tests/test_cart.py', 25],
        // fspath unknown: file from the first frame under root, line from the deepest frame in it (0-based 46 → 47).
        ['error', 'tests/test_parse.py', 47],
        // Java lists the test frame last: the frame in a test file wins over the first frame.
        ['error', 'src/test/java/com/shop/CartTest.java', 18],
        ['warning', 'tests/test_cart.py', 48],
        ['warning', 'tests/test_net.py', 10],
        ['warning', 'tests/test_weird.py', 2],
      ],
    );
    assert.equal(a[0].title, 'Genuine: tests/test_cart.py::test_apply_discount');
    assert.equal(a[0].message, 'Genuine failure: assert 0.0 == 180.0');
    assert.match(a[4].message, /^Flaky failure \(TracebackMatching: same traceback as run #41 .*; CosineSimilarity: traceback similar to run #40 \(similarity 0\.97\)\): TimeoutError: read timed out after 5s$/);
  });

  test('capped per level and overall, genuine first, with a closing note of what was left out', () => {
    const data = makeBigReportData(1000, 300, 0);
    const a = buildAnnotations(data);
    assert.equal(a.filter((x) => x.level === 'error').length, 10);
    assert.equal(a.filter((x) => x.level === 'warning').length, 10);
    const note = a[a.length - 1];
    assert.equal(note.level, 'warning');
    assert.equal(note.file, undefined);
    assert.match(note.message, /^281 more failing tests not annotated/);

    const b = buildAnnotations(data, { max: 5, maxPerLevel: 100 });
    assert.equal(b.length, 5);
    assert.ok(b.slice(0, 4).every((x) => x.level === 'error'));
    assert.match(b[4].message, /^296 more failing tests not annotated/);
  });

  test('no note when everything fits exactly', () => {
    const data = makeBigReportData(100, 20, 0); // 10 genuine + 10 flaky
    const a = buildAnnotations(data);
    assert.equal(a.length, 20);
    assert.ok(!a.some((x) => /not annotated/.test(x.message)));
  });

  test('locations: relative to root, Windows separators, outside root gives no file', () => {
    const base = { name: 't', lineNo: 7, skipped: false, executions: [], results: [] };
    assert.deepEqual(testLocation({ ...base, fspath: `${ROOT}/tests/a.py` }, ROOT), { file: 'tests/a.py', line: 7 });
    assert.deepEqual(testLocation({ ...base, fspath: 'D:\\a\\shop\\tests\\b.py' }, 'D:\\a\\shop'), { file: 'tests/b.py', line: 7 });
    assert.deepEqual(testLocation({ ...base, fspath: '/usr/lib/python3/x.py' }, ROOT), {});
  });
});
