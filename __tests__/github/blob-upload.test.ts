/**
 * The artifact blob upload (src/github/blob-upload.ts) over real sockets against the artifact
 * stand-in, which checks what Azure's Put Block / Put Block List check: the signature, block ids
 * of one length, a block list naming staged blocks, Content-Length. Through uploadZipArtifact too,
 * the way a run uploads: the bytes and sha256 it finalizes, and no finalize after a failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { AZURE_STORAGE_VERSION, BlobUploadError, blockListXml, maskSignedUrl, uploadBlockBlob } from '../../src/github/blob-upload.ts';
import { uploadZipArtifact } from '../../src/github/artifact-upload.ts';
import { extractZip } from '../../src/github/zip-reader.ts';

let s: ArtifactStandIn;
const RUN = 5301;
const dir = mkdtempSync(join(tmpdir(), 'ffa-blob-'));
let nextName = 0;

before(async () => {
  s = await startArtifactStandIn();
  s.defineRun({ id: RUN });
  Object.assign(process.env, s.env(RUN), { GITHUB_WORKSPACE: dir });
});
after(() => s.close());

/** A signed upload URL from the stand-in's CreateArtifact, as the Twirp client gets it. */
async function createArtifact(): Promise<{ url: string; id: number; name: string }> {
  const name = `blob-${nextName++}`;
  const res = await fetch(`${s.url}/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body: JSON.stringify({ workflow_run_backend_id: `run-${RUN}`, workflow_job_run_backend_id: 'job-1', name, version: 7 }),
  });
  const body = (await res.json()) as { signed_upload_url: string };
  const id = s.artifacts.find((a) => a.name === name)!.id;
  return { url: body.signed_upload_url, id, name };
}

/** `bytes` as a stream of uneven pieces, so blocks are cut across them. */
const pieces = (bytes: Buffer, size: number) => Readable.from((function* () {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
})());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every text a failure shows: message, stack and cause. */
const errorText = (e: unknown) => `${(e as Error).message}\n${(e as Error).stack ?? ''}\n${String((e as { cause?: unknown }).cause ?? '')}`;

function assertNoSignature(text: string, url: string) {
  const u = new URL(url);
  const sig = u.searchParams.get('sig')!;
  for (const secret of [url, u.search, sig, encodeURIComponent(sig)]) assert.ok(!text.includes(secret), `the signed URL leaks in: ${text}`);
}

test('a stream is uploaded in blocks of the chunk size with ids of one length, then committed as the blob', async () => {
  const { url, id } = await createArtifact();
  const bytes = randomBytes(10_000);
  const r = await uploadBlockBlob(url, pieces(bytes, 777), 'application/zip', { chunkSize: 1024, concurrency: 4, timeoutMs: 10_000 });
  assert.equal(r.uploadSize, bytes.length);
  assert.equal(r.sha256Hash, sha256(bytes));
  const a = s.artifacts.find((x) => x.id === id)!;
  assert.deepEqual(a.bytes, bytes, 'the committed blob is the stream, block by block in order');
  assert.equal(a.contentType, 'application/zip');

  const log = s.blobLog.filter((l) => l.artifactId === id);
  // Blocks go up concurrently, so they arrive in any order; each id names its index.
  const indexOf = (b: string) => Number(Buffer.from(b, 'base64').toString('latin1').slice(36));
  const blocks = log.filter((l) => l.op === 'block').sort((x, y) => indexOf(x.blockId!) - indexOf(y.blockId!));
  assert.deepEqual(blocks.map((l) => l.length), [...Array(9).fill(1024), 10_000 - 9 * 1024]);
  assert.ok(blocks.every((l) => l.status === 201));
  const ids = blocks.map((l) => l.blockId!);
  assert.equal(new Set(ids).size, ids.length, 'distinct block ids');
  // The Azure client's ids: base64 of 48 bytes (one UUID per upload and a zero-padded index), 64 characters.
  const prefix = Buffer.from(ids[0]!, 'base64').toString('latin1').slice(0, 36);
  assert.match(prefix, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  for (const [i, b] of ids.entries()) {
    assert.equal(b.length, 64);
    assert.equal(Buffer.from(b, 'base64').toString('latin1'), `${prefix}${String(i).padStart(12, '0')}`);
  }
  for (const l of blocks) {
    assert.equal(l.headers['x-ms-version'], AZURE_STORAGE_VERSION);
    assert.equal(l.headers['content-type'], 'application/octet-stream');
    assert.equal(l.headers['content-length'], String(l.length));
    assert.equal(l.headers['transfer-encoding'], undefined);
  }
  const commit = log.filter((l) => l.op === 'blocklist');
  assert.equal(commit.length, 1);
  assert.equal(log.at(-1)!.op, 'blocklist', 'committed after every block');
  assert.equal(commit[0]!.headers['x-ms-blob-content-type'], 'application/zip');
  assert.equal(commit[0]!.headers['content-type'], 'application/xml');
  assert.equal(commit[0]!.length, Buffer.byteLength(blockListXml(ids)));
});

test('the requests are those the Azure client sends for the same bytes (headers, query, bodies)', async () => {
  const { uploadToBlobStorage } = await import('../../node_modules/@actions/artifact/lib/internal/upload/blob-upload.js');
  const bytes = randomBytes(5000);
  const seen: unknown[] = [];
  for (const send of [
    // It is typed for the client's own stream class; any Readable is what it reads.
    (url: string) => uploadToBlobStorage(url, pieces(bytes, 999) as never, 'application/zip'),
    (url: string) => uploadBlockBlob(url, pieces(bytes, 999), 'application/zip', { chunkSize: 8 << 20, concurrency: 5, timeoutMs: 10_000 }),
  ]) {
    const { url, id } = await createArtifact();
    const r = await send(url);
    assert.deepEqual(r, { uploadSize: bytes.length, sha256Hash: sha256(bytes) });
    assert.deepEqual(s.artifacts.find((a) => a.id === id)!.bytes, bytes);
    // Per-request and per-client values aside: the request id, the user agent, the connection.
    const volatile = new Set(['x-ms-client-request-id', 'user-agent', 'host', 'connection']);
    seen.push(
      s.blobLog
        .filter((l) => l.artifactId === id)
        .map((l) => ({ op: l.op, blockIdLength: l.blockId?.length, length: l.length, status: l.status, headers: Object.fromEntries(Object.entries(l.headers).filter(([k]) => !volatile.has(k)).sort()) })),
    );
    const queries = s.rest.log.filter((l) => l.path === `/blob/upload/${id}`).map((l) => l.query.replace(/blockid=[^&]+/, 'blockid=ID').replace(/sig=[^&]+/, 'sig=SIG'));
    seen.push(queries);
  }
  assert.deepEqual(seen[2], seen[0], 'the same requests as the Azure client');
  assert.deepEqual(seen[3], seen[1], 'the same query strings as the Azure client');
});

test('an empty stream commits an empty block list, as the Azure client does', async () => {
  const { url, id } = await createArtifact();
  const r = await uploadBlockBlob(url, Readable.from([]), 'application/zip', { chunkSize: 1024, concurrency: 2, timeoutMs: 10_000 });
  assert.deepEqual(r, { uploadSize: 0, sha256Hash: sha256(Buffer.alloc(0)) });
  assert.deepEqual(s.blobLog.filter((l) => l.artifactId === id).map((l) => [l.op, l.status]), [['blocklist', 201]]);
});

test('the stand-in refuses what Azure refuses: a block list naming an unstaged block, ids of two lengths, a wrong signature', async () => {
  const { url, id } = await createArtifact();
  const put = (query: string, body: string) => fetch(`${url}&${query}`, { method: 'PUT', body, headers: { 'content-length': String(Buffer.byteLength(body)) } });
  assert.equal((await put(`comp=block&blockid=${encodeURIComponent(Buffer.from('a'.repeat(48)).toString('base64'))}`, 'x')).status, 201);
  assert.equal((await put(`comp=block&blockid=${encodeURIComponent(Buffer.from('b'.repeat(12)).toString('base64'))}`, 'y')).status, 400);
  assert.equal((await put('comp=blocklist', blockListXml([Buffer.from('c'.repeat(48)).toString('base64')]))).status, 400);
  assert.equal((await fetch(url.replace(/sig=[^&]+/, 'sig=forged') + '&comp=blocklist', { method: 'PUT', body: blockListXml([]) })).status, 403);
  assert.equal(s.artifacts.find((a) => a.id === id)!.bytes.length, 0);
});

test('a 503 is tried again and the upload completes', async () => {
  const { url, id } = await createArtifact();
  const bytes = randomBytes(3000);
  s.blobFaults.push(503);
  const r = await uploadBlockBlob(url, pieces(bytes, 1000), 'application/zip', { chunkSize: 2048, concurrency: 1, timeoutMs: 10_000 });
  assert.equal(r.sha256Hash, sha256(bytes));
  assert.deepEqual(s.artifacts.find((a) => a.id === id)!.bytes, bytes);
  const log = s.blobLog.filter((l) => l.artifactId === id);
  assert.deepEqual(log.map((l) => [l.op, l.status]), [['block', 503], ['block', 201], ['block', 201], ['blocklist', 201]]);
  assert.equal(log[0]!.blockId, log[1]!.blockId, 'the same block again');
});

test('server failures that last give up after four tries with the status in the message and no signature', async () => {
  const { url, id } = await createArtifact();
  s.blobFaults.push(500, 500, 500, 500);
  const err = await uploadBlockBlob(url, pieces(randomBytes(100), 100), 'application/zip', { chunkSize: 1024, concurrency: 2, timeoutMs: 10_000, retryDelayMs: 1 }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BlobUploadError);
  assert.match(err.message, /Put Block 1 answered 500 \(InternalError/);
  assertNoSignature(errorText(err), url);
  assert.deepEqual(s.blobLog.filter((l) => l.artifactId === id).map((l) => l.status), [500, 500, 500, 500], 'four tries, never committed');
});

test('a 403 is not tried again', async () => {
  const { url, id } = await createArtifact();
  const forged = url.replace(/sig=[^&]+/, 'sig=Zm9yZ2VkK3NpZw%3D%3D');
  const err = await uploadBlockBlob(forged, pieces(randomBytes(100), 100), 'application/zip', { chunkSize: 1024, concurrency: 2, timeoutMs: 10_000 }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.match((err as Error).message, /answered 403 \(AuthenticationFailed: Server failed to authenticate the request\.\)/);
  assertNoSignature(errorText(err), forged);
  assert.equal(s.blobLog.filter((l) => l.artifactId === id).length, 1);
});

test('a refused connection is tried again, then named by its code without the signed URL', async () => {
  const closed = await new Promise<Server>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const url = `http://127.0.0.1:${port}/container/blob.zip?sv=2025-01-05&sig=c2VjcmV0K3NpZ25hdHVyZQ%3D%3D`;
  const err = await uploadBlockBlob(url, pieces(randomBytes(10), 10), 'application/zip', { chunkSize: 1024, concurrency: 1, timeoutMs: 5000, retryDelayMs: 1 }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.equal((err as BlobUploadError).code, 'ECONNREFUSED');
  assertNoSignature(errorText(err), url);
});

test('a server that never answers times out per request, and the timeout message holds no signature', async () => {
  const sockets = new Set<import('node:net').Socket>();
  const silent = await new Promise<Server>((resolve) => {
    const srv = createServer((sock) => {
      sockets.add(sock);
      sock.resume();
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/container/blob.zip?sv=2025-01-05&sig=c2VjcmV0K3NpZ25hdHVyZQ%3D%3D`;
  try {
    const t0 = Date.now();
    const err = await uploadBlockBlob(url, pieces(randomBytes(10), 10), 'application/zip', { chunkSize: 1024, concurrency: 1, timeoutMs: 300, maxTries: 2, retryDelayMs: 1 }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.match((err as Error).message, /Put Block 1 failed: Request timeout/);
    assert.equal((err as BlobUploadError).code, 'ETIMEDOUT');
    assertNoSignature(errorText(err), url);
    assert.ok(Date.now() - t0 < 5000, 'two tries of 300 ms, not the default timeout');
  } finally {
    for (const sock of sockets) sock.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('maskSignedUrl hides the URL whole, its query, and the signature raw or encoded', () => {
  const url = 'https://acct.blob.core.windows.net/c/b.zip?sv=2025-01-05&se=2026-01-01T00%3A00%3A00Z&sig=ab%2Bc%2Fd%3D';
  const text = `PUT ${url}; path /c/b.zip?sv=2025-01-05&se=2026-01-01T00%3A00%3A00Z&sig=ab%2Bc%2Fd%3D; sig ab+c/d=; other ?x=1&sig=zzz`;
  const masked = maskSignedUrl(text, url);
  assertNoSignature(masked, url);
  assert.ok(!masked.includes('zzz'));
  assert.equal(masked, 'PUT ***; path ***; sig ***; other ?x=1&sig=***');
});

test('uploadZipArtifact: an artifact bigger than one chunk is uploaded in several blocks and finalized with its size and sha256', async () => {
  const root = mkdtempSync(join(dir, 'big-'));
  // Incompressible: the zip is about as big as the file, 17 MiB over 8 MiB chunks (the client's getUploadChunkSize()).
  const noise = randomBytes(17 << 20);
  writeFileSync(join(root, 'noise.bin'), noise);
  writeFileSync(join(root, 'note.txt'), 'hello');
  const name = `big-${nextName++}`;
  const r = await uploadZipArtifact(name, [join(root, 'noise.bin'), join(root, 'note.txt')], root);
  const a = s.artifacts.find((x) => x.id === r.id)!;
  assert.ok(a.finalized);
  assert.equal(r.size, a.bytes.length);
  assert.equal(a.digest, `sha256:${sha256(a.bytes)}`, 'the finalized hash is that of the committed bytes');
  const blocks = s.blobLog.filter((l) => l.artifactId === a.id && l.op === 'block');
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks.slice(0, 2).map((l) => l.length), [8 << 20, 8 << 20]);
  const out = mkdtempSync(join(dir, 'unzipped-'));
  extractZip(a.bytes, out, { maxBytes: 32 << 20 });
  assert.deepEqual(readFileSync(join(out, 'noise.bin')), noise);
  assert.equal(readFileSync(join(out, 'note.txt'), 'utf8'), 'hello');
});

test('uploadZipArtifact: a failed blob upload is never finalized, and the error holds no signature', async () => {
  const root = mkdtempSync(join(dir, 'fail-'));
  writeFileSync(join(root, 'noise.bin'), randomBytes(9 << 20));
  const name = `fail-${nextName++}`;
  s.blobFaults.push(403);
  const err = await uploadZipArtifact(name, [join(root, 'noise.bin')], root).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  const a = s.artifacts.find((x) => x.name === name)!;
  assert.equal(a.finalized, false);
  assert.equal(a.bytes.length, 0);
  assert.match((err as Error).message, /403/);
  const signed = s.rest.log.find((l) => l.path === `/blob/upload/${a.id}`)!;
  assert.ok(!errorText(err).includes(new URLSearchParams(signed.query).get('sig')!));
  assert.ok(!errorText(err).includes(signed.query));
  assert.equal(s.blobLog.filter((l) => l.artifactId === a.id && l.op === 'blocklist').length, 0);
});
