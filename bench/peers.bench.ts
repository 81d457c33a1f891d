/**
 * Goal 1 of issue 17: ours against the reporters teams run today, on one generated 100,000-testcase
 * JUnit file (1,000 failures). Each action's own committed dist/index.js is run the way the runner
 * runs it (node24, every input of its action.yml at its default unless set, INPUT_* variables, a
 * GITHUB_STEP_SUMMARY file), offline: mikepenz/action-junit-report with `annotate_only: true`,
 * dorny/test-reporter with reporter java-junit and `use-actions-summary: true` in a throwaway git
 * repository (it lists files with git ls-files), ours with action.yml's defaults. Interleaved (ours,
 * mikepenz, dorny, …), medians of 3, wall time and peak RSS as ratios ours/theirs. Their code is
 * extracted at bench time from fetched git directories into bench/.data (bench/fetched.ts); when one
 * is absent the bench says so in one line and skips that row. Also ours alone on 1,000,000 testcases
 * against a 1 GiB peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { distIndex, runnerEnv, runnerFiles } from '../scripts/local-runner.ts';
import type { BenchContext } from './run.ts';
import { extractFetched } from './fetched.ts';
import { writeJunit } from './generate.ts';
import { median, runNode, type Sample } from './measure.ts';
import { mib, ms, type Row } from './row.ts';

const SCENARIO = 'peers, 100k JUnit';

interface Contender {
  label: string;
  /** One run: its sample and the bytes it wrote to the job summary (proof that it did the work). */
  run: () => Promise<{ sample: Sample; summaryBytes: number }>;
}

/** The runner's view of an action.yml: each input's default, expressions as an offline runner would give them. */
function peerDefaults(actionYml: string): Record<string, string> {
  const action = parse(readFileSync(actionYml, 'utf8')) as { inputs?: Record<string, { default?: unknown }> };
  const out: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const d = input?.default === undefined ? '' : String(input.default);
    out[name] = d.replace(/\$\{\{\s*github\.token\s*\}\}/g, 'ghs_offlineBenchToken').replace(/\$\{\{\s*github\.job\s*\}\}/g, 'test').replace(/\$\{\{[^}]*\}\}/g, '');
  }
  return out;
}

function workspaceWith(file: string, git: boolean): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-bench-peer-'));
  copyFileSync(file, join(ws, 'junit.xml'));
  if (git) {
    const g = (...args: string[]) => execFileSync('git', ['-C', ws, ...args], { stdio: 'ignore' });
    g('init', '-q');
    g('add', 'junit.xml');
    g('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '-m', 'results');
  }
  return ws;
}

/** Runs `node script` with the runner's environment for these inputs in a fresh workspace. */
function contender(label: string, script: string, file: string, inputs: Record<string, string>, opts: { git?: boolean; peer?: boolean } = {}): Contender {
  return {
    label,
    run: async () => {
      const ws = workspaceWith(file, opts.git ?? false);
      const files = runnerFiles();
      // Exit status 1 is the verdict on 1,000 failures (ours: fail-on genuine); the summary shows the work was done.
      const env: Record<string, string> = { ...runnerEnv({ workspace: ws, inputs }, files), BENCH_EXPECT_FAILURE: '1' };
      // A peer sees only its own inputs (runnerEnv starts from ours).
      if (opts.peer) for (const k of Object.keys(env)) if (k.startsWith('INPUT_') && !Object.keys(inputs).some((n) => `INPUT_${n.replace(/ /g, '_').toUpperCase()}` === k)) delete env[k];
      try {
        const sample = await runNode([script], env, ws);
        return { sample, summaryBytes: statSync(files.summary).size };
      } finally {
        rmSync(ws, { recursive: true, force: true });
        rmSync(join(files.summary, '..'), { recursive: true, force: true });
      }
    },
  };
}

/** Inputs for a peer: its action.yml's defaults, then what the step sets. */
function peerInputs(dir: string, set: Record<string, string>): Record<string, string> {
  return { ...peerDefaults(join(dir, 'action.yml')), ...set };
}

export default async function peers(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const file = join(ctx.dataDir, 'junit-100k-1000-failures.xml');
  if (!existsSync(file)) writeJunit(file, { tests: 100_000, seed: 100, failureRate: 0.01 });
  const failures = (readFileSync(file, 'utf8').match(/<failure /g) ?? []).length;

  const ours = contender('ours (defaults)', distIndex, file, { 'test-results': 'junit.xml' });
  const peersFound: Contender[] = [];
  const mikepenz = extractFetched(ctx.dataDir, 'mikepenz/action-junit-report', ['dist', 'action.yml']);
  if (typeof mikepenz === 'string') rows.push({ scenario: SCENARIO, measure: `mikepenz/action-junit-report skipped: ${mikepenz}`, value: '' });
  else {
    peersFound.push(
      contender(`mikepenz/action-junit-report@${mikepenz.commit.slice(0, 7)} (annotate_only)`, join(mikepenz.dir, 'dist/index.js'), file, peerInputs(mikepenz.dir, { report_paths: 'junit.xml', annotate_only: 'true' }), { peer: true }),
    );
  }
  const dorny = extractFetched(ctx.dataDir, 'dorny/test-reporter', ['dist', 'action.yml']);
  if (typeof dorny === 'string') rows.push({ scenario: SCENARIO, measure: `dorny/test-reporter skipped: ${dorny}`, value: '' });
  else {
    peersFound.push(
      contender(`dorny/test-reporter@${dorny.commit.slice(0, 7)} (java-junit, actions summary)`, join(dorny.dir, 'dist/index.js'), file, peerInputs(dorny.dir, { name: 'tests', path: 'junit.xml', reporter: 'java-junit', 'use-actions-summary': 'true' }), { git: true, peer: true }),
    );
  }

  const all = [ours, ...peersFound];
  const samples = new Map<Contender, { sample: Sample; summaryBytes: number }[]>(all.map((c) => [c, []]));
  const runs = 3;
  for (let i = 0; i < runs; i++) {
    for (const c of all) {
      process.stderr.write(`bench: peers ${c.label} ${i + 1}/${runs} …\n`);
      samples.get(c)!.push(await c.run());
    }
  }
  const med = (c: Contender) => {
    const xs = samples.get(c)!;
    return { wallMs: median(xs.map((x) => x.sample.wallMs)), rssMiB: median(xs.map((x) => x.sample.rssMiB)), summary: Math.min(...xs.map((x) => x.summaryBytes)) };
  };
  const o = med(ours);
  rows.push({ scenario: SCENARIO, measure: `${ours.label}, ${failures} failures: wall, peak RSS (summary ${o.summary} bytes)`, value: `${ms(o.wallMs)}, ${mib(o.rssMiB)}` });
  for (const p of peersFound) {
    const t = med(p);
    const did = t.summary > 0 ? `summary ${t.summary} bytes` : 'WROTE NO SUMMARY';
    const wall = o.wallMs / t.wallMs;
    const rss = o.rssMiB / t.rssMiB;
    rows.push(
      { scenario: SCENARIO, measure: `wall: ours vs ${p.label} (${did})`, value: ms(o.wallMs), baseline: ms(t.wallMs), ratio: wall, target: '≤ 1×', met: wall <= 1 },
      { scenario: SCENARIO, measure: `peak RSS: ours vs ${p.label}`, value: mib(o.rssMiB), baseline: mib(t.rssMiB), ratio: rss, target: '≤ 1×', met: rss <= 1 },
    );
  }

  // The million-testcase file: ours alone, once (it takes a while), against a fixed ceiling.
  if (process.env.BENCH_PEERS_MILLION !== '0') {
    const big = join(ctx.dataDir, 'junit-1m.xml');
    if (!existsSync(big)) writeJunit(big, { tests: 1_000_000, seed: 101, failureRate: 0.01 });
    process.stderr.write('bench: peers ours on 1,000,000 testcases …\n');
    const r = await contender('ours', distIndex, big, { 'test-results': 'junit.xml' }).run();
    rows.push({ scenario: SCENARIO, measure: `ours (defaults) on 1,000,000 testcases: peak RSS (wall ${ms(r.sample.wallMs)})`, value: mib(r.sample.rssMiB), target: '< 1024 MiB', met: r.sample.rssMiB < 1024 });
  }
  return rows;
}
