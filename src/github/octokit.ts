/**
 * The one place that builds the REST client, so every call goes to the context's API URL (not
 * the URL @actions/github captured when it was first imported) and failures read the same way.
 */
import { getOctokit } from '@actions/github';
import type { GitHubContext } from './context.ts';

export type Octokit = ReturnType<typeof getOctokit>;

export function makeOctokit(token: string, ctx: Pick<GitHubContext, 'apiUrl'>): Octokit {
  return getOctokit(token, { baseUrl: ctx.apiUrl });
}

/** The HTTP status of an Octokit RequestError, or undefined for network and other errors. */
export function httpStatus(e: unknown): number | undefined {
  const err = e as { status?: unknown; response?: unknown } | null | undefined;
  // Octokit reports a request that got no answer at all (refused, DNS, TLS) as status 500 without a response.
  if (!err?.response) return undefined;
  return typeof err.status === 'number' ? err.status : undefined;
}

/** One line saying why a REST call failed, with the hint that fits the status. */
export function describeApiError(e: unknown, what: string, permission: string): string {
  const status = httpStatus(e);
  const msg = String((e as Error)?.message ?? e).split('\n')[0];
  if (status === 401) return `${what}: the github-token was refused (401 ${msg}).`;
  if (status === 403) return `${what}: the github-token lacks the '${permission}' permission (403 ${msg}); add '${permission}' to the job's permissions.`;
  if (status === 404) return `${what}: not found (404 ${msg}).`;
  if (status === undefined && (e as Error)?.name === 'HttpError') return `${what}: the GitHub API could not be reached (${msg}).`;
  return `${what}: ${status ? `${status} ` : ''}${msg}`;
}
