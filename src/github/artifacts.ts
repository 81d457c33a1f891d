/**
 * Sends files out as workflow artifacts with the real @actions/artifact client. The artifact service
 * failing must never fail the job (like actions/cache): every failure comes back as a warning.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface UploadResult {
  /** The artifact's id, when the upload succeeded. */
  id?: number;
  /** The name it was (or would have been) uploaded under. */
  name: string;
  /** Bytes uploaded (the zip). */
  size?: number;
  warning?: string;
}

export interface UploadDatabaseOptions {
  /** Base artifact name (input `artifact-name`). */
  name: string;
  /** 1–90; undefined = the repository's default. */
  retentionDays?: number;
  /** Per-job suffix (jobSuffix()), appended as `<name>-<suffix>` so matrix legs don't collide. */
  suffix?: string;
  /** GITHUB_RUN_ATTEMPT: on a re-run the earlier attempt's artifact may hold the name already. */
  runAttempt?: number;
}

/**
 * The suffix of the artifact this job's database goes up as while its own history artifact is too
 * big to merge: a leg of its own, merged next time beside (never instead of) the big one.
 */
export function carrySuffix(suffix?: string): string {
  return suffix ? `${suffix}-carry` : 'carry';
}

/** The name the database artifact of this job gets. */
export function databaseArtifactName(name: string, suffix?: string): string {
  return suffix ? `${name}-${suffix}` : name;
}

/**
 * zlib level of the database artifact. SQLite pages deflate fast at low levels: on a 214 MB history
 * (1,000 runs × 1,000 tests) level 6 (the client's default) takes 1.7 s for 22.4 MiB, level 3 0.67 s
 * for 27.6 MiB, level 1 0.57 s for 32.3 MiB. Level 3 keeps most of the saving in time for a fifth
 * less to upload, store and download than level 1.
 */
const DATABASE_COMPRESSION_LEVEL = 3;

/**
 * The comment of a database artifact's zip: this action's store exported the file in it, from a
 * database it had checked (quick_check) when it opened it, or created, and changed only through
 * SQLite since. A download whose digest matches (the bytes are the ones uploaded) and that carries
 * it is adopted like the action's own file, without re-running the full-table checks (merge-history.ts).
 */
export const DATABASE_ZIP_COMMENT = 'flakefighters-action database: exported by its store';

/**
 * Uploads the database file as a zip artifact holding that one file. A name taken in this run
 * (an earlier attempt of a re-run kept its artifact) is retried once as `<name>-attempt<N>`; any
 * other failure is a warning.
 */
export async function uploadDatabase(path: string, opts: UploadDatabaseOptions): Promise<UploadResult> {
  const name = databaseArtifactName(opts.name, opts.suffix);
  const abs = resolve(path);
  const res = await uploadRetryingAttempt(name, [abs], dirname(abs), opts.retentionDays, opts.runAttempt, { compressionLevel: DATABASE_COMPRESSION_LEVEL, comment: DATABASE_ZIP_COMMENT });
  if (res.warning && isConflict(res.warning)) {
    return {
      name,
      warning:
        `Database artifact '${name}' was not uploaded: another job of this run already uploaded an artifact of that name. ` +
        `In a matrix, pass \`matrix: \${{ toJSON(matrix) }}\` to the action so each leg gets its own name.`,
    };
  }
  return res;
}

/**
 * Uploads every file under `dir` (recursively) as one zip artifact, paths relative to `dir`.
 * With `runAttempt` > 1, a name taken by an earlier attempt is retried as `<name>-attempt<N>`.
 */
export async function uploadDirectory(dir: string, name: string, retentionDays?: number, opts: { runAttempt?: number } = {}): Promise<UploadResult> {
  const root = resolve(dir);
  let files: string[];
  try {
    files = await listFiles(root);
  } catch (e) {
    return { name, warning: `Artifact '${name}' was not uploaded: cannot read ${root}: ${(e as Error).message}` };
  }
  if (files.length === 0) return { name, warning: `Artifact '${name}' was not uploaded: ${root} holds no files.` };
  return uploadRetryingAttempt(name, files, root, retentionDays, opts.runAttempt);
}

interface ZipOptions {
  compressionLevel?: number;
  comment?: string;
}

async function uploadRetryingAttempt(name: string, files: string[], root: string, retentionDays?: number, runAttempt = 1, zip: ZipOptions = {}): Promise<UploadResult> {
  const first = await upload(name, files, root, retentionDays, zip);
  if (first.warning && isConflict(first.warning) && runAttempt > 1) {
    const retry = await upload(`${name}-attempt${runAttempt}`, files, root, retentionDays, zip);
    if (!retry.warning) return retry;
  }
  return first;
}

async function upload(name: string, files: string[], root: string, retentionDays?: number, zip: ZipOptions = {}): Promise<UploadResult> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL) {
    return {
      name,
      warning: `Artifact '${name}' was not uploaded: the artifact service is not available here (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is not set; this happens outside GitHub Actions).`,
    };
  }
  try {
    // Imported on use: only the client's upload parts (artifact-upload.ts), and only by runs that upload.
    const { uploadZipArtifact } = await import('./artifact-upload.ts');
    const res = await uploadZipArtifact(name, files, root, { ...(retentionDays ? { retentionDays } : {}), ...zip });
    return { id: res.id, name, size: res.size };
  } catch (e) {
    return { name, warning: `Artifact '${name}' was not uploaded: ${oneLine((e as Error).message ?? String(e))}` };
  }
}

function isConflict(message: string): boolean {
  return /\(409\)|already exists/i.test(message);
}

function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(p)).isFile())) out.push(p);
  }
  return out;
}
