/**
 * Tests of several result files read in one step. The same id in two files is one test only when the later
 * file is a rerun of the earlier one's failures (every test in it failed in that one file); otherwise the
 * files are two runs of the same tests (matrix legs, shards of another configuration), and each copy is
 * its own test, named after the part of its file's path that tells the files apart.
 */
import { addResults, isFailing, type Test } from '../model.ts';

export interface FileTests {
  /** The file as shown to the user (relative to the workspace). */
  display: string;
  tests: Test[];
}

export interface CombinedTests {
  tests: Test[];
  notices: string[];
}

const failedLast = (t: Test): boolean => t.executions.length > 0 && isFailing(t.executions[t.executions.length - 1].outcome);

/**
 * The part of each path that tells the files apart: common leading and trailing path segments are left
 * out, and a common extension. `reports/py3.9/junit.xml`, `reports/py3.10/junit.xml` → `py3.9`, `py3.10`.
 */
export function distinguishingParts(paths: string[]): string[] {
  const segs = paths.map((p) => p.split('/'));
  let lead = 0;
  while (segs.every((s) => lead < s.length - 1 && s[lead] === segs[0][lead])) lead++;
  let trail = 0;
  while (segs.every((s) => trail < s.length - lead - 1 && s[s.length - 1 - trail] === segs[0][segs[0].length - 1 - trail])) trail++;
  const parts = segs.map((s) => s.slice(lead, s.length - trail).join('/'));
  const ext = /\.[A-Za-z]+$/.exec(parts[0])?.[0];
  if (ext && parts.every((p) => p.endsWith(ext) && p.length > ext.length)) return parts.map((p) => p.slice(0, -ext.length));
  return parts;
}

export function combineFiles(files: FileTests[]): CombinedTests {
  const notices: string[] = [];
  if (files.length === 1) return { tests: files[0].tests, notices };
  /** The test of each id as read so far, and the file that first held it. */
  const byId = new Map<string, { test: Test; file: number }>();
  /** Ids held by more than one file (not as a rerun): every copy, by file. */
  const clashes = new Map<string, { test: Test; file: number }[]>();
  const order: Test[] = [];
  files.forEach((f, i) => {
    const known = f.tests.filter((t) => byId.has(t.name));
    if (known.length === 0) {
      for (const t of f.tests) {
        byId.set(t.name, { test: t, file: i });
        order.push(t);
      }
      return;
    }
    const from = new Set(known.map((t) => byId.get(t.name)!.file));
    const rerun =
      known.length === f.tests.length && from.size === 1 && known.every((t) => !clashes.has(t.name) && failedLast(byId.get(t.name)!.test));
    if (rerun) {
      const j = [...from][0];
      for (const t of f.tests) {
        const first = byId.get(t.name)!.test;
        first.executions.push(...t.executions);
        addResults(first, ...t.results);
        first.skipped = first.executions.every((e) => e.outcome === 'skipped');
      }
      notices.push(`${f.display}: its ${f.tests.length} test${f.tests.length === 1 ? '' : 's'} all failed in ${files[j].display}, so it is read as a rerun of those failures: each is a further attempt of the same test.`);
      return;
    }
    for (const t of f.tests) {
      const seen = byId.get(t.name);
      if (seen === undefined) {
        byId.set(t.name, { test: t, file: i });
        order.push(t);
        continue;
      }
      let copies = clashes.get(t.name);
      if (copies === undefined) clashes.set(t.name, (copies = [seen]));
      copies.push({ test: t, file: i });
      order.push(t);
    }
  });
  if (clashes.size === 0) return { tests: order, notices };

  // Name each copy after its file; the files of one id decide the parts, so other files do not change them.
  const pairs = new Map<string, number>();
  for (const [id, copies] of clashes) {
    const parts = distinguishingParts(copies.map((c) => files[c.file].display));
    copies.forEach((c, k) => (c.test.name = `${id} [${parts[k]}]`));
    const key = [...new Set(copies.map((c) => files[c.file].display))].join(', ');
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  for (const [key, n] of pairs) {
    notices.push(
      `${key}: ${n} test${n === 1 ? ' is' : 's are'} in more than one of these files and the later file is not a rerun of the earlier one's failures (two matrix legs or configurations?), so each copy is its own test, named with its file's distinguishing part ("id [part]"); read them in separate steps (or save each leg separately) to keep plain ids.`,
    );
  }
  return { tests: order, notices };
}
