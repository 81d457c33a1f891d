/**
 * The XML reader hands testcase attributes out as views into the file's text (cheap to make; junit.ts copies
 * what the Run keeps). A view that reached the Run, or the SourceFiles caches that outlive a file while the other
 * result files are read, would keep that file's whole text alive. Every fixture is read with a megabyte-sized
 * comment after its root element, one SourceFiles for all as read-results.ts does, the results kept; a heap
 * snapshot (which reports only what is still reachable) must then hold none of those texts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { getHeapSnapshot } from 'node:v8';
import { parseXmlReport } from '../../src/ingest/junit.ts';
import { SourceFiles } from '../../src/ingest/source-files.ts';
import { xmlFiles } from '../helpers/fixture-files.ts';


const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const ROOT = resolve(import.meta.dirname, '../..');
const PADDING = 1_000_000;


/**
 * The report read from one fresh string, as a file read gives (the reader's views point into it), with a comment
 * of PADDING characters after it. Its own function: a frame that has returned holds none of its temporaries.
 */
function readPadded(xml: string, path: string, files: SourceFiles, padding: number): unknown {
  const text = [xml, '<!--', 'x'.repeat(padding), '-->'].join('');
  try {
    return parseXmlReport(text, { file: relative(ROOT, path), path, root: ROOT, files });
  } catch (e) {
    return e;
  }
}

/** The first characters of every string in the heap at least `minBytes` long (the snapshot leaves out what is unreachable). */
async function largeStrings(minBytes: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of getHeapSnapshot()) chunks.push(c as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString()) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const stringType = snap.snapshot.meta.node_types[0].indexOf('string');
  const out: string[] = [];
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    if (snap.nodes[i + typeAt] === stringType && snap.nodes[i + sizeAt] >= minBytes) out.push(snap.strings[snap.nodes[i + nameAt]].slice(0, 200));
  }
  return out;
}

test('reading reports keeps none of their texts: not in the Run, not in the SourceFiles caches', async () => {
  const files = new SourceFiles(ROOT);
  const kept: unknown[] = [];
  const heads = new Map<string, string>();
  for (const path of xmlFiles(FIXTURES)) {
    const xml = readFileSync(path, 'utf8').replace(/^\uFEFF?\s*/, '');
    if (!xml.startsWith('<')) continue;
    // A copy: a slice of 13 or more characters would be a view keeping the file's text alive itself.
    heads.set(relative(FIXTURES, path), [...xml.slice(0, 150)].join(''));
    kept.push(readPadded(xml, path, files, PADDING));
  }
  assert.ok(heads.size > 100, 'the fixtures were found');
  // The engine's last RegExp match keeps its subject (which may be a text) until the next match.
  /y/.exec('y');
  await new Promise((r) => setImmediate(r));
  const held = await largeStrings(PADDING);
  const keeping = [...heads].filter(([, head]) => held.some((s) => s.startsWith(head))).map(([name]) => name);
  assert.deepEqual(keeping, []);
  assert.ok(kept.length === heads.size && files !== undefined);
});
