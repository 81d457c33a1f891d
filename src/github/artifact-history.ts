/**
 * Brings history in from database artifacts of earlier runs of the same workflow. The artifact
 * client can only look inside a known run, so finding "the newest earlier artifact of this name"
 * goes through REST. Any failure (no token, no permission, an expired, damaged or foreign file)
 * is a warning and the run goes on with whatever history it has.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, openSync, readSync, closeSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitHubContext } from './context.ts';
import { runUrl } from './context.ts';
import { carrySuffix, DATABASE_ZIP_COMMENT, databaseArtifactName } from './artifacts.ts';
import { describeApiError, makeOctokit, type Octokit } from './octokit.ts';
import { extractZipFile, ZipError } from './zip-reader.ts';
import { fileIdentity, handOverBytes } from '../store/sqlite-file.ts';

export interface HistoryDatabase {
  path: string;
  /** The workflow run that uploaded it. */
  runId: number;
  runNumber?: number;
  url?: string;
  artifactName: string;
  artifactId: number;
  branch?: string;
  /**
   * The artifact's digest matched its bytes and its zip carries DATABASE_ZIP_COMMENT: the file is one
   * this action's store exported, byte for byte (adoptDatabase skips its full-table checks).
   */
  exportedByAction?: boolean;
}

export interface FetchHistoryOptions {
  /** Base artifact name (input `artifact-name`); `<name>-<suffix>` artifacts of matrix legs count too. */
  name: string;
  /** This job's suffix (jobSuffix()): its own leg's artifact is taken first. */
  suffix?: string;
  token: string;
  context: GitHubContext;
  /**
   * At most this many artifacts are downloaded (default MAX_HISTORY_ARTIFACTS): every matrix leg's
   * newest one fits well within it; any left out are named in a warning and in `source`.
   */
  maxArtifacts?: number;
  /** Largest artifact (zip) accepted, in bytes (input `history-max-mb`, default DEFAULT_HISTORY_MAX_BYTES); it may unpack to twice that. */
  maxBytes?: number;
  /** Where to unpack (default: a new folder under RUNNER_TEMP or the OS temp dir). */
  dir?: string;
}

export interface FetchHistoryResult {
  databases: HistoryDatabase[];
  warnings: string[];
  /**
   * This job's own newest history artifact when it was over the size limit: uploading this run's
   * database under the same name would make it the newest and bury that history, so the upload goes
   * under another name (artifacts.ts carrySuffix) until the limit lets the big one in.
   */
  ownTooBig?: { name: string; bytes: number; message: string };
  /** e.g. "artifact flakefighters-db-test of run #41 (https://...)", for the summary. */
  source?: string;
}

interface RestArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
  created_at: string | null;
  digest?: string | null;
  workflow_run?: { id?: number; repository_id?: number; head_repository_id?: number; head_branch?: string | null } | null;
}

interface RunInfo {
  id: number;
  workflowId?: number;
  path?: string;
  runNumber?: number;
  headBranch?: string | null;
  startedAt?: string | null;
  htmlUrl?: string;
}

const PER_PAGE = 100;
const MAX_PAGES = 5;
/** Distinct runs looked up to learn their workflow; older candidates are dropped. */
const MAX_RUN_LOOKUPS = 8;
/** Runs per preferred branch whose artifacts are listed. */
const RECENT_RUNS = 5;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** The default of input `history-max-mb`: a history file near sql.js's 1 GiB limit zips well below it. */
const DEFAULT_HISTORY_MAX_BYTES = 1024 * 1024 * 1024;
/** A bound on downloads per run, far above any matrix: never a silent cap (see fetchHistoryArtifacts). */
const MAX_HISTORY_ARTIFACTS = 256;

export async function fetchHistoryArtifacts(opts: FetchHistoryOptions): Promise<FetchHistoryResult> {
  const ctx = opts.context;
  const warnings: string[] = [];
  const none = (w: string): FetchHistoryResult => ({ databases: [], warnings: [...warnings, w] });
  if (!ctx.repository || !ctx.runId) return none('History from artifacts skipped: not running in GitHub Actions (GITHUB_REPOSITORY or GITHUB_RUN_ID is not set).');
  if (!opts.token) return none("History from artifacts skipped: no github-token (it needs the 'actions: read' permission).");
  if (ctx.isForkPr) {
    return none('History from artifacts skipped: this pull request comes from a fork, whose artifacts are not trusted as history for this repository.');
  }
  const octokit = makeOctokit(opts.token, ctx);
  try {
    const { candidates, ...found } = await findCandidates(octokit, opts);
    if (candidates.length === 0) {
      // An expired history is the one silent way to lose it; say so, or the user wonders where it went.
      const expired = await expiredNotice(octokit, opts, found);
      return { databases: [], warnings: expired ? [...warnings, expired] : warnings };
    }
    const dir = opts.dir ?? mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'flakefighters-history-'));
    mkdirSync(dir, { recursive: true });
    const databases: HistoryDatabase[] = [];
    const limit = opts.maxArtifacts ?? MAX_HISTORY_ARTIFACTS;
    const notMerged: string[] = [];
    const over = candidates.slice(limit);
    if (over.length) {
      notMerged.push(...over.map((c) => c.artifact.name));
      warnings.push(`History from artifacts: ${over.length} artifact(s) not merged, over the limit of ${limit} per run: ${over.map((c) => `'${c.artifact.name}' (run ${c.run.id})`).join(', ')}.`);
    }
    const taken = candidates.slice(0, limit);
    const maxBytes = opts.maxBytes ?? DEFAULT_HISTORY_MAX_BYTES;
    const own = databaseArtifactName(opts.name, opts.suffix);
    let ownTooBig: FetchHistoryResult['ownTooBig'];
    for (const c of taken) {
      // The first database found is the one a fresh runner adopts: its bytes go along (sqlite-file.ts handOverBytes).
      const got = await downloadOne(octokit, ctx, c, dir, maxBytes, databases.length === 0);
      if (typeof got === 'string' || got instanceof TooBig) {
        const w = typeof got === 'string' ? got : got.message;
        notMerged.push(c.artifact.name);
        if (got instanceof TooBig && c.artifact.name.replace(/-attempt\d+$/, '') === own && !ownTooBig) {
          // Said by the pipeline, so it reaches the summary too.
          ownTooBig = {
            name: c.artifact.name,
            bytes: got.bytes,
            message: `${w} It holds this job's history: this run's database goes up as '${databaseArtifactName(opts.name, carrySuffix(opts.suffix))}' instead, so that history is not replaced (both are merged once it fits). Raise history-max-mb, or make the history smaller with store-max-runs or time-immemorial, or keep it in PostgreSQL with database-url.`,
          };
        } else warnings.push(w);
      } else databases.push(...got);
    }
    const first = databases[0];
    const merged = taken.length - (notMerged.length - over.length);
    // With more than one artifact in play the summary says how many were merged and which were not.
    const tally =
      candidates.length > 1 || notMerged.length
        ? ` (${merged} of ${candidates.length} artifact(s) merged${notMerged.length ? `; not merged: ${notMerged.join(', ')} (see the warnings)` : ''})`
        : '';
    const source = first
      ? `artifact ${first.artifactName} of run #${first.runNumber ?? first.runId}${first.url ? ` (${first.url})` : ''}` +
        (databases.length > 1 ? ` and ${databases.length - 1} more` : '') +
        tally
      : notMerged.length
        ? `no artifact merged (${notMerged.join(', ')} could not be used; see the warnings)`
        : undefined;
    return { databases, warnings, source, ...(ownTooBig ? { ownTooBig } : {}) };
  } catch (e) {
    return none(describeApiError(e, 'History from artifacts skipped', 'actions: read'));
  }
}

interface Candidate {
  artifact: RestArtifact;
  run: RunInfo;
  tier: number;
}

/**
 * The artifacts to download, best first. Two ways in, because the REST API filters artifacts by
 * exact name only: the exact names (the base name and this leg's) anywhere in the repository, and
 * every artifact of the newest earlier runs of this workflow on the preferred branches, which is
 * where the other matrix legs' databases are.
 */
interface Found {
  candidates: Candidate[];
  /** Every artifact of our name seen, expired ones included. */
  seen: RestArtifact[];
  runs: Map<number, RunInfo>;
  current: RunInfo;
}

async function findCandidates(octokit: Octokit, opts: FetchHistoryOptions): Promise<Found> {
  const { context: ctx, name } = opts;
  const current = await getRun(octokit, ctx, ctx.runId);
  const seen = new Map<number, RestArtifact>();
  const add = (list: RestArtifact[]) => {
    for (const a of list) if (matchesName(a.name, name)) seen.set(a.id, a);
  };
  for (const n of new Set([name, ...(opts.suffix ? [`${name}-${opts.suffix}`] : [])])) {
    add(await listArtifacts(octokit, ctx, { name: n }, 1));
  }
  const runs = new Map<number, RunInfo>([[current.id, current]]);
  if (current.workflowId !== undefined) {
    // The newest earlier run holding any of our artifacts, on the most preferred branch that has one:
    // a few requests, since a GITHUB_TOKEN's hourly budget is shared by every job of the repository.
    const branches = [...new Set([ctx.branch, ctx.baseBranch, ctx.defaultBranch].filter(Boolean))];
    search: for (const branch of branches) {
      for (const run of await recentRuns(octokit, ctx, current.workflowId, branch)) {
        if (run.id === ctx.runId ? ctx.runAttempt <= 1 : time(run.startedAt) > time(current.startedAt)) continue;
        runs.set(run.id, run);
        const found = (await listArtifacts(octokit, ctx, { runId: run.id }, 1)).filter((a) => matchesName(a.name, name));
        add(found);
        if (found.some((a) => !a.expired && (run.id !== ctx.runId || time(a.created_at) < time(current.startedAt)))) break search;
      }
    }
  }
  const byNewest = (a: RestArtifact, b: RestArtifact) => time(b.created_at) - time(a.created_at) || b.id - a.id;
  let lookups = 0;
  for (const a of [...seen.values()].filter((x) => !x.expired).sort(byNewest)) {
    const id = a.workflow_run?.id;
    if (!id || runs.has(id)) continue;
    if (++lookups > MAX_RUN_LOOKUPS) break;
    runs.set(id, await getRun(octokit, ctx, id).catch(() => ({ id })));
  }
  return { candidates: rank([...seen.values()], runs, current, ctx, opts), seen: [...seen.values()], runs, current };
}

/** Expired artifacts looked at (their runs may need a REST call each) before giving up on a notice. */
const MAX_EXPIRED_LOOKUPS = 3;

/** A warning naming the newest expired artifact that would have been history, or null when there is none. */
async function expiredNotice(octokit: Octokit, opts: FetchHistoryOptions, found: Omit<Found, 'candidates'>): Promise<string | null> {
  const ctx = opts.context;
  const expired = found.seen.filter((a) => a.expired && a.workflow_run?.id).sort((a, b) => time(b.created_at) - time(a.created_at) || b.id - a.id);
  for (const a of expired.slice(0, MAX_EXPIRED_LOOKUPS)) {
    const id = a.workflow_run!.id!;
    const run = found.runs.get(id) ?? (await getRun(octokit, ctx, id).catch(() => null));
    if (!run || historyTier(a, run, found.current, ctx) < 0) continue;
    return (
      `History from artifacts: the newest database artifact, '${a.name}' of run #${run.runNumber ?? run.id} (${run.htmlUrl ?? runUrl(ctx, run.id)}), has expired, ` +
      `so this run starts a fresh history. Runs further apart than the artifact retention (input 'artifact-retention-days' or the repository's setting) lose it.`
    );
  }
  return null;
}

/**
 * How well an artifact fits as history, expiry aside: 0 this branch, 1 the base branch, 2 the
 * default branch, -1 not history at all (another repository, workflow or branch, a later run, or
 * another job of this very attempt).
 */
function historyTier(a: RestArtifact, run: RunInfo, current: RunInfo, ctx: GitHubContext): number {
  if (!a.workflow_run?.id) return -1;
  // Only runs of this repository: a fork's branch may carry the same name as ours.
  if (a.workflow_run.repository_id !== undefined && a.workflow_run.head_repository_id !== a.workflow_run.repository_id) return -1;
  if (!sameWorkflow(run, current, ctx)) return -1;
  // Runs that started after this one are not earlier runs (a concurrent push, say).
  if (run.id !== ctx.runId && run.startedAt && current.startedAt && time(run.startedAt) > time(current.startedAt)) return -1;
  if (run.id === ctx.runId) {
    // This run's artifacts count only when an earlier attempt made them (a re-run); not other jobs of this attempt.
    if (ctx.runAttempt <= 1 || !current.startedAt || time(a.created_at) >= time(current.startedAt)) return -1;
  }
  const branch = a.workflow_run.head_branch ?? run.headBranch;
  if (!branch) return -1;
  if (ctx.branch && branch === ctx.branch) return 0;
  if (ctx.baseBranch && branch === ctx.baseBranch) return 1;
  if (ctx.defaultBranch && branch === ctx.defaultBranch) return 2;
  return -1;
}

/** Artifacts of concurrent runs taken per matrix leg besides its best. */
const MAX_CONCURRENT_PER_LEG = 2;

/**
 * Keeps usable artifacts: per matrix leg its best, then those of runs concurrent with the best's run;
 * own leg and the base name first.
 */
function rank(all: RestArtifact[], runs: Map<number, RunInfo>, current: RunInfo, ctx: GitHubContext, opts: FetchHistoryOptions): Candidate[] {
  const byLeg = new Map<string, Candidate[]>();
  for (const a of all) {
    if (a.expired || !a.workflow_run?.id) continue;
    const run = runs.get(a.workflow_run.id);
    if (!run) continue;
    const tier = historyTier(a, run, current, ctx);
    if (tier < 0) continue;
    const leg = a.name.replace(/-attempt\d+$/, '');
    byLeg.set(leg, [...(byLeg.get(leg) ?? []), { artifact: a, run, tier }]);
  }
  const best: Candidate[] = [];
  const concurrent: Candidate[] = [];
  for (const list of byLeg.values()) {
    list.sort((x, y) => (better(x, y) ? -1 : better(y, x) ? 1 : 0));
    const [first, ...rest] = list as [Candidate, ...Candidate[]];
    best.push(first);
    // Two runs that overlapped each started from the same older history, so the newest database lacks
    // the other's run: an artifact made after the best's run started was never merged into it.
    // Merging is idempotent by run uuid, so taking it too costs a download, never a duplicate.
    const started = time(first.run.startedAt);
    if (started) concurrent.push(...rest.filter((c) => c.tier === first.tier && c.run.id !== first.run.id && time(c.artifact.created_at) > started).slice(0, MAX_CONCURRENT_PER_LEG));
  }
  const own = opts.suffix ? `${opts.name}-${opts.suffix}` : opts.name;
  const weight = (c: Candidate) => {
    const leg = c.artifact.name.replace(/-attempt\d+$/, '');
    return leg === own ? 0 : leg === opts.name ? 1 : 2;
  };
  const order = (x: Candidate, y: Candidate) =>
    weight(x) - weight(y) || x.tier - y.tier || time(y.artifact.created_at) - time(x.artifact.created_at) || (x.artifact.name < y.artifact.name ? -1 : 1);
  return [...best.sort(order), ...concurrent.sort(order)];
}

function better(c: Candidate, prev: Candidate): boolean {
  if (c.tier !== prev.tier) return c.tier < prev.tier;
  const d = time(c.artifact.created_at) - time(prev.artifact.created_at);
  return d !== 0 ? d > 0 : c.artifact.id > prev.artifact.id;
}

function matchesName(artifactName: string, name: string): boolean {
  return artifactName === name || artifactName.startsWith(`${name}-`);
}

/** Same workflow file: by workflow id when both runs are known, else by the workflow path. */
function sameWorkflow(run: RunInfo, current: RunInfo, ctx: GitHubContext): boolean {
  if (run.workflowId !== undefined && current.workflowId !== undefined) return run.workflowId === current.workflowId;
  const currentPath = current.path ?? /^[^/]+\/[^/]+\/([^@]+)@/.exec(ctx.workflowRef)?.[1];
  return !!run.path && !!currentPath && run.path === currentPath;
}

const time = (s: string | null | undefined) => (s ? Date.parse(s) || 0 : 0);

async function getRun(octokit: Octokit, ctx: GitHubContext, runId: number): Promise<RunInfo> {
  const { data } = await octokit.rest.actions.getWorkflowRun({ owner: ctx.owner, repo: ctx.repo, run_id: runId });
  return toRunInfo(data);
}

function toRunInfo(data: {
  id: number;
  workflow_id: number;
  path?: string;
  run_number: number;
  head_branch: string | null;
  run_started_at?: string;
  created_at: string;
  html_url: string;
}): RunInfo {
  return {
    id: data.id,
    workflowId: data.workflow_id,
    path: data.path,
    runNumber: data.run_number,
    headBranch: data.head_branch,
    startedAt: data.run_started_at ?? data.created_at,
    htmlUrl: data.html_url,
  };
}

/** The newest runs of the workflow on a branch (the ones that can hold the freshest databases). */
async function recentRuns(octokit: Octokit, ctx: GitHubContext, workflowId: number, branch: string): Promise<RunInfo[]> {
  const { data } = await octokit.rest.actions.listWorkflowRuns({ owner: ctx.owner, repo: ctx.repo, workflow_id: workflowId, branch, per_page: RECENT_RUNS });
  return data.workflow_runs.map(toRunInfo);
}

async function listArtifacts(octokit: Octokit, ctx: GitHubContext, q: { name?: string; runId?: number }, maxPages = MAX_PAGES): Promise<RestArtifact[]> {
  const out: RestArtifact[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const { data } = q.runId
      ? await octokit.rest.actions.listWorkflowRunArtifacts({ owner: ctx.owner, repo: ctx.repo, run_id: q.runId, per_page: PER_PAGE, page, ...(q.name ? { name: q.name } : {}) })
      : await octokit.rest.actions.listArtifactsForRepo({ owner: ctx.owner, repo: ctx.repo, per_page: PER_PAGE, page, ...(q.name ? { name: q.name } : {}) });
    out.push(...(data.artifacts as RestArtifact[]));
    if (data.artifacts.length < PER_PAGE || out.length >= data.total_count) break;
  }
  return out;
}

/**
 * Downloads and unpacks one artifact (streamed to disk); returns its SQLite files, a warning, or TooBig.
 * With `keepBytes`, a lone database's bytes, collected while unpacking, are offered to the next read
 * of its file (the adoption's), which then need not read back what was just written.
 */
async function downloadOne(octokit: Octokit, ctx: GitHubContext, c: Candidate, dir: string, maxBytes: number, keepBytes = false): Promise<HistoryDatabase[] | string | TooBig> {
  const a = c.artifact;
  const what = `History artifact '${a.name}' (id ${a.id}, run ${c.run.id}) skipped`;
  const tooBig = (bytes: number) =>
    new TooBig(`${what}: it is ${bytes} bytes, over the ${maxBytes}-byte limit (input history-max-mb, ${formatMiB(maxBytes)}).`, bytes);
  if (a.size_in_bytes > maxBytes) return tooBig(a.size_in_bytes);
  const zipPath = join(dir, `${a.id}.zip`);
  let digest: string;
  try {
    digest = await fetchZip(octokit, ctx, a.id, maxBytes, zipPath);
  } catch (e) {
    await rm(zipPath, { force: true });
    if (e instanceof TooBig) return tooBig(e.bytes);
    if (e instanceof BlobError) return `${what}: ${e.message}`;
    return describeApiError(e, what, 'actions: read');
  }
  try {
    if (a.digest && `sha256:${digest}` !== a.digest) return `${what}: its content does not match its digest (${a.digest}).`;
    const target = join(dir, String(a.id));
    mkdirSync(target, { recursive: true });
    let files: string[];
    const kept: { file?: { path: string; bytes: Buffer }; comment?: string } = {};
    try {
      // A database compresses well: allow it to unpack to twice the download limit, no further (zip bombs).
      files = await extractZipFile(zipPath, target, { maxBytes: 2 * maxBytes }, { comment: (text) => (kept.comment = text), ...(keepBytes ? { onlyFile: (path, bytes) => (kept.file = { path, bytes }) } : {}) });
    } catch (e) {
      if (e instanceof ZipError) return `${what}: it is not a usable zip archive: ${e.message}.`;
      return `${what}: ${(e as Error).message}`;
    }
    const dbs = files.filter(isSqlite);
    if (dbs.length === 0) return `${what}: it holds no SQLite database (${files.length} file(s), none starting with 'SQLite format 3').`;
    const k = kept.file;
    if (k && dbs.length === 1 && dbs[0] === k.path) {
      const id = await fileIdentity(k.path);
      if (id) handOverBytes(id, k.bytes);
    }
    // Without a digest the bytes are not known to be the ones uploaded: such a file is checked in full.
    const exportedByAction = !!a.digest && dbs.length === 1 && kept.comment === DATABASE_ZIP_COMMENT;
    return dbs.map((path) => ({
      exportedByAction,
      path,
      runId: c.run.id,
      runNumber: c.run.runNumber,
      url: c.run.htmlUrl ?? runUrl(ctx, c.run.id),
      artifactName: a.name,
      artifactId: a.id,
      branch: a.workflow_run?.head_branch ?? c.run.headBranch ?? undefined,
    }));
  } finally {
    await rm(zipPath, { force: true });
  }
}

const formatMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`;

class TooBig extends Error {
  constructor(message: string, readonly bytes: number) {
    super(message);
  }
}
class BlobError extends Error {}

/**
 * The REST zip endpoint answers 302 to a signed blob URL; fetch that without our token, streaming to
 * `file` with a byte limit; returns the sha256 (hex) of what was written.
 */
async function fetchZip(octokit: Octokit, ctx: GitHubContext, artifactId: number, maxBytes: number, file: string): Promise<string> {
  const res = await octokit.rest.actions.downloadArtifact({
    owner: ctx.owner,
    repo: ctx.repo,
    artifact_id: artifactId,
    archive_format: 'zip',
    request: { redirect: 'manual' },
  });
  if (res.status !== 302) {
    // Some servers follow the redirect for us and hand back the bytes.
    if (res.status === 200 && res.data instanceof ArrayBuffer) {
      const bytes = Buffer.from(res.data);
      if (bytes.length > maxBytes) throw new TooBig('', bytes.length);
      await writeFile(file, bytes);
      return createHash('sha256').update(bytes).digest('hex');
    }
    throw new BlobError(`the download endpoint answered ${res.status} instead of a redirect.`);
  }
  const location = (res.headers as Record<string, string | undefined>).location;
  if (!location) throw new BlobError('the download endpoint gave no location.');
  // @actions/http-client, as the artifact client uses: it honours HTTPS_PROXY/NO_PROXY for the blob host.
  const { HttpClient } = await import('@actions/http-client');
  const blob = await new HttpClient('flakefighters-action').get(location).catch((e: Error) => {
    throw new BlobError(`the download failed: ${e.message}`);
  });
  const status = blob.message.statusCode ?? 0;
  if (status !== 200) {
    blob.message.resume();
    throw new BlobError(`the blob store answered ${status}.`);
  }
  const declared = Number(blob.message.headers['content-length']);
  if (declared > maxBytes) {
    blob.message.destroy();
    throw new TooBig('', declared);
  }
  const hash = createHash('sha256');
  let total = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > maxBytes) return done(new TooBig('', total));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(blob.message, meter, createWriteStream(file));
  } catch (e) {
    if (e instanceof TooBig) throw e;
    throw new BlobError(`the download failed: ${(e as Error).message}`);
  }
  return hash.digest('hex');
}

function isSqlite(path: string): boolean {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, head.length, 0);
    return n === head.length && head.equals(SQLITE_HEADER);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
