/**
 * pytest's JUnit writes `classname="tests.test_x.TestA" name="test_b"`; the plugin's test id is the nodeid
 * `tests/test_x.py::TestA::test_b`. The dotted classname does not say where the module ends and the classes
 * begin, so we ask the file system which prefix is a module file under root.
 */
import type { SourceFiles } from './source-files.ts';

export interface PytestId {
  nodeid: string;
  /** Module file relative to root, or null when it could not be found or guessed. */
  file: string | null;
  /** True when the module was found on disk (or given by a `file` attribute). */
  resolved: boolean;
}

export function pytestNodeId(classname: string, name: string, files: SourceFiles, fileAttr?: string): PytestId {
  const parts = classname ? classname.split('.') : [];
  // Longest module prefix first: `tests.test_x` beats `tests` when both `tests.py` and `tests/test_x.py` exist.
  for (let k = longestCandidate(parts, files); k >= 1; k--) {
    const rel = parts.slice(0, k).join('/') + '.py';
    if (files.isFile(rel)) return { nodeid: [rel, ...parts.slice(k), name].join('::'), file: rel, resolved: true };
  }
  if (fileAttr) {
    const rel = files.relativeToRoot(fileAttr);
    const modParts = rel.replace(/\.py$/, '').split('/');
    // classname repeats the module path; what follows it is the class chain.
    let k = 0;
    while (k < modParts.length && k < parts.length && parts[k] === modParts[k]) k++;
    const classes = k === modParts.length ? parts.slice(k) : parts.filter((p) => /^[A-Z]/.test(p));
    return { nodeid: [rel, ...classes, name].join('::'), file: rel, resolved: true };
  }
  if (parts.length === 0) return { nodeid: name, file: null, resolved: false };
  // Guess: trailing CapWords segments are classes (pytest collects `Test*` classes), the rest is the module.
  // Better than the plugin's own guess (first segment + `.py`), which breaks for any test in a subdirectory.
  let m = parts.length;
  while (m > 1 && /^[A-Z]/.test(parts[m - 1])) m--;
  const rel = parts.slice(0, m).join('/') + '.py';
  return { nodeid: [rel, ...parts.slice(m), name].join('::'), file: rel, resolved: false };
}

/**
 * The longest module prefix whose folder is there: `tests/pkg/test_x/TestA.py` (asked for every distinct classname)
 * can only exist when `tests/pkg/test_x` does, and the few folders, shared by every class, are asked first instead of
 * a file lookup per class. Segments that a path join would rewrite (empty, `/`, `\\`) keep every candidate.
 */
function longestCandidate(parts: readonly string[], files: SourceFiles): number {
  let dir = '';
  let depth = 0;
  for (; depth < parts.length - 1; depth++) {
    const part = parts[depth];
    if (part === '' || part.includes('/') || part.includes('\\')) return parts.length;
    const next = depth === 0 ? part : `${dir}/${part}`;
    if (!files.isDirRel(next)) break;
    dir = next;
  }
  // No classname, no candidate: `.py` alone is not a module of it.
  return Math.min(depth + 1, parts.length);
}
