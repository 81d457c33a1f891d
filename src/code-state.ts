/**
 * Which code a run's results came from: the commit every flakefighter compares with, and whether the
 * working tree held uncommitted changes to tracked files (then the results are of no commit at all,
 * and OutcomeFlip links the run to no other run).
 */
import { execFileSync } from 'node:child_process';
import { UserError } from './store/store.ts';

export interface CodeState {
  commitSha: string | null;
  /** True: uncommitted changes to tracked files. Null: not checked (the runner named the commit, or no git). */
  dirtyTree: boolean | null;
}

export interface CodeStateInput {
  /** Where git runs (the workspace). */
  workspace: string;
  /** `target-commit`: a sha or a git revision. */
  targetCommit: string | null;
  /** The commit the runner checked out (GITHUB_SHA); '' or null outside Actions. */
  runnerSha?: string | null;
}

/**
 * The action takes the runner's GITHUB_SHA (or target-commit) and does not look at the tree. Elsewhere
 * (the CLI) the commit is HEAD, and the tree is checked when the results are of HEAD: with a
 * target-commit that is another commit, the results were made elsewhere and this tree says nothing
 * about them. A target-commit revision (`main`, `HEAD~1`) is resolved to its sha: stored as written it
 * would name different code on another day.
 */
export function readCodeState(input: CodeStateInput): CodeState {
  const target = input.targetCommit ? resolveTarget(input.targetCommit, input.workspace) : null;
  if (input.runnerSha) return { commitSha: target ?? input.runnerSha, dirtyTree: null };
  const head = git(input.workspace, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  if (target !== null && target !== head) return { commitSha: target, dirtyTree: null };
  if (head === null) return { commitSha: target, dirtyTree: null };
  return { commitSha: head, dirtyTree: workingTreeDirty(input.workspace) };
}

/**
 * Uncommitted changes to tracked files (staged or not); untracked files are left out, as build output
 * and caches would make every tree dirty. When git cannot tell, the tree counts as dirty: that only
 * withholds a flaky verdict, never gives one.
 */
function workingTreeDirty(dir: string): boolean {
  const out = git(dir, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], true);
  return out === null || out !== '';
}

function resolveTarget(target: string, dir: string): string {
  const sha = git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${target}^{commit}`]);
  if (sha) return sha;
  if (/^[0-9a-fA-F]{4,64}$/.test(target)) return target.toLowerCase();
  throw new UserError(
    `target-commit '${target}' is not a commit git can resolve in ${dir}; give the commit's full sha, or run where the repository has that revision.`,
  );
}

/** stdout of a git command, trimmed; null when git fails, is missing, or (unless allowEmpty) prints nothing. */
function git(dir: string, args: string[], allowEmpty = false): string | null {
  try {
    const out = execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000, maxBuffer: 64 * 1024 * 1024 })
      .toString()
      .trim();
    return out || allowEmpty ? out : null;
  } catch {
    return null;
  }
}
