/**
 * Keeps one comment of ours on the pull request, found again by a hidden marker and edited in
 * place, so re-runs and new pushes don't pile up comments. Failures are warnings.
 */
import { workflowFile, type GitHubContext } from './context.ts';
import { describeApiError, httpStatus, makeOctokit } from './octokit.ts';
import { holdsSection, mergeSections, parseLegSections, renderLegComment, type LegSection } from '../report/pr-comment.ts';

export interface UpsertPrCommentOptions {
  token: string;
  context: GitHubContext;
  /** Markdown; the marker is added at the top when it isn't in it. */
  body: string;
  /**
   * A hidden HTML comment that identifies our comment, e.g. `<!-- flakefighters-action -->`.
   * Give each matrix leg its own marker (add jobSuffix()) for one comment per leg, or share one.
   */
  marker: string;
}

export interface UpsertPrCommentResult {
  action: 'created' | 'updated' | 'skipped';
  /** The comment's id and page, when one was written. */
  id?: number;
  url?: string;
  warning?: string;
}

/** GitHub refuses comment bodies over 65,536 characters. */
export const MAX_COMMENT_CHARS = 65536;

export async function upsertPrComment(opts: UpsertPrCommentOptions): Promise<UpsertPrCommentResult> {
  const { context: ctx, marker } = opts;
  if (ctx.prNumber === null) return { action: 'skipped' };
  if (!opts.token) return { action: 'skipped', warning: "PR comment skipped: no github-token (it needs the 'pull-requests: write' permission)." };
  // pull_request_target runs in the base repository with a write token, forks included.
  if (ctx.isForkPr && ctx.eventName !== 'pull_request_target') {
    return { action: 'skipped', warning: 'PR comment skipped: this pull request comes from a fork, and its token cannot write comments.' };
  }
  if (!/^<!--[\s\S]*-->$/.test(marker.trim())) {
    return { action: 'skipped', warning: `PR comment skipped: the marker must be an HTML comment (<!-- ... -->), got '${marker}'.` };
  }
  const body = fit(opts.body.includes(marker) ? opts.body : `${marker}\n${opts.body}`);
  const octokit = makeOctokit(opts.token, ctx);
  const issue = { owner: ctx.owner, repo: ctx.repo, issue_number: ctx.prNumber };
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...issue, per_page: 100 });
    const ours = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
    if (ours) {
      const { data } = await octokit.rest.issues.updateComment({ owner: ctx.owner, repo: ctx.repo, comment_id: ours.id, body });
      return { action: 'updated', id: data.id, url: data.html_url };
    }
    const { data } = await octokit.rest.issues.createComment({ ...issue, body });
    return { action: 'created', id: data.id, url: data.html_url };
  } catch (e) {
    return { action: 'skipped', warning: describeApiError(e, `PR comment on #${ctx.prNumber} skipped`, 'pull-requests: write') };
  }
}

/** Cuts an over-long body at a line break and says so, keeping the marker (it's at the top). */
function fit(body: string): string {
  if (body.length <= MAX_COMMENT_CHARS) return body;
  const note = '\n\n_… cut to fit GitHub’s comment size limit; the full report is in the job summary and the report artifact._';
  const room = MAX_COMMENT_CHARS - note.length;
  const cut = body.lastIndexOf('\n', room);
  return body.slice(0, cut > room / 2 ? cut : room) + note;
}

const LEGACY_MARKER = '<!-- flakefighters-action -->';

export interface UpsertLegCommentOptions {
  token: string;
  context: GitHubContext;
  /** The workflow's marker (workflowCommentMarker): one comment per workflow and pull request. */
  marker: string;
  /** The workflow as people read it, for the comment's title. */
  title: string;
  /** This leg's section. */
  leg: LegSection;
  /**
   * Pauses before each re-read that checks this leg's section is still there (each times 0.5–1.5 at random).
   * Default 1.5 s and 4 s: longer than another leg takes from reading the comment to writing it back.
   */
  verifyDelaysMs?: number[];
}

/**
 * The marker of a workflow's comment: the workflow file (GITHUB_WORKFLOW_REF) else its name, so two workflows on one
 * pull request keep two comments and the legs of one share theirs.
 */
export function workflowCommentMarker(ctx: GitHubContext): string {
  const name = (workflowFile(ctx.workflowRef) || ctx.workflow || 'workflow').replace(/[^A-Za-z0-9._/ -]+/g, '_').replace(/-{2,}/g, '-');
  // The first line is the marker of earlier versions' single comment, which the first leg takes over.
  return `${LEGACY_MARKER}\n<!-- workflow: ${name.slice(0, 200)} -->`;
}

/**
 * Writes this leg's section into the workflow's one comment on the pull request.
 *
 * GitHub has no conditional update of a comment, so legs finishing together race on read-modify-write. Two rules make
 * every leg's section end up there:
 * - Creation: legs that found no comment may each create one; afterwards the lowest comment id is the comment, and a
 *   leg whose own comment is not the lowest moves its sections there and deletes its own.
 * - Lost updates: a leg that read before this leg wrote and writes after it drops this leg's section; so after writing,
 *   each leg re-reads the comment after a pause (twice, spaced longer than a read-to-write takes) and writes its
 *   section back when it is missing, merged with whatever the comment holds then.
 * A section is replaced only by a newer write of the same leg (later run, attempt or time), so a late leg of an older
 * run never hides a newer result.
 */
export async function upsertLegComment(opts: UpsertLegCommentOptions): Promise<UpsertPrCommentResult> {
  const { context: ctx, marker, leg } = opts;
  if (ctx.prNumber === null) return { action: 'skipped' };
  if (!opts.token) return { action: 'skipped', warning: "PR comment skipped: no github-token (it needs the 'pull-requests: write' permission)." };
  if (ctx.isForkPr && ctx.eventName !== 'pull_request_target') {
    return {
      action: 'skipped',
      warning: 'PR comment skipped: this pull request comes from a fork, and its token cannot write comments (see "Fork pull requests" in the README for the workflow_run setup).',
    };
  }
  const octokit = makeOctokit(opts.token, ctx);
  const repo = { owner: ctx.owner, repo: ctx.repo };
  const issue = { ...repo, issue_number: ctx.prNumber };
  const render = (body: string | null, extra: LegSection[] = []) =>
    fit(renderLegComment(marker, opts.title, mergeSections(mergeSections(body ? parseLegSections(body) : [], extra), [leg])));
  const listAll = () => octokit.paginate(octokit.rest.issues.listComments, { ...issue, per_page: 100 });
  type Comments = Awaited<ReturnType<typeof listAll>>;
  const oursIn = (all: Comments) => all.filter((c) => typeof c.body === 'string' && c.body.startsWith(marker)).sort((a, b) => a.id - b.id);
  const ours = async () => oursIn(await listAll());

  try {
    const all = await listAll();
    let found = oursIn(all);
    let id: number;
    let action: UpsertPrCommentResult['action'];
    if (found.length === 0) {
      // A comment of an earlier version (one marker line, no workflow line) becomes this workflow's comment.
      const legacy = all.find((c) => typeof c.body === 'string' && c.body.startsWith(`${LEGACY_MARKER}\n`) && !c.body.startsWith(`${LEGACY_MARKER}\n<!-- workflow:`));
      if (legacy) found = [{ ...legacy, body: '' }];
    }
    if (found.length === 0) {
      id = (await octokit.rest.issues.createComment({ ...issue, body: render(null) })).data.id;
      action = 'created';
    } else {
      id = found[0].id;
      await octokit.rest.issues.updateComment({ ...repo, comment_id: id, body: render(found[0].body ?? '') });
      action = 'updated';
    }
    // Re-read at once (a leg that created at the same moment shows up now), then after each pause.
    for (const delay of [0, ...(opts.verifyDelaysMs ?? [1500, 4000])]) {
      if (delay > 0) await sleep(delay * (0.5 + Math.random()));
      found = await ours();
      const first = found[0];
      if (!first) {
        // Deleted under us (by a person, or a duplicate being removed): write it again.
        id = (await octokit.rest.issues.createComment({ ...issue, body: render(null) })).data.id;
        continue;
      }
      if (first.id !== id) {
        // Another comment of this workflow is older: it is the comment. Move what ours holds there and remove ours.
        const mine = found.find((c) => c.id === id);
        if (mine) await octokit.rest.issues.updateComment({ ...repo, comment_id: first.id, body: render(first.body ?? '', parseLegSections(mine.body ?? '')) });
        else if (!holdsSection(first.body ?? '', leg)) await octokit.rest.issues.updateComment({ ...repo, comment_id: first.id, body: render(first.body ?? '') });
        if (mine) await octokit.rest.issues.deleteComment({ ...repo, comment_id: id }).catch((e: unknown) => {
          if (httpStatus(e) !== 404) throw e;
        });
        id = first.id;
        continue;
      }
      if (!holdsSection(first.body ?? '', leg)) await octokit.rest.issues.updateComment({ ...repo, comment_id: id, body: render(first.body ?? '') });
    }
    const url = `${ctx.serverUrl}/${ctx.repository}/pull/${ctx.prNumber}#issuecomment-${id}`;
    return { action, id, url };
  } catch (e) {
    return { action: 'skipped', warning: describeApiError(e, `PR comment on #${ctx.prNumber} skipped`, 'pull-requests: write') };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The pull request of the run that triggered a `workflow_run` workflow (the fork pattern: the pull request's workflow
 * uploads its results, this one classifies them in the base repository). GitHub lists the pull request in the event
 * for branches of the base repository but leaves the list empty for forks; then the open pull request whose head is
 * the run's repository and branch at the run's commit is looked up. Null when the run was not for a pull request.
 */
export async function workflowRunPullRequest(token: string, ctx: GitHubContext): Promise<{ number: number | null; warning?: string }> {
  const wr = ctx.payload.workflow_run as Record<string, any> | undefined;
  if (ctx.eventName !== 'workflow_run' || !wr || !String(wr.event ?? '').startsWith('pull_request')) return { number: null };
  const listed = (Array.isArray(wr.pull_requests) ? wr.pull_requests : []) as { number?: number; head?: { sha?: string } }[];
  const direct = listed.find((p) => p.head?.sha === wr.head_sha) ?? listed[0];
  if (typeof direct?.number === 'number') return { number: direct.number };
  const owner = wr.head_repository?.owner?.login as string | undefined;
  const branch = wr.head_branch as string | undefined;
  if (!owner || !branch) return { number: null, warning: 'PR comment skipped: the workflow_run event names no pull request and no head branch to find it by.' };
  if (!token) return { number: null, warning: "PR comment skipped: no github-token (it needs the 'pull-requests: write' permission)." };
  try {
    const octokit = makeOctokit(token, ctx);
    const { data } = await octokit.rest.pulls.list({ owner: ctx.owner, repo: ctx.repo, state: 'open', head: `${owner}:${branch}`, per_page: 10 });
    const pr = data.find((p) => p.head.sha === wr.head_sha) ?? data[0];
    return pr ? { number: pr.number } : { number: null, warning: `PR comment skipped: no open pull request from ${owner}:${branch} (the run's head).` };
  } catch (e) {
    return { number: null, warning: describeApiError(e, 'PR comment skipped: finding the pull request of the triggering run failed', 'pull-requests: read') };
  }
}
