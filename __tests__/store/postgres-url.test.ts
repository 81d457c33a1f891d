import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseDatabaseUrl, type PostgresTarget } from '../../src/store/database-url.ts';
import { registerSecretsFromUrl, redact, clearSecrets } from '../../src/store/redact.ts';
import { UserError } from '../../src/store/store.ts';
import { isTransient, withRetry } from '../../src/store/retry.ts';

const pg = (u: string) => {
  const t = parseDatabaseUrl(u);
  assert.equal(t.kind, 'postgres');
  return t as PostgresTarget;
};

describe('parseDatabaseUrl', () => {
  test('libpq and SQLAlchemy spellings all normalise to postgres://', () => {
    for (const scheme of ['postgres', 'postgresql', 'postgresql+psycopg2', 'postgresql+asyncpg', 'postgresql+pg8000', 'postgresql+psycopg', 'POSTGRESQL']) {
      const t = pg(`${scheme}://u:p%40ss@db.example.com:5433/hist`);
      assert.equal(t.url, 'postgres://u:p%40ss@db.example.com:5433/hist');
      assert.equal(t.host, 'db.example.com');
      assert.equal(t.port, 5433);
      assert.equal(t.database, 'hist');
      assert.equal(t.user, 'u');
      assert.equal(t.prepare, true);
      assert.equal(t.sslMode, 'prefer');
    }
  });
  test('default port and query parameters', () => {
    const t = pg('postgresql://u:p@h/db?sslmode=verify-full&connect_timeout=7&statement_timeout=1500&application_name=ci&channel_binding=require');
    assert.equal(t.port, 5432);
    assert.equal(t.url, 'postgres://u:p@h:5432/db');
    assert.equal(t.sslMode, 'verify-full');
    assert.equal(t.connectTimeoutSec, 7);
    assert.equal(t.statementTimeoutMs, 1500);
    assert.equal(t.applicationName, 'ci');
    assert.deepEqual(t.ignoredParams, ['channel_binding']);
  });
  test('transaction poolers turn prepared statements off', () => {
    assert.equal(pg('postgres://u:p@aws-0-eu.pooler.supabase.com:6543/postgres').prepare, false);
    assert.equal(pg('postgres://u:p@h:5432/d?pgbouncer=true').prepare, false);
    assert.equal(pg('postgres://u:p@h:5432/d?prepare=false').prepare, false);
    assert.equal(pg('postgres://u:p@h:6543/d?prepare=true').prepare, true);
  });
  test('sqlite URLs follow SQLAlchemy', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:///relative.db'), { kind: 'sqlite', path: 'relative.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:////abs/path.db'), { kind: 'sqlite', path: '/abs/path.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:////home/runner/work/sample/sample/flakefighters.db'), {
      kind: 'sqlite',
      path: '/home/runner/work/sample/sample/flakefighters.db',
    });
    assert.throws(() => parseDatabaseUrl('sqlite://'), UserError);
  });
  test('bad input is one clear line that never echoes the password', () => {
    const bad = [
      'mysql://root:hunter2secret@h/db',
      'hunter2secret',
      'postgres://u:hunter2secret@h/db?sslmode=bogus',
      'postgres://u:hunter2secret@h/db?connect_timeout=soon',
      'postgres://u:hunter2secret@h:99999/db',
    ];
    for (const u of bad) {
      assert.throws(
        () => parseDatabaseUrl(u),
        (e: unknown) => {
          assert.ok(e instanceof UserError, String(e));
          assert.ok(!e.message.includes('hunter2secret'), e.message);
          assert.ok(!e.message.includes('\n'));
          return true;
        },
      );
    }
    assert.throws(() => parseDatabaseUrl('mysql://root:x@h/db'), /unsupported scheme "mysql".*postgresql\+psycopg2/);
  });
});

describe('redact', () => {
  test('masks the URL, the password in every form and user:password', () => {
    clearSecrets();
    const pass = 'p@ss w/rd:Zz9';
    const url = `postgresql+psycopg2://alice:${encodeURIComponent(pass)}@db:5432/x`;
    registerSecretsFromUrl(url);
    const text = `failed ${url} / ${pass} / ${encodeURIComponent(pass)} / alice:${encodeURIComponent(pass)}`;
    const out = redact(text);
    assert.ok(!out.includes(pass) && !out.includes(encodeURIComponent(pass)), out);
    assert.ok(out.includes('***'));
    // Unregistered URLs still lose their password.
    assert.equal(redact('see postgres://bob:other-secret@h/db'), 'see postgres://bob:***@h/db');
    clearSecrets();
  });
});

describe('retry', () => {
  test('only transient failures are retried', async () => {
    for (const code of ['57P01', '53300', '40001', '40P01', '08006', '08001', 'ECONNREFUSED', 'ECONNRESET', 'CONNECTION_CLOSED']) assert.equal(isTransient({ code }), true, code);
    for (const code of ['28P01', '28000', '42P01', '23505', '57014', '3D000', 'ENOTFOUND', undefined]) assert.equal(isTransient({ code }), false, String(code));
    let calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('auth'), { code: '28P01' });
      }, { retries: 3, baseDelayMs: 1 }),
      /auth/,
    );
    assert.equal(calls, 1);
    calls = 0;
    const delays: number[] = [];
    const v = await withRetry(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('busy'), { code: '53300' });
        return 'ok';
      },
      { retries: 3, baseDelayMs: 10, onRetry: (_e, _a, d) => delays.push(d) },
    );
    assert.equal(v, 'ok');
    assert.equal(calls, 3);
    assert.ok(delays[1] >= delays[0] * 0.9, `backoff grows: ${delays}`);
  });
});
