/**
 * A local stand-in for the GitHub runner, shared by the tests, the demo and the benchmarks.
 * Runs the built dist/index.js the way the GitHub runner does: inputs as INPUT_* variables (the
 * runner upper-cases the name and turns spaces, not hyphens, into underscores), outputs and the job
 * summary through the files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, the event payload at
 * GITHUB_EVENT_PATH, workflow commands (::error file=...::) on stdout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = new URL('../', import.meta.url).pathname;
export const distIndex = join(repoRoot, 'dist/index.js');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: { level: string; props: Record<string, string>; message: string }[];
  /** Every line written to stdout and stderr, to check that no secret leaks. */
  all: string;
}

export interface ActionRunOptions {
  inputs: Record<string, string>;
  workspace: string;
  env?: Record<string, string | undefined>;
  event?: { name: string; payload: unknown };
  runId?: string;
  runAttempt?: number;
  runNumber?: number;
  sha?: string;
  ref?: string;
  job?: string;
  timeoutMs?: number;
  /** Extra node flags, e.g. a preload that records peak memory for the benchmarks. */
  nodeArgs?: string[];
}

let defaults: Record<string, string> | undefined;

/** action.yml's input defaults; `${{ … }}` expressions (the github-token default) are left empty here. */
export function actionDefaults(): Record<string, string> {
  if (!defaults) {
    const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
    defaults = {};
    for (const [name, input] of Object.entries(action.inputs)) {
      const d = input.default === undefined ? '' : String(input.default);
      defaults[name] = d.includes('${{') ? '' : d;
    }
  }
  return defaults;
}

export function runnerEnv(opts: ActionRunOptions, files: RunnerFiles) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    TZ: process.env.TZ ?? 'UTC',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: opts.event?.name ?? 'push',
    GITHUB_REPOSITORY: 'octo/shop',
    GITHUB_REPOSITORY_OWNER: 'octo',
    GITHUB_RUN_ID: opts.runId ?? '1001',
    GITHUB_RUN_ATTEMPT: String(opts.runAttempt ?? 1),
    GITHUB_RUN_NUMBER: String(opts.runNumber ?? 1),
    GITHUB_SHA: opts.sha ?? 'a'.repeat(40),
    GITHUB_REF: opts.ref ?? 'refs/heads/main',
    GITHUB_REF_NAME: (opts.ref ?? 'refs/heads/main').replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: opts.job ?? 'test',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: files.temp,
    RUNNER_OS: 'Linux',
  };
  // Like the runner, every input action.yml declares gets its default unless the step sets it.
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...opts.inputs })) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface RunnerFiles {
  output: string;
  summary: string;
  event: string;
  temp: string;
}

/** The files the runner creates for a step before it starts: outputs, summary, event payload, temp dir. */
export function runnerFiles(opts: Pick<ActionRunOptions, 'event' | 'sha'> = {}): RunnerFiles {
  const dir = mkdtempSync(join(tmpdir(), 'ff-runner-'));
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md'), event: join(dir, 'event.json'), temp: join(dir, 'temp') };
  mkdirSync(files.temp);
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  writeFileSync(files.event, JSON.stringify(opts.event?.payload ?? { before: '0'.repeat(40), after: opts.sha ?? 'a'.repeat(40) }));
  return files;
}

export async function runAction(opts: ActionRunOptions): Promise<ActionRun> {
  const files = runnerFiles(opts);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), distIndex], { cwd: opts.workspace, env: runnerEnv(opts, files) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timeout = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timeout);
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    annotations: parseAnnotations(stdout),
    all: stdout + stderr,
  };
}

/** The runner's file command format: `name<<DELIM\nvalue\nDELIM` (or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      out[heredoc[1]] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export function parseAnnotations(stdout: string) {
  const out: ActionRun['annotations'] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = kv.indexOf('=');
      props[kv.slice(0, eq)] = unescapeProperty(kv.slice(eq + 1));
    }
    out.push({ level: m[1], props, message: unescapeData(m[3]) });
  }
  return out;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
