/**
 * Other projects' code the benchmark runs side by side with ours (the plugin's classifiers, the peer
 * reporters' dist/): extracted at bench time from a git directory fetched beforehand, into
 * bench/.data (git-ignored), never committed. BENCH_GIT_<OWNER>_<NAME> (non-alphanumerics as _) names
 * the git directory; by default the mirror the fetch tool leaves under /work/.mirror.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Fetched {
  /** Where the extracted files are. */
  dir: string;
  commit: string;
}

function gitDir(repo: string): string {
  const env = `BENCH_GIT_${repo.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
  return process.env[env] ?? `/work/.mirror/${repo.replace('/', '+')}/repo`;
}

/** Extracts `paths` of `repo` at HEAD into dataDir/fetched/<owner+name>, or says in one line why it cannot. */
export function extractFetched(dataDir: string, repo: string, paths: string[]): Fetched | string {
  const git = gitDir(repo);
  if (!existsSync(git)) return `${repo} is not fetched (no git directory at ${git}; fetch it, or set BENCH_GIT_… to one)`;
  try {
    const commit = execFileSync('git', ['--git-dir', git, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dir = resolve(dataDir, 'fetched', repo.replace('/', '+'));
    const stamp = join(dir, '.commit');
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== commit) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const tar = execFileSync('git', ['--git-dir', git, 'archive', '--format=tar', commit, ...paths], { maxBuffer: 1 << 28 });
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
      writeFileSync(stamp, commit + '\n');
    }
    return { dir, commit };
  } catch (err) {
    return `${repo}: could not extract ${paths.join(', ')} (${(err as Error).message.split('\n')[0]})`;
  }
}
