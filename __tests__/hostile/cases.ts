/**
 * The hostile-input table: each case builds its input in a fresh temp workspace, feeds it to the
 * entry point a user would hit (the action's dist/index.js, the CLI's dist/cli.js, or, where no
 * entry point reaches it, the library function), and names the one line it must end in.
 * hostile.test.ts runs the table and checks what every case shares: the exit status, exactly one
 * error line (or the warning when the step goes on), no stack trace, a bounded time.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, rmSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { extractZip } from '../../src/github/zip-reader.ts';
import { readConfig } from '../../src/config/inputs.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { sampleRun } from '../store/sample-run.ts';
import { parseDatabaseUrl } from '../../src/store/database-url.ts';
import { unpickle, OpaqueObject } from '../../src/store/pickle.ts';
import { makeZip, fakeSqlite, startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { runAction } from '../../scripts/local-runner.ts';
import { FIXTURE_DB, GOOD_XML, dbRows, pluginDb, pythonLoads, pythonPickle, recordingServer, sha256, sparseFile, sqliteWith, write } from './build-inputs.ts';

export interface Ctx {
  /** The case's workspace (GITHUB_WORKSPACE, the CLI's cwd). */
  ws: string;
  /** A directory beside the workspace, for things that must stay outside it. */
  outside: string;
  /** A file that must never come to exist (a payload's `touch` target). */
  marker: string;
  state: Record<string, unknown>;
}

export interface Outcome {
  code: number | null;
  /** The error lines (action: `::error::` messages; CLI: `flakefighters: ...`; lib: the thrown message). */
  errors: string[];
  warnings: string[];
  all: string;
  /** What a library call returned. */
  value?: unknown;
}

export interface HostileCase {
  name: string;
  group: string;
  via: 'action' | 'cli' | 'lib';
  setup?(ctx: Ctx): unknown;
  /** Action inputs on top of DEFAULT_INPUTS. */
  inputs?(ctx: Ctx): Record<string, string>;
  /** Extra environment for the action (e.g. a stand-in's endpoints). */
  env?(ctx: Ctx): Record<string, string>;
  /** CLI arguments. */
  args?(ctx: Ctx): string[];
  lib?(ctx: Ctx): unknown;
  /** error: the step fails (action exit 1, CLI exit 2, lib throws); warning: goes on with a warning; ok: goes on. */
  expect: 'error' | 'warning' | 'ok';
  /** The error line (or one warning line) must match; it names the file or input and what to do. */
  message?: RegExp;
  check?(ctx: Ctx, out: Outcome): void | Promise<void>;
  after?(ctx: Ctx): void | Promise<void>;
  nodeArgs?: string[];
}

export const DEFAULT_INPUTS: Record<string, string> = {
  'test-results': 'results',
  'upload-artifact': 'false',
  'history-from-artifact': 'false',
  'report-dir': '',
};

const xml = (name: string, body: string | Uint8Array) => (ctx: Ctx) => void write(ctx.ws, `results/${name}`, body);
const junit = (inner: string) => `<?xml version="1.0"?><testsuite name="s">${inner}</testsuite>`;

/** `text` with `mark` replaced by raw bytes (invalid sequences in an otherwise well-formed report). */
function withBytes(text: string, mark: string, bytes: number[]): Buffer {
  const [a, b] = text.split(mark);
  return Buffer.concat([Buffer.from(a), Buffer.from(bytes), Buffer.from(b)]);
}

/** The database-url input as both entry points read it (readConfig), before any work. */
function configUrlCase(name: string, url: string): HostileCase {
  return {
    name,
    group: 'database-url',
    via: 'lib',
    lib: (ctx) => readConfig((n) => (n === 'database-url' ? url : n === 'test-results' ? 'results' : ''), ctx.ws),
    expect: 'error',
    // (The second wording is parseDatabaseUrl's own, once it reports bad escapes itself.)
    message: /^database-url (cannot be read \(URI malformed\); percent-encode special characters .* fix the database-url secret\.|has a bad percent-escape in the (user name|path) .*)$/,
    check: (_ctx, out) => assert.doesNotMatch(out.errors.join('\n'), /s3cret|%ZZ|%E0/, 'the URL is never repeated'),
  };
}

/** The plugin fixture's 5 runs are all still there, plus this one. */
async function historyKept(ctx: Ctx) {
  const [{ n }] = await dbRows(join(ctx.ws, 'flakefighters.db'), 'SELECT count(*) AS n FROM run');
  assert.equal(n, 6, 'the earlier runs are kept and this run is added');
}

function patchFile(path: string, at: number, bytes: Uint8Array) {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

function noMarker(ctx: Ctx) {
  assert.equal(existsSync(ctx.marker), false, 'the payload ran: the marker file exists');
}

function nothingOutside(ctx: Ctx) {
  assert.deepEqual(readdirSync(ctx.outside), [], 'nothing was written outside the workspace');
}

/** The first `n` bytes of a pickle that announces a length of `len` for its BINBYTES8 / BINUNICODE8 argument. */
function hugeLength(op: number, len: bigint): Uint8Array {
  const b = Buffer.alloc(11);
  b[0] = 0x80;
  b[1] = 4;
  b[2] = op;
  b.writeBigUInt64LE(len, 3);
  return b;
}

/** Cases that must refuse a pickle (the message) or keep it as data (OpaqueObject), never call it. */
function pickleCase(name: string, bytes: (ctx: Ctx) => Uint8Array, expect: 'error' | 'ok', message?: RegExp): HostileCase {
  return {
    name,
    group: 'pickle',
    via: 'lib',
    lib: (ctx) => unpickle(bytes(ctx)),
    expect,
    message,
    check: (ctx, out) => {
      noMarker(ctx);
      if (expect === 'ok') assert.ok(out.value instanceof OpaqueObject, 'the call is kept as inert data');
    },
  };
}

function zipCase(name: string, entries: { name: string; data: Buffer }[], message: RegExp, patch?: (zip: Buffer) => Buffer, limits = { maxBytes: 1 << 20 }): HostileCase {
  return {
    name,
    group: 'zip-slip',
    via: 'lib',
    lib: (ctx) => {
      const zip = makeZip(entries);
      return extractZip(patch ? patch(zip) : zip, join(ctx.ws, 'unpack'), limits);
    },
    expect: 'error',
    message,
    check: (ctx) => {
      nothingOutside(ctx);
      assert.equal(existsSync(join(ctx.ws, 'unpack')), false, 'a refused archive writes nothing');
    },
  };
}

function urlCase(name: string, url: string, expect: 'error' | 'ok', message?: RegExp, check?: HostileCase['check']): HostileCase {
  return {
    name,
    group: 'database-url',
    via: 'lib',
    lib: () => parseDatabaseUrl(url),
    expect,
    message,
    check: (ctx, out) => {
      // The URL holds a password: no error may repeat it.
      for (const e of out.errors) assert.doesNotMatch(e, /s3cret/);
      check?.(ctx, out);
    },
  };
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuite name="s"><testcase classname="c" name="&lol9;"/></testsuite>`;

export const CASES: HostileCase[] = [
  // ---------------------------------------------------------------- XML structure
  {
    name: 'XML truncated inside a start tag',
    group: 'xml',
    via: 'action',
    setup: xml('cut.xml', '<?xml version="1.0"?><testsuite name="s"><testcase classname="c" name="a'),
    expect: 'error',
    message: /results\/cut\.xml: .*(unterminated|end of file).*not well-formed XML/,
  },
  {
    name: 'XML truncated before its closing tags',
    group: 'xml',
    via: 'action',
    setup: xml('cut.xml', junit('<testcase classname="c" name="a"/><testcase classname="c" name="b">').replace('</testsuite>', '')),
    expect: 'error',
    message: /results\/cut\.xml: .*ends before <\/testcase> \(truncated\?\)/,
  },
  {
    name: 'XML with a mismatched closing tag',
    group: 'xml',
    via: 'action',
    setup: xml('bad.xml', '<testsuite name="s"><testcase name="a"></testsuite></testcase>'),
    expect: 'error',
    message: /results\/bad\.xml: malformed XML at line 1: expected <\/testcase> but found <\/testsuite>/,
  },
  {
    name: 'XML with two root elements',
    group: 'xml',
    via: 'action',
    setup: xml('two.xml', junit('<testcase name="a"/>') + junit('<testcase name="b"/>')),
    expect: 'error',
    message: /results\/two\.xml: .*second root element/,
  },
  {
    name: 'XML that is only a declaration',
    group: 'xml',
    via: 'action',
    setup: xml('decl.xml', '<?xml version="1.0" encoding="utf-8"?>\n'),
    expect: 'error',
    message: /results\/decl\.xml: no XML element found/,
  },
  {
    name: 'XML that is not JUnit (an HTML page)',
    group: 'xml',
    via: 'action',
    setup: xml('page.xml', '<html><body><h1>502 Bad Gateway</h1></body></html>'),
    expect: 'error',
    message: /results\/page\.xml: the root element is <html>, not <testsuites> or <testsuite> \(JUnit\), <TestRun> \(TRX\), <test-run> \(NUnit 3\) or <assemblies> \(xUnit\.net\), so this is not a test result report; test-results must match only result files: /,
  },
  {
    name: 'XML that is a Maven pom',
    group: 'xml',
    via: 'action',
    setup: xml('pom.xml', '<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion></project>'),
    expect: 'error',
    message: /results\/pom\.xml: the root element is <project>/,
  },
  {
    name: 'XML with an unterminated CDATA section',
    group: 'xml',
    via: 'action',
    setup: xml('cdata.xml', junit('<testcase name="a"><failure><![CDATA[boom')),
    expect: 'error',
    message: /results\/cdata\.xml: malformed XML at line 1: unterminated CDATA section/,
  },
  {
    name: 'XML with an unterminated comment',
    group: 'xml',
    via: 'action',
    setup: xml('comment.xml', '<testsuite name="s"><!-- <testcase name="a"/>'),
    expect: 'error',
    message: /results\/comment\.xml: malformed XML at line 1: unterminated comment/,
  },
  {
    name: 'XML with text outside the root element',
    group: 'xml',
    via: 'action',
    setup: xml('tail.xml', junit('<testcase name="a"/>') + '\nKilled (signal 9)\n'),
    expect: 'error',
    message: /results\/tail\.xml: malformed XML at line \d+: text outside the root element/,
  },
  {
    name: 'billion laughs entity bomb',
    group: 'entities',
    via: 'action',
    nodeArgs: ['--max-old-space-size=128'],
    setup: xml('lol.xml', BILLION_LAUGHS),
    expect: 'error',
    message: /results\/lol\.xml: the XML declares DTD entities .*refused.*write the report without a DOCTYPE/,
  },
  {
    name: 'external entity reading /etc/passwd (XXE)',
    group: 'entities',
    via: 'action',
    setup: xml('xxe.xml', '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite name="s"><testcase name="&xxe;"/></testsuite>'),
    expect: 'error',
    message: /results\/xxe\.xml: the XML declares DTD entities/,
    check: (_ctx, out) => assert.doesNotMatch(out.all, /root:x:0:0/, 'the file was never read'),
  },
  {
    name: 'parameter entity fetching a remote DTD',
    group: 'entities',
    via: 'action',
    setup: xml('pe.xml', '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY % r SYSTEM "http://127.0.0.1:9/evil.dtd"> %r;]><testsuite name="s"/>'),
    expect: 'error',
    message: /results\/pe\.xml: the XML declares DTD entities/,
  },
  {
    name: 'entity declarations hidden behind a comment that looks like an element',
    group: 'entities',
    via: 'action',
    setup: xml('hidden.xml', '<?xml version="1.0"?><!-- <a> --><!DOCTYPE t [<!ENTITY x "boom">]><testsuite name="s"><testcase name="&x;"/></testsuite>'),
    expect: 'error',
    message: /results\/hidden\.xml: .*(DTD entities|internal subset)/,
  },
  {
    name: 'external DOCTYPE without a subset: nothing fetched, undeclared entity kept as text',
    group: 'entities',
    via: 'action',
    setup: xml('ext.xml', '<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/junit.dtd"><testsuite name="s"><testcase classname="c" name="t&undeclared;"/></testsuite>'),
    expect: 'ok',
    check: (_ctx, out) => assert.match(out.all, /Read 1 tests from 1 file/),
  },
  {
    name: 'elements nested 200,000 deep',
    group: 'nesting',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256', '--stack-size=900'],
    setup: xml('deep.xml', '<testsuite name="s">' + '<a>'.repeat(200_000) + '</a>'.repeat(200_000) + '</testsuite>'),
    expect: 'error',
    message: /results\/deep\.xml: malformed XML at line 1: elements nested deeper than 128 levels/,
  },
  {
    name: 'testsuites nested 1,000 deep',
    group: 'nesting',
    via: 'action',
    setup: xml('suites.xml', '<testsuites>' + '<testsuite name="s">'.repeat(1000) + '<testcase name="a"/>' + '</testsuite>'.repeat(1000) + '</testsuites>'),
    expect: 'error',
    message: /results\/suites\.xml: .*nested deeper than 128 levels/,
  },
  {
    name: 'an 8 MB attribute value (test name) in a 256 MB heap',
    group: 'size',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256'],
    setup: (ctx) => write(ctx.ws, 'results/attr.xml', junit(`<testcase classname="c" name="${'n'.repeat(8 << 20)}"/>`)),
    expect: 'ok',
  },
  {
    name: 'a 16 MB system-out in a 256 MB heap',
    group: 'size',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256'],
    setup: (ctx) => write(ctx.ws, 'results/out.xml', junit(`<testcase classname="c" name="a"><system-out>${'x'.repeat(16 << 20)}</system-out></testcase>`)),
    expect: 'ok',
  },
  {
    name: '100,000 attributes on one element',
    group: 'size',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256'],
    setup: (ctx) => {
      const attrs: string[] = [];
      for (let i = 0; i < 100_000; i++) attrs.push(`a${i}="v"`);
      write(ctx.ws, 'results/attrs.xml', junit(`<testcase classname="c" name="a" ${attrs.join(' ')}/>`));
    },
    expect: 'ok',
  },
  {
    name: 'numbers out of range: time="1e300", timestamp in the year 200000, line -7',
    group: 'xml',
    via: 'action',
    setup: xml('nums.xml', '<testsuite name="s" timestamp="+200000-01-01T00:00:00Z"><testcase classname="c" name="a" time="1e300" line="-7"/><testcase classname="c" name="b" time="NaN"/></testsuite>'),
    expect: 'ok',
    check: async (ctx) => {
      // Every stored time must be one Python's datetime (the plugin) can read back.
      const times = await dbRows(join(ctx.ws, 'flakefighters.db'), 'SELECT start_time AS t FROM run UNION ALL SELECT start_time FROM test_execution UNION ALL SELECT end_time FROM test_execution');
      for (const { t } of times) if (t !== null) assert.match(String(t), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, `stored time ${t}`);
    },
  },
  {
    name: 'workflow commands smuggled in a test name and failure message',
    group: 'xml',
    via: 'action',
    setup: xml('cmd.xml', junit('<testcase classname="c" name="a&#10;::error::pwned&#10;"><failure message="&#10;::add-mask::x&#10;::error file=/etc/passwd::pwned">x&#13;&#10;::error::pwned</failure></testcase>')),
    expect: 'error',
    message: /genuine test failure/,
    check: (_ctx, out) => {
      assert.doesNotMatch(out.all, /^::(error|warning)[^\n]*::pwned$/m, 'no line of the output is a smuggled workflow command');
      assert.doesNotMatch(out.all, /^::add-mask::x$/m);
    },
  },
  // ---------------------------------------------------------------- encodings
  {
    name: 'invalid UTF-8 in XML is replaced, with a warning naming the byte',
    group: 'encoding',
    via: 'action',
    setup: (ctx) => write(ctx.ws, 'results/latin.xml', withBytes(junit('<testcase classname="c" name="caf@"/>'), '@', [0xe9, 0xff])),
    expect: 'warning',
    message: /results\/latin\.xml: invalid UTF-8 at byte \d+; .*Write the report as UTF-8/,
  },
  {
    name: 'overlong UTF-8 encoding of "<" (C0 BC)',
    group: 'encoding',
    via: 'action',
    setup: (ctx) => write(ctx.ws, 'results/overlong.xml', withBytes(junit('<testcase classname="c" name="x@"/>'), '@', [0xc0, 0xbc])),
    expect: 'warning',
    message: /results\/overlong\.xml: invalid UTF-8 at byte \d+/,
  },
  {
    name: 'UTF-16LE with an unpaired surrogate',
    group: 'encoding',
    via: 'action',
    setup: (ctx) => {
      const text = Buffer.from(junit('<testcase classname="c" name="aXb"/>'), 'utf16le');
      const i = text.indexOf(Buffer.from('X', 'utf16le'));
      text.writeUInt16LE(0xd800, i); // a lone high surrogate
      write(ctx.ws, 'results/u16.xml', Buffer.concat([Buffer.from([0xff, 0xfe]), text]));
    },
    expect: 'warning',
    message: /results\/u16\.xml: invalid UTF-16/,
  },
  {
    name: 'UTF-32 with a BOM',
    group: 'encoding',
    via: 'action',
    setup: (ctx) => {
      const s = junit('<testcase name="a"/>');
      const b = Buffer.alloc(4 + s.length * 4);
      b.writeUInt32LE(0xfeff, 0);
      for (let i = 0; i < s.length; i++) b.writeUInt32LE(s.charCodeAt(i), 4 + i * 4);
      write(ctx.ws, 'results/u32.xml', b);
    },
    expect: 'error',
    message: /results\/u32\.xml: the report is UTF-32 encoded, which is not supported; write it as UTF-8/,
  },
  {
    name: 'XML declaring an encoding nobody knows',
    group: 'encoding',
    via: 'action',
    setup: xml('klingon.xml', '<?xml version="1.0" encoding="x-klingon"?>' + junit('<testcase name="a"/>').replace('<?xml version="1.0"?>', '')),
    expect: 'error',
    message: /results\/klingon\.xml: unsupported XML encoding "x-klingon"; re-write the report as UTF-8/,
  },
  {
    name: 'CTRF JSON with invalid UTF-8 in a message',
    group: 'encoding',
    via: 'action',
    setup: (ctx) =>
      write(ctx.ws, 'results/c.json', Buffer.concat([Buffer.from('{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","status":"passed","message":"'), Buffer.from([0xfe, 0xfe]), Buffer.from('"}]}}')])),
    expect: 'warning',
    message: /results\/c\.json: invalid UTF-8 at byte \d+/,
  },
  // ---------------------------------------------------------------- binary, empty, gigantic
  {
    name: 'a PNG screenshot among the results',
    group: 'binary',
    via: 'action',
    setup: (ctx) => write(ctx.ws, 'results/shot.xml', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(64, 7)])),
    expect: 'error',
    message: /results\/shot\.xml: .*binary file, not a test result report; leave it out of test-results \(test-results must match only result files: XML \(JUnit, TRX, NUnit 3, xUnit\.net v2\) or JSON/,
  },
  {
    name: 'a gzip-compressed report',
    group: 'binary',
    via: 'action',
    inputs: () => ({ 'test-results': 'results/*' }),
    setup: (ctx) => write(ctx.ws, 'results/junit.xml.gz', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 0xb3, 0xb1, 0xaf, 0xc8, 0xcd, 0x51, 0x28, 0x4b, 0x2d, 0, 0, 0])),
    expect: 'error',
    message: /results\/junit\.xml\.gz: /,
  },
  {
    name: 'a file of NUL bytes (a crashed writer)',
    group: 'binary',
    via: 'action',
    setup: (ctx) => write(ctx.ws, 'results/nul.xml', Buffer.alloc(4096)),
    expect: 'error',
    message: /results\/nul\.xml: .*binary file/,
  },
  {
    name: 'a zero-byte report',
    group: 'binary',
    via: 'action',
    setup: xml('empty.xml', ''),
    expect: 'error',
    message: /results\/empty\.xml: the file is empty; the test run probably failed before writing its report/,
  },
  {
    name: 'a report of only whitespace and a BOM',
    group: 'binary',
    via: 'action',
    setup: xml('blank.xml', '\ufeff  \n\t\r\n  '),
    expect: 'error',
    message: /results\/blank\.xml: the file holds only whitespace/,
  },
  {
    name: 'plain text that is neither XML nor JSON',
    group: 'binary',
    via: 'action',
    setup: xml('log.xml', 'FAILED tests/test_a.py::test_one - AssertionError\n'),
    expect: 'error',
    message: /results\/log\.xml: the content is neither XML nor JSON \(it starts with "FAILED tests\/test_a\."\); test-results must match only result files: XML \(JUnit, TRX, NUnit 3, xUnit\.net v2\) or JSON \(CTRF, go test -json, RSpec, mocha, Dart\); see "Result formats" in the README\.$/,
  },
  {
    name: 'a 600 MB report (sparse) in a 128 MB heap',
    group: 'binary',
    via: 'action',
    nodeArgs: ['--max-old-space-size=128'],
    setup: (ctx) => sparseFile(join(ctx.ws, 'results/huge.xml'), 600 * 1024 * 1024),
    expect: 'error',
    message: /results\/huge\.xml: 629145600 bytes is over the 512 MiB limit per result file; split the report/,
  },
  {
    name: 'a named pipe that nobody writes to',
    group: 'binary',
    via: 'action',
    setup: (ctx) => {
      mkdirSync(join(ctx.ws, 'results'), { recursive: true });
      const r = spawnSync('mkfifo', [join(ctx.ws, 'results/pipe.xml')]);
      assert.equal(r.status, 0, String(r.stderr));
    },
    // Not a file, so nothing matches: with if-no-files-found's default (error) that fails the step, in one line.
    expect: 'error',
    message: /test-results: no result files match results in .*; did the test step fail before writing its report\?/,
  },
  // ---------------------------------------------------------------- CTRF schema
  {
    name: 'CTRF truncated mid-document',
    group: 'ctrf',
    via: 'action',
    setup: xml('t.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","sta'),
    expect: 'error',
    message: /results\/t\.json: not valid JSON \(.*\); CTRF reports must be JSON objects with a "results" key/,
  },
  {
    name: 'CTRF that is a JSON array',
    group: 'ctrf',
    via: 'action',
    setup: xml('arr.json', '[{"name":"a","status":"passed"}]'),
    expect: 'error',
    message: /results\/arr\.json: \$ is not an object, so this is not a CTRF report/,
  },
  {
    name: 'CTRF without results.tests',
    group: 'ctrf',
    via: 'action',
    setup: xml('nt.json', '{"results":{"tool":{"name":"jest"},"summary":{}}}'),
    expect: 'error',
    message: /results\/nt\.json: \$\.results\.tests is missing or not an array/,
  },
  {
    name: 'CTRF with an unknown status',
    group: 'ctrf',
    via: 'action',
    setup: xml('st.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","status":"exploded"}]}}'),
    expect: 'error',
    message: /results\/st\.json: \$\.results\.tests\[0\]\.status must be one of passed, failed, skipped, pending, other \(got "exploded"\)/,
  },
  {
    name: 'CTRF with a name that is a number',
    group: 'ctrf',
    via: 'action',
    setup: xml('nm.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":42,"status":"passed"}]}}'),
    expect: 'error',
    message: /results\/nm\.json: \$\.results\.tests\[0\]\.name is missing or not a string/,
  },
  {
    name: 'CTRF with retries: 1e9 (would build a billion executions)',
    group: 'ctrf',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256'],
    setup: xml('retries.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","status":"failed","retries":1000000000}]}}'),
    expect: 'error',
    message: /results\/retries\.json: \$\.results\.tests\[0\]\.retries is 1000000000, more than the 1000 attempts a test runner makes/,
  },
  {
    name: 'CTRF with start times beyond the year 275760',
    group: 'ctrf',
    via: 'action',
    setup: xml('time.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","status":"passed","start":1e20,"stop":1e21}]}}'),
    expect: 'error',
    message: /results\/time\.json: \$\.results\.tests\[0\]\.start must be milliseconds since 1970 \(before the year 10000\)/,
  },
  {
    name: 'CTRF with a negative duration and a string line',
    group: 'ctrf',
    via: 'action',
    setup: xml('dur.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","status":"passed","duration":-1}]}}'),
    expect: 'error',
    message: /results\/dur\.json: \$\.results\.tests\[0\]\.duration must be a non-negative number/,
  },
  {
    name: 'CTRF nested 100,000 arrays deep',
    group: 'ctrf',
    via: 'action',
    setup: xml('deep.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[' + '['.repeat(100_000) + ']'.repeat(100_000) + ']}}'),
    expect: 'error',
    message: /results\/deep\.json: \$\.results\.tests\[0\] is not an object/,
  },
  {
    name: 'CTRF with __proto__ and constructor keys',
    group: 'ctrf',
    via: 'action',
    setup: xml('proto.json', '{"__proto__":{"polluted":1},"results":{"__proto__":{"x":1},"tool":{"name":"jest","constructor":{"prototype":{"p":1}}},"summary":{},"tests":[{"name":"__proto__","status":"passed","suite":"constructor"}]}}'),
    expect: 'ok',
  },
  // ---------------------------------------------------------------- globs and symlinks
  {
    name: 'a glob that climbs out with ../',
    group: 'glob',
    via: 'action',
    inputs: () => ({ 'test-results': '../**/*.xml' }),
    expect: 'error',
    message: /test-results: the pattern "\.\.\/\*\*\/\*\.xml" points outside the workspace .*use a path inside the workspace/,
  },
  {
    name: 'a glob that climbs out through a subfolder (a/../../x)',
    group: 'glob',
    via: 'action',
    inputs: () => ({ 'test-results': 'results/../../secret/*.xml' }),
    expect: 'error',
    message: /test-results: the pattern "results\/\.\.\/\.\.\/secret\/\*\.xml" points outside the workspace/,
  },
  {
    name: 'an absolute path outside the workspace',
    group: 'glob',
    via: 'action',
    inputs: () => ({ 'test-results': '/etc/passwd' }),
    expect: 'error',
    message: /test-results: the pattern "\/etc\/passwd" points outside the workspace/,
  },
  {
    name: 'a Windows-style ..\\ path',
    group: 'glob',
    via: 'action',
    inputs: () => ({ 'test-results': '..\\..\\*.xml' }),
    expect: 'error',
    message: /test-results: the pattern "\.\.\\\.\.\\\*\.xml" points outside the workspace/,
  },
  {
    name: 'an extglob that climbs out (@(../outside|results)/*.xml)',
    group: 'glob',
    via: 'action',
    setup: (ctx) => {
      write(ctx.outside, 'secret.xml', junit('<testcase classname="secret" name="leaked"/>'));
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
    },
    // (Braces cannot carry it: the input splits on commas, and `{../outside` alone is refused.)
    inputs: () => ({ 'test-results': '@(../outside|results)/*.xml' }),
    expect: 'error',
    message: /test-results: the pattern "@\(\.\.\/outside\|results\)\/\*\.xml" points outside the workspace/,
    check: (_ctx, out) => assert.doesNotMatch(out.all, /leaked/),
  },
  {
    name: 'a glob longer than the matcher allows (70,000 characters)',
    group: 'glob',
    via: 'action',
    inputs: () => ({ 'test-results': 'results/' + 'a*'.repeat(35_000) + '.xml' }),
    expect: 'error',
    message: /test-results: the pattern "results\/a\*a\*.*" is too long \(70012 characters, at most 65536\); use a shorter glob/,
  },
  {
    name: 'a result file that is a symlink to /etc/passwd',
    group: 'symlink',
    via: 'action',
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      symlinkSync('/etc/passwd', join(ctx.ws, 'results/passwd.xml'));
    },
    expect: 'warning',
    message: /results\/passwd\.xml: resolves to \/etc\/passwd, outside the workspace; skipped/,
    check: (_ctx, out) => assert.doesNotMatch(out.all, /root:x:0/),
  },
  {
    name: 'a result file that is a symlink to /dev/zero',
    group: 'symlink',
    via: 'action',
    nodeArgs: ['--max-old-space-size=128'],
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      symlinkSync('/dev/zero', join(ctx.ws, 'results/zero.xml'));
    },
    expect: 'warning',
    message: /results\/zero\.xml: resolves to \/dev\/zero, outside the workspace; skipped/,
  },
  {
    name: 'a symlinked folder that leads outside the workspace',
    group: 'symlink',
    via: 'action',
    setup: (ctx) => {
      write(ctx.outside, 'secret/leak.xml', junit('<testcase classname="secret" name="leaked"/>'));
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      symlinkSync(join(ctx.outside, 'secret'), join(ctx.ws, 'results/linked'));
    },
    expect: 'warning',
    message: /results\/linked\/leak\.xml: resolves to .*outside the workspace; skipped/,
    check: (_ctx, out) => assert.doesNotMatch(out.all, /leaked/),
  },
  {
    name: 'a symlink loop in the results folder (a folder linked to itself, two files linked to each other)',
    group: 'symlink',
    via: 'action',
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      symlinkSync('.', join(ctx.ws, 'results/loop'));
      symlinkSync('b.xml', join(ctx.ws, 'results/a.xml'));
      symlinkSync('a.xml', join(ctx.ws, 'results/b.xml'));
    },
    expect: 'ok',
    check: (_ctx, out) => assert.match(out.all, /Read 2 tests from 1 file\(s\)/, 'the file behind the loop is read once'),
  },
  {
    name: 'a dangling symlink is passed over',
    group: 'symlink',
    via: 'action',
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      symlinkSync('gone.xml', join(ctx.ws, 'results/dangling.xml'));
    },
    expect: 'ok',
    check: (_ctx, out) => assert.match(out.all, /Read 2 tests from 1 file\(s\)/),
  },
  // ---------------------------------------------------------------- SQLite database files
  {
    name: 'garbage behind a valid SQLite header is moved aside, bytes kept',
    group: 'sqlite',
    via: 'action',
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(8192, 0xa5)]);
      write(ctx.ws, 'flakefighters.db', bytes);
      ctx.state.hash = sha256(join(ctx.ws, 'flakefighters.db'));
    },
    expect: 'warning',
    message: /flakefighters\.db is not a readable SQLite database \(.*\); moved it to .*flakefighters\.db\.corrupt-\d{8}T\d{6}Z and started a fresh history/,
    check: (ctx) => {
      const aside = readdirSync(ctx.ws).filter((f) => f.startsWith('flakefighters.db.corrupt-'));
      assert.equal(aside.length, 1);
      assert.equal(sha256(join(ctx.ws, aside[0])), ctx.state.hash, 'the corrupt file is kept byte for byte');
    },
  },
  {
    name: 'a plugin database truncated to half its size is moved aside, bytes kept',
    group: 'sqlite',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const p = await pluginDb(ctx.ws, 'flakefighters.db');
      truncateSync(p, Math.floor(readFileSync(p).length / 2));
      ctx.state.hash = sha256(p);
    },
    expect: 'warning',
    message: /flakefighters\.db is not a readable SQLite database .*moved it to .*\.corrupt-/,
    check: (ctx) => {
      const aside = readdirSync(ctx.ws).filter((f) => f.startsWith('flakefighters.db.corrupt-'));
      assert.equal(aside.length, 1);
      assert.equal(sha256(join(ctx.ws, aside[0])), ctx.state.hash);
    },
  },
  {
    name: 'a SQLite file cut to its first 50 bytes',
    group: 'sqlite',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const p = await pluginDb(ctx.ws, 'flakefighters.db');
      truncateSync(p, 50);
    },
    expect: 'warning',
    message: /flakefighters\.db is not a readable SQLite database \(only 50 bytes\); moved it to/,
  },
  {
    name: 'a 700 MB file of zeros behind a SQLite header is moved aside without being read (128 MB heap)',
    group: 'sqlite',
    via: 'action',
    nodeArgs: ['--max-old-space-size=128'],
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const p = join(ctx.ws, 'flakefighters.db');
      sparseFile(p, 700 * 1024 * 1024);
      patchFile(p, 0, Buffer.from('SQLite format 3\0', 'latin1'));
    },
    expect: 'warning',
    message: /flakefighters\.db is not a readable SQLite database \(damaged SQLite header: page size 0\); moved it to .*\.corrupt-/,
    check: (ctx) => {
      const aside = readdirSync(ctx.ws).filter((f) => f.startsWith('flakefighters.db.corrupt-'));
      assert.equal(aside.length, 1);
      assert.equal(statSync(join(ctx.ws, aside[0])).size, 700 * 1024 * 1024, 'kept whole');
    },
  },
  {
    name: 'a 1.5 GiB database (valid header) is refused and left untouched',
    group: 'sqlite',
    via: 'action',
    nodeArgs: ['--max-old-space-size=128'],
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const p = join(ctx.ws, 'flakefighters.db');
      sparseFile(p, 1536 * 1024 * 1024);
      patchFile(p, 0, readFileSync(FIXTURE_DB).subarray(0, 100));
    },
    expect: 'error',
    message: /flakefighters\.db is 1\.5 GiB, more than the 1 GiB a SQLite history file may have here .*prune it with store-max-runs or time-immemorial, or keep history in PostgreSQL with database-url/,
    check: (ctx) => {
      assert.deepEqual(readdirSync(ctx.ws).filter((f) => f.startsWith('flakefighters.db')), ['flakefighters.db']);
      assert.equal(statSync(join(ctx.ws, 'flakefighters.db')).size, 1536 * 1024 * 1024);
    },
  },
  {
    name: 'a SQLite database of another application is refused and left untouched',
    group: 'sqlite',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      await sqliteWith(join(ctx.ws, 'flakefighters.db'), "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users VALUES (1, 'a@b.c');");
      ctx.state.hash = sha256(join(ctx.ws, 'flakefighters.db'));
    },
    expect: 'error',
    message: /flakefighters\.db is a SQLite database of something else \(tables users\) with none of the flakefighters tables; point database-path at a flakefighters database or a new file/,
    check: (ctx) => {
      assert.equal(sha256(join(ctx.ws, 'flakefighters.db')), ctx.state.hash, 'the foreign database is untouched');
      assert.deepEqual(readdirSync(ctx.ws).filter((f) => f.startsWith('flakefighters.db.')), []);
    },
  },
  {
    name: 'a database whose "run" table has foreign columns is refused and left untouched',
    group: 'sqlite',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      await sqliteWith(join(ctx.ws, 'flakefighters.db'), 'CREATE TABLE run (id INTEGER PRIMARY KEY, marathon_km REAL);');
      ctx.state.hash = sha256(join(ctx.ws, 'flakefighters.db'));
    },
    expect: 'error',
    message: /flakefighters\.db.*\brun\b.*/,
    check: (ctx) => assert.equal(sha256(join(ctx.ws, 'flakefighters.db')), ctx.state.hash),
  },
  {
    name: 'a database whose schema_version is not a number is refused and left untouched',
    group: 'sqlite',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      await pluginDb(ctx.ws, 'flakefighters.db', (db) => {
        db.run('CREATE TABLE ffa_meta (key TEXT PRIMARY KEY, value TEXT)');
        db.run("INSERT INTO ffa_meta VALUES ('schema_version', 'DROP TABLE run')");
      });
      ctx.state.hash = sha256(join(ctx.ws, 'flakefighters.db'));
    },
    expect: 'error',
    message: /flakefighters\.db.*schema/i,
    check: (ctx) => assert.equal(sha256(join(ctx.ws, 'flakefighters.db')), ctx.state.hash),
  },
  {
    name: 'database-path pointing at a directory',
    group: 'sqlite',
    via: 'action',
    setup: (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      mkdirSync(join(ctx.ws, 'db.d'));
    },
    inputs: () => ({ 'database-path': 'db.d' }),
    expect: 'error',
    message: /db\.d is not a regular file; set database-path to a file name/,
  },
  {
    name: 'a plugin database with os.system REDUCE pickles in coverage and params',
    group: 'sqlite',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const p0 = pythonPickle('os.system', ctx.marker, 0);
      const p4 = pythonPickle('subprocess', ctx.marker, 4);
      await pluginDb(ctx.ws, 'flakefighters.db', (db) => {
        db.run('UPDATE test_execution SET coverage = ?', [p0]);
        db.run('UPDATE activeflakefighter SET params = ?', [p4]);
      });
      ctx.state.hash = sha256(join(ctx.ws, 'flakefighters.db'));
    },
    inputs: () => ({ 'active-flakefighters': 'OutcomeFlip,TracebackMatching,CoverageIndependence' }),
    expect: 'ok',
    check: async (ctx) => {
      noMarker(ctx);
      await historyKept(ctx);
    },
  },
  {
    name: 'a plugin database with a pickle announcing a 2^62-byte string',
    group: 'sqlite',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256'],
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      await pluginDb(ctx.ws, 'flakefighters.db', (db) => {
        db.run('UPDATE test_execution SET coverage = ?', [hugeLength(0x8e, 1n << 62n)]);
        db.run('UPDATE activeflakefighter SET params = ?', [hugeLength(0x8d, 1n << 62n)]);
      });
    },
    inputs: () => ({ 'active-flakefighters': 'OutcomeFlip,TracebackMatching,CoverageIndependence' }),
    expect: 'ok',
    check: historyKept,
  },
  {
    name: 'retention with an invalid cut-off date prunes nothing (library: the input check stops it earlier)',
    group: 'sqlite',
    via: 'lib',
    lib: async (ctx) => {
      const path = await pluginDb(ctx.ws, 'flakefighters.db');
      const store = await openSqliteStore(path);
      try {
        return await store.save(sampleRun({ uuid: 'hostile-retention' }), { since: new Date(Number.NaN) });
      } finally {
        await store.close();
      }
    },
    expect: 'ok',
    check: async (ctx, out) => {
      assert.equal((out.value as { pruned: number }).pruned, 0);
      await historyKept(ctx);
    },
  },
  // ---------------------------------------------------------------- pickles (library: no entry point decodes a bare pickle)
  pickleCase('pickle: os.system via GLOBAL + REDUCE (protocol 0, written by python3)', (ctx) => pythonPickle('os.system', ctx.marker, 0), 'ok'),
  pickleCase('pickle: subprocess.Popen via STACK_GLOBAL + REDUCE (protocol 4)', (ctx) => pythonPickle('subprocess', ctx.marker, 4), 'ok'),
  pickleCase('pickle: builtins.eval via REDUCE (protocol 2)', (ctx) => pythonPickle('eval', ctx.marker, 2), 'ok'),
  pickleCase('pickle: os.system via INST', (ctx) => pythonPickle('inst', ctx.marker, 0), 'ok'),
  pickleCase('pickle: BINBYTES8 announcing 2^62 bytes', () => hugeLength(0x8e, 1n << 62n), 'error', /pickle length \d+ exceeds the 67108864-byte limit/),
  pickleCase('pickle: BINUNICODE8 announcing 2^63 bytes', () => hugeLength(0x8d, 1n << 63n), 'error', /exceeds the 67108864-byte limit/),
  pickleCase('pickle: LONG4 announcing 2 GiB', () => Buffer.from([0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0x7f, 0x2e]), 'error', /exceeds the 67108864-byte limit/),
  pickleCase('pickle: a frame of 2^40 bytes', () => { const b = Buffer.alloc(11); b[0] = 0x80; b[1] = 4; b[2] = 0x95; b.writeBigUInt64LE(1n << 40n, 3); return b; }, 'error', /exceeds the 67108864-byte limit/),
  pickleCase('pickle: 100,000 nested MARKs', () => Buffer.concat([Buffer.from([0x80, 2]), Buffer.alloc(100_000, 0x28), Buffer.from([0x2e])]), 'error', /pickle nesting deeper than 1000/),
  pickleCase('pickle: a list that contains itself through the memo', () => Buffer.from([0x80, 2, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2e]), 'error', /pickle/),
  pickleCase('pickle: truncated after the protocol', () => Buffer.from([0x80, 4, 0x95]), 'error', /pickle truncated/),
  pickleCase('pickle: protocol 99', () => Buffer.from([0x80, 99, 0x4e, 0x2e]), 'error', /pickle protocol 99 is not supported \(0–5\)/),
  pickleCase('pickle: PERSID asks for persistent_load', () => Buffer.from('Pfoo\n.', 'latin1'), 'error', /pickle/),
  // ---------------------------------------------------------------- database URLs
  urlCase('database-url: SQL in a libpq options parameter is never passed on', 'postgres://u:s3cret@db.example/app?options=-c%20search_path%3Devil;DROP%20TABLE%20run', 'ok', undefined, (_ctx, out) => {
    const t = out.value as { url: string; ignoredParams: string[] };
    assert.doesNotMatch(t.url, /DROP|options/);
    assert.deepEqual(t.ignoredParams, ['options']);
  }),
  {
    name: 'database-url: a shell command as the host stays a host name',
    group: 'database-url',
    via: 'lib',
    lib: (ctx) => parseDatabaseUrl(`postgres://u:s3cret@$(touch%20${ctx.marker})/app`),
    expect: 'ok',
    check: (ctx, out) => {
      assert.match((out.value as { host: string }).host, /^\$\(touch /);
      noMarker(ctx);
    },
  },
  configUrlCase('database-url: a bad percent-escape in the user name', 'postgres://%E0%A4%A:s3cret@db.example/app'),
  configUrlCase('database-url: a bad percent-escape in a sqlite path', 'sqlite:///hist%ZZory.db'),
  urlCase('database-url: port 99999', 'postgres://u:s3cret@db.example:99999/app', 'error', /database-url is not a valid URL/),
  urlCase('database-url: a file:// URL', 'file:///etc/passwd', 'error', /database-url has the unsupported scheme "file"/),
  urlCase('database-url: a newline and a workflow command', 'postgres://u:s3cret@db.example/app\n::set-output name=database::pwned', 'ok', undefined, (_ctx, out) => {
    for (const v of Object.values(out.value as Record<string, unknown>)) if (typeof v === 'string') assert.doesNotMatch(v, /[\r\n]/);
  }),
  {
    name: 'database-url with options=...;DROP TABLE reaches no server as SQL, and the run is kept in the SQLite file',
    group: 'database-url',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const server = await recordingServer();
      ctx.state.server = server;
    },
    inputs: (ctx) => {
      const port = (ctx.state.server as { port: number }).port;
      return { 'database-url': `postgres://u:s3cret@127.0.0.1:${port}/app?connect_timeout=2&options=-c%20statement_timeout%3D0%3BDROP%20TABLE%20run&application_name=x%27%3BDROP%20TABLE%20run%3B--` };
    },
    expect: 'warning',
    message: /Could not use the database-url database \(.*\); this run is kept in .*flakefighters\.db instead/,
    check: (ctx, out) => {
      const server = ctx.state.server as { received: () => string };
      assert.doesNotMatch(server.received(), /options|-c statement_timeout|search_path/, 'the options parameter is never sent');
      assert.doesNotMatch(out.all.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), /s3cret/);
      noMarker(ctx);
    },
    after: async (ctx) => (ctx.state.server as { close: () => Promise<void> }).close(),
  },
  {
    name: 'database-url with a bad percent-escape fails on the input, before any work',
    group: 'database-url',
    via: 'action',
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    inputs: () => ({ 'database-url': 'postgres://%E0%A4%A:s3cret@127.0.0.1:9/app' }),
    expect: 'error',
    message: /database-url (cannot be read \(URI malformed\); percent-encode special characters|has a bad percent-escape in the user name)/,
    check: (ctx, out) => {
      assert.doesNotMatch(out.all.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), /s3cret/);
      assert.equal(existsSync(join(ctx.ws, 'flakefighters.db')), false);
    },
  },
  {
    name: 'a workflow command smuggled in an input value',
    group: 'inputs',
    via: 'action',
    inputs: () => ({ 'fail-on': 'never\n::warning::pwned' }),
    expect: 'error',
    message: /Input 'fail-on' is 'never\\n::warning::pwned'; use one of: genuine, any, never/,
    check: (_ctx, out) => assert.doesNotMatch(out.all, /^::warning::pwned$/m),
  },
  {
    name: 'time-immemorial of a billion days',
    group: 'inputs',
    via: 'action',
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    inputs: () => ({ 'time-immemorial': '1000000000:0:0' }),
    expect: 'error',
    message: /Input 'time-immemorial' is '1000000000:0:0', more than 100000 days; give a shorter span, or leave it empty to keep all history/,
  },
  {
    name: 'a commit input that is a git option',
    group: 'inputs',
    via: 'action',
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    inputs: () => ({ 'target-commit': '--no-index' }),
    expect: 'error',
    message: /Input 'target-commit' is '--no-index'; give a commit sha or a git revision/,
  },
  {
    name: 'flakefighters YAML alias bomb',
    group: 'inputs',
    via: 'action',
    nodeArgs: ['--max-old-space-size=256'],
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    inputs: () => {
      const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
      return { flakefighters: lines.join('\n') };
    },
    expect: 'error',
    message: /^input 'flakefighters' is not valid YAML: Excessive alias count/,
  },
  {
    name: 'flakefighters YAML nested 30,000 deep',
    group: 'inputs',
    via: 'action',
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    inputs: () => ({ flakefighters: '['.repeat(30_000) + ']'.repeat(30_000) }),
    expect: 'error',
    message: /^input 'flakefighters' is not valid YAML: /,
  },
  // ---------------------------------------------------------------- zip-slip in a downloaded artifact
  zipCase('zip: ../ entry', [{ name: 'ok.db', data: fakeSqlite('a') }, { name: '../outside/evil.db', data: fakeSqlite('e') }], /entry '\.\.\/outside\/evil\.db' points outside the target folder/),
  zipCase('zip: absolute entry', [{ name: '/tmp/evil.db', data: fakeSqlite('e') }], /entry '\/tmp\/evil\.db' has an absolute path/),
  zipCase('zip: backslash entry (..\\..\\evil)', [{ name: '..\\..\\evil.db', data: fakeSqlite('e') }], /points outside the target folder/),
  zipCase('zip: drive-letter entry', [{ name: 'C:\\Windows\\evil.db', data: fakeSqlite('e') }], /has an absolute path/),
  zipCase('zip: a/../../ entry', [{ name: 'a/../../evil.db', data: fakeSqlite('e') }], /points outside the target folder/),
  zipCase(
    'zip: symlink entry pointing at /etc',
    [{ name: 'link', data: Buffer.from('/etc') }],
    /entry 'link' is a symbolic link/,
    (zip) => {
      // Mark the central entry as made by Unix (3) with mode 0o120777 (a symlink).
      const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      zip.writeUInt16LE((3 << 8) | 20, cd + 4);
      zip.writeUInt32LE((0o120777 << 16) >>> 0, cd + 38);
      return zip;
    },
  ),
  zipCase(
    'zip: an entry that inflates far beyond its declared size (bomb)',
    [{ name: 'bomb.db', data: Buffer.alloc(50 << 20) }],
    /entry 'bomb\.db' (does not decompress|has the wrong size)/,
    (zip) => {
      const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      zip.writeUInt32LE(100, cd + 24); // claims 100 bytes
      return zip;
    },
    { maxBytes: 1 << 20 },
  ),
  zipCase('zip: a NUL in an entry name', [{ name: 'ok.db\0../../evil', data: fakeSqlite('e') }], /points outside the target folder|NUL/),
  {
    name: 'zip-slip in a history artifact the action downloads: refused with a warning, the run goes on',
    group: 'zip-slip',
    via: 'action',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      const s = await startArtifactStandIn();
      ctx.state.standIn = s;
      // An earlier run of the workflow uploads its database; its stored zip is then swapped for a hostile one.
      s.defineRun({ id: 41, headBranch: 'main', runStartedAt: new Date(Date.now() - 3600e3) });
      const first = await runAction({
        workspace: ctx.ws,
        inputs: { ...DEFAULT_INPUTS, 'upload-artifact': 'true', 'history-from-artifact': 'true', 'github-token': 'ghs_hostile' },
        env: s.env(41, { GITHUB_WORKSPACE: ctx.ws }),
      });
      assert.equal(first.code, 0, first.all);
      const uploaded = s.artifacts.find((a) => a.runId === 41);
      assert.ok(uploaded, 'run 41 uploaded its database');
      ctx.state.escape = `/tmp/ff-hostile-slip-${process.pid}-${Date.now()}.db`;
      uploaded.bytes = makeZip([
        { name: 'flakefighters.db', data: fakeSqlite('ok') },
        { name: `${'../'.repeat(12)}${(ctx.state.escape as string).slice(1)}`, data: fakeSqlite('evil') },
      ]);
      uploaded.digest = '';
      rmSync(join(ctx.ws, 'flakefighters.db'));
      s.defineRun({ id: 42, headBranch: 'main' });
    },
    env: (ctx) => (ctx.state.standIn as ArtifactStandIn).env(42, { GITHUB_WORKSPACE: ctx.ws }),
    inputs: () => ({ 'history-from-artifact': 'true', 'github-token': 'ghs_hostile' }),
    expect: 'warning',
    message: /History artifact 'flakefighters-db[^']*' \(id \d+, run 41\) skipped: .*points outside the target folder/,
    check: (ctx) => {
      assert.equal(existsSync(ctx.state.escape as string), false, 'nothing was written where the entry pointed');
      nothingOutside(ctx);
    },
    after: async (ctx) => (ctx.state.standIn as ArtifactStandIn | undefined)?.close(),
  },
  // ---------------------------------------------------------------- the CLI
  {
    name: 'cli classify: an entity bomb',
    group: 'cli',
    via: 'cli',
    setup: xml('lol.xml', BILLION_LAUGHS),
    args: () => ['classify', '--results', 'results/*.xml'],
    expect: 'error',
    message: /^flakefighters: results\/lol\.xml: the XML declares DTD entities/,
  },
  {
    // The CLI's user owns the machine (the action keeps to its workspace): a folder that is not there matches nothing.
    name: 'cli classify: a glob outside the working directory, in a folder that does not exist',
    group: 'cli',
    via: 'cli',
    args: () => ['classify', '--results', '../../etc/*.conf'],
    expect: 'error',
    message: /^flakefighters: --results: no result files match \/\S+\/etc\/\*\.conf in /,
  },
  {
    name: 'cli classify: a foreign SQLite database',
    group: 'cli',
    via: 'cli',
    setup: async (ctx) => {
      write(ctx.ws, 'results/ok.xml', GOOD_XML);
      await sqliteWith(join(ctx.ws, 'other.db'), 'CREATE TABLE invoices (id INTEGER);');
      ctx.state.hash = sha256(join(ctx.ws, 'other.db'));
    },
    args: () => ['classify', '--results', 'results/*.xml', '--database', 'other.db'],
    expect: 'error',
    message: /^flakefighters: .*other\.db is a SQLite database of something else \(tables invoices\)/,
    check: (ctx) => assert.equal(sha256(join(ctx.ws, 'other.db')), ctx.state.hash),
  },
  {
    name: 'cli report: a corrupt database is read as empty and never moved or changed',
    group: 'cli',
    via: 'cli',
    setup: (ctx) => {
      write(ctx.ws, 'hist.db', Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4096, 0x5a)]));
      ctx.state.hash = sha256(join(ctx.ws, 'hist.db'));
    },
    args: () => ['report', '--database', 'hist.db', '--report-dir', 'out'],
    expect: 'error',
    message: /^flakefighters: report: .*hist\.db.* holds no runs/,
    check: (ctx) => {
      assert.equal(sha256(join(ctx.ws, 'hist.db')), ctx.state.hash);
      assert.deepEqual(readdirSync(ctx.ws).filter((f) => f.startsWith('hist.db.')), []);
    },
  },
  {
    name: 'cli classify: --flakefighters /dev/zero (would read forever)',
    group: 'cli',
    via: 'cli',
    nodeArgs: ['--max-old-space-size=128'],
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    args: () => ['classify', '--results', 'results/*.xml', '--flakefighters', '/dev/zero', '--no-save'],
    expect: 'error',
    message: /^flakefighters: --flakefighters \/dev\/zero is not a regular file; give a YAML file or inline YAML\.$/,
  },
  {
    name: 'cli classify: --flakefighters naming a folder',
    group: 'cli',
    via: 'cli',
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    args: () => ['classify', '--results', 'results/*.xml', '--flakefighters', 'results', '--no-save'],
    expect: 'error',
    message: /^flakefighters: --flakefighters results is not a regular file/,
  },
  {
    name: 'cli classify: --database-url with a bad percent-escape',
    group: 'cli',
    via: 'cli',
    setup: (ctx) => void write(ctx.ws, 'results/ok.xml', GOOD_XML),
    args: () => ['classify', '--results', 'results/*.xml', '--database-url', 'postgresql+psycopg2://%E0%A4%A:s3cret@127.0.0.1:9/app'],
    expect: 'error',
    message: /^flakefighters: --database-url (cannot be read \(URI malformed\)|has a bad percent-escape in the user name)/,
    check: (_ctx, out) => assert.doesNotMatch(out.all, /s3cret/),
  },
  {
    name: 'cli classify: a CTRF file with retries: 1e9',
    group: 'cli',
    via: 'cli',
    nodeArgs: ['--max-old-space-size=256'],
    setup: xml('r.json', '{"results":{"tool":{"name":"jest"},"summary":{},"tests":[{"name":"a","status":"failed","retries":1000000000}]}}'),
    args: () => ['classify', '--results', 'results/r.json', '--no-save'],
    expect: 'error',
    message: /^flakefighters: results\/r\.json: \$\.results\.tests\[0\]\.retries /,
  },
];

/** Proves the python payloads are live before trusting that they did not run: python3 itself runs one. */
export function pythonRunsThePayload(dir: string): boolean {
  const marker = join(dir, 'control-marker');
  pythonLoads(pythonPickle('os.system', marker, 0));
  return existsSync(marker);
}

