import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults, type ReadResultsOptions } from '../../src/ingest/read-results.ts';
import { UserError } from '../../src/store/store.ts';

const base = mkdtempSync(join(tmpdir(), 'ff-ingest-bad-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** A fresh workspace holding the given files. */
function workspace(files: Record<string, string | Uint8Array>): string {
  const ws = join(base, `ws${n++}`);
  mkdirSync(ws, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(ws, name, '..'), { recursive: true });
    writeFileSync(join(ws, name), content);
  }
  return ws;
}

function read(ws: string, patterns: string[], extra: Partial<ReadResultsOptions> = {}) {
  return readResults({ patterns, workspace: ws, root: '.', ifNoFilesFound: 'error', ...extra });
}

/** The error is a UserError, one line, naming the file (or input) and matching `what`. */
async function rejectsWith(p: Promise<unknown>, name: string, what: RegExp): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof UserError, `not a UserError: ${(e as Error)?.stack}`);
    assert.ok(!e.message.includes('\n'), `more than one line: ${JSON.stringify(e.message)}`);
    assert.ok(e.message.includes(name), `does not name ${name}: ${e.message}`);
    assert.match(e.message, what);
    return e.message;
  }
  assert.fail('expected a UserError');
}

const CASE = '<testsuite name="s" tests="1"><testcase classname="a.B" name="t" time="0.1"/></testsuite>';

describe('bad result files', () => {
  test('truncated XML (an interrupted run)', async () => {
    const ws = workspace({ 'r/trunc.xml': '<?xml version="1.0"?>\n<testsuites><testsuite name="s"><testcase classname="a" name="b">' });
    await rejectsWith(read(ws, ['r/*.xml']), 'r/trunc.xml', /ends before <\/testcase>/);
  });

  test('mismatched closing tag, with its line', async () => {
    const ws = workspace({ 'bad.xml': '<testsuites>\n<testsuite>\n<testcase name="x"></testsuite>\n</testsuites>' });
    await rejectsWith(read(ws, ['bad.xml']), 'bad.xml', /line 3: expected <\/testcase> but found <\/testsuite>/);
  });

  test('attribute syntax error', async () => {
    const ws = workspace({ 'attr.xml': '<testsuites><testsuite name=unquoted></testsuite></testsuites>' });
    await rejectsWith(read(ws, ['attr.xml']), 'attr.xml', /invalid attribute syntax in <testsuite>/);
  });

  test('XML that is not JUnit', async () => {
    const ws = workspace({ 'pom.xml': '<?xml version="1.0"?><project><modelVersion>4.0.0</modelVersion></project>' });
    await rejectsWith(read(ws, ['*.xml']), 'pom.xml', /root element is <project>, not <testsuites> or <testsuite>/);
  });

  test('empty and whitespace-only files', async () => {
    const ws = workspace({ 'empty.xml': '', 'blank.xml': '  \n\t\n' });
    await rejectsWith(read(ws, ['empty.xml']), 'empty.xml', /the file is empty/);
    await rejectsWith(read(ws, ['blank.xml']), 'blank.xml', /only whitespace/);
  });

  test('binary file', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const ws = workspace({ 'screenshot.xml': png });
    await rejectsWith(read(ws, ['screenshot.xml']), 'screenshot.xml', /binary file/);
  });

  test('text that is neither XML nor JSON', async () => {
    const ws = workspace({ 'out.xml': '============ test session starts ============\n' });
    await rejectsWith(read(ws, ['out.xml']), 'out.xml', /neither XML nor JSON/);
  });

  test('billion laughs DOCTYPE is refused before parsing', async () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuite name="&lol3;"><testcase name="&lol3;" classname="x"/></testsuite>`;
    const ws = workspace({ 'lol.xml': lol });
    await rejectsWith(read(ws, ['lol.xml']), 'lol.xml', /declares DTD entities/);
  });

  test('external entity DOCTYPE is refused', async () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite><testcase name="&xxe;"/></testsuite>';
    const ws = workspace({ 'xxe.xml': xxe });
    await rejectsWith(read(ws, ['xxe.xml']), 'xxe.xml', /declares DTD entities/);
  });

  test('a plain DOCTYPE without entities is ignored; predefined entities and character references are decoded', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "junit.dtd"><testsuite name="s">
<testcase classname="a.B" name="t &amp; &lt;u&gt; &#233;&#x20AC;"><failure message="&quot;x&quot; &apos;y&apos; &unknown;">a &lt; b &#10;c</failure></testcase></testsuite>`;
    const ws = workspace({ 'dt.xml': xml });
    const r = await read(ws, ['dt.xml']);
    assert.equal(r.tests[0].name, 'a.B.t & <u> é€');
    assert.equal(r.tests[0].executions[0].message, `"x" 'y' &unknown;`);
    assert.equal(r.tests[0].executions[0].report, 'a < b \nc');
  });

  test('invalid UTF-8: decoded with U+FFFD and a warning naming the file and byte', async () => {
    const bytes = Buffer.concat([Buffer.from('<testsuite><testcase classname="a" name="caf'), Buffer.from([0xe9]), Buffer.from('"/></testsuite>')]);
    const ws = workspace({ 'latin.xml': bytes });
    const r = await read(ws, ['latin.xml']);
    assert.equal(r.tests[0].name, 'a.caf\ufffd');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /^latin\.xml: invalid UTF-8 at byte 44; /);
    assert.ok(!r.warnings[0].includes('\n'));
  });

  test('UTF-16 LE and BE with BOM', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase classname="ü" name="测试"/></testsuite>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    be[0] = 0xfe;
    be[1] = 0xff;
    const ws = workspace({ 'le.xml': le, 'be.xml': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(xml, 'utf16le').swap16()]) });
    for (const f of ['le.xml', 'be.xml']) {
      const r = await read(ws, [f]);
      assert.equal(r.tests[0].name, 'ü.测试', f);
      assert.deepEqual(r.warnings, []);
    }
  });

  test('UTF-8 with BOM', async () => {
    const ws = workspace({ 'bom.xml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CASE)]) });
    assert.equal((await read(ws, ['bom.xml'])).tests[0].name, 'a.B.t');
  });

  test('ISO-8859-1 and windows-1252 declared encodings', async () => {
    const latin1 = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><testsuite><testcase classname="a" name="caf'), Buffer.from([0xe9]), Buffer.from('"/></testsuite>')]);
    const cp1252 = Buffer.concat([Buffer.from("<?xml version='1.0' encoding='windows-1252'?><testsuite><testcase classname=\"a\" name=\"costs "), Buffer.from([0x80]), Buffer.from('"/></testsuite>')]);
    const ws = workspace({ 'l1.xml': latin1, 'w.xml': cp1252, 'bogus.xml': '<?xml version="1.0" encoding="x-klingon"?><testsuite/>' });
    assert.equal((await read(ws, ['l1.xml'])).tests[0].name, 'a.café');
    assert.equal((await read(ws, ['w.xml'])).tests[0].name, 'a.costs €');
    await rejectsWith(read(ws, ['bogus.xml']), 'bogus.xml', /unsupported XML encoding "x-klingon"/);
  });

  test('deeply nested elements give a clear error, not a stack overflow', async () => {
    const depth = 100_000;
    const ws = workspace({ 'deep.xml': '<testsuites>' + '<a>'.repeat(depth) + '</a>'.repeat(depth) + '</testsuites>' });
    await rejectsWith(read(ws, ['deep.xml']), 'deep.xml', /nested deeper than 128 levels/);
    // Realistic nesting (suites within suites) is fine.
    const nested = '<testsuites>' + '<testsuite name="s">'.repeat(40) + '<testcase classname="a" name="b"/>' + '</testsuite>'.repeat(40) + '</testsuites>';
    const ws2 = workspace({ 'nested.xml': nested });
    assert.equal((await read(ws2, ['nested.xml'])).tests.length, 1);
  });

  test('a file over the size limit', async () => {
    const ws = workspace({ 'big.xml': CASE });
    await rejectsWith(read(ws, ['big.xml'], { maxFileBytes: 64 }), 'big.xml', /over the 64 bytes limit per result file/);
    assert.equal((await read(ws, ['big.xml'], { maxFileBytes: 1024 })).tests.length, 1);
  });

  test('CTRF files that break the schema name the JSON path', async () => {
    const ok = { results: { tool: { name: 'jest' }, summary: {}, tests: [{ name: 'a', status: 'passed', duration: 1 }] } };
    const badStatus = structuredClone(ok) as any;
    badStatus.results.tests.push({ name: 'b', status: 'weird', duration: 1 });
    const noTool = structuredClone(ok) as any;
    delete noTool.results.tool;
    const badRetries = structuredClone(ok) as any;
    badRetries.results.tests[0].retries = -1;
    const ws = workspace({
      'status.json': JSON.stringify(badStatus),
      'tool.json': JSON.stringify(noTool),
      'retries.json': JSON.stringify(badRetries),
      'array.json': '[1, 2]',
      'broken.json': '{"results": {',
    });
    await rejectsWith(read(ws, ['status.json']), 'status.json', /\$\.results\.tests\[1\]\.status must be one of/);
    await rejectsWith(read(ws, ['tool.json']), 'tool.json', /\$\.results\.tool\.name is missing/);
    await rejectsWith(read(ws, ['retries.json']), 'retries.json', /\$\.results\.tests\[0\]\.retries must be a non-negative integer/);
    await rejectsWith(read(ws, ['array.json']), 'array.json', /\$ is not an object/);
    await rejectsWith(read(ws, ['broken.json']), 'broken.json', /not valid JSON/);
  });
});

describe('finding result files', () => {
  test('patterns that leave the workspace are refused', async () => {
    const ws = workspace({ 'a.xml': CASE });
    await rejectsWith(read(ws, ['../**/*.xml']), '../**/*.xml', /points outside the workspace/);
    await rejectsWith(read(ws, ['reports/../../x.xml']), 'reports/../../x.xml', /points outside the workspace/);
    await rejectsWith(read(ws, ['/etc/*.xml']), '/etc/*.xml', /points outside the workspace/);
    // An absolute path inside the workspace is fine.
    assert.deepEqual((await read(ws, [join(ws, 'a.xml')])).files, ['a.xml']);
  });

  test('a symlink to a file outside the workspace is skipped with a warning', async () => {
    const outside = workspace({ 'secret.xml': CASE });
    const ws = workspace({ 'real.xml': CASE });
    symlinkSync(join(outside, 'secret.xml'), join(ws, 'link.xml'));
    const r = await read(ws, ['*.xml']);
    assert.deepEqual(r.files, ['real.xml']);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /^link\.xml: resolves to .*secret\.xml, outside the workspace; skipped/);
    // Only the link matched: nothing left to read, so if-no-files-found applies.
    await rejectsWith(read(ws, ['link.xml']), 'link.xml', /no result files match/);
  });

  test('a directory name reads the XML and JSON reports under it', async () => {
    const ws = workspace({ 'out/a.xml': CASE, 'out/sub/b.json': JSON.stringify({ results: { tool: { name: 'x' }, summary: {}, tests: [] } }), 'out/shot.png': Uint8Array.from([0x89, 0x50, 0, 0]) });
    assert.deepEqual((await read(ws, ['out'])).files.sort(), ['out/a.xml', 'out/sub/b.json']);
  });

  test('CRLF line ends in text are normalised, character references are kept', async () => {
    const ws = workspace({ 'crlf.xml': '<testsuite>\r\n<testcase classname="a" name="b"><failure message="m">line1\r\nline2&#13;&#10;line3<![CDATA[\r\nx]]></failure></testcase></testsuite>' });
    assert.equal((await read(ws, ['crlf.xml'])).tests[0].executions[0].report, 'line1\nline2\r\nline3\nx');
  });

  test('negated patterns leave files out', async () => {
    const ws = workspace({ 'reports/a.xml': CASE, 'reports/skip/b.xml': CASE.replace('name="t"', 'name="u"') });
    const r = await read(ws, ['reports/**/*.xml', '!reports/skip/**']);
    assert.deepEqual(r.files, ['reports/a.xml']);
  });

  test('no files matched: error, warn and ignore', async () => {
    const ws = workspace({ 'a.txt': 'x' });
    const msg = await rejectsWith(read(ws, ['reports/*.xml', 'junit.xml']), 'reports/*.xml, junit.xml', /no result files match/);
    assert.match(msg, /if-no-files-found/);
    const warn = await read(ws, ['reports/*.xml'], { ifNoFilesFound: 'warn' });
    assert.deepEqual([warn.tests, warn.files], [[], []]);
    assert.equal(warn.warnings.length, 1);
    assert.match(warn.warnings[0], /no result files match reports\/\*\.xml/);
    const ignore = await read(ws, ['reports/*.xml'], { ifNoFilesFound: 'ignore' });
    assert.deepEqual(ignore, { tests: [], files: [], dialects: [], warnings: [], notices: [], unreadable: [] });
  });

  test('format is detected by content, not by extension', async () => {
    const ctrf = JSON.stringify({ results: { tool: { name: 'jest' }, summary: {}, tests: [{ name: 'x', status: 'failed', duration: 3, message: 'boom' }] } });
    const ws = workspace({ 'results.xml': ctrf, 'junit.json': CASE });
    const r = await read(ws, ['*']);
    assert.deepEqual(r.dialects.sort(), ['ctrf', 'xunit']);
    assert.equal(r.tests.length, 2);
  });
});
