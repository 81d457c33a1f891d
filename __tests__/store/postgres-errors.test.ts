import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import postgres from 'postgres';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore, PostgresStoreError } from '../../src/store/postgres-store.ts';
import { UserError } from '../../src/store/store.ts';
import type { Run } from '../../src/model.ts';

async function listen(onConn?: (s: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => onConn?.(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

describe('postgres failures are one clear, redacted line', () => {
  let server: PgServer;
  const secrets: string[] = [];
  before(async () => {
    server = await startPostgres();
    secrets.push(server.password, encodeURIComponent(server.password));
  });
  after(async () => {
    await server?.destroy();
  });

  async function failsWith(promise: Promise<unknown>, pattern: RegExp, extraSecrets: string[] = []): Promise<PostgresStoreError | UserError> {
    let caught: unknown;
    try {
      await promise;
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
    const msg = caught.message;
    assert.match(msg, pattern);
    assert.ok(!msg.includes('\n'), `not one line: ${msg}`);
    for (const s of [...secrets, ...extraSecrets]) {
      assert.ok(!msg.includes(s), `password leaked: ${msg}`);
      assert.ok(!String(caught.stack).includes(s), 'password leaked in the stack');
    }
    return caught;
  }

  test('wrong password', async () => {
    const wrong = 'Wr0ng-Secret!';
    const url = server.url.replace(/:[^:@]*@/, `:${encodeURIComponent(wrong)}@`);
    const t = Date.now();
    await failsWith(openPostgresStore(url, { retryDelayMs: 50 }), /^password authentication failed for user "ff" at 127\.0\.0\.1:\d+; check the database-url secret$/, [wrong]);
    assert.ok(Date.now() - t < 3000, 'auth failures are not retried');
  });

  test('unknown host', async () => {
    const url = `postgres://ff:${encodeURIComponent(server.password)}@no-such-host.invalid:5432/ffdb`;
    await failsWith(openPostgresStore(url, { retryDelayMs: 20, connectTimeoutSec: 3 }), /^unknown database host "no-such-host\.invalid" \(DNS lookup failed\); check the host name in the database-url secret$/);
  });

  test('refused port, retried with backoff then reported', async () => {
    const { server: probe, port } = await listen();
    await new Promise((r) => probe.close(r));
    const logs: string[] = [];
    const url = `postgres://ff:${encodeURIComponent(server.password)}@127.0.0.1:${port}/ffdb`;
    const err = await failsWith(openPostgresStore(url, { retries: 2, retryDelayMs: 20, log: (m) => logs.push(m) }), /^connection refused by 127\.0\.0\.1:\d+; is PostgreSQL running/);
    assert.equal((err as PostgresStoreError).transient, true);
    assert.equal(logs.filter((l) => /retry \d in/.test(l)).length, 2, logs.join('\n'));
    for (const l of logs) for (const s of secrets) assert.ok(!l.includes(s));
  });

  test('connect timeout against a server that never answers', async () => {
    const sockets: import('node:net').Socket[] = [];
    const { server: silent, port } = await listen((s) => sockets.push(s));
    try {
      const url = `postgres://ff:${encodeURIComponent(server.password)}@127.0.0.1:${port}/ffdb?connect_timeout=1`;
      const t = Date.now();
      await failsWith(openPostgresStore(url, { retries: 0 }), /^could not connect to 127\.0\.0\.1:\d+ within the connect timeout/);
      assert.ok(Date.now() - t < 5000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  test('SSL required but the server has none', async () => {
    for (const mode of ['require', 'verify-full']) {
      const url = `${server.url}?sslmode=${mode}`;
      await failsWith(
        openPostgresStore(url, { retryDelayMs: 20, connectTimeoutSec: 5 }),
        new RegExp(`^127\\.0\\.0\\.1:\\d+ does not accept SSL, but the database-url asks for sslmode=${mode}; enable SSL on the server or use sslmode=prefer`),
      );
    }
  });

  for (const [label, query] of [['', ''], [' behind a transaction pooler (prepare=false: SET LOCAL)', '?prepare=false']]) {
    test(`statement timeout while a table is locked${label}`, async () => {
      const uuid = `timeout-run${query}`;
      const store = await openPostgresStore(server.url + query, { statementTimeoutMs: 300, retries: 0 });
      const locker = postgres(server.url, { max: 1, onnotice: () => {} });
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const locked = new Promise<void>((resolve) => {
        void locker.begin(async (tx) => {
          await tx`LOCK TABLE run IN ACCESS EXCLUSIVE MODE`;
          resolve();
          await held;
        });
      });
      try {
        await locked;
        const run: Run = { startTime: new Date(), root: '/r', commitSha: null, tests: [], activeFlakefighters: [], meta: { uuid } };
        const t = Date.now();
        await failsWith(store.save(run), /statement took longer than statement_timeout=300 ms while trying to save the run/);
        assert.ok(Date.now() - t < 5000);
      } finally {
        release();
        await locker.end();
        await store.close();
      }
      const after = await openPostgresStore(server.url + query);
      assert.equal(await after.hasRun(uuid), false);
      await after.save({ startTime: new Date(), root: '/r', commitSha: null, tests: [], activeFlakefighters: [], meta: { uuid } });
      assert.equal(await after.hasRun(uuid), true);
      await after.close();
    });
  }

  test('a bad URL never echoes the password', async () => {
    await failsWith(openPostgresStore(`mysql://ff:${encodeURIComponent(server.password)}@h/db`), /unsupported scheme "mysql"/);
  });
});
