/**
 * The files GitHub's compare API lists between two commits, with their patches: what DiffCov reads
 * when the checkout lacks a commit (shallow clones with `fetch-depth: 1` have no parent). The caller
 * turns the patches into changed lines (src/ingest/git-diff.ts is given `compareFiles` for that).
 */
import { makeOctokit, type Octokit } from './octokit.ts';

export interface ComparedFile {
  filename: string;
  status: string;
  /** Absent for huge or binary files. */
  patch?: string;
  previous_filename?: string;
}

export interface Comparison {
  /** One entry per file name, in the order GitHub listed them. */
  files: ComparedFile[];
  /** GitHub listed as many files as it ever lists in one comparison, on one page: further files are unknown. */
  atFileLimit: boolean;
}

export interface CompareRepository {
  token: string;
  owner: string;
  repo: string;
  apiUrl: string;
}

/** The changed files between two commits, as the compare API lists them. */
export type CompareFiles = (baseSha: string, headSha: string) => Promise<Comparison>;

/** GitHub lists at most this many files in a comparison. */
const API_FILE_LIMIT = 300;
const MAX_PAGES = 30;

/**
 * GET /repos/{owner}/{repo}/compare/{base}...{head}. GitHub compares from the merge base (three
 * dots), which equals `git diff base head` when base is an ancestor of head, as for push and PR
 * events. Files may come on later pages (Link: rel="next").
 */
export async function compareCommitFiles(target: CompareRepository, baseSha: string, headSha: string): Promise<Comparison> {
  return compareWith(makeOctokit(target.token, target), target, baseSha, headSha);
}

async function compareWith(octokit: Octokit, target: CompareRepository, baseSha: string, headSha: string): Promise<Comparison> {
  const files = new Map<string, ComparedFile>();
  let page = 1;
  for (; page <= MAX_PAGES; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      owner: target.owner,
      repo: target.repo,
      basehead: `${baseSha}...${headSha}`,
      per_page: 100,
      page,
    });
    const pageFiles = ((res.data as { files?: ComparedFile[] }).files ?? []) as ComparedFile[];
    for (const f of pageFiles) files.set(f.filename, f);
    const link = String(res.headers.link ?? '');
    if (pageFiles.length === 0 || !/rel="next"/.test(link)) break;
  }
  return { files: [...files.values()], atFileLimit: files.size >= API_FILE_LIMIT && page === 1 };
}

/** compareCommitFiles bound to one repository, for a caller that only knows the commits. */
export function compareFilesOf(target: CompareRepository): CompareFiles {
  // Built on the first comparison (most runs make none), then shared by the rest.
  let octokit: Octokit | undefined;
  return (baseSha, headSha) => compareWith((octokit ??= makeOctokit(target.token, target)), target, baseSha, headSha);
}
