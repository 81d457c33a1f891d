/**
 * Keeps one comment of ours on the pull request, found again by a hidden marker and edited in
 * place, so re-runs and new pushes don't pile up comments. Failures are warnings.
 */
import type { GitHubContext } from './context.ts';
import { describeApiError, makeOctokit } from './octokit.ts';

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
