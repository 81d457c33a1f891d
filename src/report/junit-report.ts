/**
 * JUnit XML of the run, each testcase carrying the plugin's `<flakefighterresults>` element in the plugin's exact
 * shape, without its bugs: each `<execution>` has its own outcome, every verdict (live and post-processing) is
 * listed, and tests in subdirectories and skipped tests get their element too. Written testcase by testcase
 * (writeEnrichedJunit), never held whole.
 */
import { GENERATED_BY_PROPERTY, GENERATOR, PER_EXECUTION_PROPERTY } from '../generated-marker.ts';
import { isFailing, type Execution, type Test } from '../model.ts';
import type { ReportData } from './report-data.ts';
import { executionMessage, testSeconds } from './facts.ts';
import { escapeXml, firstLine, xmlPlain } from './text.ts';
import { renderedText, type TextSink } from './text-sink.ts';

/** classname/name the way pytest's junitxml writes a nodeid (`mangle_test_address`); else split `classname.name`. */
export function junitNames(testId: string): { classname: string; name: string } {
  const first = testId.indexOf('::');
  if (first >= 0) {
    // path.split('::') (the path ends at a parameter list), the module part mangled, joined with '.' but the last:
    // done with slices of the id (a third faster on 100k).
    const bracket = testId.indexOf('[');
    const end = bracket >= 0 ? bracket : testId.length;
    if (first + 2 > end) return { classname: '', name: pytestModule(testId.slice(0, end)) + testId.slice(end) };
    // The last separator as split('::') finds it, left to right: `a:::b` is `a` and `:b`.
    let last = first;
    let inner = 0;
    for (let at = testId.indexOf('::', first + 2); at >= 0 && at + 2 <= end; at = testId.indexOf('::', at + 2)) {
      if (last !== first) inner++;
      last = at;
    }
    const module = pytestModule(testId.slice(0, first));
    if (last === first) return { classname: module, name: testId.slice(first + 2) };
    // `file::Class::name`, the usual nodeid, has no separator between its first and last to replace.
    const cls = inner === 0 ? testId.slice(first + 2, last) : testId.slice(first + 2, last).replaceAll('::', '.');
    return { classname: `${module}.${cls}`, name: testId.slice(last + 2) };
  }
  // `com.x.FooTest.testBar[1.5]`: the name starts after the last dot before any parameter list or space.
  const stop = testId.search(/[[( ]/);
  const head = stop >= 0 ? testId.slice(0, stop) : testId;
  const dot = head.lastIndexOf('.');
  if (dot <= 0) return { classname: '', name: testId };
  return { classname: testId.slice(0, dot), name: testId.slice(dot + 1) };
}

/** `tests/test_x.py` → `tests.test_x`, as mangle_test_address does to the module path. */
function pytestModule(path: string): string {
  // One pass of slices instead of replaceAll, endsWith and a slice of the result (100k ids): `a/py` is `a.py`, so module `a`.
  const n = path.length;
  const py = n >= 3 && path.charCodeAt(n - 1) === 0x79 && path.charCodeAt(n - 2) === 0x70 && (path.charCodeAt(n - 3) === 0x2e || path.charCodeAt(n - 3) === 0x2f);
  const end = py ? n - 3 : n;
  let out = '';
  let from = 0;
  for (let slash = path.indexOf('/'); slash >= 0 && slash < end; slash = path.indexOf('/', slash + 1)) {
    out += path.slice(from, slash) + '.';
    from = slash + 1;
  }
  return from === 0 && end === n ? path : out + path.slice(from, end);
}

/** Flakefighter names become element names: keep them valid XML names. */
function elementName(name: string): string {
  const n = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : `_${n}`;
}

/** Python's `datetime.isoformat()` of a naive time with microseconds, as the plugin writes (we write UTC). */
export function isoMicros(d: Date | null): string | null {
  const ms = d ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) return null;
  // Executions of a run fall in few minutes: the `YYYY-MM-DDTHH:mm:` of the last minute seen is reused, seconds and
  // milliseconds appended (two per testcase of a 100k report; toISOString for each was a tenth of the file's time).
  const minute = Math.floor(ms / 60_000);
  if (minute !== lastMinute) {
    const iso = d!.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ for years 0..9999
    if (iso.length !== 24) return iso.replace('Z', '');
    lastMinute = minute;
    lastMinutePrefix = iso.slice(0, 17);
  }
  const inMinute = ms - minute * 60_000;
  const sec = Math.floor(inMinute / 1000);
  // `ss.mmm000` is short enough to be copied flat: one piece less for the writer to gather per time.
  return lastMinutePrefix + (SECONDS[sec] + MICROS[inMinute - sec * 1000]);
}

let lastMinute = NaN;
let lastMinutePrefix = '';
// `ss` and `.mmm000` from tables: two numbers formatted and padded per time were a tenth of the writer's time again.
const SECONDS = Array.from({ length: 60 }, (_, s) => String(s).padStart(2, '0'));
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

/**
 * `seconds.toFixed(3)` from a table for what testSeconds gives, whole milliseconds over 1000 (toFixed, a runtime call,
 * cost 100k testcases several milliseconds more); toFixed's rounding of such a number is those milliseconds. Any
 * other number goes to toFixed itself.
 */
function fixed3(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms / 1000 !== seconds || !(ms >= 0 && ms < 1e12)) return seconds.toFixed(3);
  const milli = ms % 1000;
  return `${(ms - milli) / 1000}.${MILLIS[milli]}`;
}
const MICROS = Array.from({ length: 1000 }, (_, ms) => `.${String(ms).padStart(3, '0')}000`);

const attr = (name: string, value: string | number | null | undefined): string =>
  value === null || value === undefined ? '' : ` ${name}="${escapeXml(String(value), true)}"`;

export function renderEnrichedJunit(data: ReportData): string {
  return renderedText((sink) => writeEnrichedJunit(data, sink));
}

/** Writes the document testcase by testcase; the suite's counts, needed first, come from a pass that builds no text. */
export function writeEnrichedJunit(data: ReportData, out: TextSink): void {
  const run = data.run;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  let seconds = 0;
  // Each test's time, summed first for the suite's attributes, then written on its testcase.
  const times = new Float64Array(run.tests.length);
  for (let i = 0; i < run.tests.length; i++) {
    const t = run.tests[i];
    const last = t.executions[t.executions.length - 1];
    if (last?.outcome === 'failed') failures++;
    else if (last?.outcome === 'error') errors++;
    else if (t.skipped || !last || last.outcome === 'skipped') skipped++;
    seconds += times[i] = testSeconds(t);
  }
  const suiteName = data.dialects.length === 1 ? data.dialects[0] : 'flakefighters';
  const counts = `${attr('errors', errors)}${attr('failures', failures)}${attr('skipped', skipped)}${attr('tests', run.tests.length)}${attr('time', seconds.toFixed(3))}`;
  out.write(
    '<?xml version="1.0" encoding="utf-8"?>\n' +
      `<testsuites${attr('name', 'flakefighters')}${counts}>` +
      `<testsuite${attr('name', suiteName)}${counts}${attr('timestamp', isoMicros(run.startTime))}>` +
      // Unlike the plugin's files, each <execution outcome> here is that execution's own: readers need not repair it.
      // generated-by keeps the action from reading its own report back as test results (a broad glob, a persisting workspace).
      `<properties><property${attr('name', PER_EXECUTION_PROPERTY)}${attr('value', 'per-execution')} />` +
      `<property${attr('name', GENERATED_BY_PROPERTY)}${attr('value', GENERATOR)} /></properties>`,
  );
  for (let i = 0; i < run.tests.length; i++) out.write(testcase(run.tests[i], times[i]));
  out.write('</testsuite></testsuites>\n');
}

/** ` classname="…" name="…"[ file="…"]`: junitNames' split, the nodeid's module as `file`. */
function nameAttrs(id: string): string {
  const { classname, name } = junitNames(id);
  // pytest's xunit1 `file` attribute pins the module, so a reader need not guess where the dotted classname splits.
  const sep = id.indexOf('::');
  const file = sep >= 0 ? id.slice(0, sep) : undefined;
  // The three are cut from the id (plus dots): an id with nothing to escape needs no scan of each (100k testcases).
  if (xmlPlain(id)) return ` classname="${classname}" name="${name}"${file === undefined ? '' : ` file="${file}"`}`;
  return `${attr('classname', classname)}${attr('name', name)}${attr('file', file)}`;
}

function testcase(t: Test, seconds: number): string {
  const last = t.executions[t.executions.length - 1];
  // Most testcases of a big run pass once, without verdicts or output: one template, the bytes of the general path below
  // (fewer calls, and fewer pieces for the writer to gather).
  if (t.executions.length === 1 && last.outcome === 'passed' && !t.skipped && !last.results.length && !t.results.length && !last.stdout && !last.stderr) {
    const start = isoMicros(last.startTime);
    const end = isoMicros(last.endTime);
    if (start !== null && end !== null) {
      return `<testcase${nameAttrs(t.name)} time="${fixed3(seconds)}"><flakefighterresults><execution outcome="passed" starttime="${start}" endtime="${end}" /><test /></flakefighterresults></testcase>`;
    }
  }
  let body = '';
  if (last && isFailing(last.outcome)) {
    const tag = last.outcome === 'error' ? 'error' : 'failure';
    const message = last.message ?? executionMessage(last);
    body += `<${tag}${attr('message', message)}${attr('type', last.exception?.name)}>${escapeXml(last.report === 'None' ? '' : last.report)}</${tag}>`;
  } else if (t.skipped || !last || last.outcome === 'skipped') {
    const reason = last && last.report !== 'None' ? firstLine(last.report) : '';
    body += reason ? `<skipped${attr('message', reason)} />` : '<skipped />';
  }
  if (last?.stdout) body += `<system-out>${escapeXml(last.stdout)}</system-out>`;
  if (last?.stderr) body += `<system-err>${escapeXml(last.stderr)}</system-err>`;
  // toFixed's digits need no escaping.
  return `<testcase${nameAttrs(t.name)} time="${fixed3(seconds)}">${body}${flakefighterResults(t)}</testcase>`;
}

// Elements without children are written `<name … />`, as the plugin's ElementTree writes them: a passing test without
// verdicts is `<execution … /><test />`, the most common testcase of a big report, in the plugin's own bytes.
function flakefighterResults(t: Test): string {
  if (!t.executions.length && !t.results.length) return '<flakefighterresults />';
  let out = '<flakefighterresults>';
  for (const e of t.executions) out += execution(e);
  return out + (t.results.length ? `<test>${verdicts(t.results)}</test>` : '<test />') + '</flakefighterresults>';
}

function execution(e: Execution): string {
  const open = `<execution${e.outcome === 'passed' ? ' outcome="passed"' : attr('outcome', e.outcome)}${timeAttr('starttime', e.startTime)}${timeAttr('endtime', e.endTime)}`;
  return e.results.length ? `${open}>${verdicts(e.results)}</execution>` : `${open} />`;
}

function verdicts(results: readonly { name: string; flaky: boolean }[]): string {
  let out = '';
  for (const r of results) out += verdictElement(r.name, r.flaky);
  return out;
}

/** isoMicros text needs no escaping. */
function timeAttr(name: string, d: Date | null): string {
  const iso = isoMicros(d);
  return iso === null ? '' : ` ${name}="${iso}"`;
}

function verdictElement(name: string, flaky: boolean): string {
  const el = elementName(name);
  return `<${el}>${flaky ? 'flaky' : 'genuine'}</${el}>`;
}
