/**
 * `go test -json` (test2json events, one JSON object a line; also gotestsum's `--jsonfile`). Each package's
 * tests and subtests are their own tests, with the parent in the id as go names them: `pkg.TestX/sub`, the
 * same id gotestsum's JUnit gives. A test run again in one stream (`-count=N`, gotestsum `--rerun-fails`) is
 * another attempt of that test, in stream order. The failure text is the test's own output. A stream that
 * stops early (the binary crashed, the job was cancelled, the file was cut) is read up to where it stops:
 * tests left running get an error saying so, and a package that failed without a failing test (a build
 * failure, a panic in TestMain or init, a timeout) is reported as a failing test `pkg.(package)`.
 * One pass over the lines; output is kept as arrays of lines and joined once per attempt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Execution, Outcome } from '../model.ts';
import { UserError } from '../store/store.ts';
import { streamLines } from './json-lines.ts';
import type { ParsedReport, ReportContext } from './junit.ts';
import { ReportPaths } from './report-paths.ts';
import { newExecution, parseTimestamp, TestCollector } from './test-collector.ts';
import { extractFrames } from './tracebacks.ts';

interface GoEvent {
  Time?: string;
  Action: string;
  Package?: string;
  ImportPath?: string;
  Test?: string;
  Output?: string;
  Elapsed?: number;
  FailedBuild?: string;
}

interface Attempt {
  output: string[];
  start: Date | null;
  end: Date | null;
  outcome: Outcome | null;
  /** Set when the test ran again before this attempt ended. */
  superseded?: boolean;
  /** Set when the package's test binary ended (a panic, a timeout, os.Exit) before this attempt did. */
  binaryEnded?: boolean;
}

interface GoTest {
  pkg: string;
  name: string;
  attempts: Attempt[];
  open: Attempt | null;
}

interface GoPackage {
  output: string[];
  result: 'pass' | 'fail' | 'skip' | null;
  buildFailed: boolean;
  end: Date | null;
}

/** The package's own lines that say nothing beyond its result. */
const PACKAGE_NOISE = /^(?:FAIL|PASS|ok  |ok\t|FAIL\t|\?\s)|^(?:coverage|testing): /;
/** test2json framing lines of a test's output. */
const FRAMING = /^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)\s|--- (?:PASS|FAIL|SKIP): )/;
const BUILD_FAILED = /^FAIL\s+(\S+) \[(build|setup) failed\]\s*$/;
const BUILD_HEADER = /^# (\S+)(?: \[.*\])?\s*$/;

/** True when a text that does not start with JSON still holds go test -json events (go writes build failures as plain lines first). */
export function looksLikeGoTestJson(text: string): boolean {
  const head = text.slice(0, 65536);
  // A run whose only package failed to build writes no event at all in go ≤ 1.23, just this line.
  return /^\{"Time":"[^"]*","Action":"|^\{"(?:Action|ImportPath)":"|^FAIL\s+\S+ \[(?:build|setup) failed\]\s*$/m.test(head);
}

function timeOf(ev: GoEvent): Date | null {
  return typeof ev.Time === 'string' ? parseTimestamp(ev.Time) : null;
}

/** The module path of root/go.mod, to turn the bare file names go prints (`calc_test.go:12:`) into paths. */
function modulePath(root: string): string | null {
  try {
    const m = /^module\s+("?)([^\s"]+)\1\s*$/m.exec(readFileSync(join(root, 'go.mod'), 'utf8'));
    return m ? m[2] : null;
  } catch {
    return null;
  }
}

function dedent(lines: string[]): string {
  let min = Infinity;
  for (const l of lines) {
    if (!l.trim()) continue;
    const n = l.length - l.replace(/^ +/, '').length;
    if (n < min) min = n;
  }
  const cut = Number.isFinite(min) ? min : 0;
  return lines.map((l) => l.slice(Math.min(cut, l.length - l.replace(/^ +/, '').length))).join('\n').replace(/\s+$/, '');
}

export function parseGoTestJson(text: string, ctx: ReportContext): ParsedReport {
  const warnings: string[] = [];
  const tests = new Map<string, GoTest>();
  const order: GoTest[] = [];
  /** Tests with an attempt still running, per package: closed when the package's binary ends. */
  const running = new Map<string, Set<GoTest>>();
  const runningIn = (pkg: string): Set<GoTest> => {
    let r = running.get(pkg);
    if (r === undefined) running.set(pkg, (r = new Set()));
    return r;
  };
  const packages = new Map<string, GoPackage>();
  const buildOutput = new Map<string, string[]>();
  let events = 0;
  let buildHeader: string | null = null;
  let strayLines = 0;

  const pkgOf = (name: string): GoPackage => {
    let p = packages.get(name);
    if (p === undefined) packages.set(name, (p = { output: [], result: null, buildFailed: false, end: null }));
    return p;
  };
  const testOf = (pkg: string, name: string): GoTest => {
    const key = pkg + '\u0000' + name;
    let t = tests.get(key);
    if (t === undefined) {
      t = { pkg, name, attempts: [], open: null };
      tests.set(key, t);
      order.push(t);
    }
    return t;
  };
  const openAttempt = (t: GoTest, start: Date | null): Attempt => {
    const a: Attempt = { output: [], start, end: null, outcome: null };
    t.attempts.push(a);
    t.open = a;
    runningIn(t.pkg).add(t);
    return a;
  };

  for (const { text: line, lineNo, last } of streamLines(text)) {
    if (line[0] !== '{') {
      // Plain lines: go's "FAIL pkg [build failed]" on stdout, and compiler errors when stderr was captured too.
      const bf = BUILD_FAILED.exec(line);
      if (bf) {
        pkgOf(bf[1]).buildFailed = true;
        pkgOf(bf[1]).result = 'fail';
        buildHeader = null;
        continue;
      }
      const h = BUILD_HEADER.exec(line);
      if (h) buildHeader = h[1];
      else if (buildHeader !== null) {
        let b = buildOutput.get(buildHeader);
        if (b === undefined) buildOutput.set(buildHeader, (b = []));
        b.push(line);
      } else strayLines++;
      continue;
    }
    let ev: GoEvent;
    try {
      ev = JSON.parse(line) as GoEvent;
    } catch {
      if (last) {
        warnings.push(`${ctx.file}: the go test -json stream is cut off at line ${lineNo} (an unfinished event); the events before it were read, and tests still running there are reported as errors.`);
        break;
      }
      strayLines++;
      continue;
    }
    if (typeof ev !== 'object' || ev === null || typeof ev.Action !== 'string') {
      strayLines++;
      continue;
    }
    events++;
    buildHeader = null;
    const time = timeOf(ev);
    if (ev.Action === 'build-output' || ev.Action === 'build-fail') {
      // go 1.24+: build errors as events, keyed by ImportPath.
      const ip = ev.ImportPath ?? '';
      if (ev.Action === 'build-output' && typeof ev.Output === 'string') {
        let b = buildOutput.get(ip);
        if (b === undefined) buildOutput.set(ip, (b = []));
        b.push(ev.Output.replace(/\n$/, ''));
      }
      continue;
    }
    const pkgName = typeof ev.Package === 'string' ? ev.Package : '';
    if (typeof ev.Test !== 'string' || ev.Test === '') {
      const p = pkgOf(pkgName);
      if (ev.Action === 'output' && typeof ev.Output === 'string') p.output.push(ev.Output.replace(/\n$/, ''));
      else if (ev.Action === 'pass' || ev.Action === 'fail' || ev.Action === 'skip') {
        p.result = ev.Action;
        p.end = time;
        // The binary is gone: a test still running got no result of its own (go ≤ 1.23 writes none after a timeout).
        const left = running.get(pkgName);
        if (left) {
          for (const t of left) if (t.open !== null) {
            t.open.binaryEnded = true;
            t.open = null;
          }
          left.clear();
        }
        if (ev.Action === 'fail' && typeof ev.FailedBuild === 'string' && ev.FailedBuild) {
          p.buildFailed = true;
          const b = buildOutput.get(ev.FailedBuild);
          if (b && ev.FailedBuild !== pkgName) buildOutput.set(pkgName, b);
        }
      }
      continue;
    }
    const t = testOf(pkgName, ev.Test);
    switch (ev.Action) {
      case 'run':
        // Another `run` of a test: -count=N or a rerun, i.e. another attempt (one still open never finished).
        if (t.open !== null) t.open.superseded = true;
        openAttempt(t, time);
        break;
      case 'output':
        if (typeof ev.Output === 'string') {
          const a = t.open ?? t.attempts[t.attempts.length - 1] ?? openAttempt(t, time);
          a.output.push(ev.Output.replace(/\n$/, ''));
        }
        break;
      case 'pass':
      case 'fail':
      case 'skip': {
        const a = t.open ?? openAttempt(t, null);
        a.outcome = ev.Action === 'pass' ? 'passed' : ev.Action === 'fail' ? 'failed' : 'skipped';
        a.end = time;
        // Framing lines are dropped now, so 100k passing tests do not keep their `=== RUN` lines alive.
        if (a.output.length) a.output = a.output.filter((l) => !FRAMING.test(l) || /^\s*--- FAIL/.test(l));
        if (a.start === null && time !== null && typeof ev.Elapsed === 'number' && ev.Elapsed >= 0) a.start = new Date(time.getTime() - ev.Elapsed * 1000);
        t.open = null;
        running.get(pkgName)?.delete(t);
        break;
      }
      default:
        // pause, cont, bench, start: nothing to record.
        break;
    }
  }
  if (events === 0 && ![...packages.values()].some((p) => p.buildFailed)) {
    throw new UserError(`${ctx.file}: no go test -json events in this file; write it with \`go test -json ./... > go.json\` (only stdout) or leave it out of test-results.`);
  }
  if (strayLines > 0) warnings.push(`${ctx.file}: ${strayLines} line(s) are not go test -json events (stderr mixed into the file?); they were skipped.`);

  const module = modulePath(ctx.root);
  const paths = new ReportPaths(ctx.files);
  const pkgDir = (pkg: string): string | null =>
    module === null ? null : pkg === module ? '' : pkg.startsWith(module + '/') ? pkg.slice(module.length + 1) : null;
  const exceptionOf = (report: string, pkg: string) => {
    const exc = extractFrames(report, 'go', ctx.files);
    if (exc === null) return null;
    const dir = pkgDir(pkg);
    for (const f of exc.frames) {
      // go prints the test's own messages with the file's base name only.
      if (dir !== null && !f.path.includes('/')) f.path = dir ? `${dir}/${f.path}` : f.path;
    }
    return paths.frames(exc);
  };

  // Parents whose own output is empty failed because a subtest did.
  const failedParents = new Set<string>();
  for (const t of order) {
    const slash = t.name.lastIndexOf('/');
    if (slash > 0 && t.attempts.some((a) => a.outcome === 'failed' || a.outcome === null)) failedParents.add(`${t.pkg}\u0000${t.name.slice(0, slash)}`);
  }
  const collector = new TestCollector();
  const failingPackages = new Set<string>();
  for (const t of order) {
    const executions: Execution[] = [];
    for (const a of t.attempts) {
      const outcome: Outcome = a.outcome ?? 'error';
      const own = a.output.filter((l) => !FRAMING.test(l));
      const body = dedent(own);
      const stdout = body || null;
      if (outcome === 'passed') {
        executions.push(newExecution('passed', { startTime: a.start, endTime: a.end, stdout }));
        continue;
      }
      if (outcome === 'skipped') {
        executions.push(newExecution('skipped', { startTime: a.start, endTime: a.end, stdout, report: body || 'None', message: body.split('\n')[0] || null }));
        continue;
      }
      failingPackages.add(t.pkg);
      let report = body;
      if (a.outcome === null) {
        const why = a.superseded
          ? 'no result: the test ran again before this attempt finished.'
          : a.binaryEnded
            ? 'no result: the test binary ended while this test ran (a panic, a -timeout or os.Exit; the output below says which).'
            : 'no result: the go test -json stream stops before this test finished (the test binary crashed or timed out, or the file was cut).';
        report = body ? `${why}\n${body}` : why;
      } else if (!report) {
        report = failedParents.has(`${t.pkg}\u0000${t.name}`) ? 'failed: a subtest failed' : (a.output.find((l) => /--- FAIL/.test(l))?.trim() ?? 'failed');
      }
      const lines = report.split('\n');
      const message = lines.find((l) => /^\s*panic: /.test(l))?.trim() ?? lines.find((l) => l.trim())?.trim() ?? null;
      executions.push(newExecution(outcome, { startTime: a.start, endTime: a.end, stdout, report, message, exception: exceptionOf(report, t.pkg) }));
    }
    // go names no file for a test; a failure's own frame in a _test.go file under root is the test's file.
    let fspath = '';
    for (const e of executions) {
      const f = e.exception?.frames.find((x) => x.path.endsWith('_test.go') && ctx.files.isFile(x.path));
      if (f) {
        fspath = ctx.files.abs(f.path);
        break;
      }
    }
    collector.add(`${t.pkg}.${t.name}`, fspath, null, executions);
  }

  for (const [name, p] of packages) {
    if (p.result !== 'fail' || failingPackages.has(name)) continue;
    const built = buildOutput.get(name) ?? [];
    const own = p.output.filter((l) => !PACKAGE_NOISE.test(l));
    const what = p.buildFailed ? 'build failed' : 'the package failed with no failing test (TestMain, init, a panic or a timeout?)';
    const detail = dedent(p.buildFailed ? built : own);
    const report = detail ? `${what}\n${detail}` : what;
    collector.add(`${name}.(package)`, '', null, [
      newExecution('error', { endTime: p.end, report, message: p.buildFailed ? `build failed: ${name}` : what, exception: exceptionOf(detail, name) }),
    ]);
  }
  return { dialect: 'go-test-json', tests: collector.tests(), warnings };
}
