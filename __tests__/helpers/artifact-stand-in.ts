/**
 * A local stand-in for GitHub's artifact service, driven by the real clients: the Twirp JSON
 * results service and the blob PUT/GET that @actions/artifact uses, plus the REST routes around
 * artifacts, workflow runs and issue comments that Octokit calls. One origin serves all of them
 * (see /work/shared/notes/artifact-service.md); it is built on the generic REST stand-in's route
 * table. State lives in memory, keyed by numeric workflow run id.
 *
 * In-process tests set process.env from `env(runId)`; a child process (dist/index.js) gets the
 * same object as its environment:
 *
 *   const s = await startArtifactStandIn();
 *   s.defineRun({ id: 41, headBranch: 'main', runStartedAt: new Date(Date.now() - 3600e3) });
 *   s.addArtifact({ runId: 41, name: 'flakefighters-db-test-abcd1234', files: { 'flakefighters.db': bytes } });
 *   s.defineRun({ id: 42, headBranch: 'main' });            // this run (defined last = started last)
 *   spawn('node', ['dist/index.js'], { env: { PATH, ...s.env(42, { GITHUB_WORKSPACE: ws, 'INPUT_GITHUB-TOKEN': 't' }) } });
 *   // then: s.artifacts (uploads, with bytes), s.comments, s.rest.log (every request)
 *
 * @actions/github reads GITHUB_API_URL when first imported: in-process, set the env before importing
 * @actions/artifact. Knobs: `forbidden` (403 per REST area), `corrupt(id)`, `expire(id)`,
 * `expireOnDownload`, `zipWithoutRedirect`, `blobFaults` (statuses the next blob upload requests answer with). Repository is
 * octo/demo; runs default to branch main, workflow id 77. The blob upload checks what Azure checks
 * (the signed URL's signature, Content-Length, block ids of one length, a block list naming staged
 * blocks) and logs each request's headers in `blobLog`.
 */
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { apiError, json, linkHeader, startRestStandIn, type RestStandIn, type StandInRequest, type StandInResponse } from './rest-stand-in.ts';

export const OWNER = 'octo';
export const REPO = 'demo';
const REPO_ID = 4242;

export interface RunSpec {
  id: number;
  attempt?: number;
  headBranch?: string;
  headSha?: string;
  workflowId?: number;
  workflowName?: string;
  /** `.github/workflows/ci.yml` */
  path?: string;
  event?: string;
  runNumber?: number;
  /** Another id than the repository's = a run from a fork. */
  headRepositoryId?: number;
  /** When the current attempt started (default: when defined). */
  runStartedAt?: Date;
}

export interface StoredArtifact {
  id: number;
  name: string;
  runId: number;
  jobBackendId: string;
  bytes: Buffer;
  contentType: string;
  createdAt: Date;
  expiresAt: Date | null;
  expired: boolean;
  finalized: boolean;
  digest: string;
  /** Staged blocks of an upload in progress. */
  blocks: Map<string, Buffer>;
}

export interface Comment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
}

/** Which REST area answers 403 (missing permission). */
export type Forbidden = 'artifacts' | 'download' | 'runs' | 'comments';

export interface ArtifactStandIn {
  url: string;
  rest: RestStandIn;
  owner: string;
  repo: string;
  repositoryId: number;
  runs: Map<number, Required<RunSpec>>;
  artifacts: StoredArtifact[];
  comments: Comment[];
  /** REST areas answering 403. */
  forbidden: Set<Forbidden>;
  /** Artifacts that expire when their zip is requested (listed alive, gone on download). */
  expireOnDownload: Set<number>;
  /** Artifacts whose REST zip endpoint answers 200 with the zip itself instead of a 302 to the blob store (a server or proxy that follows the redirect for the client). */
  zipWithoutRedirect: Set<number>;
  /** Statuses the next blob upload requests answer with, one per request, as Azure error responses. */
  blobFaults: number[];
  /** Every blob upload request: which operation, its block id, headers and body length. */
  blobLog: { artifactId: number; op: 'block' | 'blocklist' | 'blob'; blockId?: string; headers: Record<string, string | string[] | undefined>; length: number; status: number }[];
  defineRun(spec: RunSpec): Required<RunSpec>;
  /** The fake ACTIONS_RUNTIME_TOKEN of a job in that run (and attempt). */
  token(runId: number, job?: string): string;
  /** Environment for a job of that run: the artifact/REST endpoints and the GITHUB_* variables. */
  env(runId: number, extra?: Record<string, string>): Record<string, string>;
  /** Stores a finalized artifact directly (zip of `files`, or the given raw zip bytes). */
  addArtifact(a: { runId: number; name: string; files?: Record<string, Buffer | string>; zip?: Buffer; createdAt?: Date; expired?: boolean }): StoredArtifact;
  /** Replaces an artifact's stored bytes with junk (the digest stays, as after a storage fault). */
  corrupt(id: number): void;
  expire(id: number): void;
  addComment(issue: number, body: string, login?: string): Comment;
  close(): Promise<void>;
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export function fakeRuntimeToken(runBackendId: string, jobBackendId: string): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ scp: `Actions.GenericRead:x Actions.Results:${runBackendId}:${jobBackendId}` })}.sig`;
}

export async function startArtifactStandIn(): Promise<ArtifactStandIn> {
  const rest = await startRestStandIn();
  const url = rest.url;
  const runs = new Map<number, Required<RunSpec>>();
  const artifacts: StoredArtifact[] = [];
  const comments: Comment[] = [];
  const forbidden = new Set<Forbidden>();
  const expireOnDownload = new Set<number>();
  const zipWithoutRedirect = new Set<number>();
  const blobFaults: number[] = [];
  const blobLog: ArtifactStandIn['blobLog'] = [];
  let nextArtifactId = 1000;
  let nextCommentId = 9000;

  // Artifacts of every attempt of a run share the run's backend id, so a name stays taken across attempts.
  const runBackendId = (runId: number) => `run-${runId}`;
  const runIdOf = (backendId: string) => Number(/^run-(\d+)$/.exec(backendId)?.[1] ?? NaN);

  function defineRun(spec: RunSpec): Required<RunSpec> {
    const r: Required<RunSpec> = {
      id: spec.id,
      attempt: spec.attempt ?? 1,
      headBranch: spec.headBranch ?? 'main',
      headSha: spec.headSha ?? createHash('sha1').update(String(spec.id)).digest('hex'),
      workflowId: spec.workflowId ?? 77,
      workflowName: spec.workflowName ?? 'CI',
      path: spec.path ?? '.github/workflows/ci.yml',
      event: spec.event ?? 'push',
      runNumber: spec.runNumber ?? spec.id % 1000,
      headRepositoryId: spec.headRepositoryId ?? REPO_ID,
      runStartedAt: spec.runStartedAt ?? new Date(),
    };
    runs.set(r.id, r);
    return r;
  }

  function runOf(runId: number): Required<RunSpec> {
    return runs.get(runId) ?? defineRun({ id: runId });
  }

  function token(runId: number, job = 'test'): string {
    const r = runOf(runId);
    return fakeRuntimeToken(runBackendId(runId), `job-${runId}-${r.attempt}-${job}`);
  }

  function env(runId: number, extra: Record<string, string> = {}): Record<string, string> {
    const r = runOf(runId);
    return {
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_RUNTIME_TOKEN: token(runId),
      GITHUB_API_URL: url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_RUN_ID: String(r.id),
      GITHUB_RUN_ATTEMPT: String(r.attempt),
      GITHUB_RUN_NUMBER: String(r.runNumber),
      GITHUB_WORKFLOW: r.workflowName,
      GITHUB_WORKFLOW_REF: `${OWNER}/${REPO}/${r.path}@refs/heads/${r.headBranch}`,
      GITHUB_JOB: 'test',
      GITHUB_REF: `refs/heads/${r.headBranch}`,
      GITHUB_REF_NAME: r.headBranch,
      GITHUB_SHA: r.headSha,
      GITHUB_EVENT_NAME: r.event,
      ...extra,
    };
  }

  function restArtifact(a: StoredArtifact) {
    const r = runOf(a.runId);
    return {
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
      name: a.name,
      size_in_bytes: a.bytes.length,
      url: `${url}/repos/${OWNER}/${REPO}/actions/artifacts/${a.id}`,
      archive_download_url: `${url}/repos/${OWNER}/${REPO}/actions/artifacts/${a.id}/zip`,
      expired: a.expired,
      created_at: a.createdAt.toISOString(),
      updated_at: a.createdAt.toISOString(),
      expires_at: (a.expiresAt ?? new Date(a.createdAt.getTime() + 90 * 86400e3)).toISOString(),
      digest: a.digest,
      workflow_run: { id: r.id, repository_id: REPO_ID, head_repository_id: r.headRepositoryId, head_branch: r.headBranch, head_sha: r.headSha },
    };
  }

  function restRun(r: Required<RunSpec>) {
    return {
      id: r.id,
      name: r.workflowName,
      workflow_id: r.workflowId,
      path: r.path,
      head_branch: r.headBranch,
      head_sha: r.headSha,
      run_number: r.runNumber,
      run_attempt: r.attempt,
      event: r.event,
      status: 'completed',
      html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${r.id}`,
      run_started_at: r.runStartedAt.toISOString(),
      created_at: r.runStartedAt.toISOString(),
      repository: { id: REPO_ID, full_name: `${OWNER}/${REPO}` },
      head_repository: { id: r.headRepositoryId, full_name: r.headRepositoryId === REPO_ID ? `${OWNER}/${REPO}` : `fork/${REPO}` },
    };
  }

  /** One page of a list, with GitHub's Link header. */
  function page<T>(req: StandInRequest, items: T[], key: string) {
    const perPage = Math.min(Number(req.query.get('per_page') ?? 30) || 30, 100);
    const p = Math.max(Number(req.query.get('page') ?? 1) || 1, 1);
    const slice = items.slice((p - 1) * perPage, p * perPage);
    const headers: Record<string, string> = {};
    if (p * perPage < items.length) {
      const next = new URL(`${url}${req.path}`);
      for (const [k, v] of req.query) next.searchParams.set(k, v);
      next.searchParams.set('page', String(p + 1));
      next.searchParams.set('per_page', String(perPage));
      headers.link = linkHeader({ next: next.toString() });
    }
    return json(key ? { total_count: items.length, [key]: slice } : slice, 200, headers);
  }

  const repoPath = `/repos/${OWNER}/${REPO}`;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const R = (tail: string) => new RegExp(`^${esc(repoPath)}${tail}$`);
  const newestFirst = (a: StoredArtifact, b: StoredArtifact) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id;

  // ---- REST: artifacts and runs ----
  rest.route('GET', R('/actions/artifacts'), (req) => {
    if (forbidden.has('artifacts')) return apiError(403, 'Resource not accessible by integration');
    const name = req.query.get('name');
    const items = artifacts.filter((a) => a.finalized && (!name || a.name === name)).sort(newestFirst);
    return page(req, items.map(restArtifact), 'artifacts');
  });
  rest.route('GET', R('/actions/runs/(\\d+)/artifacts'), (req) => {
    if (forbidden.has('artifacts')) return apiError(403, 'Resource not accessible by integration');
    const runId = Number(req.params[1]);
    const name = req.query.get('name');
    const items = artifacts.filter((a) => a.finalized && a.runId === runId && (!name || a.name === name)).sort(newestFirst);
    return page(req, items.map(restArtifact), 'artifacts');
  });
  rest.route('GET', R('/actions/runs/(\\d+)'), (req) => {
    if (forbidden.has('runs')) return apiError(403, 'Resource not accessible by integration');
    const r = runs.get(Number(req.params[1]));
    return r ? json(restRun(r)) : apiError(404, 'Not Found');
  });
  rest.route('GET', R('/actions/workflows/([^/]+)/runs'), (req) => {
    if (forbidden.has('runs')) return apiError(403, 'Resource not accessible by integration');
    const wf = req.params[1]!;
    const branch = req.query.get('branch');
    const items = [...runs.values()]
      .filter((r) => (String(r.workflowId) === wf || r.path.endsWith(`/${wf}`)) && (!branch || r.headBranch === branch))
      .sort((a, b) => b.runStartedAt.getTime() - a.runStartedAt.getTime() || b.id - a.id);
    return page(req, items.map(restRun), 'workflow_runs');
  });
  rest.route('GET', R('/actions/artifacts/(\\d+)/zip'), (req) => {
    if (forbidden.has('download')) return apiError(403, 'Resource not accessible by integration');
    const a = artifacts.find((x) => x.id === Number(req.params[1]) && x.finalized);
    if (!a) return apiError(404, 'Not Found');
    if (expireOnDownload.has(a.id)) a.expired = true;
    if (a.expired) return apiError(410, 'Artifact has expired');
    if (zipWithoutRedirect.has(a.id)) return { status: 200, headers: { 'content-type': 'application/zip', 'content-length': String(a.bytes.length) }, body: a.bytes };
    return { status: 302, headers: { location: `${url}/blob/${a.id}/${encodeURIComponent(a.name)}.zip?sig=download` } };
  });
  rest.route('DELETE', R('/actions/artifacts/(\\d+)'), (req) => {
    const i = artifacts.findIndex((x) => x.id === Number(req.params[1]));
    if (i < 0) return apiError(404, 'Not Found');
    artifacts.splice(i, 1);
    return { status: 204 };
  });

  // ---- REST: issue comments ----
  rest.route('GET', R('/issues/(\\d+)/comments'), (req) => {
    if (forbidden.has('comments')) return apiError(403, 'Resource not accessible by integration');
    const issue = Number(req.params[1]);
    return page(req, comments.filter((c) => c.issue === issue).map(restComment), '');
  });
  rest.route('POST', R('/issues/(\\d+)/comments'), (req) => {
    if (forbidden.has('comments')) return apiError(403, 'Resource not accessible by integration');
    const body = JSON.parse(req.body.toString('utf8')).body as string;
    return json(restComment(addComment(Number(req.params[1]), body)), 201);
  });
  rest.route('PATCH', R('/issues/comments/(\\d+)'), (req) => {
    if (forbidden.has('comments')) return apiError(403, 'Resource not accessible by integration');
    const c = comments.find((x) => x.id === Number(req.params[1]));
    if (!c) return apiError(404, 'Not Found');
    c.body = JSON.parse(req.body.toString('utf8')).body as string;
    return json(restComment(c));
  });
  function restComment(c: Comment) {
    return { id: c.id, body: c.body, user: c.user, html_url: `https://github.com/${OWNER}/${REPO}/pull/${c.issue}#issuecomment-${c.id}` };
  }
  function addComment(issue: number, body: string, login = 'github-actions[bot]'): Comment {
    const c = { id: nextCommentId++, issue, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' } };
    comments.push(c);
    return c;
  }

  // ---- Twirp results service ----
  const twirpError = (status: number, code: string, msg: string) => json({ code, msg }, status);
  rest.route('POST', /^\/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/(\w+)$/, (req) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) return twirpError(401, 'unauthenticated', 'missing runtime token');
    const body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, string>;
    const runId = runIdOf(body.workflow_run_backend_id ?? '');
    if (!Number.isFinite(runId)) return twirpError(400, 'invalid_argument', 'unknown workflow run backend id');
    const ofRun = (a: StoredArtifact) => a.runId === runId && !a.expired;
    switch (req.params[1]) {
      case 'CreateArtifact': {
        if (artifacts.some((a) => ofRun(a) && a.name === body.name)) {
          return twirpError(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
        }
        const a: StoredArtifact = {
          id: nextArtifactId++,
          name: body.name,
          runId,
          jobBackendId: body.workflow_job_run_backend_id ?? '',
          bytes: Buffer.alloc(0),
          contentType: body.mime_type ?? 'application/zip',
          createdAt: new Date(),
          expiresAt: body.expires_at ? new Date(body.expires_at) : null,
          expired: false,
          finalized: false,
          digest: '',
          blocks: new Map(),
        };
        runOf(runId);
        artifacts.push(a);
        return json({ ok: true, signed_upload_url: `${url}/blob/upload/${a.id}?sv=2025-01-05&sr=b&sp=cw&sig=${encodeURIComponent(uploadSig(a.id))}` });
      }
      case 'FinalizeArtifact': {
        const a = artifacts.find((x) => ofRun(x) && x.name === body.name && !x.finalized);
        if (!a) return twirpError(404, 'not_found', 'no artifact upload in progress with this name');
        a.finalized = true;
        a.digest = body.hash ?? `sha256:${createHash('sha256').update(a.bytes).digest('hex')}`;
        return json({ ok: true, artifact_id: String(a.id) });
      }
      case 'ListArtifacts': {
        const items = artifacts
          .filter((a) => ofRun(a) && a.finalized && (!body.name_filter || a.name === body.name_filter) && (!body.id_filter || a.id === Number(body.id_filter)))
          .map((a) => ({
            workflow_run_backend_id: runBackendId(a.runId),
            workflow_job_run_backend_id: a.jobBackendId,
            database_id: String(a.id),
            name: a.name,
            size: String(a.bytes.length),
            created_at: a.createdAt.toISOString(),
            digest: a.digest,
          }));
        return json({ artifacts: items });
      }
      case 'GetSignedArtifactURL': {
        const a = artifacts.find((x) => ofRun(x) && x.finalized && x.name === body.name);
        if (!a) return twirpError(404, 'not_found', 'artifact not found');
        return json({ signed_url: `${url}/blob/${a.id}/${encodeURIComponent(a.name)}.zip?sig=download` });
      }
      case 'DeleteArtifact': {
        const i = artifacts.findIndex((x) => ofRun(x) && x.name === body.name);
        if (i < 0) return twirpError(404, 'not_found', 'artifact not found');
        const [a] = artifacts.splice(i, 1);
        return json({ ok: true, artifact_id: String(a!.id) });
      }
      default:
        return twirpError(404, 'bad_route', `no method ${req.params[1]}`);
    }
  });

  // ---- Blob storage (Azure block blob upload, plain GET download) ----
  // A SAS-like signature with characters the URL must carry percent-encoded, distinct per artifact.
  const uploadSig = (id: number) => createHash('sha256').update(`stand-in upload ${id}`).digest('base64');
  const azureError = (status: number, code: string, message: string) => ({
    status,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:${new Date().toISOString()}</Message></Error>`,
  });
  const faultCodes: Record<number, string> = { 403: 'AuthenticationFailed', 408: 'OperationTimedOut', 500: 'InternalError', 503: 'ServerBusy' };
  rest.route('PUT', /^\/blob\/upload\/(\d+)$/, (req) => {
    const a = artifacts.find((x) => x.id === Number(req.params[1]));
    const comp = req.query.get('comp');
    const blockId = req.query.get('blockid') ?? undefined;
    const op = comp === 'block' ? 'block' : comp === 'blocklist' ? 'blocklist' : 'blob';
    const out = ((): StandInResponse => {
      if (!a) return azureError(404, 'BlobNotFound', 'The specified blob does not exist.');
      if (req.query.get('sig') !== uploadSig(a.id)) return azureError(403, 'AuthenticationFailed', 'Server failed to authenticate the request.');
      const fault = blobFaults.shift();
      if (fault !== undefined) return azureError(fault, faultCodes[fault] ?? 'InternalError', 'A fault the test asked for.');
      if (req.headers['content-length'] === undefined) return azureError(411, 'MissingContentLengthHeader', 'Content-Length HTTP header is missing.');
      if (op === 'block') {
        // Azure: a base64 id of at most 64 bytes, and every block of a blob with an id of one length.
        const id = blockId ?? '';
        const decoded = Buffer.from(id, 'base64');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id) || id.length % 4 !== 0 || decoded.length > 64) return azureError(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.');
        const other = a.blocks.keys().next().value;
        if (other !== undefined && other.length !== id.length) return azureError(400, 'InvalidBlobOrBlock', 'The specified blob or block content is invalid.');
        a.blocks.set(id, req.body);
        return { status: 201 };
      }
      if (op === 'blocklist') {
        const xml = req.body.toString('utf8');
        if (!/^(<\?xml[^>]*\?>)?\s*(<BlockList\/>|<BlockList>[\s\S]*<\/BlockList>)\s*$/.test(xml)) return azureError(400, 'InvalidXmlDocument', 'XML specified is not syntactically valid.');
        const ids = [...xml.matchAll(/<(Latest|Uncommitted)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
        if (ids.some((id) => !a.blocks.has(id))) return azureError(400, 'InvalidBlockList', 'The specified block list is invalid.');
        a.bytes = Buffer.concat(ids.map((id) => a.blocks.get(id)!));
        a.blocks.clear();
        const type = req.headers['x-ms-blob-content-type'];
        if (typeof type === 'string') a.contentType = type;
        return { status: 201 };
      }
      // A single-shot Put Blob (small blobs through upload(), not used by uploadStream).
      a.bytes = req.body;
      return { status: 201 };
    })();
    blobLog.push({ artifactId: a?.id ?? Number(req.params[1]), op, ...(blockId !== undefined ? { blockId } : {}), headers: { ...req.headers }, length: req.body.length, status: out.status ?? 200 });
    return out;
  });
  rest.route('GET', /^\/blob\/(\d+)\/([^/]+)$/, (req) => {
    const a = artifacts.find((x) => x.id === Number(req.params[1]));
    if (!a) return { status: 404, body: 'not found' };
    const headers: Record<string, string> = { 'content-type': a.contentType, 'content-length': String(a.bytes.length) };
    if (a.contentType !== 'application/zip') headers['content-disposition'] = `attachment; filename="${a.name}"`;
    return { status: 200, headers, body: a.bytes };
  });

  function addArtifact(spec: { runId: number; name: string; files?: Record<string, Buffer | string>; zip?: Buffer; createdAt?: Date; expired?: boolean }): StoredArtifact {
    runOf(spec.runId);
    const bytes = spec.zip ?? makeZip(Object.entries(spec.files ?? {}).map(([name, data]) => ({ name, data: Buffer.from(data) })));
    const a: StoredArtifact = {
      id: nextArtifactId++,
      name: spec.name,
      runId: spec.runId,
      jobBackendId: `job-${spec.runId}-1-test`,
      bytes,
      contentType: 'application/zip',
      createdAt: spec.createdAt ?? new Date(),
      expiresAt: null,
      expired: spec.expired ?? false,
      finalized: true,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      blocks: new Map(),
    };
    artifacts.push(a);
    return a;
  }

  return {
    url,
    rest,
    owner: OWNER,
    repo: REPO,
    repositoryId: REPO_ID,
    runs,
    artifacts,
    comments,
    forbidden,
    expireOnDownload,
    zipWithoutRedirect,
    blobFaults,
    blobLog,
    defineRun,
    token,
    env,
    addArtifact,
    corrupt(id) {
      const a = artifacts.find((x) => x.id === id);
      if (a) a.bytes = Buffer.from('PK\u0003\u0004 this is not really a zip archive, just junk bytes '.repeat(4));
    },
    expire(id) {
      const a = artifacts.find((x) => x.id === id);
      if (a) a.expired = true;
    },
    addComment,
    close: () => rest.close(),
  };
}

// ---- A tiny zip writer, so tests can build archives the client would never write (zip-slip names) ----

/** A zip with the given entries, names written exactly as given (deflated unless `stored`). */
export function makeZip(entries: { name: string; data: Buffer; stored?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.stored ? e.data : deflateRawSync(e.data);
    const method = e.stored ? 0 : 8;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The 16-byte header every SQLite 3 database starts with, plus filler: enough for header checks. */
export function fakeSqlite(tag: string): Buffer {
  return Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.from(tag.padEnd(100, '.'))]);
}
