/**
 * big-input.ts sizes the result files before they are read, with read-results' own pattern rules (normalisePatterns),
 * so the bytes it counts are the bytes of the files ingest reads: folders, dot folders, negated patterns, absolute
 * paths inside the workspace. The files are the bundled samples (pytest's JUnit XML, samples/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { matchedBytes } from '../../src/action/big-input.ts';
import { readResults } from '../../src/ingest/read-results.ts';
import { repoRoot } from '../../scripts/local-runner.ts';

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-matched-bytes-'));
  const put = (rel: string, run: number) => {
    mkdirSync(dirname(join(ws, rel)), { recursive: true });
    copyFileSync(join(repoRoot, 'samples', `run-${run}`, 'junit.xml'), join(ws, rel));
  };
  put('reports/unit.xml', 1);
  put('reports/nested/api.xml', 2);
  put('.hidden/dot.xml', 3);
  put('node_modules/dep/junit.xml', 2);
  put('top.xml', 3);
  // Not a report: a plain folder means its XML and JSON files only.
  writeFileSync(join(ws, 'reports', 'shot.png'), Buffer.alloc(4096, 1));
  return ws;
}

const readBytes = async (patterns: string[], ws: string) => {
  const got = await readResults({ patterns, workspace: ws, root: ws, ifNoFilesFound: 'ignore' });
  return got.files.reduce((n, f) => n + statSync(join(ws, f)).size, 0);
};

test('counts the bytes of exactly the files ingest reads', async () => {
  const ws = workspace();
  const cases: string[][] = [
    ['**/*.xml'],
    ['**/*.xml', '!node_modules/**'],
    ['**/*.xml', '!**/nested/**', '!.hidden'],
    ['reports'],
    ['reports/'],
    ['.'],
    ['./reports/**/*.xml', '.hidden/*.xml'],
    [join(ws, 'reports'), join(ws, 'top.xml')],
    ['{reports,.hidden}/**/*.xml'],
    ['no-such/*.xml'],
  ];
  for (const patterns of cases) {
    const expected = await readBytes(patterns, ws);
    assert.equal(await matchedBytes(patterns, ws), expected, patterns.join(' '));
  }
  // The cases tell the rules apart: dot folders count, negations prune, a folder leaves its picture out.
  assert.ok((await matchedBytes(['**/*.xml'], ws)) > (await matchedBytes(['**/*.xml', '!node_modules/**'], ws)));
  assert.equal(await matchedBytes(['.hidden/*.xml'], ws), statSync(join(repoRoot, 'samples', 'run-3', 'junit.xml')).size);
});

test('a pattern ingest refuses counts nothing (ingest says why)', async () => {
  const ws = workspace();
  for (const patterns of [['../*.xml'], ['**/*.xml', '{..,x}/*.xml'], [join(tmpdir(), '*.xml')]]) {
    assert.equal(await matchedBytes(patterns, ws), 0, patterns.join(' '));
    await assert.rejects(readBytes(patterns, ws), /points outside the workspace/);
  }
});
