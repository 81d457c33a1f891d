/**
 * Reads the result files (and coverage) of a workflow run from its artifacts: the fork pull request
 * pattern, where the pull request's run only uploads its results and a `workflow_run` workflow in the base
 * repository classifies them (input `results-artifact`). Listed and downloaded with @actions/artifact's
 * public-API path (`findBy`), the zip kept packed (`skipDecompress`) and unpacked by zip-reader.ts with
 * its refusals: anyone can open a pull request, so nothing in these archives is trusted, run, or let out
 * of its folder. They go to a fresh folder under RUNNER_TEMP, one folder per artifact, so nothing is
 * confused with the workspace's files and several matrix legs' files stay apart.
 */
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { GitHubContext } from './context.ts';
import { runUrl } from './context.ts';
import { describeApiError, httpStatus } from './octokit.ts';
import { extractZipFile, ZipError } from './zip-reader.ts';
import { UserError } from '../store/store.ts';

export interface ResultsArtifactsOptions {
  /** Artifact names or globs of them (input `results-artifact`). */
  patterns: string[];
  /** Input `results-run-id`; unset: the triggering run under workflow_run, else this run. */
  runId?: number;
  token: string;
  context: GitHubContext | null;
  /** Largest artifact (zip) accepted, in bytes (input `history-max-mb`); it may unpack to twice that. */
  maxBytes: number;
  /** Where to put the folders (default: a new folder under RUNNER_TEMP or the OS temp dir). */
  dir?: string;
}

export interface DownloadedArtifact {
  name: string;
  id: number;
  /** Its folder under `dir`. */
  folder: string;
  files: string[];
}

export interface ResultsArtifacts {
  /** The folder test-results and coverage globs are matched in: one subfolder per artifact. */
  dir: string;
  runId: number;
  artifacts: DownloadedArtifact[];
  /** One line when no artifact of the run matched; the if-no-files-found rule decides what it does. */
  missing: string | null;
}

/** A bound on downloads, far above any matrix. */
const MAX_ARTIFACTS = 256;
const SHOWN_NAMES = 10;

/** Which run's artifacts: the input, else the triggering run under workflow_run, else this run. */
export function resultsRunId(ctx: GitHubContext | null, input: number | undefined): number {
  if (input !== undefined) return input;
  const triggering = ctx?.eventName === 'workflow_run' ? Number(ctx.payload.workflow_run?.id) : NaN;
  if (Number.isSafeInteger(triggering) && triggering > 0) return triggering;
  if (ctx?.runId) return ctx.runId;
  throw new UserError("results-artifact: no workflow run to read it from (not a workflow_run event and GITHUB_RUN_ID is not set); give the run's id in results-run-id.");
}

export async function downloadResultsArtifacts(opts: ResultsArtifactsOptions): Promise<ResultsArtifacts> {
  const ctx = opts.context;
  if (!ctx?.owner || !ctx.repo) {
    throw new UserError('results-artifact: not running in GitHub Actions (GITHUB_REPOSITORY is not set), so there is no run to download artifacts from; leave results-artifact empty and point test-results at the files.');
  }
  if (!opts.token) throw new UserError("results-artifact: no github-token; give one with the 'actions: read' permission to download the run's artifacts.");
  const runId = resultsRunId(ctx, opts.runId);
  const where = `run ${runId} (${runUrl(ctx, runId)})`;
  const findBy = { token: opts.token, workflowRunId: runId, repositoryOwner: ctx.owner, repositoryName: ctx.repo };
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();

  let listed: { name: string; id: number; size: number; digest?: string }[];
  try {
    listed = (await client.listArtifacts({ findBy })).artifacts;
  } catch (e) {
    throw new UserError(describeApiError(e, `results-artifact: the artifacts of ${where} could not be listed`, 'actions: read'));
  }
  const isMatch = picomatch(opts.patterns, { dot: true });
  const matching = listed.filter((a) => isMatch(a.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  const base = opts.dir ?? mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'flakefighters-results-'));
  const dir = join(base, 'artifacts');
  mkdirSync(dir, { recursive: true });
  if (matching.length === 0) {
    const names = [...new Set(listed.map((a) => a.name))].sort();
    const has = names.length
      ? `it has ${names.slice(0, SHOWN_NAMES).map((n) => `'${n}'`).join(', ')}${names.length > SHOWN_NAMES ? ` and ${names.length - SHOWN_NAMES} more` : ''}`
      : 'it has none (did its upload step run, or have its artifacts expired?)';
    return { dir, runId, artifacts: [], missing: `results-artifact: ${where} has no artifact matching ${opts.patterns.join(', ')}; ${has}.` };
  }
  if (matching.length > MAX_ARTIFACTS) {
    throw new UserError(`results-artifact: ${matching.length} artifacts of ${where} match ${opts.patterns.join(', ')}, more than ${MAX_ARTIFACTS}; use a narrower name or glob.`);
  }
  const zips = join(base, 'zips');
  const artifacts: DownloadedArtifact[] = [];
  try {
    for (const a of matching) {
      artifacts.push(await downloadOne(client, a, { dir, zips, findBy, where, maxBytes: opts.maxBytes }));
    }
  } finally {
    await rm(zips, { recursive: true, force: true });
  }
  return { dir, runId, artifacts, missing: null };
}

type Client = InstanceType<typeof import('@actions/artifact').DefaultArtifactClient>;

async function downloadOne(
  client: Client,
  a: { name: string; id: number; size: number; digest?: string },
  o: { dir: string; zips: string; findBy: { token: string; workflowRunId: number; repositoryOwner: string; repositoryName: string }; where: string; maxBytes: number },
): Promise<DownloadedArtifact> {
  const what = `results-artifact: artifact '${a.name}' (id ${a.id}) of ${o.where}`;
  const tooBig = (bytes: number) =>
    new UserError(`${what} is ${bytes} bytes, over the ${o.maxBytes}-byte limit (input history-max-mb); raise history-max-mb or upload fewer files.`);
  if (a.size > o.maxBytes) throw tooBig(a.size);
  // Each zip in a folder of its own: the client names the file after the server's Content-Disposition.
  const zipDir = join(o.zips, String(a.id));
  mkdirSync(zipDir, { recursive: true });
  let mismatch: boolean;
  try {
    mismatch = (await client.downloadArtifact(a.id, { path: zipDir, skipDecompress: true, ...(a.digest ? { expectedHash: a.digest } : {}), findBy: o.findBy })).digestMismatch ?? false;
  } catch (e) {
    if (httpStatus(e) === 410) throw new UserError(`${what} has expired (artifacts are kept for the repository's retention days); re-run that workflow to upload it again.`);
    throw new UserError(describeApiError(e, `${what} could not be downloaded`, 'actions: read'));
  }
  if (mismatch) throw new UserError(`${what}: its content does not match its digest (${a.digest}); re-run that workflow to upload it again.`);
  const [zipName, ...more] = readdirSync(zipDir);
  if (!zipName || more.length) throw new UserError(`${what}: the download gave ${more.length + (zipName ? 1 : 0)} files instead of one zip archive.`);
  const zipPath = join(zipDir, zipName);
  const bytes = statSync(zipPath).size;
  if (bytes > o.maxBytes) throw tooBig(bytes);
  // An artifact name may be '.' or '..' (the service allows dots); its folder must still be a folder of its own.
  const folder = join(o.dir, /^\.+$|[\\/\0]/.test(a.name) ? `artifact-${a.id}` : a.name);
  mkdirSync(folder, { recursive: true });
  try {
    // Result files compress well, but twice the download limit is room enough; no further (zip bombs).
    return { name: a.name, id: a.id, folder, files: await extractZipFile(zipPath, folder, { maxBytes: 2 * o.maxBytes, maxEntries: 10_000 }) };
  } catch (e) {
    if (e instanceof ZipError) throw new UserError(`${what} was refused: ${e.message}; nothing from it was read.`);
    throw new UserError(`${what} could not be unpacked: ${(e as Error).message}.`);
  }
}
