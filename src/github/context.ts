/**
 * The runner's environment, read once into one plain object. Everything in src/github/ takes this
 * object instead of reading process.env itself, so tests build contexts without touching globals
 * and nothing depends on @actions/github's import-time snapshot of the environment.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, hostname, platform } from 'node:os';
import { UserError } from '../store/store.ts';

export interface GitHubContext {
  /** `owner/repo`, '' outside Actions. */
  repository: string;
  owner: string;
  repo: string;
  /** GITHUB_RUN_ID as a number; 0 outside Actions. */
  runId: number;
  runAttempt: number;
  runNumber: number;
  /** Workflow name (GITHUB_WORKFLOW). */
  workflow: string;
  /** `owner/repo/.github/workflows/ci.yml@refs/heads/main` (GITHUB_WORKFLOW_REF), when the runner sets it. */
  workflowRef: string;
  /** The job id from the workflow file (GITHUB_JOB); matrix legs share it. */
  job: string;
  ref: string;
  /** The branch the code comes from: the head branch on pull requests, else the pushed branch; '' for tags. */
  branch: string;
  /** The PR's base branch (GITHUB_BASE_REF), '' when not a PR. */
  baseBranch: string;
  /** The repository's default branch when the event payload names it. */
  defaultBranch: string;
  sha: string;
  eventName: string;
  payload: Record<string, any>;
  serverUrl: string;
  apiUrl: string;
  /** The PR number on pull_request* events, else null. */
  prNumber: number | null;
  /** True when the PR's head repository differs from the base (or is gone): the token is read-only then. */
  isForkPr: boolean;
  /** Raw `matrix` input (`${{ toJSON(matrix) }}`), '' when not given. */
  matrix: string;
  /** Runner facts that differ between common matrix legs (OS, arch, image), for jobSuffix's fallback. */
  runnerFacts: string;
}

type Env = Record<string, string | undefined>;

/** Reads the environment (GITHUB_*, RUNNER_*, the event payload file). Never throws on a missing or broken payload. */
export function readContext(env: Env = process.env, options: { matrix?: string } = {}): GitHubContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF ?? '';
  const pr = payload.pull_request as Record<string, any> | undefined;
  const isPrEvent = eventName.startsWith('pull_request');
  let prNumber: number | null = null;
  if (isPrEvent) {
    prNumber = num(pr?.number) || num(payload.number) || num(/^refs\/pull\/(\d+)\//.exec(ref)?.[1]) || null;
  }
  const headRepo = pr?.head?.repo?.full_name as string | undefined;
  const baseRepo = (pr?.base?.repo?.full_name as string | undefined) ?? repository;
  const branch =
    env.GITHUB_HEAD_REF || (env.GITHUB_REF_TYPE === 'tag' || ref.startsWith('refs/tags/') ? '' : env.GITHUB_REF_NAME || ref.replace(/^refs\/heads\//, ''));
  return {
    repository,
    owner,
    repo,
    runId: num(env.GITHUB_RUN_ID),
    runAttempt: num(env.GITHUB_RUN_ATTEMPT) || 1,
    runNumber: num(env.GITHUB_RUN_NUMBER),
    workflow: env.GITHUB_WORKFLOW ?? '',
    workflowRef: env.GITHUB_WORKFLOW_REF ?? '',
    job: env.GITHUB_JOB ?? '',
    ref,
    branch,
    baseBranch: env.GITHUB_BASE_REF ?? (pr?.base?.ref as string | undefined) ?? '',
    defaultBranch: (payload.repository?.default_branch as string | undefined) ?? '',
    sha: env.GITHUB_SHA ?? '',
    eventName,
    payload,
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    prNumber,
    // A PR whose head repository was deleted has head.repo = null: treat it as a fork (no write token).
    isForkPr: isPrEvent && pr !== undefined && headRepo !== baseRepo,
    matrix: options.matrix ?? '',
    runnerFacts: [env.RUNNER_OS, env.RUNNER_ARCH, env.ImageOS].filter(Boolean).join('/'),
  };
}

function readPayload(path: string | undefined): Record<string, any> {
  if (!path) return {};
  try {
    const v = JSON.parse(readFileSync(path, 'utf8'));
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0;
}

/** The link to this run's page, for summaries. */
export function runUrl(ctx: GitHubContext, runId = ctx.runId): string {
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${runId}`;
}

const MAX_SUFFIX = 60;

/**
 * A name part unique and stable per job of a workflow, so matrix legs upload distinct artifacts
 * (the service refuses a second artifact of the same name in one run) and each leg finds its own
 * history next time.
 *
 * Rule: `<job>-<matrix values joined by '-'>` when the `matrix` input holds `${{ toJSON(matrix) }}`
 * (keys sorted, so the order of the workflow's matrix doesn't matter); else `<job>-<hash>` where the
 * hash covers RUNNER_OS, RUNNER_ARCH and ImageOS. Limits of the fallback: the runner's environment
 * doesn't hold the matrix, so legs that differ only in other values (a Python version, say) get
 * the same suffix; the upload then warns about the conflict and asks for the `matrix` input.
 * Characters the artifact service refuses become '_'; a suffix over 60 characters is cut and ends
 * with a hash of the whole, so it stays unique.
 */
export function jobSuffix(ctx: GitHubContext): string {
  const job = ctx.job || 'job';
  const values = matrixValues(ctx.matrix);
  const raw = values !== null ? [job, ...values].join('-') : `${job}-${shortHash(ctx.runnerFacts || 'runner')}`;
  let s = raw.replace(/[^A-Za-z0-9._-]+/g, '_');
  if (s.length > MAX_SUFFIX) s = `${s.slice(0, MAX_SUFFIX - 9)}-${shortHash(raw)}`;
  return s;
}

/** The matrix input's values in key order, null when it's empty, `null` or `{}` (not a matrix job). */
function matrixValues(matrix: string): string[] | null {
  const entries = matrixEntries(matrix);
  return entries && entries.map(([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** The matrix input's entries sorted by key, null when it's empty, `null` or `{}` (not a matrix job). */
function matrixEntries(matrix: string): [string, unknown][] | null {
  const text = matrix.trim();
  if (!text || text === 'null') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`Input 'matrix' is not JSON; pass \${{ toJSON(matrix) }} or leave it empty.`);
  }
  if (parsed === null) return null;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(`Input 'matrix' must be a JSON object; pass \${{ toJSON(matrix) }} or leave it empty.`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? null : entries;
}

/** Where a run ran: one key that compares equal only for the same environment, and how people read it. */
export interface RunEnvironment {
  key: string;
  label: string;
}

/**
 * The environment of an action run: the workflow (its file from GITHUB_WORKFLOW_REF, which a rename of
 * the workflow's display name does not change; else GITHUB_WORKFLOW), the job, and the matrix leg: the
 * `matrix` input with its keys sorted at every depth, else the runner's OS, architecture and image.
 * Two legs of one workflow run are two environments; two attempts of one leg are one.
 */
export function actionEnvironment(ctx: GitHubContext): RunEnvironment {
  const file = workflowFile(ctx.workflowRef);
  const workflow = file || ctx.workflow;
  const entries = matrixEntries(ctx.matrix);
  const leg = entries ? `matrix:${canonicalJson(Object.fromEntries(entries))}` : `runner:${ctx.runnerFacts}`;
  const legLabel = entries
    ? entries.map(([k, v]) => `${k} ${typeof v === 'string' ? v : canonicalJson(v)}`).join(', ')
    : ctx.runnerFacts || 'runner unknown';
  const workflowLabel = file ? file.slice(file.lastIndexOf('/') + 1) : ctx.workflow || 'workflow unknown';
  return {
    key: JSON.stringify(['action', workflow, ctx.job, leg]),
    label: [workflowLabel, ctx.job || 'job unknown', legLabel].join(' › '),
  };
}

/**
 * True for an action environment told apart by the runner alone (no `matrix` input): legs that differ
 * only in what the runner does not show (a Python version on one OS) share such a key, so its runs
 * may be other legs' (OutcomeFlip then checks whether one attempt saved more than one run of it).
 */
export function environmentMayMixLegs(key: string | null | undefined): boolean {
  if (!key) return false;
  try {
    const parts = JSON.parse(key) as unknown;
    return Array.isArray(parts) && parts[0] === 'action' && typeof parts[3] === 'string' && parts[3].startsWith('runner:');
  } catch {
    return false;
  }
}

/** `.github/workflows/ci.yml` from `owner/repo/.github/workflows/ci.yml@refs/heads/main`; '' when not that shape. */
export function workflowFile(workflowRef: string): string {
  const at = workflowRef.lastIndexOf('@');
  const path = at >= 0 ? workflowRef.slice(0, at) : workflowRef;
  const parts = path.split('/');
  return parts.length > 2 ? parts.slice(2).join('/') : '';
}

const MAX_ENVIRONMENT_NAME = 200;

/**
 * The environment of a CLI run: the name given with `--environment` (or FLAKEFIGHTERS_ENVIRONMENT),
 * else the machine: host name, OS and architecture. Named and machine environments never match each
 * other, nor any action run.
 */
export function cliEnvironment(
  explicit: string | undefined,
  env: Env = process.env,
  machine: { host: string; os: string; arch: string } = { host: hostname(), os: platform(), arch: arch() },
): RunEnvironment {
  const fromFlag = explicit !== undefined;
  const name = (fromFlag ? explicit : (env.FLAKEFIGHTERS_ENVIRONMENT ?? '')).trim();
  if (name) {
    if (name.length > MAX_ENVIRONMENT_NAME || /[\u0000-\u001f]/.test(name)) {
      const where = fromFlag ? '--environment' : 'FLAKEFIGHTERS_ENVIRONMENT';
      throw new UserError(`${where} must be one line of at most ${MAX_ENVIRONMENT_NAME} characters, such as "laptop-py3.12".`);
    }
    return { key: JSON.stringify(['named', name]), label: name };
  }
  return { key: JSON.stringify(['machine', machine.host, machine.os, machine.arch]), label: `${machine.host} (${machine.os} ${machine.arch})` };
}

/** JSON with object keys sorted at every depth, so the order a workflow writes its matrix in does not matter. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}
