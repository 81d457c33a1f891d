/**
 * evaluate on PostgreSQL: the history of history.ts saved by dist/index.js into a real PostgreSQL (the database-url
 * input), evaluated by dist/cli.js with the URL; the same labels and counts as on the sql.js file, and no password in
 * the output.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { buildHistory, STEPS } from './history.ts';
import type { EvaluationReport } from '../../src/evaluate/evaluate.ts';

const CLI = join(repoRoot, 'dist/cli.js');

function evaluateJson(ws: string, database: string): { report: EvaluationReport; all: string } {
  const r = spawnSync(process.execPath, [CLI, 'evaluate', '--database', database, '--json', 'e.json'], { cwd: ws, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  return { report: JSON.parse(readFileSync(join(ws, 'e.json'), 'utf8')) as EvaluationReport, all: r.stdout + r.stderr };
}

describe('evaluate on PostgreSQL', () => {
  let pg: PgServer;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.destroy();
  });

  test('the same labels and counts as on the sql.js file', async () => {
    await pg.psql('CREATE DATABASE evaluate');
    const url = pg.url.replace(/\/ffdb$/, '/evaluate');
    // The Go run is left out: the flakefighters' results are compared, not the retry (sql.js covers it).
    const steps = STEPS.filter((s) => s.job !== 'go');
    const onPg = await buildHistory(steps, { 'database-url': url });
    const onFile = await buildHistory(steps);
    const a = evaluateJson(onPg, url);
    const b = evaluateJson(onFile, 'flakefighters.db');
    const summary = (r: EvaluationReport) => ({
      labels: r.labels,
      labelled: r.labelled.map((l) => [l.run.ref, l.test, l.label, l.verdicts]),
      counts: [...r.flakefighters, r.combination].map((f) => [f.name, f.metrics.tp, f.metrics.fp, f.metrics.tn, f.metrics.fn]),
      sweep: r.sweep.rows.map((s) => [s.flakefighter, s.metric, s.threshold, s.metrics.tp, s.metrics.fp]),
    });
    assert.deepEqual(summary(a.report), summary(b.report));
    assert.equal(a.report.labels.labelled, 10);
    assert.match(a.report.database, /^PostgreSQL 127\.0\.0\.1:\d+\/evaluate$/);
    assert.ok(!a.all.includes(pg.password), 'no password in the output');
  });
});
