/** Shared pieces of the fault tests (issue 16): sample workspaces, sql.js row counts, leak checks. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, type ActionRun } from '../../scripts/local-runner.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';

export const CLI = join(repoRoot, 'dist/cli.js');

/** A fresh workspace holding the samples (samples/run-N/*.xml, project/). */
export function sampleWorkspace(prefix = 'ff-fault-'): string {
  const ws = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  return ws;
}

/** Rows of a query on a sql.js file (read directly, not through our store). */
export const rows = dbRows;

export async function runCount(path: string): Promise<number> {
  return Number((await rows(path, 'SELECT count(*) AS n FROM run'))[0]!.n);
}

/** The action ended by itself (not killed at the time limit). */
export function endedInTime(r: ActionRun): void {
  assert.notEqual(r.code, null, `the process was killed at its time limit:\n${r.all.slice(-3000)}`);
}

export function noStackTrace(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
  assert.doesNotMatch(text, /Internal error/, 'no internal error');
}

/** Warnings with no file (service, history and database warnings). */
export const plainWarnings = (r: ActionRun) => r.annotations.filter((a) => a.level === 'warning' && !a.props.file).map((a) => a.message);

/** Every file under `dir` (recursively), as bytes. */
function filesUnder(dir: string): Buffer[] {
  if (!existsSync(dir)) return [];
  const out: Buffer[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...filesUnder(p));
    else if (s.isFile()) out.push(readFileSync(p));
  }
  return out;
}

/** No byte of the log, summary, outputs or any file in `dirs` holds any of the secrets (the runner's add-mask lines aside). */
export function assertNoSecret(r: ActionRun, secrets: string[], dirs: string[] = []): void {
  const log = r.all
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  const texts: [string, Buffer][] = [
    ['log', Buffer.from(log)],
    ['summary', Buffer.from(r.summary)],
    ['outputs', Buffer.from(JSON.stringify(r.outputs))],
    ...dirs.flatMap((d) => filesUnder(d).map((b): [string, Buffer] => [`a file under ${d}`, b])),
  ];
  for (const s of secrets) {
    for (const [where, bytes] of texts) {
      assert.equal(bytes.includes(Buffer.from(s)), false, `the secret ${s.slice(0, 3)}… appears in the ${where}`);
      const enc = encodeURIComponent(s);
      if (enc !== s) assert.equal(bytes.includes(Buffer.from(enc)), false, `the encoded secret appears in the ${where}`);
    }
  }
}

/** Runs the built CLI with a time limit. */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...process.env, FORCE_COLOR: '0', ...opts.env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
