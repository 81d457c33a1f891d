/**
 * Issue 17, goal 3: the job summary shows the database's real size. The sql.js file through the built
 * dist/index.js (`npm run build` first), run the way the runner runs it; PostgreSQL (a real server) through the
 * pipeline, its size from pg_total_relation_size.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runAction } from '../../scripts/local-runner.ts';
import { readConfig } from '../../src/config/inputs.ts';
import { runPipeline, type PipelineResult } from '../../src/pipeline.ts';
import type { Log } from '../../src/log.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { formatBytes } from '../../src/report/database-size-line.ts';
import { PLUGIN_TABLES, FFA_TABLES } from '../../src/store/schema.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { runCount, sampleWorkspace } from '../faults/fault-helpers.ts';

describe('the sql.js file through the built action', () => {
  const ws = sampleWorkspace('ff-dbsize-');
  after(() => rmSync(ws, { recursive: true, force: true }));

  test('the summary names the file, its size on disk after the save, its runs and the default retention', async () => {
    const inputs = { root: 'project', 'upload-artifact': 'false', 'history-from-artifact': 'false', 'report-dir': '', 'fail-on': 'never' };
    const first = await runAction({ workspace: ws, inputs: { ...inputs, 'test-results': 'run-1/*.xml' }, runId: '7001', runNumber: 1 });
    assert.equal(first.code, 0, first.all);
    const second = await runAction({ workspace: ws, inputs: { ...inputs, 'test-results': 'run-2/*.xml' }, runId: '7002', runNumber: 2 });
    assert.equal(second.code, 0, second.all);
    const db = join(ws, 'flakefighters.db');
    assert.equal(await runCount(db), 2);
    const line = second.summary.split('\n').find((l) => l.startsWith('database size: '));
    assert.ok(line, second.summary);
    assert.ok(line.startsWith(`database size: flakefighters.db ${formatBytes(statSync(db).size)}, 2 runs (~`), line);
    assert.match(line, /· retention: the newest 1,000 runs \(store-max-runs auto\)/);
  });
});

describe('PostgreSQL through the pipeline', () => {
  let pg: PgServer;
  const ws = sampleWorkspace('ff-dbsize-pg-');
  const silent: Log = { info() {}, warning() {}, error() {}, debug() {} };
  const results: PipelineResult[] = [];
  before(async () => {
    pg = await startPostgres();
    for (const [i, dir] of ['run-1', 'run-2', 'run-3'].entries()) {
      const inputs: Record<string, string> = { 'test-results': `${dir}/*.xml`, root: 'project', 'database-url': pg.url, 'report-dir': '', 'fail-on': 'never' };
      const config = readConfig((n) => inputs[n] ?? '', ws);
      results.push(await runPipeline({ config, context: null, log: silent, source: 'cli', now: new Date(Date.UTC(2026, 5, 1, 10 + i)) }));
    }
  });
  after(async () => {
    await pg?.destroy();
    rmSync(ws, { recursive: true, force: true });
  });

  test('the size is the catalogue’s for our tables; the default keeps every run', async () => {
    const size = results[2]!.data.databaseSize!;
    assert.equal(size.runs, 3);
    assert.equal(size.name, null);
    assert.deepEqual(size.kept, { maxRuns: null, auto: true, since: null });
    const tables = [...PLUGIN_TABLES, ...FFA_TABLES].map((t) => `'${t}'`).join(',');
    const expected = Number(await pg.psql(`SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname IN (${tables})`));
    assert.ok(expected > 0);
    assert.equal(size.bytes, expected);
    assert.equal(size.usedBytes, size.bytes);
    const md = renderSummary(results[2]!.data);
    assert.match(md, new RegExp(`database size: PostgreSQL tables ${formatBytes(expected).replace('.', '\\.')}, 3 runs \\(~[^)]+ per run\\) · retention: every run \\(PostgreSQL; set store-max-runs or time-immemorial to prune\\)`));
  });
});
