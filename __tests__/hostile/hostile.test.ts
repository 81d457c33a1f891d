/**
 * The hostile-input suite: runs every case of cases.ts through its entry point and checks what
 * all of them owe the user — one clear line, the right exit status, no stack trace, a bounded
 * time and memory — plus each case's own check (no data lost, nothing executed, nothing read from
 * outside the workspace). `npm run build` first: the action and CLI cases run dist/.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction } from '../../scripts/local-runner.ts';
import { CASES, DEFAULT_INPUTS, pythonRunsThePayload, type Ctx, type HostileCase, type Outcome } from './cases.ts';

/** Every case, however hostile, ends well within this (the runner kills the process after it). */
const TIME_LIMIT_MS = 30_000;
const STACK_TRACE = /\n\s+at .+:\d+:\d+\)?/;

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ff-hostile-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function contextFor(c: HostileCase, i: number): Ctx {
  const base = join(scratch, String(i));
  const ctx: Ctx = { ws: join(base, 'ws'), outside: join(base, 'outside'), marker: join(base, 'marker'), state: {} };
  mkdirSync(ctx.ws, { recursive: true });
  mkdirSync(ctx.outside, { recursive: true });
  return ctx;
}

async function runCli(ctx: Ctx, args: string[], nodeArgs: string[] = []): Promise<Outcome> {
  const child = spawn(process.execPath, [...nodeArgs, join(repoRoot, 'dist/cli.js'), ...args], {
    cwd: ctx.ws,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TZ: 'UTC' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT_MS);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearTimeout(timer);
  const lines = stderr.split('\n');
  return {
    code,
    errors: lines.filter((l) => l.startsWith('flakefighters: ')),
    warnings: lines.filter((l) => l.startsWith('warning: ')),
    all: stdout + stderr,
  };
}

async function runCase(c: HostileCase, ctx: Ctx): Promise<Outcome> {
  if (c.via === 'lib') {
    try {
      const value = await c.lib!(ctx);
      return { code: 0, errors: [], warnings: [], all: '', value };
    } catch (err) {
      const e = err as Error;
      assert.ok(e instanceof Error, 'throws an Error');
      assert.notEqual(e.name, 'TypeError', `a library call must refuse with its own error, not ${e.stack}`);
      assert.notEqual(e.name, 'RangeError', `a library call must refuse with its own error, not ${e.stack}`);
      return { code: 1, errors: [e.message], warnings: [], all: e.message };
    }
  }
  if (c.via === 'cli') return runCli(ctx, c.args!(ctx), c.nodeArgs);
  const r = await runAction({
    workspace: ctx.ws,
    inputs: { ...DEFAULT_INPUTS, ...(c.inputs?.(ctx) ?? {}) },
    env: c.env?.(ctx),
    nodeArgs: c.nodeArgs,
    timeoutMs: TIME_LIMIT_MS,
  });
  const lines = r.stdout.split('\n');
  return {
    code: r.code,
    // The step's own lines: `::error::message` with no properties (annotations on tests carry a title).
    errors: r.annotations.filter((a) => a.level === 'error' && !a.props.title && !a.props.file).map((a) => a.message),
    warnings: r.annotations.filter((a) => a.level === 'warning' && !a.props.title && !a.props.file).map((a) => a.message),
    all: lines.join('\n') + r.stderr,
  };
}

function checkOutcome(c: HostileCase, out: Outcome, ms: number) {
  const shown = `${c.via} output:\n${out.all.slice(0, 4000)}`;
  assert.notEqual(out.code, null, `killed after ${TIME_LIMIT_MS} ms (hung or out of memory): ${shown}`);
  assert.ok(ms < TIME_LIMIT_MS, `took ${ms} ms`);
  assert.doesNotMatch(out.all, STACK_TRACE, `no stack trace: ${shown}`);
  assert.doesNotMatch(out.all, /Internal error|internal error|JavaScript heap out of memory/, shown);
  const errorCode = c.via === 'cli' ? 2 : 1;
  if (c.expect === 'error') {
    assert.equal(out.code, errorCode, shown);
    assert.equal(out.errors.length, 1, `exactly one error line: ${shown}`);
    assert.doesNotMatch(out.errors[0], /[\r\n]/, 'the error is one line');
    if (c.message) assert.match(out.errors[0], c.message, shown);
  } else {
    assert.equal(out.code, 0, shown);
    assert.deepEqual(out.errors, [], shown);
    if (c.expect === 'warning') {
      assert.ok(out.warnings.length >= 1, `a warning: ${shown}`);
      if (c.message) assert.ok(out.warnings.some((w) => c.message!.test(w) && !/[\r\n]/.test(w)), `one warning line matches ${c.message}: ${shown}`);
    }
  }
}

describe('hostile input: one clear line, bounded, nothing lost, nothing run', { concurrency: 2 }, () => {
  test('the pickle payloads are live: python3 itself runs them', () => {
    assert.equal(pythonRunsThePayload(scratch), true);
  });

  // HOSTILE_ONLY=text runs just the cases whose name contains it (for working on one).
  const only = process.env.HOSTILE_ONLY;
  CASES.forEach((c, i) => {
    if (only && !c.name.includes(only)) return;
    test(`[${c.group}] ${c.name}`, async () => {
      const ctx = contextFor(c, i);
      try {
        await c.setup?.(ctx);
        const t0 = Date.now();
        const out = await runCase(c, ctx);
        checkOutcome(c, out, Date.now() - t0);
        await c.check?.(ctx, out);
      } finally {
        await c.after?.(ctx);
        rmSync(join(scratch, String(i)), { recursive: true, force: true });
      }
    });
  });

  test(`the table holds at least 60 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 60);
  });
});
