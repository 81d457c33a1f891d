/** Runs commands as whole processes several times and keeps medians: wall time and peak RSS. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const probe = new URL('./rss-probe.mjs', import.meta.url).pathname;

export interface Sample {
  wallMs: number;
  rssMiB: number;
}

export interface Stats {
  wallMs: number;
  rssMiB: number;
  runs: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One run of `node [--import probe] args`, timed from spawn to exit. */
export async function runNode(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'ff-bench-'));
  const probeFile = join(dir, 'probe.jsonl');
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', probe, ...args], {
    cwd,
    env: { ...process.env, ...env, BENCH_PROBE_FILE: probeFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail is kept: it holds the ::error:: line when a run fails.
  let stderr = '';
  child.stdout.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - t0;
  let rssMiB = NaN;
  try {
    const line = readFileSync(probeFile, 'utf8').trim().split('\n').pop() ?? '{}';
    rssMiB = JSON.parse(line).maxRssKiB / 1024;
  } catch {
    /* the process died before exit handlers ran */
  }
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0 && env.BENCH_EXPECT_FAILURE !== '1') throw new Error(`benchmark command failed (${code}): node ${args.join(' ')}\n${stderr.slice(0, 2000)}`);
  return { wallMs, rssMiB };
}

/** Interleaves A and B (A B A B …) after a warm-up of each, so drift hits both alike. */
export async function pair(a: () => Promise<Sample>, b: () => Promise<Sample>, runs: number): Promise<{ a: Stats; b: Stats; ratio: number }> {
  await a();
  await b();
  const as: Sample[] = [];
  const bs: Sample[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = await a();
    const y = await b();
    as.push(x);
    bs.push(y);
    ratios.push(x.wallMs / y.wallMs);
  }
  return { a: stats(as), b: stats(bs), ratio: median(ratios) };
}

export async function repeat(fn: () => Promise<Sample>, runs: number): Promise<Stats> {
  await fn();
  const xs: Sample[] = [];
  for (let i = 0; i < runs; i++) xs.push(await fn());
  return stats(xs);
}

const stats = (xs: Sample[]): Stats => ({ wallMs: median(xs.map((x) => x.wallMs)), rssMiB: median(xs.map((x) => x.rssMiB)), runs: xs.length });

/** Times an in-process function: median of `runs` after one warm-up. */
export async function timeFn(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

/** In-process A/B: one warm-up each, then A B A B …; medians and the median of per-pair ratios A/B. */
export async function pairFn(a: () => unknown | Promise<unknown>, b: () => unknown | Promise<unknown>, runs: number): Promise<{ a: number; b: number; ratio: number }> {
  const once = async (fn: () => unknown | Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  await once(a);
  await once(b);
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = await once(a);
    const y = await once(b);
    as.push(x);
    bs.push(y);
    ratios.push(x / y);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}
