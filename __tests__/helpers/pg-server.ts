/**
 * A throwaway PostgreSQL server for tests: initdb in a temp dir, password (scram) auth, a free loopback
 * port, started with pg_ctl. Works on a fresh Debian CI machine after `apt-get install postgresql`
 * (binaries in /usr/lib/postgresql/<v>/bin, not on PATH) and when the tests run as root, which initdb
 * refuses: then every server command runs as the `postgres` user the Debian package creates.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireSystem } from './require-system.ts';

export interface PgServer {
  /** postgres://ff:<password>@127.0.0.1:<port>/ffdb */
  url: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dataDir: string;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Runs SQL with psql as the superuser `ff`; returns unaligned, tuples-only output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server (if running) and deletes its directory. */
  destroy(): Promise<void>;
  /** PEM of the CA that signed the server certificate (with `ssl: true`). */
  caPem?: string;
  /** Path of that CA file. */
  caFile?: string;
}

/** A throwaway CA and a server certificate for localhost and 127.0.0.1. */
function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ff-test-ca']);
  ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ossl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
}

function findBinDir(): string {
  return requireSystem('postgres');
}

function findPsql(binDir: string): string {
  if (existsSync(join(binDir, 'psql'))) return join(binDir, 'psql');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  }
  throw new Error('psql not found');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a server binary as `postgres` when we are root (initdb and postgres refuse root). */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser') || existsSync('/usr/bin/runuser')) {
    return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
  }
  const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const [c, a] = asServerUser(cmd, args);
  const res = spawnSync(c, a, { encoding: 'utf8', env: { ...process.env, ...env }, cwd: '/' });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr || res.stdout || res.error?.message}`);
  }
  return res.stdout;
}

/** Async variant, so a test's own event loop keeps running while the server stops or starts. */
function runAsync(cmd: string, args: string[]): Promise<string> {
  const [c, a] = asServerUser(cmd, args);
  return new Promise((resolve, reject) => {
    execFile(c, a, { encoding: 'utf8', cwd: '/' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

const live = new Set<string>();
process.on('exit', () => {
  // A crashed test file must not leave servers behind.
  for (const dataDir of live) {
    const bin = findBinDir();
    const [c, a] = asServerUser(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    spawnSync(c, a, { stdio: 'ignore', cwd: '/' });
  }
});

export interface StartOptions {
  /** Extra lines for postgresql.conf. */
  config?: string[];
  /** Turn TLS on with a fresh CA and a server certificate for localhost / 127.0.0.1 (needs openssl). */
  ssl?: boolean;
  /** Replaces pg_hba.conf (e.g. hostssl-only lines). */
  hba?: string[];
}

export async function startPostgres(opts: StartOptions = {}): Promise<PgServer> {
  const bin = findBinDir();
  const psqlBin = findPsql(bin);
  // As root the server runs as `postgres`, which must be able to reach the directory: /tmp always is.
  const root = mkdtempSync(join(process.getuid?.() === 0 ? '/tmp' : tmpdir(), 'ff-pg-'));
  chmodSync(root, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const dataDir = join(root, 'data');
  const user = 'ff';
  // Characters that need URL encoding, so redaction of encoded and decoded forms is exercised.
  const password = `pw@${randomBytes(6).toString('hex')}/:x`;
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (process.getuid?.() === 0) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  run(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale', '--no-sync']);
  rmSync(pwfile);
  let port = await freePort();
  const sslLines: string[] = [];
  let caFile: string | undefined;
  if (opts.ssl) {
    const certs = makeCertificates(root);
    caFile = certs.caFile;
    chmodSync(certs.keyFile, 0o600);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      for (const f of [certs.keyFile, certs.certFile]) chownSync(f, uid, gid);
    }
    sslLines.push('ssl = on', `ssl_cert_file = '${certs.certFile}'`, `ssl_key_file = '${certs.keyFile}'`);
  }
  if (opts.hba) writeFileSync(join(dataDir, 'pg_hba.conf'), ['local all all scram-sha-256', ...opts.hba, ''].join('\n'));
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${root}'`,
      'fsync = off',
      'full_page_writes = off',
      'max_connections = 60',
      'shared_buffers = 32MB',
      ...sslLines,
      ...(opts.config ?? []),
      '',
    ].join('\n'),
  );
  const logFile = join(root, 'server.log');
  let running = false;
  const database = 'ffdb';
  const server: PgServer = {
    get url() {
      return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    },
    get port() {
      return port;
    },
    user,
    password,
    database,
    dataDir,
    caFile,
    caPem: caFile ? readFileSync(caFile, 'utf8') : undefined,
    async start() {
      // The port goes on the command line, so a retry after a lost race for it needs no config rewrite.
      await runAsync(join(bin, 'pg_ctl'), ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', `-p ${port}`]);
      running = true;
      live.add(dataDir);
    },
    async stop(mode = 'fast') {
      if (!running) return;
      try {
        await runAsync(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60']);
      } catch (err) {
        // Already stopped (by a test, or a stop racing this one) is fine.
        if (!/PID file .* does not exist|Is server running/.test(String(err))) throw err;
      }
      running = false;
      live.delete(dataDir);
    },
    async psql(sql: string, db = database) {
      const res = spawnSync(psqlBin, ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', db, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
        input: sql,
        encoding: 'utf8',
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
      });
      if (res.status !== 0) throw new Error(`psql failed: ${res.stderr}`);
      return res.stdout.trim();
    },
    async destroy() {
      try {
        await server.stop('immediate');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  // Another test file may grab the free port between our probe and the server's bind: try another.
  for (let attempt = 0; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (err) {
      if (attempt >= 4) throw err;
      port = await freePort();
    }
  }
  await server.psql(`CREATE DATABASE ${database}`, 'postgres');
  return server;
}
