/**
 * Times in go test -json events and in mocha's JSON `stats.start` go through the same check as JUnit timestamps:
 * a year outside 1..9999 is no time at all (pytest-flakefighters reads the stored times back with Python's
 * datetime, which holds no other year), while ordinary times are kept to the millisecond.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResultFile } from '../../src/ingest/read-results.ts';

const dir = mkdtempSync(join(tmpdir(), 'ff-stream-times-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function read(name: string, text: string) {
  const p = join(dir, name);
  writeFileSync(p, text);
  return readResultFile(p, dir);
}

const goRun = (time: string): string =>
  [
    `{"Time":"${time}","Action":"run","Package":"example.com/p","Test":"TestA"}`,
    `{"Time":"${time}","Action":"pass","Package":"example.com/p","Test":"TestA","Elapsed":0.5}`,
    `{"Time":"${time}","Action":"pass","Package":"example.com/p","Elapsed":0.6}`,
  ].join('\n') + '\n';

const mocha = (start: string): string =>
  JSON.stringify({ stats: { start, passes: 1, failures: 0 }, tests: [], passes: [{ title: 'a', fullTitle: 'a', duration: 5 }], failures: [], pending: [] });

test('go test -json: event times are kept', async () => {
  const r = await read('go-ok.json', goRun('2024-03-01T10:00:00.25Z'));
  const e = r.tests[0].executions[0];
  assert.equal(e.outcome, 'passed');
  assert.equal(e.startTime?.toISOString(), '2024-03-01T10:00:00.250Z');
});

test('go test -json: a year beyond 9999 gives no time, and the test is still read', async () => {
  const r = await read('go-far.json', goRun('+020000-01-01T00:00:00Z'));
  assert.equal(r.tests.length, 1);
  const e = r.tests[0].executions[0];
  assert.equal(e.outcome, 'passed');
  assert.equal(e.startTime, null);
  assert.equal(e.endTime, null);
});

test('mocha JSON: stats.start is the clock of the tests', async () => {
  const r = await read('mocha-ok.json', mocha('2024-03-01T10:00:00.000Z'));
  const e = r.tests[0].executions[0];
  assert.equal(e.startTime?.toISOString(), '2024-03-01T10:00:00.000Z');
  assert.equal(e.endTime?.toISOString(), '2024-03-01T10:00:00.005Z');
});

test('mocha JSON: a stats.start in year 0 gives no time, and the test is still read', async () => {
  const r = await read('mocha-year0.json', mocha('0000-01-01T00:00:00.000Z'));
  assert.equal(r.tests.length, 1);
  const e = r.tests[0].executions[0];
  assert.equal(e.outcome, 'passed');
  assert.equal(e.startTime, null);
  assert.equal(e.endTime, null);
});
