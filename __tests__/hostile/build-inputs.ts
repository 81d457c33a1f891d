/**
 * Builders for hostile inputs: real pickles written by python3, plugin databases with a poisoned
 * column, damaged SQLite files, sparse giant files, a TCP listener that records what a Postgres
 * client would send. Everything is written into the case's own temp workspace.
 */
import { dbRows } from '../helpers/sqlite-rows.ts';
import { SHARED } from '../helpers/shared-dir.ts';
export { dbRows };
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';

export const FIXTURE_DB = `${SHARED}/plugin/flakefighters.db`;

/** A small passing JUnit report, for cases whose hostile part is elsewhere (the database, a URL). */
export const GOOD_XML =
  '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="2">' +
  '<testcase classname="tests.test_a" name="test_one" time="0.01"/>' +
  '<testcase classname="tests.test_a" name="test_two" time="0.02"/></testsuite></testsuites>';

export function write(ws: string, rel: string, data: string | Uint8Array): string {
  const p = join(ws, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  return p;
}

/** A file of `size` bytes that takes no disk space: the size check must refuse it before reading. */
export function sparseFile(path: string, size: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

export const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Pickles Python itself would turn into a call: `os.system(cmd)` via REDUCE at protocol 0
 * (GLOBAL) or 4 (STACK_GLOBAL), `subprocess.Popen`, `builtins.eval`. Written by python3's own
 * pickler from a class whose __reduce__ names the callable, exactly as an attacker would.
 */
export function pythonPickle(kind: 'os.system' | 'subprocess' | 'eval' | 'inst', marker: string, protocol: number): Buffer {
  const script = `
import pickle, sys, os, subprocess, builtins, base64
marker = sys.argv[1]
kind = sys.argv[2]
proto = int(sys.argv[3])
class P:
    def __reduce__(self):
        if kind == 'os.system': return (os.system, ('touch ' + marker,))
        if kind == 'subprocess': return (subprocess.Popen, (['touch', marker],))
        return (builtins.eval, ("open(%r, 'w').close()" % marker,))
if kind == 'inst':
    # INST: protocol 0's own "import and call" opcode, hand-assembled (pickle.dumps never emits it for this).
    data = b'(S' + repr('touch ' + marker).encode() + b'\\nios\\nsystem\\n.'
else:
    data = pickle.dumps(P(), protocol=proto)
sys.stdout.write(base64.b64encode(data).decode())
`;
  const r = spawnSync('python3', ['-c', script, marker, kind, String(protocol)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return Buffer.from(r.stdout, 'base64');
}

/** Proves a payload is live: python3's pickle.loads runs it. */
export function pythonLoads(bytes: Buffer): void {
  const r = spawnSync('python3', ['-c', 'import pickle,sys,base64,time; o=pickle.loads(base64.b64decode(sys.argv[1])); hasattr(o,"wait") and o.wait()', bytes.toString('base64')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
}

/** Copies the plugin's fixture database into the workspace and runs `sql` on the copy (sql.js). */
export async function pluginDb(ws: string, rel: string, edit?: (db: import('sql.js').Database) => void): Promise<string> {
  const p = join(ws, rel);
  mkdirSync(dirname(p), { recursive: true });
  copyFileSync(FIXTURE_DB, p);
  if (edit) {
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(p));
    edit(db);
    writeFileSync(p, db.export());
    db.close();
  }
  return p;
}

/** A fresh SQLite database holding only `ddl` (a foreign application's file). */
export async function sqliteWith(path: string, ddl: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run(ddl);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, db.export());
  db.close();
}

/** A Postgres ErrorResponse message: what a server that refuses the login sends. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/**
 * A TCP listener standing in for a Postgres server: answers an SSLRequest with "N" (no TLS), records
 * the startup packet, and refuses the login as a real server would (FATAL 28000, no pg_hba.conf
 * entry), so the action falls back to its SQLite file. Whatever the client would have sent to a
 * real server ends up in `received`.
 */
export async function recordingServer(): Promise<{ port: number; received: () => string; connections: () => number; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.on('data', (d) => {
      chunks.push(d);
      // SSLRequest / GSSENCRequest: 8 bytes, code 80877103 / 80877104.
      if (d.length === 8 && (d.readUInt32BE(4) === 80877103 || d.readUInt32BE(4) === 80877104)) sock.write('N');
      else sock.end(errorResponse('28000', 'no pg_hba.conf entry for host "127.0.0.1", user "u", database "app"'));
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received: () => Buffer.concat(chunks).toString('latin1'),
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

