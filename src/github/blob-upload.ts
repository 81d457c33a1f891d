/**
 * Uploads a stream to the artifact service's signed blob URL as an Azure block blob, speaking the
 * REST protocol @azure/storage-blob's BlockBlobClient.uploadStream() speaks (Put Block per chunk,
 * then Put Block List; see https://learn.microsoft.com/rest/api/storageservices/put-block), over
 * @actions/http-client, which the artifact's Twirp client loads anyway and which honours
 * HTTPS_PROXY/NO_PROXY. The Azure client and its pipeline were two thirds of the code a run that
 * uploads had to compile; this is the part of them an upload uses.
 *
 * As the Azure client does: blocks of exactly `chunkSize` bytes (the last one shorter) with ids of
 * one length (base64 of a per-upload UUID and the zero-padded block index), at most three quarters
 * of `concurrency` blocks in flight, the blob's content type set by the block list, retries of
 * network errors and server failures with exponential back-off (storage-common's
 * StorageRetryPolicy: 4 tries, 0 s, 4 s, 12 s apart). The signed URL's query is a SAS signature:
 * no message this module throws or logs holds it.
 */
import * as core from '@actions/core';
import { HttpClient } from '@actions/http-client';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

/** The REST API version the installed Azure client (storage-blob 12.32) sends. */
export const AZURE_STORAGE_VERSION = '2026-04-06';

export interface BlobUploadOptions {
  /** Bytes per block (the artifact client's getUploadChunkSize()). */
  chunkSize: number;
  /** The artifact client's getConcurrency(); three quarters of it (rounded up) are sent at once. */
  concurrency: number;
  /** Longest a request may sit without its socket moving (the artifact client's getUploadChunkTimeout()). */
  timeoutMs: number;
  /** Tries per request, the first included (default 4, as the Azure client). */
  maxTries?: number;
  /** Back-off unit: retry n waits (2^(n-1) - 1) × this, capped at 120 s (default 4 s, as the Azure client). */
  retryDelayMs?: number;
  userAgent?: string;
}

export interface BlobUploadResult {
  /** Bytes committed to the blob. */
  uploadSize: number;
  /** Hex sha256 of those bytes. */
  sha256Hash: string;
}

/** An upload request that failed; its message names no part of the signed URL. */
export class BlobUploadError extends Error {
  constructor(
    message: string,
    /** Node's error code of a network failure (ECONNRESET ...), when that is what ended it. */
    readonly code?: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'BlobUploadError';
  }
}

const MAX_RETRY_DELAY_MS = 120_000;
/** Statuses worth another try: timeouts, throttling and server faults (not 501/505: those never change). */
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Node's codes of transient network failures (storage-common's list, as codes). */
const RETRY_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/** Length of the decoded block ids: the Azure client's 48 (a UUID and a 12-digit index), 64 base64 characters. */
const BLOCK_ID_SOURCE_LENGTH = 48;

function blockId(prefix: string, index: number): string {
  return Buffer.from(prefix + String(index).padStart(BLOCK_ID_SOURCE_LENGTH - prefix.length, '0')).toString('base64');
}

/** The Put Block List body the Azure client writes (its XML serializer's output, byte for byte). */
export function blockListXml(ids: readonly string[]): string {
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
  return ids.length === 0 ? `${head}<BlockList/>` : `${head}<BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
}

/** Replaces every form of the signed URL (and any `sig=` value) in `text` with `***`. */
export function maskSignedUrl(text: string, signedUrl: string): string {
  let out = text;
  let u: URL | undefined;
  try {
    u = new URL(signedUrl);
  } catch {
    // Not a URL: mask it whole below.
  }
  const forms = [signedUrl];
  if (u) {
    forms.push(u.href, `${u.pathname}${u.search}`, u.search.slice(1));
    const sig = u.searchParams.get('sig');
    if (sig) forms.push(sig, encodeURIComponent(sig));
  }
  for (const f of forms.filter(Boolean).sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
  return out.replace(/([?&]sig=)[^&\s"'<>]+/gi, '$1***');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Azure's error code and message from an error response (x-ms-error-code, or the XML body). */
function azureError(headers: Record<string, unknown>, body: string): string {
  const code = (typeof headers['x-ms-error-code'] === 'string' ? headers['x-ms-error-code'] : undefined) ?? /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1]?.split('\n')[0]?.trim();
  return [code, message].filter(Boolean).join(': ');
}

export async function uploadBlockBlob(signedUrl: string, source: Readable, contentType: string, opts: BlobUploadOptions): Promise<BlobUploadResult> {
  const maxTries = opts.maxTries ?? 4;
  const retryDelayMs = opts.retryDelayMs ?? 4000;
  const inFlightMax = Math.max(1, Math.ceil((opts.concurrency / 4) * 3));
  const http = new HttpClient(opts.userAgent ?? 'flakefighters-action', [], {
    keepAlive: true,
    socketTimeout: opts.timeoutMs,
    // A redirect would resend a body stream already read; the blob service never redirects.
    allowRedirects: false,
    allowRetries: false,
    maxSockets: inFlightMax,
  });
  const mask = (s: string) => maskSignedUrl(s, signedUrl);
  const urlWith = (query: string) => {
    const u = new URL(signedUrl);
    u.search = u.search ? `${u.search}&${query}` : `?${query}`;
    return u.href;
  };
  let stopped = false;

  /** One PUT, tried again on network errors and retryable statuses until it succeeds or tries run out. */
  async function put(what: string, url: string, body: Buffer, headers: Record<string, string>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let failure: BlobUploadError;
      try {
        const res = await http.sendStream('PUT', url, Readable.from([body]), { ...headers, 'content-length': String(body.length), 'x-ms-version': AZURE_STORAGE_VERSION, 'x-ms-client-request-id': randomUUID() });
        const status = res.message.statusCode ?? 0;
        const text = await res.readBody();
        if (status >= 200 && status < 300) return;
        const detail = azureError(res.message.headers as Record<string, unknown>, text);
        failure = new BlobUploadError(mask(`${what} answered ${status}${detail ? ` (${detail})` : ''}`), undefined, status);
        if (!RETRY_STATUSES.has(status)) throw failure;
      } catch (e) {
        if (e instanceof BlobUploadError) throw e;
        const err = e as NodeJS.ErrnoException;
        const code = err.code ?? (/^Request timeout/.test(err.message ?? '') ? 'ETIMEDOUT' : undefined);
        failure = new BlobUploadError(mask(`${what} failed: ${err.message ?? String(e)}`), code);
        if (!code || !RETRY_CODES.has(code)) throw failure;
      }
      if (attempt >= maxTries || stopped) throw failure;
      const wait = Math.min((2 ** (attempt - 1) - 1) * retryDelayMs, MAX_RETRY_DELAY_MS);
      core.debug(`${failure.message}; try ${attempt + 1} of ${maxTries} in ${wait} ms`);
      await sleep(wait);
      if (stopped) throw failure;
    }
  }

  const prefix = randomUUID();
  const ids: string[] = [];
  const hash = createHash('sha256');
  let uploaded = 0;
  const inFlight = new Set<Promise<void>>();
  let firstError: unknown;
  const stage = (block: Buffer) => {
    const id = blockId(prefix, ids.length);
    ids.push(id);
    const p = put(`Put Block ${ids.length}`, urlWith(`comp=block&blockid=${encodeURIComponent(id)}`), block, { 'content-type': 'application/octet-stream', accept: 'application/xml' }).then(
      () => {
        uploaded += block.length;
        core.info(`Uploaded bytes ${uploaded}`);
      },
      (e: unknown) => {
        firstError ??= e;
        stopped = true;
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  core.debug(`Uploading artifact to blob storage with maxConcurrency: ${opts.concurrency}, bufferSize: ${opts.chunkSize}, contentType: ${contentType}`);
  core.info('Beginning upload of artifact content to blob storage');
  try {
    let pending: Buffer[] = [];
    let pendingLength = 0;
    // Leaving the loop early (a block failed) destroys `source`, which stops whatever feeds it.
    read: for await (const chunk of source as AsyncIterable<Buffer>) {
      if (stopped) break;
      hash.update(chunk);
      pending.push(chunk);
      pendingLength += chunk.length;
      while (pendingLength >= opts.chunkSize) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLength);
        stage(all.subarray(0, opts.chunkSize));
        pending = pendingLength > opts.chunkSize ? [all.subarray(opts.chunkSize)] : [];
        pendingLength -= opts.chunkSize;
        while (inFlight.size >= inFlightMax && !stopped) await Promise.race(inFlight);
        if (stopped) break read;
      }
    }
    if (!stopped && pendingLength > 0) stage(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLength));
    await Promise.all(inFlight);
    if (firstError) throw firstError;
    await put('Put Block List', urlWith('comp=blocklist'), Buffer.from(blockListXml(ids)), {
      'content-type': 'application/xml',
      accept: 'application/xml',
      'x-ms-blob-content-type': contentType,
    });
  } catch (e) {
    stopped = true;
    await Promise.all(inFlight);
    throw e instanceof BlobUploadError ? e : new BlobUploadError(mask((e as Error).message ?? String(e)));
  } finally {
    http.dispose();
  }
  const sha256Hash = hash.digest('hex');
  core.info('Finished uploading artifact content to blob storage!');
  core.info(`SHA256 digest of uploaded artifact is ${sha256Hash}`);
  if (uploaded === 0) core.warning('No data was uploaded to blob storage. Reported upload byte count is 0.');
  return { uploadSize: uploaded, sha256Hash };
}
