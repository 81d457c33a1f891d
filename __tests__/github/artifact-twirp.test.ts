/**
 * src/github/artifact-twirp.ts against the artifact client's own Twirp client (its
 * artifact-twirp-client.js over the protobuf-ts generated code), which stays installed: for the
 * same calls against the same scripted server, the same requests (URL, headers, JSON body bytes),
 * the same results, the same retries and the same error messages.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeRuntimeToken } from '../helpers/artifact-stand-in.ts';
import { ArtifactTwirpClient, createArtifactJson, createArtifactResponse, expirationTime, finalizeArtifactJson, finalizeArtifactResponse } from '../../src/github/artifact-twirp.ts';
import { internalArtifactTwirpClient } from '../../node_modules/@actions/artifact/lib/internal/shared/artifact-twirp-client.js';
import {
  CreateArtifactRequest,
  CreateArtifactResponse,
  FinalizeArtifactRequest,
  FinalizeArtifactResponse,
  StringValue,
  Timestamp,
} from '../../node_modules/@actions/artifact/lib/generated/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers each request with the next scripted reply (status, body); records what came. */
let replies: { status: number; body: string }[] = [];
const seen: Seen[] = [];
let server: Server;
let url = '';

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const r = replies.shift() ?? { status: 500, body: '{"msg":"no reply scripted"}' };
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.ACTIONS_RESULTS_URL = `${url}/`;
  process.env.ACTIONS_RUNTIME_TOKEN = fakeRuntimeToken('run-1', 'job-1');
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const FAST = { maxAttempts: 3, retryIntervalMs: 5, retryMultiplier: 1.5 };
const theirs = () => internalArtifactTwirpClient(FAST);
const ours = () => new ArtifactTwirpClient(FAST.maxAttempts, FAST.retryIntervalMs, FAST.retryMultiplier);

/** What a request carries apart from the connection: its method, path, headers and body. */
const request = (s: Seen) => {
  const { host: _host, connection: _connection, ...headers } = s.headers;
  return { method: s.method, url: s.url, headers, body: s.body };
};

/** Runs `call` with each client against the same script; returns their outcomes and requests. */
async function both<T>(script: { status: number; body: string }[], call: (c: 'theirs' | 'ours') => Promise<T>) {
  const out: { result?: T; error?: string; requests: ReturnType<typeof request>[] }[] = [];
  for (const who of ['theirs', 'ours'] as const) {
    replies = [...script];
    seen.length = 0;
    const o: (typeof out)[number] = { requests: [] };
    try {
      o.result = await call(who);
    } catch (e) {
      o.error = (e as Error).message;
    }
    o.requests = seen.map(request);
    out.push(o);
  }
  return { theirs: out[0]!, ours: out[1]! };
}

const createReq = { workflowRunBackendId: 'run-1', workflowJobRunBackendId: 'job-1', name: 'flakefighters-db-test', version: 7 };

test('request bodies are byte for byte what protobuf-ts writes', () => {
  const toJson = { useProtoFieldName: true, emitDefaultValues: false };
  for (const date of [new Date('2026-03-05T01:02:03.000Z'), new Date('2026-03-05T01:02:03.456Z'), new Date('2030-12-31T23:59:59.001Z')]) {
    for (const name of ['flakefighters-db-test', 'ünïcode ✓', '0', '']) {
      for (const mime of [undefined, 'application/zip', '']) {
        const theirsJson = CreateArtifactRequest.toJson(
          CreateArtifactRequest.create({ ...createReq, name, expiresAt: Timestamp.fromDate(date), ...(mime !== undefined ? { mimeType: StringValue.create({ value: mime }) } : {}) }),
          toJson,
        );
        const oursJson = createArtifactJson({ ...createReq, name, expiresAt: expirationTime(1, new Date(date.getTime() - 86_400_000)), ...(mime !== undefined ? { mimeType: mime } : {}) });
        assert.equal(JSON.stringify(oursJson), JSON.stringify(theirsJson));
      }
    }
  }
  assert.equal(JSON.stringify(createArtifactJson({ ...createReq, version: 0 })), JSON.stringify(CreateArtifactRequest.toJson(CreateArtifactRequest.create({ ...createReq, version: 0 }), toJson)));
  for (const size of ['0', '1', '94208', '9007199254740993']) {
    for (const hash of [undefined, 'sha256:abc', '']) {
      const base = { workflowRunBackendId: 'run-1', workflowJobRunBackendId: 'job-1', name: 'n', size };
      const theirsJson = FinalizeArtifactRequest.toJson(FinalizeArtifactRequest.create({ ...base, ...(hash !== undefined ? { hash: StringValue.create({ value: hash }) } : {}) }), toJson);
      assert.equal(JSON.stringify(finalizeArtifactJson({ ...base, ...(hash !== undefined ? { hash } : {}) })), JSON.stringify(theirsJson));
    }
  }
});

test('responses read as protobuf-ts reads them (the fields an upload uses)', () => {
  const fromJson = { ignoreUnknownFields: true };
  const bodies: Record<string, string | number | boolean>[] = [{ ok: true, signed_upload_url: 'https://x/y?sig=z' }, { ok: false }, {}, { ok: true, signedUploadUrl: 'u', extra: 1 }];
  for (const body of bodies) {
    const t = CreateArtifactResponse.fromJson(body, fromJson);
    assert.deepEqual(createArtifactResponse(body), { ok: t.ok, signedUploadUrl: t.signedUploadUrl });
  }
  // A bool that is not a JSON bool: protobuf-ts throws, ours reads not ok; neither uploads.
  assert.throws(() => CreateArtifactResponse.fromJson({ ok: 'true' }, fromJson));
  assert.equal(createArtifactResponse({ ok: 'true' }).ok, false);
  const finals: Record<string, string | number | boolean>[] = [{ ok: true, artifact_id: '1234' }, { ok: true, artifact_id: 1234 }, { ok: true, artifactId: '9007199254740993' }, {}];
  for (const body of finals) {
    const t = FinalizeArtifactResponse.fromJson(body, fromJson);
    assert.deepEqual(finalizeArtifactResponse(body), { ok: t.ok, artifactId: BigInt(t.artifactId) });
  }
});

test('the expiration is the client getExpiration(), capped by GITHUB_RETENTION_DAYS the same way', async () => {
  const { getExpiration } = await import('../../node_modules/@actions/artifact/lib/internal/upload/retention.js');
  const saved = process.env.GITHUB_RETENTION_DAYS;
  try {
    for (const cap of [undefined, '5', '90', 'x']) {
      if (cap === undefined) delete process.env.GITHUB_RETENTION_DAYS;
      else process.env.GITHUB_RETENTION_DAYS = cap;
      for (const days of [undefined, 0, 1, 30]) {
        const now = new Date();
        const t = getExpiration(days);
        const o = expirationTime(days, now);
        if (t === undefined) {
          assert.equal(o, undefined);
          continue;
        }
        // Same day count: within the few milliseconds between the two calls.
        assert.ok(Math.abs(Date.parse(o!) - Number(t.seconds) * 1000 - t.nanos / 1e6) < 1000, `${o} vs ${Timestamp.toJson(t)}`);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.GITHUB_RETENTION_DAYS;
    else process.env.GITHUB_RETENTION_DAYS = saved;
  }
});

test('CreateArtifact and FinalizeArtifact send the same requests and read the same answers', async () => {
  const created = await both([{ status: 200, body: '{"ok":true,"signed_upload_url":"https://blob/x?sig=s3cr3t"}' }], (who) =>
    who === 'theirs'
      ? theirs()
          .CreateArtifact({ ...createReq, mimeType: StringValue.create({ value: 'application/zip' }), expiresAt: Timestamp.fromDate(new Date('2026-04-01T00:00:00Z')) })
          .then((r) => ({ ok: r.ok, signedUploadUrl: r.signedUploadUrl }))
      : ours().createArtifact({ ...createReq, mimeType: 'application/zip', expiresAt: '2026-04-01T00:00:00Z' }),
  );
  assert.deepEqual(created.ours, created.theirs);
  assert.equal(created.ours.requests.length, 1);
  assert.match(created.ours.requests[0]!.url, /^\/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/CreateArtifact$/);
  assert.match(String(created.ours.requests[0]!.headers.authorization), /^Bearer /);

  const finalized = await both([{ status: 200, body: '{"ok":true,"artifact_id":"4321"}' }], (who) =>
    who === 'theirs'
      ? theirs()
          .FinalizeArtifact({ workflowRunBackendId: 'run-1', workflowJobRunBackendId: 'job-1', name: 'n', size: '94208', hash: StringValue.create({ value: 'sha256:ab' }) })
          .then((r) => ({ ok: r.ok, artifactId: BigInt(r.artifactId) }))
      : ours().finalizeArtifact({ workflowRunBackendId: 'run-1', workflowJobRunBackendId: 'job-1', name: 'n', size: '94208', hash: 'sha256:ab' }),
  );
  assert.deepEqual(finalized.ours, finalized.theirs);
  assert.equal(finalized.ours.result?.artifactId, 4321n);
});

const create = (who: 'theirs' | 'ours') =>
  who === 'theirs'
    ? theirs()
        .CreateArtifact({ ...createReq, mimeType: StringValue.create({ value: 'application/zip' }) })
        .then((r) => ({ ok: r.ok, signedUploadUrl: r.signedUploadUrl }))
    : ours().createArtifact({ ...createReq, mimeType: 'application/zip' });

test('failures: the same retries and the same messages', async () => {
  const scripts: [string, { status: number; body: string }[]][] = [
    ['retried 503s, then success', [{ status: 503, body: '{"msg":"busy"}' }, { status: 503, body: '{}' }, { status: 200, body: '{"ok":true,"signed_upload_url":"u"}' }]],
    ['a conflict is not retried', [{ status: 409, body: '{"code":"already_exists","msg":"an artifact with this name already exists on the workflow run"}' }]],
    ['retries run out', [{ status: 500, body: '{"msg":"a"}' }, { status: 502, body: '{"msg":"b"}' }, { status: 504, body: '{"msg":"c"}' }]],
    ['a body that is not JSON is retried', [{ status: 400, body: '<html>bad gateway</html>' }, { status: 200, body: '{"ok":true,"signed_upload_url":"u"}' }]],
    ['usage quota', [{ status: 403, body: '{"msg":"insufficient usage to create artifact"}' }]],
    ['not ok', [{ status: 200, body: '{"ok":false}' }]],
  ];
  for (const [what, script] of scripts) {
    const r = await both(script, create);
    assert.deepEqual(r.ours, r.theirs, what);
  }
});

test('a refused connection gives the client message', async () => {
  const saved = process.env.ACTIONS_RESULTS_URL;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  process.env.ACTIONS_RESULTS_URL = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  try {
    const r = await both([], create);
    assert.ok(r.theirs.error && /ECONNREFUSED/.test(r.theirs.error), r.theirs.error);
    assert.equal(r.ours.error, r.theirs.error);
  } finally {
    process.env.ACTIONS_RESULTS_URL = saved;
  }
});
