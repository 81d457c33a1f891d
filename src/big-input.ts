/**
 * Very large result files (a million testcases) run the action in a worker thread whose young generation is bounded.
 *
 * V8 sizes the young generation by the heap it expects, up to tens of MiB per semi-space; while a million-test run
 * is read, every scavenge leaves the space at its largest and the old generation's garbage waits for a major GC, so
 * the peak RSS swings by hundreds of MiB with how busy the machine's GC threads are. A worker's `resourceLimits`
 * are the only place a running process can set the young generation (v8.setFlagsFromString after startup has no
 * effect on a heap already made). Small inputs never pay for the worker's start.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { glob } from 'tinyglobby';

/** Above this many bytes of matched result files the run goes to a worker (a 1,000,000-testcase JUnit file is 116 MiB). */
const BIG_INPUT_BYTES = 48 * 1024 * 1024;

/** The threshold, or FLAKEFIGHTERS_WORKER_ABOVE_BYTES when set to a whole number (tests run small inputs in the worker with 0). */
export function workerThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.FLAKEFIGHTERS_WORKER_ABOVE_BYTES;
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : BIG_INPUT_BYTES;
}
/** The worker's young generation (MiB): smaller scavenges cost more CPU, larger ones hold more memory at the peak. */
export const YOUNG_GENERATION_MB = 48;

/**
 * The bytes of the result files the patterns match, roughly (a plain folder counts its XML and JSON files); a
 * pattern that cannot be matched counts nothing: ingest reports it properly. Negated patterns prune the walk as
 * they do ingest's (a `!node_modules/**` keeps this from reading the whole dependency tree).
 */
export async function matchedBytes(patterns: string[], workspace: string): Promise<number> {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of patterns) {
    const t = raw.trim();
    const negated = t.startsWith('!');
    const p = (negated ? t.slice(1) : t).replace(/\\/g, '/');
    if (!p || isAbsolute(p) || p.split('/').includes('..')) continue;
    if (negated) {
      exclude.push(p);
      continue;
    }
    let dir = false;
    try {
      dir = !/[*?[\]{}()!]/.test(p) && statSync(resolve(workspace, p)).isDirectory();
    } catch {
      // not there: nothing to count
    }
    if (dir) include.push(`${p.replace(/\/$/, '')}/**/*.xml`, `${p.replace(/\/$/, '')}/**/*.json`);
    else include.push(p);
  }
  if (include.length === 0) return 0;
  let total = 0;
  try {
    for (const f of await glob(include, { cwd: workspace, ignore: exclude, onlyFiles: true, absolute: true, dot: true, expandDirectories: false, followSymbolicLinks: false })) {
      try {
        total += statSync(f).size;
      } catch {
        // vanished: ingest says so
      }
    }
  } catch {
    return 0;
  }
  return total;
}

/**
 * Runs `entry` (this action's own entry module) in a worker with a bounded young generation and resolves with its
 * exit code. Its console output reaches the step's log in order through this thread's stdout and stderr.
 */
export function runInWorker(entry: URL): Promise<number> {
  return new Promise((done, fail) => {
    const worker = new Worker(entry, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.once('error', fail);
    worker.once('exit', (code) => done(code));
  });
}
