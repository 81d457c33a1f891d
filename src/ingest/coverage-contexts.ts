/**
 * Context names as the tools write them, made into test ids:
 * - pytest-cov's `--cov-context=test` writes `<nodeid>|setup`, `|run` and `|teardown`: merged into `<nodeid>`.
 * - A static context (`coverage run --context=ci`) combined with dynamic ones (`ci|<dynamic>`) is stripped.
 * - pytest-flakefighters switches its own Coverage to `re.escape(nodeid) + "__" + <attempt>` for each
 *   attempt's call phase (plugin.py `context(item)`, `item.execution_count` counting 1, 2, … over the
 *   plugin's reruns) and to `collection` while pytest collects. The escape is undone here and only
 *   here, so the name reads `<nodeid>__<attempt>`; `collection` is the global context, like coverage.py's `''`.
 *   A nodeid may hold backslashes of its own (pytest's ascii_escaped parametrize ids: `x\\y` for a
 *   backslash, `caf\xe9`, `x\ny` for a newline), so a name already read must never be unescaped again.
 */
import { addLines, type RawCoverage } from './coverage-raw.ts';

const PHASE_SUFFIX = /\|(?:run|setup|teardown)$/;
/** The plugin's per-attempt context: a nodeid (always holds `::`) and `__<attempt>`. */
const PLUGIN_CONTEXT = /^(.*::.*)__([1-9]\d*)$/;
/** The plugin's context while pytest collects (imports, class and def lines). */
const PLUGIN_COLLECTION_CONTEXT = 'collection';

/** A context that names a test: a pytest-cov phase or a nodeid. */
export function isTestShaped(name: string): boolean {
  return PHASE_SUFFIX.test(name) || name.includes('::');
}

/** The plugin's name as coverage.py stored it: `tests/test_x\.py::T::test_a__2` → { nodeid: 'tests/test_x.py::T::test_a', attempt: 2 }; null for other names. */
export function parsePluginContext(name: string): { nodeid: string; attempt: number } | null {
  const split = splitAttempt(name);
  return split && { nodeid: unescapeRegex(split.nodeid), attempt: split.attempt };
}

/** A name normaliseContexts gave back: `tests/test_x.py::T::test_a__2` → { nodeid: 'tests/test_x.py::T::test_a', attempt: 2 }; already unescaped. */
export function splitAttempt(name: string): { nodeid: string; attempt: number } | null {
  const m = PLUGIN_CONTEXT.exec(name);
  return m ? { nodeid: m[1], attempt: Number(m[2]) } : null;
}

/** Undoes Python's re.escape, which put one backslash before each special character (a backslash among them). */
function unescapeRegex(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/gs, '$1') : s;
}

/**
 * Merges pytest-cov's phases into one context per test, drops a static context label, reads the
 * plugin's names (`collection` becomes the global context). With `coverage run --context=S` and
 * dynamic contexts, coverage.py names them `S` and `S|<dynamic>`.
 */
export function normaliseContexts(byContext: RawCoverage['byContext']): RawCoverage['byContext'] {
  const names = [...byContext.keys()].filter((n) => n !== '');
  const staticLabel = findStaticLabel(names);
  const pluginNamed = names.some((n) => PLUGIN_CONTEXT.test(n));
  const out: RawCoverage['byContext'] = new Map();
  for (const [name, byFile] of byContext) {
    let n = name;
    if (staticLabel !== null) n = n === staticLabel ? '' : n.startsWith(`${staticLabel}|`) ? n.slice(staticLabel.length + 1) : n;
    if (pluginNamed && n === PLUGIN_COLLECTION_CONTEXT) n = '';
    const plugin = parsePluginContext(n);
    n = plugin ? `${plugin.nodeid}__${plugin.attempt}` : n.replace(PHASE_SUFFIX, '');
    // Even a context without files is kept: it still names a test (one with no line of its own).
    if (!out.has(n)) out.set(n, new Map());
    for (const [path, lines] of byFile) addLines(out, n, path, lines);
  }
  return out;
}

function findStaticLabel(names: string[]): string | null {
  // The label is what precedes the first '|' of a combined name; it must itself be a context.
  const combined = names.find((n) => n.includes('|'));
  if (combined === undefined) return null;
  const label = combined.slice(0, combined.indexOf('|'));
  if (label === '' || !names.includes(label)) return null;
  return names.every((n) => n === label || n.startsWith(`${label}|`)) ? label : null;
}
