import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { UserError } from '../../src/store/store.ts';

describe('postgres over TLS', () => {
  let server: PgServer;
  before(async () => {
    // Like a managed database: TLS only, plain connections refused by pg_hba.
    server = await startPostgres({ ssl: true, hba: ['hostssl all all 127.0.0.1/32 scram-sha-256'] });
  });
  after(async () => {
    await server?.destroy();
  });

  const encryptedSessions = () =>
    server.psql(`SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'ff-tls' AND s.ssl`);

  async function roundTrip(url: string, sslCa?: string): Promise<void> {
    const store = await openPostgresStore(url, { sslCa });
    try {
      assert.equal(await store.hasRun('nope'), false);
      assert.ok(Number(await encryptedSessions()) >= 1);
    } finally {
      await store.close();
    }
  }

  test('default sslmode (prefer) and require encrypt without verifying', async () => {
    await roundTrip(`${server.url}?application_name=ff-tls`);
    await roundTrip(`${server.url}?sslmode=require&application_name=ff-tls`);
  });

  test('verify-full with database-ssl-ca as PEM text or as a file, by host name and by IP', async () => {
    const byName = server.url.replace('@127.0.0.1:', '@localhost:');
    await roundTrip(`${byName}?sslmode=verify-full&application_name=ff-tls`, server.caPem);
    await roundTrip(`${server.url}?sslmode=verify-full&application_name=ff-tls`, server.caFile);
    await roundTrip(`${byName}?sslmode=verify-ca&application_name=ff-tls&sslrootcert=${encodeURIComponent(server.caFile!)}`);
  });

  test('a CA without an sslmode verifies the server with it', async () => {
    await roundTrip(`${server.url}?application_name=ff-tls`, server.caPem);
    const otherCa = execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-out', '-', '-subj', '/CN=other-ca', '-days', '1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await assert.rejects(openPostgresStore(server.url, { sslCa: otherCa, retries: 0 }), /^UserError: the TLS certificate of 127\.0\.0\.1:\d+ could not be verified/);
  });

  test('an unverifiable certificate is one clear line', async () => {
    await assert.rejects(openPostgresStore(`${server.url}?sslmode=verify-full`, { retries: 0 }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^the TLS certificate of 127\.0\.0\.1:\d+ could not be verified \([A-Z_]+\); pass the server's CA certificate as database-ssl-ca/);
      assert.ok(!err.message.includes(server.password));
      return true;
    });
  });

  test('sslmode=disable against a TLS-only server says to turn TLS on', async () => {
    await assert.rejects(openPostgresStore(`${server.url}?sslmode=disable`, { retries: 0 }), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /refused an unencrypted connection .*; add \?sslmode=require to the database-url secret$/);
      assert.ok(!err.message.includes(server.password));
      return true;
    });
  });

  test('a missing CA file is a clear error', async () => {
    await assert.rejects(openPostgresStore(`${server.url}?sslmode=verify-full`, { sslCa: '/nonexistent/ca.pem' }), /database-ssl-ca: \/nonexistent\/ca\.pem is neither PEM text nor an existing file/);
  });
});
