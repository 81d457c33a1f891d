/**
 * `npm run bench`: generates seeded inputs, runs every scenario several times, and prints one table
 * of medians, peak RSS and ratios against baselines measured in the same run (never absolute
 * thresholds: the machines are shared and noisy). BENCH_RUNS sets the repetitions (default 5);
 * BENCH_ONLY=name,name runs some scenarios only.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../scripts/local-runner.ts';
import type { Row } from './row.ts';
import { formatTable } from './row.ts';

export interface BenchContext {
  runs: number;
  dataDir: string;
}

const scenarios: Record<string, () => Promise<{ default: (ctx: BenchContext) => Promise<Row[]> }>> = {
  ingest: () => import('./ingest.bench.ts'),
  'cold-start': () => import('./cold-start.bench.ts'),
  'db-size': () => import('./db-size.bench.ts'),
  'artifact-history': () => import('./artifact-history.bench.ts'),
  history: () => import('./history.bench.ts'),
  flakefighters: () => import('./flakefighters.bench.ts'),
  classifiers: () => import('./classifiers.bench.ts'),
  peers: () => import('./peers.bench.ts'),
  postgres: () => import('./postgres.bench.ts'),
  evaluate: () => import('./evaluate.bench.ts'),
};

const ctx: BenchContext = { runs: Number(process.env.BENCH_RUNS ?? 5), dataDir: join(repoRoot, 'bench/.data') };
mkdirSync(ctx.dataDir, { recursive: true });
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const rows: Row[] = [];
for (const [name, load] of Object.entries(scenarios)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name} …\n`);
  try {
    const got = await (await load()).default(ctx);
    rows.push(...got);
    process.stderr.write(formatTable(got) + '\n');
  } catch (err) {
    rows.push({ scenario: name, measure: 'error', value: (err as Error).message.split('\n')[0] });
  }
}
// The PostgreSQL server the history and postgres scenarios share, if one was started.
await (await import('./generate.ts')).stopBenchPostgres();
console.log(`\nflakefighters-action benchmarks (${ctx.runs} runs each, medians; node ${process.version}, ${process.platform}/${process.arch})\n`);
console.log(formatTable(rows));
