/**
 * Very large result files (a million testcases) run the action in a worker thread whose young generation is bounded.
 *
 * V8 sizes the young generation by the heap it expects, up to tens of MiB per semi-space; while a million-test run
 * is read, every scavenge leaves the space at its largest and the old generation's garbage waits for a major GC, so
 * the peak RSS swings by hundreds of MiB with how busy the machine's GC threads are. A worker's `resourceLimits`
 * are the only place a running process can set the young generation (v8.setFlagsFromString after startup has no
 * effect on a heap already made). Small inputs never pay for the worker's start.
 *
 * Environment variables (for tuning and tests; README, "Performance"):
 * - FLAKEFIGHTERS_WORKER_ABOVE_BYTES: the threshold in bytes of matched result files (default 48 MiB).
 * - FLAKEFIGHTERS_WORKER_HEAP_MB: the worker's old-generation limit in MiB (default V8's, from the machine's memory;
 *   node's own --max-old-space-size, when given, wins over it).
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { glob } from 'tinyglobby';
import { normalisePatterns } from '../ingest/read-results.ts';
import { UserError } from '../store/store.ts';

/** Above this many bytes of matched result files the run goes to a worker (a 1,000,000-testcase JUnit file is 116 MiB). */
const BIG_INPUT_BYTES = 48 * 1024 * 1024;

/** The threshold, or FLAKEFIGHTERS_WORKER_ABOVE_BYTES when set to a whole number (tests run small inputs in the worker with 0). */
export function workerThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.FLAKEFIGHTERS_WORKER_ABOVE_BYTES;
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : BIG_INPUT_BYTES;
}
/** The worker's young generation (MiB): smaller scavenges cost more CPU, larger ones hold more memory at the peak. */
export const YOUNG_GENERATION_MB = 48;

/** FLAKEFIGHTERS_WORKER_HEAP_MB: the worker's old-generation limit in MiB, or undefined for V8's default. */
function workerHeapLimit(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.FLAKEFIGHTERS_WORKER_HEAP_MB?.trim();
  if (!v) return undefined;
  if (!/^\d{1,7}$/.test(v) || Number(v) < 16) {
    throw new UserError(`FLAKEFIGHTERS_WORKER_HEAP_MB is '${v.slice(0, 20)}'; give the worker's heap limit as a whole number of MiB, at least 16 (e.g. 8192), or leave it unset for node's default.`);
  }
  return Number(v);
}

/**
 * The bytes of the result files the patterns match, roughly (a plain folder counts its XML and JSON files); patterns
 * that cannot be matched count nothing: ingest reports them properly. The patterns are read-results' own, so the
 * count covers the files ingest reads; negated ones prune the walk as they do ingest's (a `!node_modules/**` keeps
 * this from reading the whole dependency tree). Unlike ingest it walks no symlinked folder, so a loop costs nothing.
 */
export async function matchedBytes(patterns: string[], workspace: string): Promise<number> {
  let total = 0;
  try {
    const { include, exclude } = normalisePatterns(patterns, workspace);
    if (include.length === 0) return 0;
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
 * exit code; `data` reaches it as workerData. Its console output reaches the step's log in order through this
 * thread's stdout and stderr. A worker that runs out of memory rejects with one line for the user: `input` names
 * what it was reading (e.g. "test-results (12 MiB of result files matching reports/**)").
 */
export function runInWorker(entry: URL, data: unknown, input: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const heap = workerHeapLimit(env);
  return new Promise((done, fail) => {
    const worker = new Worker(entry, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, ...(heap ? { maxOldGenerationSizeMb: heap } : {}) } });
    // Asked of the running worker: node's --max-old-space-size wins over resourceLimits, so only the heap knows its
    // limit. Its old generation, what FLAKEFIGHTERS_WORKER_HEAP_MB sets, is the whole heap less the young generation.
    let limitMb: number | null = null;
    worker.once('online', () => {
      worker.getHeapStatistics().then(
        (s) => (limitMb = Math.round(s.heap_size_limit / 1048576) - YOUNG_GENERATION_MB),
        () => {},
      );
    });
    worker.once('error', (err) => fail((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? new UserError(outOfMemory(input, limitMb)) : err));
    worker.once('exit', (code) => done(code));
  });
}

function outOfMemory(input: string, limitMb: number | null): string {
  const at = limitMb === null ? 'its heap limit' : `its heap limit of ${limitMb} MiB`;
  const raise = limitMb === null ? '' : `, e.g. ${limitMb * 2}`;
  return `${input}: the worker thread reading them ran out of memory at ${at} and stopped before it finished; split the result files over several steps or jobs, or raise the limit with the environment variable FLAKEFIGHTERS_WORKER_HEAP_MB (MiB${raise}) on this step.`;
}
