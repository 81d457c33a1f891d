/** Runs the system python3 (stdlib only) for cross-checks; tests fail loudly when it is missing. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { requireSystem } from '../helpers/require-system.ts';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function python(script: string, input?: string | Uint8Array, args: string[] = []): string {
  requireSystem('python3');
  const res = spawnSync(PYTHON, ['-c', script, ...args], { input, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`python3 failed (${res.status}): ${res.stderr.toString()}`);
  return res.stdout.toString('utf8');
}
