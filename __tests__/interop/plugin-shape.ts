/**
 * Our model Runs in the shape read_plugin_db.py prints (the plugin's ORM graph), so what python3
 * reads from a database can be compared with what we wrote or what our store read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Run, FlakefighterResult } from '../../src/model.ts';
import { toPlain } from '../../src/store/pickle.ts';
import { formatLocalTimestamp, formatUtcTimestamp } from '../../src/store/timestamps.ts';
import { SHARED } from '../helpers/shared-dir.ts';
import { requireSystem } from '../helpers/require-system.ts';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const SCHEMA_SQL = `${SHARED}/plugin/schema.sqlite.sql`;
export const READER = new URL('./read_plugin_db.py', import.meta.url).pathname;

export interface PluginRead {
  runs: unknown[];
  counts: Record<string, number>;
  reached: Record<string, number>;
  columns: Record<string, string[]>;
}

export function readWithPython(db: string, placeholderGlobals = false): PluginRead {
  requireSystem('python3');
  const res = spawnSync(PYTHON, [READER, db, SCHEMA_SQL, ...(placeholderGlobals ? ['--placeholder-globals'] : [])], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`read_plugin_db.py failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as PluginRead;
}

/** Millisecond precision: our Dates hold milliseconds, the plugin writes microseconds. */
const ms = (text: string | null): string | null => (text === null ? null : text.slice(0, 23));

const result = (r: FlakefighterResult) => ({ name: r.name, flaky: r.flaky, classification: r.flaky ? 'flaky' : 'genuine' });

export function pluginShape(run: Run): unknown {
  return {
    start_time: ms(formatLocalTimestamp(run.startTime)),
    created_at: run.createdAt ? formatUtcTimestamp(run.createdAt) : null,
    root: run.root,
    commit_sha: run.commitSha,
    active_flakefighters: run.activeFlakefighters.map((a) => ({ name: a.name, params: toPlain(a.params) })),
    tests: run.tests.map((t) => {
      const execs = t.executions.map((e) => {
        const results = e.results.map(result);
        return {
          outcome: e.outcome,
          stdout: e.stdout,
          stderr: e.stderr,
          report: e.report,
          start_time: e.startTime ? ms(formatLocalTimestamp(e.startTime)) : null,
          end_time: e.endTime ? ms(formatLocalTimestamp(e.endTime)) : null,
          coverage: e.coverage,
          exception: e.exception
            ? {
                name: e.exception.name,
                traceback: e.exception.frames.map((f) => ({ path: f.path, lineno: f.lineno, colno: f.colno, statement: f.statement, source: f.source ?? null })),
              }
            : null,
          flakefighter_results: results,
          flaky: results.some((r) => r.flaky),
        };
      });
      const tresults = t.results.map(result);
      return {
        fspath: t.fspath,
        line_no: t.lineNo,
        name: t.name,
        skipped: t.skipped,
        executions: execs,
        flakefighter_results: tresults,
        flaky: execs.length === 0 && tresults.length === 0 ? null : tresults.some((r) => r.flaky) || execs.some((e) => e.flaky),
      };
    }),
  };
}

/** Python's side at the same (millisecond) time precision. */
export function pythonShape(run: any): unknown {
  return {
    ...run,
    start_time: ms(run.start_time),
    tests: run.tests.map((t: any) => ({
      ...t,
      executions: t.executions.map((e: any) => ({ ...e, start_time: ms(e.start_time), end_time: ms(e.end_time) })),
    })),
  };
}
