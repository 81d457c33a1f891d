/**
 * Traceback frames from the failure text of a report. Frames keep the text's own order (Python and pytest:
 * outermost first; Java, JavaScript, .NET: innermost first) since they are only compared with frames read the
 * same way. Test-framework and runtime frames are left out, so what is kept is the test's and the code's.
 * `lineno` is 0-based as the plugin stores it (report text is 1-based); `colno` is 1-based where the text has one.
 */
import type { TracebackFrame } from '../model.ts';
import { readFileSync } from 'node:fs';
import { SourceFiles } from './source-files.ts';

export type Language = 'python' | 'java' | 'javascript' | 'go' | 'dotnet' | 'php' | 'ruby' | 'dart';

export interface ExtractedException {
  name: string;
  frames: TracebackFrame[];
}

const filesByRoot = new Map<string, SourceFiles>();
function filesFor(root: string | SourceFiles): SourceFiles {
  if (typeof root !== 'string') return root;
  let f = filesByRoot.get(root);
  if (!f) {
    f = new SourceFiles(root);
    filesByRoot.set(root, f);
  }
  return f;
}

const lastSegment = (qualified: string): string => {
  const parts = qualified.split(/[.\\]/);
  return parts[parts.length - 1] || qualified;
};

/** `java.lang.AssertionError` → `AssertionError`, `AssertionError [ERR_ASSERTION]` → `AssertionError`. */
export function shortExceptionName(raw: string): string {
  return lastSegment(raw.replace(/\s*\[[A-Z_]+\]\s*$/, '').trim());
}

// ---- Python -------------------------------------------------------------------------------------

const PY_FILE_LINE = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$/;
const PY_EXC_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|Failure|Warning|Exit|Interrupt|Iteration|Group)|[A-Za-z_][\w.]*\.[A-Z]\w*|AssertionError)(?::|$)/;
// pytest long/short repr: a location line `path.py:47: ` / `path.py:39: in func` / `path.py:43: ValueError`.
const PYTEST_LOC = /^(\S[^:]*?\.py):(\d+): ?(.*)$/;
const PYTEST_SEP = /^(?:_ )+_?\s*$/;

function pythonFrames(text: string, files: SourceFiles): ExtractedException | null {
  const lines = text.split('\n');
  const frames: TracebackFrame[] = [];
  let name: string | null = null;
  let sawStd = false;
  for (let i = 0; i < lines.length; i++) {
    const m = PY_FILE_LINE.exec(lines[i]);
    if (m) {
      sawStd = true;
      const next = lines[i + 1];
      const stmt = next !== undefined && /^\s{4,}\S/.test(next) && !PY_FILE_LINE.test(next) ? next.trim() : null;
      frames.push({ path: files.relativeToRoot(m[1]), lineno: Number(m[2]) - 1, colno: null, statement: stmt });
      continue;
    }
    if (sawStd && !/^\s/.test(lines[i])) {
      const e = PY_EXC_LINE.exec(lines[i]);
      if (e) name = e[1];
    }
  }
  if (sawStd) return { name: shortExceptionName(name ?? 'Exception'), frames };

  // pytest's own representation: sections separated by `_ _ _` lines, each ending with a location line.
  let stmt: string | null = null;
  let shortStmtNext = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (PYTEST_SEP.test(line)) { stmt = null; continue; }
    if (line.startsWith('>')) { stmt = line.slice(4).replace(/\s+$/, ''); continue; }
    if (shortStmtNext) {
      shortStmtNext = false;
      if (/^\s+\S/.test(line)) {
        frames[frames.length - 1].statement = line.replace(/\s+$/, '');
        continue;
      }
    }
    const loc = PYTEST_LOC.exec(line);
    if (loc) {
      const tail = loc[3].trim();
      frames.push({ path: files.relativeToRoot(loc[1]), lineno: Number(loc[2]) - 1, colno: null, statement: stmt });
      stmt = null;
      if (tail.startsWith('in ')) shortStmtNext = true;
      else if (tail) name = tail;
      continue;
    }
    const e = /^E\s+([A-Za-z_][\w.]*)(?::|$)/.exec(line);
    if (e && name === null && /(?:Error|Exception|Failure|Exit)$/.test(e[1])) name = e[1];
  }
  if (frames.length === 0) return null;
  return { name: shortExceptionName(name ?? 'AssertionError'), frames };
}

// ---- Java ---------------------------------------------------------------------------------------

const JAVA_AT = /^\s*at\s+(?:[\w.$@-]*\/)*([\w$.]+)\.([\w$<>]+)\(([^():]+):(\d+)\)/;
const JAVA_EXC = /^\s*(?:Caused by:\s*)?([a-zA-Z_$][\w$]*(?:\.[\w$]+)+|[A-Z][\w$]*(?:Error|Exception))(?::|\s*$)/;
const JAVA_FRAMEWORK = /^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|org\.junit|junit|org\.testng|org\.apache\.maven\.surefire|org\.gradle|org\.opentest4j|org\.assertj|org\.hamcrest|org\.mockito|worker\.org\.gradle)\./;
const SOURCE_ROOTS = ['src/test/java', 'src/main/java', 'src/test/kotlin', 'src/main/kotlin', 'src/integrationTest/java', 'src/it/java', 'src', 'test', 'tests', ''];
const javaPathCache = new WeakMap<SourceFiles, Map<string, string>>();

/** The source file of a JVM class under root (`a.b.C` + `C.java`), or null when no unique file is found. */
export function resolveJavaSource(className: string, fileName: string, files: SourceFiles): string | null {
  const want = [...className.split('.').slice(0, -1), fileName].join('/');
  const path = javaPath(className, fileName, files);
  return path === want && !files.isFile(want) ? null : path;
}

function javaPath(className: string, fileName: string, files: SourceFiles): string {
  const pkg = className.split('.').slice(0, -1);
  const want = [...pkg, fileName].join('/');
  let cache = javaPathCache.get(files);
  if (!cache) javaPathCache.set(files, (cache = new Map()));
  const hit = cache.get(want);
  if (hit !== undefined) return hit;
  const found = new Set<string>();
  for (const sr of SOURCE_ROOTS) {
    const rel = sr ? `${sr}/${want}` : want;
    if (files.isFile(rel)) found.add(rel);
  }
  if (found.size === 0) {
    for (const mod of files.topLevelDirs()) {
      for (const sr of SOURCE_ROOTS.slice(0, 7)) {
        const rel = `${mod}/${sr}/${want}`;
        if (files.isFile(rel)) found.add(rel);
      }
    }
  }
  const path = found.size === 1 ? [...found][0] : want;
  cache.set(want, path);
  return path;
}

function javaFrames(text: string, files: SourceFiles): ExtractedException | null {
  const lines = text.split('\n');
  const frames: TracebackFrame[] = [];
  let name: string | null = null;
  for (const line of lines) {
    const m = JAVA_AT.exec(line);
    if (m) {
      const cls = m[1];
      if (JAVA_FRAMEWORK.test(cls + '.')) continue;
      frames.push({ path: javaPath(cls.replace(/\$.*$/, ''), m[3], files), lineno: Number(m[4]) - 1, colno: null, statement: null });
      continue;
    }
    if (name === null) {
      const e = JAVA_EXC.exec(line);
      if (e && !/^\s*at\s/.test(line)) name = e[1];
    }
  }
  if (frames.length === 0 && name === null) return null;
  return { name: shortExceptionName(name ?? 'AssertionError'), frames };
}

// ---- JavaScript / TypeScript --------------------------------------------------------------------

const JS_AT = /^\s*at\s+(?:(?:async\s+)?(.*?)\s+\()?((?:file:\/\/)?(?:[A-Za-z]:[\\/]|\/|\.{0,2}[\w@.-]*[\\/])?[^():]*?):(\d+):(\d+)\)?\s*$/;
const JS_EXC = /^\s*(?:[●✕×]\s*)?([A-Z][\w$]*(?:Error|Exception)?)(?:\s*\[[A-Z_]+\])?:\s/;

function jsPath(raw: string, files: SourceFiles): string {
  let p = raw;
  if (p.startsWith('file://')) {
    try {
      p = decodeURIComponent(new URL(p).pathname);
      if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1);
    } catch {
      /* keep as written */
    }
  }
  return files.relativeToRoot(p);
}

function jsFrames(text: string, files: SourceFiles): ExtractedException | null {
  const lines = text.split('\n');
  const frames: TracebackFrame[] = [];
  let name: string | null = null;
  for (const line of lines) {
    const m = JS_AT.exec(line);
    if (m) {
      const file = m[2];
      if (!file || /(?:^|[\\/])node_modules[\\/]|^node:|^internal[\\/]|^<anonymous>$|^native$/.test(file)) continue;
      frames.push({ path: jsPath(file, files), lineno: Number(m[3]) - 1, colno: Number(m[4]), statement: null });
      continue;
    }
    if (name === null) {
      const e = JS_EXC.exec(line);
      if (e) name = e[1];
    }
  }
  if (frames.length === 0) return null;
  return { name: shortExceptionName(name ?? 'Error'), frames };
}

// ---- Go -----------------------------------------------------------------------------------------

const GO_MSG = /^\s*([\w./-]+\.go):(\d+): /;
const GO_PANIC_FRAME = /^\t(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/;

function goFrames(text: string, files: SourceFiles): ExtractedException | null {
  const panic = /^panic: /m.test(text);
  const frames: TracebackFrame[] = [];
  for (const line of text.split('\n')) {
    const p = GO_PANIC_FRAME.exec(line);
    if (p) {
      if (/\/src\/(?:runtime|testing|reflect)\/|\/go\/pkg\/mod\/golang.org\/toolchain/.test(p[1])) continue;
      frames.push({ path: files.relativeToRoot(p[1]), lineno: Number(p[2]) - 1, colno: null, statement: null });
      continue;
    }
    if (!panic) {
      const m = GO_MSG.exec(line);
      if (m) frames.push({ path: files.relativeToRoot(m[1]), lineno: Number(m[2]) - 1, colno: null, statement: null });
    }
  }
  if (frames.length === 0 && !panic) return null;
  return { name: panic ? 'panic' : 'Failure', frames };
}

// ---- .NET ---------------------------------------------------------------------------------------

const NET_AT = /^\s*at\s+([\w.`<>$+]+)\.([\w<>`$|]+)\(.*?\)\s+in\s+(.+?):line\s+(\d+)\s*$/;
const NET_EXC = /^\s*([A-Za-z_][\w.]*(?:Exception|Error))\b/;
const NET_FRAMEWORK = /^(?:NUnit\.Framework|Xunit|Microsoft\.VisualStudio\.TestTools|System|FluentAssertions|Shouldly)\./;

function dotnetFrames(text: string, files: SourceFiles): ExtractedException | null {
  const frames: TracebackFrame[] = [];
  let name: string | null = null;
  for (const line of text.split('\n')) {
    const m = NET_AT.exec(line);
    if (m) {
      if (NET_FRAMEWORK.test(m[1] + '.')) continue;
      frames.push({ path: files.relativeToRoot(m[3].trim()), lineno: Number(m[4]) - 1, colno: null, statement: null });
      continue;
    }
    if (name === null && !/^\s*at\s/.test(line)) {
      const e = NET_EXC.exec(line);
      if (e) name = e[1];
    }
  }
  if (frames.length === 0) return null;
  return { name: shortExceptionName(name ?? 'Exception'), frames };
}

// ---- PHP ----------------------------------------------------------------------------------------

const PHP_LOC = /^\s*(?:at\s+)?((?:[A-Za-z]:\\|\/)\S*?\.phpt?)(?::(\d+)|\((\d+)\))\s*$/;

function phpFrames(text: string, files: SourceFiles): ExtractedException | null {
  const frames: TracebackFrame[] = [];
  for (const line of text.split('\n')) {
    const m = PHP_LOC.exec(line);
    if (!m || /[\\/]vendor[\\/]/.test(m[1])) continue;
    frames.push({ path: files.relativeToRoot(m[1]), lineno: Number(m[2] ?? m[3]) - 1, colno: null, statement: null });
  }
  if (frames.length === 0) return null;
  return { name: 'Failure', frames };
}

// ---- Ruby ---------------------------------------------------------------------------------------

// `./lib/cart.rb:11:in 'call'` (Ruby 3.4 quotes) or `` `call' `` (older); `from` lines in a plain backtrace.
const RUBY_AT = /^\s*(?:from\s+)?(.+?\.(?:rb|rake|ru|erb)):(\d+)(?::in\s+[`'].*')?\s*$/;
const RUBY_FRAMEWORK = /(?:^|\/)(?:gems|bundle|rubygems|lib\/ruby)\/|^<internal:|^\(eval\)/;

function rubyFrames(text: string, files: SourceFiles): ExtractedException | null {
  const frames: TracebackFrame[] = [];
  for (const line of text.split('\n')) {
    const m = RUBY_AT.exec(line);
    if (!m || RUBY_FRAMEWORK.test(m[1])) continue;
    frames.push({ path: files.relativeToRoot(m[1].replace(/^(?:\.\/)+/, '')), lineno: Number(m[2]) - 1, colno: null, statement: null });
  }
  if (frames.length === 0) return null;
  return { name: 'Failure', frames };
}

// ---- Dart ---------------------------------------------------------------------------------------

// Terse traces (package:stack_trace, what `dart test` prints): `test/cart_test.dart 13:9  main.<fn>`.
const DART_TERSE = /^(\S+)\s+(\d+)(?::(\d+))?\s+\S/;
// VM traces: `#0      main.<anonymous closure> (file:///app/test/cart_test.dart:13:9)`.
const DART_VM = /^#\d+\s+.*?\((.+?):(\d+)(?::(\d+))?\)\s*$/;
const dartPackages = new WeakMap<SourceFiles, string | null>();

/** The project's own package name (pubspec.yaml `name:`): its `package:` frames are its lib/ files. */
function dartPackage(files: SourceFiles): string | null {
  let name = dartPackages.get(files);
  if (name === undefined) {
    name = null;
    try {
      name = /^name:\s*['"]?([\w]+)/m.exec(readFileSync(files.abs('pubspec.yaml'), 'utf8'))?.[1] ?? null;
    } catch {
      /* no pubspec under root */
    }
    dartPackages.set(files, name);
  }
  return name;
}

function dartPath(raw: string, files: SourceFiles): string | null {
  if (raw.startsWith('dart:')) return null;
  if (raw.startsWith('package:')) {
    const own = dartPackage(files);
    return own !== null && raw.startsWith(`package:${own}/`) ? `lib/${raw.slice(own.length + 9)}` : null;
  }
  return jsPath(raw, files).replace(/\\/g, '/');
}

function dartFrames(text: string, files: SourceFiles): ExtractedException | null {
  const frames: TracebackFrame[] = [];
  for (const line of text.split('\n')) {
    const m = DART_VM.exec(line) ?? DART_TERSE.exec(line);
    if (!m) continue;
    const path = dartPath(m[1], files);
    if (path === null) continue;
    frames.push({ path, lineno: Number(m[2]) - 1, colno: m[3] ? Number(m[3]) : null, statement: null });
  }
  if (frames.length === 0) return null;
  return { name: 'TestFailure', frames };
}

const EXTRACTORS: Record<Language, (t: string, f: SourceFiles) => ExtractedException | null> = {
  ruby: rubyFrames,
  dart: dartFrames,
  python: pythonFrames,
  java: javaFrames,
  javascript: jsFrames,
  go: goFrames,
  dotnet: dotnetFrames,
  php: phpFrames,
};

/** Guesses the language of a failure text from the shape of its frames (for generic JUnit). */
export function guessLanguage(text: string): Language | null {
  if (/^\s*File "[^"]+", line \d+/m.test(text) || /^\S[^:\n]*\.py:\d+: /m.test(text)) return 'python';
  if (/^\s*at\s+\S+\(.+\)\s+in\s+.+:line\s+\d+/m.test(text)) return 'dotnet';
  if (/^\s*at\s+[\w$.]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)/m.test(text)) return 'java';
  if (/^\s*at\s+.*:\d+:\d+\)?\s*$/m.test(text)) return 'javascript';
  if (/^\s*[\w./-]+\.go:\d+: /m.test(text) || /^panic: /m.test(text)) return 'go';
  if (/\.phpt?(?::\d+|\(\d+\))\s*$/m.test(text)) return 'php';
  return null;
}

/**
 * What extractFrames read, under the report's own exception name when it gives one (reports name the type
 * better than a trace does; pytest's name none): the name alone when no frame was read, null when neither.
 */
export function withReportedName(exc: ExtractedException | null, name: string | null): ExtractedException | null {
  if (exc === null) return name === null ? null : { name, frames: [] };
  if (name !== null) exc.name = name;
  return exc;
}

/**
 * Exception name and frames from a failure text, or null when the text has no frames we recognise.
 * `root` may be a SourceFiles to share its lookup cache with the caller.
 */
export function extractFrames(text: string, language: Language | null | undefined, root: string | SourceFiles): ExtractedException | null {
  if (!text) return null;
  const files = filesFor(root);
  const lang = language ?? guessLanguage(text);
  if (lang === null) return null;
  const got = EXTRACTORS[lang](text.replace(/\r\n?/g, '\n'), files);
  if (got !== null || language == null) return got;
  // The dialect's language did not match (e.g. a Java project's report carrying a Python traceback).
  const other = guessLanguage(text);
  return other !== null && other !== lang ? EXTRACTORS[other](text.replace(/\r\n?/g, '\n'), files) : null;
}
