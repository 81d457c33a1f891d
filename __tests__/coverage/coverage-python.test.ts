import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachCoverage, readCoverage, type CoverageData, type FileLines } from '../../src/ingest/coverage.ts';
import { decodeNumbits } from '../../src/ingest/coverage-sqlite.ts';
import { UserError } from '../../src/store/store.ts';
import type { Execution, Test } from '../../src/model.ts';
import { makePythonProject, type PythonProject } from './python-project.ts';

function execution(outcome: Execution['outcome']): Execution {
  return { outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [] };
}
function testOf(name: string, outcomes: Execution['outcome'][] = ['passed']): Test {
  return { name, fspath: '', lineNo: null, skipped: false, executions: outcomes.map(execution), results: [] };
}
const perTestObject = (d: CoverageData): Record<string, FileLines> => Object.fromEntries([...d.perTest].sort(([a], [b]) => a.localeCompare(b)));

describe('coverage.py with dynamic_context = test_function (coverage run)', () => {
  let p: PythonProject;
  let json: CoverageData;
  let db: CoverageData;
  before(async () => {
    p = makePythonProject();
    writeFileSync(join(p.dir, '.coveragerc'), '[run]\ndynamic_context = test_function\n');
    p.run(['-m', 'coverage', 'run', 'runner.py']);
    p.run(['-m', 'coverage', 'json', '--show-contexts', '-o', 'cov.json']);
    json = await readCoverage({ patterns: ['cov.json'], workspace: p.dir, root: p.dir });
    db = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
  });

  test('the JSON report and the .coverage database agree', () => {
    assert.deepEqual(json.formats, ['coverage.py-json']);
    assert.deepEqual(db.formats, ['coverage.py-sqlite']);
    assert.equal(json.hasContexts, true);
    assert.equal(db.hasContexts, true);
    assert.deepEqual(perTestObject(json), perTestObject(db));
    assert.deepEqual(json.shared, db.shared);
    assert.deepEqual(json.warnings, []);
  });

  test('each test context holds the lines its test ran, with absolute paths', () => {
    const calc = join(p.dir, 'calc.py');
    assert.deepEqual(Object.keys(db.perTest.get('tests.test_calc.test_double')!).sort(), [calc, join(p.dir, 'tests/test_calc.py')]);
    assert.deepEqual(db.perTest.get('tests.test_calc.test_double')![calc], [4]);
    assert.deepEqual(db.perTest.get('tests.test_calc.test_triple')![calc], [7, 8]);
    assert.deepEqual(db.perTest.get('tests.test_calc.TestBox.test_get')![calc], [12, 14]);
    // Import-time lines (module level and def lines) belong to the global context.
    assert.deepEqual(db.shared[calc], [1, 3, 6, 10, 11, 13]);
    assert.deepEqual(db.totals[calc], [1, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14]);
  });

  test('attachCoverage maps dotted contexts to pytest nodeids and adds the global lines like the plugin', () => {
    const tests = [
      testOf('tests/test_calc.py::test_double', ['failed', 'passed']),
      testOf('tests/test_calc.py::TestBox::test_get'),
      testOf('tests/test_calc.py::test_triple', ['skipped']),
      testOf('tests/test_other.py::test_none'),
    ];
    const r = attachCoverage(tests, db, p.dir);
    assert.equal(r.matched, 3);
    assert.deepEqual(r.unmatched, []);
    const calc = join(p.dir, 'calc.py');
    assert.deepEqual(tests[0].executions[0].coverage![calc], [1, 3, 4, 6, 10, 11, 13]);
    assert.deepEqual(tests[0].executions[1].coverage, tests[0].executions[0].coverage);
    assert.deepEqual(tests[1].executions[0].coverage![calc], [1, 3, 6, 10, 11, 12, 13, 14]);
    assert.equal(tests[2].executions[0].coverage, null, 'a skipped execution ran nothing');
    assert.equal(tests[3].executions[0].coverage, null);

    const own = [testOf('tests/test_calc.py::test_double')];
    attachCoverage(own, db, p.dir, { includeShared: false });
    assert.deepEqual(own[0].executions[0].coverage![calc], [4]);
  });

  test('JUnit-style classname.name ids and bare qualnames match by suffix; ambiguity does not', () => {
    const tests = [testOf('test_calc.test_double'), testOf('TestBox.test_get')];
    const r = attachCoverage(tests, db, p.dir);
    assert.equal(r.matched, 2);
    assert.deepEqual(r.unmatched, ['tests.test_calc.test_triple']);
    const twins = [testOf('a.test_calc.test_double'), testOf('b.test_calc.test_double')];
    const r2 = attachCoverage(twins, json, p.dir);
    assert.equal(twins[0].executions[0].coverage, null);
    assert.ok(r2.unmatched.includes('tests.test_calc.test_double'));
  });

  test('the decoded numbits match coverage.numbits', () => {
    const out = JSON.parse(
      p.run(['-c', 'import json; from coverage.numbits import nums_to_numbits; print(json.dumps(list(nums_to_numbits([1, 7, 8, 9, 63, 64, 300]))))']),
    ) as number[];
    assert.deepEqual(decodeNumbits(Uint8Array.from(out)), [1, 7, 8, 9, 63, 64, 300]);
  });
});

describe('pytest-cov style contexts (`<nodeid>|setup|run|teardown`) from the real coverage.py', () => {
  for (const mode of ['lines', 'branch'] as const) {
    test(`${mode}: phases merge into one context per nodeid, JSON and .coverage agree with coverage.py's own query`, async () => {
      const p = makePythonProject();
      const oracle = JSON.parse(p.run(['pytest_cov_like.py', mode])) as Record<string, Record<string, number[]>>;
      p.run(['-m', 'coverage', 'json', '--show-contexts', '-o', 'cov.json']);
      const db = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
      const json = await readCoverage({ patterns: ['cov.json'], workspace: p.dir, root: p.dir });

      const expected = new Map<string, Record<string, Set<number>>>();
      for (const [ctx, files] of Object.entries(oracle)) {
        const name = ctx.replace(/\|(setup|run|teardown)$/, '');
        const acc = expected.get(name) ?? {};
        // Line 0 is coverage.py's mark for an executed empty module (tests/__init__.py); the readers drop it.
        for (const [f, lines] of Object.entries(files)) for (const l of lines.filter((n) => n > 0)) (acc[f] ??= new Set()).add(l);
        expected.set(name, acc);
      }
      const asArrays = (m: Record<string, Set<number>>): FileLines =>
        Object.fromEntries(
          Object.entries(m)
            .filter(([, s]) => s.size > 0)
            .map(([f, s]) => [f, [...s].sort((a, b) => a - b)] as const)
            .sort(([a], [b]) => a.localeCompare(b)),
        );
      assert.deepEqual(db.shared, asArrays(expected.get('')!));
      for (const name of ['tests/test_calc.py::test_double', 'tests/test_calc.py::TestBox::test_get', 'tests/test_calc.py::test_triple']) {
        assert.deepEqual(db.perTest.get(name), asArrays(expected.get(name)!), name);
      }
      assert.equal(db.perTest.size, 3);
      assert.equal(db.hasContexts, true);
      // The JSON report lists only reportable files (not the driver's own helpers from other dirs), so compare on the project.
      const calc = join(p.dir, 'calc.py');
      for (const [name, lines] of db.perTest) assert.deepEqual(json.perTest.get(name)![calc], lines[calc], name);
      assert.deepEqual(json.shared[calc], db.shared[calc]);
      // setup and teardown ran Box.__init__/get, so test_double's merged context covers them too.
      assert.deepEqual(db.perTest.get('tests/test_calc.py::test_double')![calc], [4, 12, 14]);

      const tests = [testOf('tests/test_calc.py::test_double', ['failed'])];
      assert.deepEqual(attachCoverage(tests, db, p.dir).matched, 1);
      assert.ok(tests[0].executions[0].coverage![calc].includes(1), 'module-level line from collection time');
    });
  }
});

describe('coverage without per-test contexts', () => {
  test('a plain coverage run gives totals, hasContexts=false and a warning saying how to get contexts', async () => {
    const p = makePythonProject();
    p.run(['-m', 'coverage', 'run', 'runner.py']);
    p.run(['-m', 'coverage', 'json', '-o', 'plain.json']);
    for (const pattern of ['.coverage', 'plain.json']) {
      const d = await readCoverage({ patterns: [pattern], workspace: p.dir, root: p.dir });
      assert.equal(d.hasContexts, false, pattern);
      assert.equal(d.perTest.size, 0, pattern);
      assert.deepEqual(d.totals[join(p.dir, 'calc.py')], [1, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14], pattern);
      assert.equal(d.warnings.length, 1);
      assert.match(d.warnings[0], /DiffCov and CoverageIndependence need per-test coverage/);
      assert.match(d.warnings[0], /--cov-context=test/);
      if (pattern === 'plain.json') assert.match(d.warnings[0], /--show-contexts/);
    }
  });

  test('a static --context label combined with dynamic contexts is stripped', async () => {
    const p = makePythonProject();
    writeFileSync(join(p.dir, '.coveragerc'), '[run]\ndynamic_context = test_function\n');
    p.run(['-m', 'coverage', 'run', '--context=ci', 'runner.py']);
    const d = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
    assert.deepEqual([...d.perTest.keys()].sort(), ['tests.test_calc.TestBox.test_get', 'tests.test_calc.test_double', 'tests.test_calc.test_triple']);
    assert.deepEqual(d.shared[join(p.dir, 'calc.py')], [1, 3, 6, 10, 11, 13]);
  });

  test('no file matched: a warning, no data', async () => {
    const p = makePythonProject();
    const d = await readCoverage({ patterns: ['nothing/**/*.json'], workspace: p.dir, root: p.dir });
    assert.equal(d.perTest.size, 0);
    assert.match(d.warnings[0], /No coverage file matched nothing\/\*\*\/\*\.json/);
  });
});

describe('corrupt coverage files', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['broken.json', '{"meta": {', /broken\.json is not valid JSON/],
    ['other.json', '{"a": 1}', /other\.json is JSON but not a coverage\.py report/],
    ['badctx.json', '{"meta": {"show_contexts": true}, "files": {"x.py": {"contexts": {"one": ["a"]}}}}', /badctx\.json is not a valid coverage\.py JSON report/],
    ['cobertura.xml', '<?xml version="1.0"?><coverage/>', /cobertura\.xml is XML/],
    ['random.bin', Buffer.from([1, 2, 3, 0, 255]), /random\.bin is not a recognised coverage format/],
    ['bad.info', 'TN:\nDA:1,1\nend_of_record\n', /bad\.info line 2: DA record outside an SF block/],
    ['old.coverage', '!coverage.py: This is a private format, don\'t read it directly!{"lines":{}}', /coverage\.py 4 data format/],
  ];
  for (const [name, content, message] of cases) {
    test(`${name} → one-line UserError naming the file`, async () => {
      const p = makePythonProject();
      writeFileSync(join(p.dir, name), content);
      await assert.rejects(readCoverage({ patterns: [name], workspace: p.dir, root: p.dir }), (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, message);
        assert.ok(e.message.includes(join(p.dir, name)));
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    });
  }

  test('a truncated .coverage database and an unrelated SQLite file are UserErrors', async () => {
    const p = makePythonProject();
    p.run(['-m', 'coverage', 'run', 'runner.py']);
    const bytes = readFileSync(join(p.dir, '.coverage'));
    writeFileSync(join(p.dir, 'truncated.db'), bytes.subarray(0, 2048));
    await assert.rejects(readCoverage({ patterns: ['truncated.db'], workspace: p.dir, root: p.dir }), (e: Error) => e instanceof UserError && e.message.includes('truncated.db'));
    const other = join(p.dir, 'sub');
    mkdirSync(other);
    copyFileSync(join(p.dir, '.coverage'), join(other, 'copy.db'));
    p.run(['-c', `import sqlite3; c = sqlite3.connect('sub/copy.db'); c.execute('drop table context'); c.commit()`]);
    await assert.rejects(readCoverage({ patterns: ['sub/copy.db'], workspace: p.dir, root: p.dir }), /without coverage\.py's "context" table/);
  });
});
