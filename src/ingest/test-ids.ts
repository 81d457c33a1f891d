/**
 * Test ids per JUnit dialect: one rule per writer (ID_RULES), built from the attributes that writer uses to tell
 * tests apart. Two testcases that get the same id here are either attempts of one test or occurrences the
 * writer did not tell apart; retries.ts decides which, per dialect.
 */
import { IdPaths, isAbsolutePath } from './id-paths.ts';
import type { JUnitDialect } from './junit-dialect.ts';
import { pytestNodeId } from './pytest-ids.ts';
import type { SourceFiles } from './source-files.ts';
import { StringIndex } from './string-index.ts';
import { resolveJavaSource } from './tracebacks.ts';
import { flatCopy, type XmlElement } from './xml-scan.ts';

/** What the enclosing `<testsuite>` elements say about a testcase. */
export interface SuiteScope {
  /** The innermost suite's name ('' when none). */
  name: string;
  /** The innermost suite's `file` attribute, if any. */
  file: string | null;
  /** The innermost suite's `hostname` attribute, if any (Playwright writes the project there). */
  hostname: string | null;
}

export interface TestIdentity {
  id: string;
  /** Absolute path of the test's file where known, else ''. */
  fspath: string;
  /** True when `id` is already one flat string of its own (joined, not built by `+` nor a view into another string). */
  flat?: boolean;
}

/** Per-report state: the lookups hit the file system, so they are cached per distinct classname. */
export class IdContext {
  /** pytest: classname (and file attribute) → the nodeid's module and class prefix and the module's path. */
  readonly pytestKeys = new StringIndex();
  readonly pytestPrefixes: { prefix: string; fspath: string }[] = [];
  /** The last testcase's key and number there: pytest writes a class's tests one after another. */
  lastPytestKey: string | null = null;
  lastPytest = -1;
  readonly javaCache = new Map<string, string>();
  /** Playwright spec (as written) → its file under one of the usual testDirs, or ''. */
  readonly specCache = new Map<string, string>();
  readonly paths: IdPaths;
  constructor(readonly files: SourceFiles) {
    this.paths = new IdPaths(files);
  }
}

export type IdRule = (tc: XmlElement, scope: SuiteScope, ctx: IdContext) => TestIdentity;

const nameOf = (tc: XmlElement): string => tc.attrs.name ?? '';
const classnameOf = (tc: XmlElement): string => tc.attrs.classname ?? tc.attrs.class ?? '';

/** The `file` attribute of the testcase, else of its suite, as an absolute path ('' when neither says). */
function fileFspath(tc: XmlElement, scope: SuiteScope, ctx: IdContext): string {
  const fileAttr = tc.attrs.file ?? scope.file ?? undefined;
  return fileAttr ? (isAbsolutePath(fileAttr) ? fileAttr : ctx.files.abs(fileAttr)) : '';
}

/** `classname.name`, or `name` alone when it already starts with the classname, or `file::name` without one. */
function classnameDotName(tc: XmlElement, scope: SuiteScope, ctx: IdContext, fspath: string): TestIdentity {
  const name = nameOf(tc);
  const classname = classnameOf(tc);
  if (classname) {
    if (name === classname || name.startsWith(classname + '.')) return { id: name, fspath };
    return { id: [classname, '.', name].join(''), fspath, flat: true };
  }
  const fileAttr = tc.attrs.file ?? scope.file ?? undefined;
  if (fileAttr) return { id: `${ctx.paths.of(fileAttr).rel}::${name}`, fspath };
  return { id: scope.name ? `${scope.name}::${name}` : name, fspath };
}

/** pytest: the nodeid, rebuilt from the dotted classname by finding which prefix is a module file under root. */
function pytestId(tc: XmlElement, _scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc);
  const classname = classnameOf(tc);
  const key = pytestKey(classname, tc.attrs.file);
  const n = key === ctx.lastPytestKey ? ctx.lastPytest : ctx.pytestKeys.findOrAdd(key);
  let r: { prefix: string; fspath: string };
  if (n >= 0) {
    r = ctx.pytestPrefixes[n];
  } else {
    // Copies of their own: the attributes are views into the file's text (see junit.ts), which must not reach the
    // caches of SourceFiles (it outlives this file), and which split reads more slowly.
    const file = tc.attrs.file;
    const id = pytestNodeId(flatCopy(classname), '\u0000', ctx.files, file === undefined ? undefined : flatCopy(file));
    r = { prefix: id.nodeid.slice(0, -1), fspath: id.resolved && id.file ? ctx.files.abs(id.file) : '' };
    ctx.pytestPrefixes.push(r);
  }
  ctx.lastPytestKey = key;
  ctx.lastPytest = n >= 0 ? n : -1 - n;
  return { id: [r.prefix, name].join(''), fspath: r.fspath, flat: true };
}

/**
 * The classname (and file attribute) as one key that no other pair gives: the classname itself in the common case;
 * else marked by a leading NUL, which such a classname cannot start with, and split by the classname's length, since
 * a decoded `&#0;` may put a NUL in either part (`x\0y` alone and `x` in file `y` are two tests, never one).
 */
function pytestKey(classname: string, file: string | undefined): string {
  if (file === undefined) return classname.indexOf('\u0000') === -1 ? classname : '\u0000n' + classname;
  return `\u0000f${classname.length}\u0000${classname}${file}`;
}

/** A file attribute as it goes into an id, and the file's absolute path (under root when found there). */
function fileOf(written: string, ctx: IdContext): { rel: string; fspath: string } {
  const p = ctx.paths.of(written);
  return { rel: p.rel, fspath: p.abs || (isAbsolutePath(written) ? written : '') };
}

/** mocha-junit-reporter: `<testsuite file>`; name is the full title (suites included), classname the test's own. */
function mochaId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc);
  const written = tc.attrs.file ?? scope.file;
  if (!written) return { id: name, fspath: '' };
  const f = fileOf(written, ctx);
  return { id: `${f.rel} › ${name}`, fspath: f.fspath };
}

/**
 * mocha's built-in xunit reporter: classname is the describe chain (joined by spaces), name the test's own
 * title, `file` the spec file. The id is the one mocha-junit-reporter gives: `file › full title`.
 */
function mochaXunitId(tc: XmlElement, _scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc);
  const classname = classnameOf(tc);
  const title = classname ? `${classname} ${name}` : name;
  if (!tc.attrs.file) return { id: title, fspath: '' };
  const f = fileOf(tc.attrs.file, ctx);
  return { id: `${f.rel} › ${title}`, fspath: f.fspath };
}

/** Suite names jest-junit writes that name no file: the first describe's title, or `undefined`. */
const looksLikeSpecPath = (s: string): boolean => /^\S+\.(?:[cm]?[jt]sx?)$/.test(s);

/**
 * jest-junit: the `file` attribute (addFileAttribute), else the suite name when it is a path
 * (suiteNameTemplate "{filepath}"); never the default suite name, which is the first describe's title (or
 * `undefined`) and so says nothing about which file the test is in. Then the classname when it adds to the
 * name (custom templates), and the name, trimmed (the default template leaves a space when there is no describe).
 */
function jestJunitId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc).trim();
  const classname = classnameOf(tc).trim();
  const written = tc.attrs.file ?? (looksLikeSpecPath(scope.name) ? scope.name : null);
  const parts: string[] = [];
  let fspath = '';
  if (written) {
    const f = fileOf(written, ctx);
    parts.push(f.rel);
    fspath = f.fspath;
  }
  if (classname && classname !== name && !name.startsWith(classname + ' ')) parts.push(classname);
  parts.push(name);
  return { id: parts.join(' › '), fspath };
}

/**
 * Playwright's JUnit reporter: one `<testsuite>` per project and spec file, the project's name in
 * `hostname`, the spec file (relative to testDir) in the suite name and classname, the describe chain and
 * title in the name (`[project] ` in front with includeProjectInTestName). The same test in two projects is
 * two tests: `[firefox] › login.spec.ts › logs in`.
 */
function playwrightId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  const project = scope.hostname ?? '';
  let name = nameOf(tc);
  if (project && name.startsWith(`[${project}] `)) name = name.slice(project.length + 3);
  const spec = (classnameOf(tc) || scope.name).replace(/\\/g, '/');
  const f = spec ? ctx.paths.of(spec) : null;
  const fspath = f?.abs || (spec ? findSpec(spec, ctx) : '');
  const id = [project ? `[${project}]` : '', f?.rel ?? '', name].filter((p) => p !== '').join(' › ');
  return { id, fspath };
}

/** Playwright writes spec paths relative to its testDir; the usual testDirs are tried under root (once per spec: every testcase names one). */
function findSpec(spec: string, ctx: IdContext): string {
  let found = ctx.specCache.get(spec);
  if (found === undefined) {
    ctx.specCache.set(spec, (found = findSpecFile(flatCopy(spec), ctx)));
  }
  return found;
}

/** `spec` must be a string of its own: the lookups are cached by SourceFiles, which outlives this file's text. */
function findSpecFile(spec: string, ctx: IdContext): string {
  for (const dir of ['tests', 'test', 'e2e', 'src', ...ctx.files.topLevelDirs()]) {
    if (ctx.files.isFile(`${dir}/${spec}`)) return ctx.files.abs(`${dir}/${spec}`);
  }
  return '';
}

/** JVM writers: `classname.name`; the source file is looked up under the usual source roots. */
function jvmId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  let fspath = fileFspath(tc, scope, ctx);
  const classname = classnameOf(tc);
  if (!fspath && classname) {
    let src = ctx.javaCache.get(classname);
    if (src === undefined) {
      // A copy of its own: the file lookups are cached by SourceFiles, which outlives this file's text.
      const top = flatCopy(classname).replace(/\$.*$/, '');
      const simple = top.split('.').pop();
      const rel = resolveJavaSource(top, `${simple}.java`, ctx.files) ?? resolveJavaSource(top, `${simple}.kt`, ctx.files);
      src = rel ? ctx.files.abs(rel) : '';
      ctx.javaCache.set(classname, src);
    }
    fspath = src;
  }
  return classnameDotName(tc, scope, ctx, fspath);
}

/** Writers whose classname and name are the id as they stand (the generic xunit layout, and any other writer). */
function classnameId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export const ID_RULES: Record<JUnitDialect, IdRule> = {
  pytest: pytestId,
  'pytest-flakefighters': pytestId,
  'python-xmlrunner': classnameId,
  'jest-junit': jestJunitId,
  mocha: mochaId,
  'mocha-xunit': mochaXunitId,
  playwright: playwrightId,
  'maven-surefire': jvmId,
  'maven-failsafe': jvmId,
  gradle: jvmId,
  testng: jvmId,
  'go-junit-report': classnameId,
  gotestsum: classnameId,
  phpunit: classnameId,
  'nette-tester': classnameId,
  'dotnet-junit': classnameId,
  eslint: classnameId,
  xunit: classnameId,
};
