/**
 * Test ids per JUnit dialect: one function per writer, built from the attributes that writer uses to tell
 * tests apart. Two testcases that get the same id here are either attempts of one test or occurrences the
 * writer did not tell apart; retries.ts decides which, per dialect.
 */
import type { JUnitDialect } from './junit-dialect.ts';
import { pytestNodeId } from './pytest-ids.ts';
import type { SourceFiles } from './source-files.ts';
import { resolveJavaSource } from './tracebacks.ts';
import type { XmlElement } from './xml-scan.ts';

/** What the enclosing `<testsuite>` elements say about a testcase. */
export interface SuiteScope {
  /** The innermost suite's name ('' when none). */
  name: string;
  /** The innermost suite's `file` attribute, if any. */
  file: string | null;
}

export interface TestIdentity {
  id: string;
  /** Absolute path of the test's file where known, else ''. */
  fspath: string;
  /** With `key`: id = group + key, where the group string is shared by many tests (see TestCollector.addIn). */
  group?: string;
  key?: string;
}

/** Per-report state: the lookups hit the file system, so they are cached per distinct classname. */
export class IdContext {
  readonly pytestCache = new Map<string, { prefix: string; fspath: string }>();
  readonly javaCache = new Map<string, string>();
  constructor(readonly files: SourceFiles) {}
}

export type IdRule = (tc: XmlElement, scope: SuiteScope, ctx: IdContext) => TestIdentity;

const isAbsolutePath = (p: string): boolean => /^(?:\/|[A-Za-z]:[\\/])/.test(p);

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
    return { id: `${classname}.${name}`, fspath };
  }
  const fileAttr = tc.attrs.file ?? scope.file ?? undefined;
  if (fileAttr) return { id: `${ctx.files.relativeToRoot(fileAttr)}::${name}`, fspath };
  return { id: scope.name ? `${scope.name}::${name}` : name, fspath };
}

/** pytest: the nodeid, rebuilt from the dotted classname by finding which prefix is a module file under root. */
export function pytestId(tc: XmlElement, _scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc);
  const classname = classnameOf(tc);
  const key = tc.attrs.file === undefined ? classname : classname + '\u0000' + tc.attrs.file;
  let r = ctx.pytestCache.get(key);
  if (r === undefined) {
    const id = pytestNodeId(classname, '\u0000', ctx.files, tc.attrs.file);
    r = { prefix: id.nodeid.slice(0, -1), fspath: id.resolved && id.file ? ctx.files.abs(id.file) : '' };
    ctx.pytestCache.set(key, r);
  }
  return { id: r.prefix + name, fspath: r.fspath, group: r.prefix, key: name };
}

export function pythonXmlrunnerId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

/** mocha-junit-reporter: name is the full title (suites included), classname only the test's own title. */
export function mochaId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc);
  const file = scope.file ?? '';
  return { id: file ? `${ctx.files.relativeToRoot(file)} › ${name}` : name, fspath: fileFspath(tc, scope, ctx) };
}

/** jest-junit: several spec files may share describe titles; the suite name (jest: the spec file) keeps ids apart. */
export function jestJunitId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  const name = nameOf(tc);
  const classname = classnameOf(tc);
  const parts = [scope.name];
  if (classname && classname !== name && !name.startsWith(classname + ' ')) parts.push(classname);
  parts.push(name);
  const rel = scope.name.replace(/\\/g, '/');
  const suiteFile = /\.(?:[cm]?[jt]sx?)$/.test(rel) && ctx.files.isFile(rel) ? ctx.files.abs(rel) : '';
  return { id: parts.filter((p) => p !== '').join(' › '), fspath: fileFspath(tc, scope, ctx) || suiteFile };
}

/** JVM writers: `classname.name`; the source file is looked up under the usual source roots. */
function jvmId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  let fspath = fileFspath(tc, scope, ctx);
  const classname = classnameOf(tc);
  if (!fspath && classname) {
    let src = ctx.javaCache.get(classname);
    if (src === undefined) {
      const top = classname.replace(/\$.*$/, '');
      const simple = top.split('.').pop();
      const rel = resolveJavaSource(top, `${simple}.java`, ctx.files) ?? resolveJavaSource(top, `${simple}.kt`, ctx.files);
      src = rel ? ctx.files.abs(rel) : '';
      ctx.javaCache.set(classname, src);
    }
    fspath = src;
  }
  return classnameDotName(tc, scope, ctx, fspath);
}

export function surefireId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return jvmId(tc, scope, ctx);
}

export function failsafeId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return jvmId(tc, scope, ctx);
}

export function gradleId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return jvmId(tc, scope, ctx);
}

export function testngId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return jvmId(tc, scope, ctx);
}

export function goJunitReportId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export function gotestsumId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export function phpunitId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export function netteTesterId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export function dotnetJunitId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export function eslintId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

/** Any other writer: the generic xunit layout. */
export function xunitId(tc: XmlElement, scope: SuiteScope, ctx: IdContext): TestIdentity {
  return classnameDotName(tc, scope, ctx, fileFspath(tc, scope, ctx));
}

export const ID_RULES: Record<JUnitDialect, IdRule> = {
  pytest: pytestId,
  'pytest-flakefighters': pytestId,
  'python-xmlrunner': pythonXmlrunnerId,
  'jest-junit': jestJunitId,
  mocha: mochaId,
  'maven-surefire': surefireId,
  'maven-failsafe': failsafeId,
  gradle: gradleId,
  testng: testngId,
  'go-junit-report': goJunitReportId,
  gotestsum: gotestsumId,
  phpunit: phpunitId,
  'nette-tester': netteTesterId,
  'dotnet-junit': dotnetJunitId,
  eslint: eslintId,
  xunit: xunitId,
};
