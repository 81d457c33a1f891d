/**
 * DiffCov's changed lines between two commits: `git diff -U0` in the workspace when both commits
 * are there, else the files of the GitHub compare API that the caller hands in as `compareFiles`
 * (src/github/compare-commits.ts; shallow clones with `fetch-depth: 1` have no parent), else none,
 * with a warning. Also the plugin's choice of commits for an event.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CompareFiles } from '../github/compare-commits.ts';
import { UserError } from '../store/store.ts';
import { hunkLines, isPythonFile, parseGitDiff, pythonDefLines } from './changed-lines.ts';

const run = promisify(execFile);

export interface ChangedLines {
  /** Absolute path → changed 1-based lines in the target version (modified files only). */
  linesChanged: Map<string, Set<number>>;
  /** Absolute path → changed lines that are a Python `def`/`async def` line. */
  methodDeclarations: Map<string, Set<number>>;
  via: 'git' | 'api' | 'none';
  warning?: string;
}

export interface ChangedLinesOptions {
  workspace: string;
  /** The project root (reserved; paths are keyed by the git top level, like the plugin's `repo.working_dir`). */
  root: string;
  source: string | null;
  /** null = the working tree (the plugin's dirty-repo case). */
  target: string | null;
  /** The compare API for the repository, when there is a token and a repository to ask it with. */
  compareFiles?: CompareFiles;
}

/** A commit reaches git as an argument: one that starts with '-' would be read as an option. */
function checkCommitArg(input: string, value: string): void {
  if (value.startsWith('-') || /\s/.test(value)) {
    throw new UserError(`The \`${input}\` value ${JSON.stringify(value)} is not a commit; give a sha, branch or tag name.`);
  }
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

async function gitOk(cwd: string, args: string[]): Promise<boolean> {
  try {
    await git(cwd, args);
    return true;
  } catch {
    return false;
  }
}

/** The repository's top level, or why git could not say (not a repo, no git, "dubious ownership" in containers). */
async function topLevel(workspace: string): Promise<{ dir: string } | { error: string }> {
  try {
    const dir = (await git(workspace, ['rev-parse', '--show-toplevel'])).trim();
    return dir ? { dir } : { error: 'git printed no top level' };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const first = (err.stderr || err.message).trim().split('\n')[0];
    return { error: first };
  }
}

export async function changedLines(opts: ChangedLinesOptions): Promise<ChangedLines> {
  const none = (warning: string): ChangedLines => ({ linesChanged: new Map(), methodDeclarations: new Map(), via: 'none', warning });
  if (!opts.source) return none('DiffCov has no source commit to compare with, so no line counts as changed.');
  checkCommitArg('source-commit', opts.source);
  if (opts.target !== null) checkCommitArg('target-commit', opts.target);

  const found = await topLevel(opts.workspace);
  const top = 'dir' in found ? found.dir : null;
  const base = top ?? opts.workspace;
  const haveCommits =
    top !== null &&
    (await gitOk(top, ['cat-file', '-e', `${opts.source}^{commit}`])) &&
    (opts.target === null || (await gitOk(top, ['cat-file', '-e', `${opts.target}^{commit}`])));

  let patches: { path: string; lines: number[] }[];
  let via: 'git' | 'api';
  const warnings: string[] = [];
  if (haveCommits) {
    const args = ['-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', '-U0', '--no-prefix', opts.source];
    if (opts.target !== null) args.push(opts.target);
    args.push('--');
    const text = await git(top!, args);
    patches = parseGitDiff(text)
      .filter((p) => p.source !== null && p.source === p.target)
      .map((p) => ({ path: p.source!, lines: p.lines }));
    via = 'git';
  } else {
    const missing = 'error' in found ? `git cannot read ${opts.workspace} (${found.error})` : `commit ${opts.source}${opts.target ? ` or ${opts.target}` : ''} is not in the local clone (shallow checkout?)`;
    if (opts.target === null) return none(`DiffCov cannot diff the working tree: ${missing}.`);
    if (!opts.compareFiles) return none(`DiffCov has no changed lines: ${missing}, and no GitHub token/repository to ask the compare API; use \`fetch-depth: 0\` on actions/checkout.`);
    try {
      patches = await patchesViaApi(opts.compareFiles, opts.source, opts.target, warnings);
    } catch (e) {
      return none(`DiffCov has no changed lines: ${missing}, and the GitHub compare API failed (${(e as Error).message}).`);
    }
    via = 'api';
  }

  const linesChanged = new Map<string, Set<number>>();
  for (const p of patches) {
    const abs = join(base, p.path);
    let set = linesChanged.get(abs);
    if (!set) linesChanged.set(abs, (set = new Set()));
    for (const l of p.lines) set.add(l);
  }
  const methodDeclarations = new Map<string, Set<number>>();
  for (const [file, lines] of linesChanged) {
    if (!isPythonFile(file) || lines.size === 0) continue;
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const defs = pythonDefLines(source);
    if (defs === null) continue;
    methodDeclarations.set(file, new Set(defs.filter((l) => lines.has(l))));
  }
  return { linesChanged, methodDeclarations, via, ...(warnings.length ? { warning: warnings.join(' ') } : {}) };
}

/** The compare API's modified files as changed lines; huge or binary files have no `patch`. */
async function patchesViaApi(compareFiles: CompareFiles, baseSha: string, headSha: string, warnings: string[]): Promise<{ path: string; lines: number[] }[]> {
  const { files, atFileLimit } = await compareFiles(baseSha, headSha);
  if (atFileLimit) {
    warnings.push(`The GitHub compare API listed ${files.length} files, its limit; changed lines of further files are unknown (use \`fetch-depth: 0\` so git can diff).`);
  }
  const out: { path: string; lines: number[] }[] = [];
  const noPatch: string[] = [];
  for (const f of files) {
    if (f.status !== 'modified') continue;
    if (typeof f.patch !== 'string') {
      noPatch.push(f.filename);
      out.push({ path: f.filename, lines: [] });
      continue;
    }
    out.push({ path: f.filename, lines: hunkLines(f.patch) });
  }
  if (noPatch.length) {
    warnings.push(`The GitHub compare API gave no patch (too large or binary) for ${noPatch.join(', ')}; DiffCov treats them as having no changed lines.`);
  }
  return out;
}

export interface CommitInputs {
  /** The `source-commit` input; overrides the event's. */
  sourceCommit?: string | null;
  /** The `target-commit` input; overrides the event's. */
  targetCommit?: string | null;
  /** Where to ask git for the local rule (no event). */
  workspace?: string;
  /**
   * The commit actually checked out (GITHUB_SHA). On pull_request this is the merge commit, whose
   * line numbers the coverage uses; when given, it is the target instead of the PR head, so
   * changed lines are the PR's changes numbered as in the code that ran.
   */
  checkoutSha?: string | null;
}

export interface DefaultCommits {
  source: string | null;
  /** null = the working tree. */
  target: string | null;
  /** Why a commit is missing, or how they were chosen, for the log. */
  note?: string;
}

const ZERO_SHA = /^0+$/;

/**
 * The commits DiffCov compares. pull_request: the PR's base and head; merge_group: its base and
 * head; push: `before` and `after` (a new branch's all-zero `before` gives no source). Other
 * events and local runs: the plugin's rule, a clean repository compares HEAD's parent with HEAD,
 * a dirty one HEAD with the working tree.
 */
export async function defaultCommits(
  eventName: string | null | undefined,
  eventPayload: Record<string, any> | null | undefined,
  inputs: CommitInputs = {},
): Promise<DefaultCommits> {
  const given = (v: string | null | undefined): string | null => (v && v.trim() ? v.trim() : null);
  const srcIn = given(inputs.sourceCommit);
  const tgtIn = given(inputs.targetCommit);
  let chosen: DefaultCommits;

  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const pr = eventPayload?.pull_request;
    chosen = { source: given(pr?.base?.sha), target: given(pr?.head?.sha) };
    const checkout = given(inputs.checkoutSha);
    if (checkout && chosen.target && checkout !== chosen.target) {
      chosen.target = checkout;
      chosen.note = `Comparing the PR base with the checked-out merge commit ${checkout.slice(0, 12)}, whose line numbers the coverage uses.`;
    }
    if (!chosen.source || !chosen.target) chosen.note = `The ${eventName} event payload has no base/head sha.`;
  } else if (eventName === 'merge_group') {
    const mg = eventPayload?.merge_group;
    chosen = { source: given(mg?.base_sha), target: given(mg?.head_sha) };
    if (!chosen.source || !chosen.target) chosen.note = 'The merge_group event payload has no base_sha/head_sha.';
  } else if (eventName === 'push') {
    const before = given(eventPayload?.before);
    const after = given(eventPayload?.after);
    if (before && ZERO_SHA.test(before)) {
      chosen = { source: null, target: after, note: 'This push created the branch (before = 0000000), so there is no earlier commit to compare; DiffCov sees no changed lines. Set `source-commit` to compare with another commit.' };
    } else chosen = { source: before, target: after };
  } else if (inputs.workspace) {
    chosen = await localCommits(inputs.workspace, tgtIn);
  } else {
    chosen = { source: null, target: null, note: 'No event and no workspace to ask git for commits.' };
  }
  if (srcIn) chosen.source = srcIn;
  if (tgtIn) chosen.target = tgtIn;
  if (srcIn || tgtIn) chosen.note = chosen.source ? undefined : chosen.note;
  return chosen;
}

/** The plugin's rule (diff_cov.py), with GitPython's `is_dirty()` (index or tracked files, untracked ignored). */
async function localCommits(workspace: string, explicitTarget: string | null): Promise<DefaultCommits> {
  let head: string;
  try {
    head = (await git(workspace, ['rev-parse', 'HEAD'])).trim();
  } catch {
    return { source: null, target: null, note: `${workspace} is not a git repository with commits, so DiffCov has no commits to compare.` };
  }
  const dirty = (await git(workspace, ['status', '--porcelain', '--untracked-files=no'])).trim() !== '';
  const target = explicitTarget ?? (dirty ? null : head);
  if (target === null) return { source: head, target: null, note: 'Uncommitted changes: comparing HEAD with the working tree.' };
  // iter_parents() order: the ancestors of HEAD as `git rev-list` lists them, the target skipped.
  let ancestors: string[] = [];
  try {
    ancestors = (await git(workspace, ['rev-list', '--skip=1', '--max-count=2', 'HEAD'])).split('\n').filter(Boolean);
  } catch {
    ancestors = [];
  }
  if (ancestors.length === 0) {
    // A shallow clone lacks the parent object, but HEAD's own object still names it; the compare API can then diff.
    const parents = (await git(workspace, ['cat-file', '-p', 'HEAD']).catch(() => ''))
      .split('\n\n')[0]
      .split('\n')
      .filter((l) => l.startsWith('parent '))
      .map((l) => l.slice(7).trim());
    ancestors = parents.slice(0, 1);
  }
  const source = ancestors.find((s) => s !== target) ?? null;
  return source
    ? { source, target }
    : { source: null, target, note: 'HEAD has no parent commit here (first commit or shallow clone), so DiffCov has no source commit.' };
}
