/**
 * The two calls of the artifact service an upload makes, CreateArtifact and FinalizeArtifact, as
 * the artifact client's Twirp JSON client makes them (its artifact-twirp-client.js and the
 * protobuf-ts generated ArtifactServiceClientJSON): the same URL, headers and JSON bodies (field
 * names, order and left-out defaults as protobuf-ts's toJson writes them), the same retries, waits
 * and error messages, and the signed URL of a response registered as a secret. The generated
 * client needs the protobuf-ts runtime and every message type of the service (100 KB to compile on
 * each run that uploads) to write and read these few JSON fields.
 */
import * as core from '@actions/core';
import { HttpClient } from '@actions/http-client';
import { BearerCredentialHandler } from '@actions/http-client/lib/auth';
import { getResultsServiceUrl, getRuntimeToken } from '../../node_modules/@actions/artifact/lib/internal/shared/config.js';
import { NetworkError, UsageError } from '../../node_modules/@actions/artifact/lib/internal/shared/errors.js';
import { getUserAgentString } from '../../node_modules/@actions/artifact/lib/internal/shared/user-agent.js';
import { maskSecretUrls } from '../../node_modules/@actions/artifact/lib/internal/shared/util.js';

const SERVICE = 'github.actions.results.api.v1.ArtifactService';

export interface CreateArtifactRequest {
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  name: string;
  /** RFC 3339, as expirationTime() writes it. */
  expiresAt?: string;
  version: number;
  /** A google.protobuf.StringValue: written whenever present, even empty. */
  mimeType?: string;
}

export interface FinalizeArtifactRequest {
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  name: string;
  /** Decimal, as protobuf-ts writes an int64. */
  size: string;
  hash?: string;
}

type Json = Record<string, string | number>;

/**
 * Fields as protobuf-ts's toJson writes them without default values, in field-number order: a
 * scalar at its default ("" for a string, 0 for an int32, "0" for an int64) or absent is left out;
 * a message field (a Timestamp, a StringValue wrapper) is written whenever present.
 */
function protoJson(fields: [name: string, value: string | number | undefined, isDefault: boolean][]): Json {
  const out: Json = {};
  for (const [name, value, isDefault] of fields) if (value !== undefined && !isDefault) out[name] = value;
  return out;
}

export function createArtifactJson(r: CreateArtifactRequest): Json {
  return protoJson([
    ['workflow_run_backend_id', r.workflowRunBackendId, r.workflowRunBackendId === ''],
    ['workflow_job_run_backend_id', r.workflowJobRunBackendId, r.workflowJobRunBackendId === ''],
    ['name', r.name, r.name === ''],
    ['expires_at', r.expiresAt, false],
    ['version', r.version, r.version === 0],
    ['mime_type', r.mimeType, false],
  ]);
}

export function finalizeArtifactJson(r: FinalizeArtifactRequest): Json {
  return protoJson([
    ['workflow_run_backend_id', r.workflowRunBackendId, r.workflowRunBackendId === ''],
    ['workflow_job_run_backend_id', r.workflowJobRunBackendId, r.workflowJobRunBackendId === ''],
    ['name', r.name, r.name === ''],
    ['size', r.size, BigInt(r.size) === 0n],
    ['hash', r.hash, false],
  ]);
}

/**
 * The client's getExpiration() as the JSON of its google.protobuf.Timestamp: `retentionDays` from
 * now, capped by GITHUB_RETENTION_DAYS with the client's warning; undefined without retentionDays.
 */
export function expirationTime(retentionDays: number | undefined, now = new Date()): string | undefined {
  if (!retentionDays) return undefined;
  const max = parseInt(process.env['GITHUB_RETENTION_DAYS'] ?? '');
  let days = retentionDays;
  if (!isNaN(max) && max && max < days) {
    core.warning(`Retention days cannot be greater than the maximum allowed retention set within the repository. Using ${max} instead.`);
    days = max;
  }
  const at = new Date(now);
  at.setDate(at.getDate() + days);
  // protobuf-ts writes whole seconds without a fraction, else milliseconds.
  return at.toISOString().replace('.000Z', 'Z');
}

/** A JSON field read as protobuf-ts's fromJson reads it: the proto name or the lowerCamelCase one. */
function field(body: Record<string, unknown>, proto: string, camel: string): unknown {
  return body[proto] ?? body[camel];
}

/** Only a JSON true is true (protobuf-ts refuses any other value for a bool; either way, no upload). */
const isTrue = (v: unknown) => v === true;

export interface CreateArtifactResponse {
  ok: boolean;
  signedUploadUrl: string;
}

export interface FinalizeArtifactResponse {
  ok: boolean;
  artifactId: bigint;
}

export function createArtifactResponse(body: Record<string, unknown>): CreateArtifactResponse {
  const url = field(body, 'signed_upload_url', 'signedUploadUrl');
  return { ok: isTrue(body.ok), signedUploadUrl: typeof url === 'string' ? url : '' };
}

export function finalizeArtifactResponse(body: Record<string, unknown>): FinalizeArtifactResponse {
  const id = field(body, 'artifact_id', 'artifactId');
  return { ok: isTrue(body.ok), artifactId: typeof id === 'string' || typeof id === 'number' ? BigInt(id) : 0n };
}

const RETRYABLE_STATUSES = [502, 504, 500, 503, 429];

export class ArtifactTwirpClient {
  private readonly http: HttpClient;
  private readonly baseUrl: string;

  constructor(
    private readonly maxAttempts = 5,
    private readonly baseRetryIntervalMilliseconds = 3000,
    private readonly retryMultiplier = 1.5,
  ) {
    const token = getRuntimeToken();
    this.baseUrl = getResultsServiceUrl();
    this.http = new HttpClient(getUserAgentString(), [new BearerCredentialHandler(token)]);
  }

  async createArtifact(r: CreateArtifactRequest): Promise<CreateArtifactResponse> {
    return createArtifactResponse(await this.request('CreateArtifact', createArtifactJson(r)));
  }

  async finalizeArtifact(r: FinalizeArtifactRequest): Promise<FinalizeArtifactResponse> {
    return finalizeArtifactResponse(await this.request('FinalizeArtifact', finalizeArtifactJson(r)));
  }

  /** The client's ArtifactHttpClient.request(): POST the JSON, retrying as retryableRequest() does. */
  private async request(method: string, data: Json): Promise<Record<string, unknown>> {
    const url = new URL(`/twirp/${SERVICE}/${method}`, this.baseUrl).href;
    core.debug(`[Request] ${method} ${url}`);
    try {
      return await this.retryable(() => this.http.post(url, JSON.stringify(data), { 'Content-Type': 'application/json' }));
    } catch (error) {
      throw new Error(`Failed to ${method}: ${(error as Error).message}`);
    }
  }

  private async retryable(operation: () => ReturnType<HttpClient['post']>): Promise<Record<string, unknown>> {
    let errorMessage = '';
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      let isRetryable = false;
      let rawBody = '';
      try {
        const response = await operation();
        const statusCode = response.message.statusCode;
        rawBody = await response.readBody();
        core.debug(`[Response] - ${response.message.statusCode}`);
        core.debug(`Headers: ${JSON.stringify(response.message.headers, null, 2)}`);
        const body = JSON.parse(rawBody) as Record<string, unknown>;
        maskSecretUrls(body);
        core.debug(`Body: ${JSON.stringify(body, null, 2)}`);
        if (statusCode && statusCode >= 200 && statusCode < 300) return body;
        isRetryable = !!statusCode && RETRYABLE_STATUSES.includes(statusCode);
        errorMessage = `Failed request: (${statusCode}) ${response.message.statusMessage}`;
        if (body.msg) {
          if (UsageError.isUsageErrorMessage(String(body.msg))) throw new UsageError();
          errorMessage = `${errorMessage}: ${String(body.msg)}`;
        }
      } catch (error) {
        if (error instanceof SyntaxError) core.debug(`Raw Body: ${rawBody}`);
        if (error instanceof UsageError) throw error;
        const code = (error as { code?: string } | null)?.code;
        if (NetworkError.isNetworkErrorCode(code)) throw new NetworkError(code!);
        isRetryable = true;
        errorMessage = (error as Error).message;
      }
      if (!isRetryable) throw new Error(`Received non-retryable error: ${errorMessage}`);
      if (attempt + 1 === this.maxAttempts) throw new Error(`Failed to make request after ${this.maxAttempts} attempts: ${errorMessage}`);
      const wait = this.retryWait(attempt);
      core.info(`Attempt ${attempt + 1} of ${this.maxAttempts} failed with error: ${errorMessage}. Retrying request in ${wait} ms...`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    throw new Error('Request failed');
  }

  private retryWait(attempt: number): number {
    if (attempt === 0) return this.baseRetryIntervalMilliseconds;
    const minTime = this.baseRetryIntervalMilliseconds * Math.pow(this.retryMultiplier, attempt);
    const maxTime = minTime * this.retryMultiplier;
    return Math.trunc(Math.random() * (maxTime - minTime) + minTime);
  }
}
