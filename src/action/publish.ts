/**
 * Everything the action does after classification: report files, job summary, annotations, the
 * database and report artifacts, the PR comment, and step outputs. Service failures here are
 * warnings (like actions/cache): they never fail the step and never lose the run.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import type { Config } from '../config/inputs.ts';
import type { GitHubContext } from '../github/context.ts';
import type { Log } from '../log.ts';
import type { PipelineResult } from '../pipeline.ts';
import { buildAnnotations } from '../report/annotations.ts';
import { failuresOf, flaggedButPassed, sharingFacts } from '../report/facts.ts';
import { renderSummary } from '../report/summary.ts';
import { redact } from '../store/redact.ts';
import { leadsOut } from '../path-inside.ts';

export interface Publisher {
  setOutput(name: string, value: string): void;
  writeSummary(markdown: string): Promise<void>;
}

export async function publish(result: PipelineResult, cfg: Config, ctx: GitHubContext | null, log: Log, out: Publisher): Promise<void> {
  // Warnings of this stage join the run's, so the job summary (written last) lists every one.
  const warn = (m: string) => {
    result.data.warnings.push(redact(m));
    log.warning(m);
  };
  let artifactId = '';
  // The renderers load only for a run that writes report files.
  const writer = cfg.reportDir ? (await import('../report/write-report-files.ts')).writeReportFiles : null;
  // The failures and the tests flagged although they passed, which the report files, the annotations and the summary
  // all show, sorted out once (sharingFacts): nothing here changes the run's verdicts.
  const { reports, facts } = sharingFacts(result.data, () => ({
    reports: writer && cfg.reportDir ? writer(result.data, cfg.reportDir) : null,
    facts: cfg.annotations || cfg.summary ? { failures: failuresOf(result.data.run), flagged: flaggedButPassed(result.data.run) } : null,
  }));

  if (ctx && cfg.uploadArtifact && result.sqlitePath && (!cfg.databaseUrl || result.fellBack || result.database === 'sqlite')) {
    const { carrySuffix, uploadDatabase } = await import('../github/artifacts.ts');
    const { jobSuffix } = await import('../github/context.ts');
    const up = await uploadDatabase(result.sqlitePath, {
      name: cfg.artifactName,
      retentionDays: cfg.artifactRetentionDays,
      // This job's own history artifact was too big to merge: go up beside it, not over it.
      suffix: result.carry ? carrySuffix(jobSuffix(ctx)) : jobSuffix(ctx),
      runAttempt: ctx.runAttempt,
    });
    // The run is not lost: say where it is, for a later step (or the next attempt) to pick up.
    if (up.warning) warn(`${up.warning} This run's database stays at ${rel(cfg.workspace, result.sqlitePath)}.`);
    if (up.id !== undefined) {
      artifactId = String(up.id);
      result.data.links?.push({ label: `database artifact ${up.name}`, url: `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}/artifacts/${up.id}` });
    }
  }
  if (ctx && cfg.uploadReport && reports && cfg.reportDir) {
    const { uploadDirectory } = await import('../github/artifacts.ts');
    const { jobSuffix } = await import('../github/context.ts');
    let name = `flakefighters-report-${jobSuffix(ctx)}`;
    // History fetching takes every artifact named `<artifact-name>` or `<artifact-name>-*`.
    if (name.startsWith(`${cfg.artifactName}-`)) name = `report-${name}`;
    const up = await uploadDirectory(cfg.reportDir, name, cfg.artifactRetentionDays, { runAttempt: ctx.runAttempt });
    if (up.warning) warn(up.warning);
    else if (up.id !== undefined) {
      result.data.links?.push({ label: 'HTML/JSON/JUnit report artifact', url: `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}/artifacts/${up.id}` });
    }
  }

  if (cfg.annotations) {
    for (const a of buildAnnotations(result.data, { max: cfg.maxAnnotations, failures: facts?.failures })) {
      const props = { title: a.title, file: a.file, startLine: a.startLine };
      if (a.level === 'error') log.error(a.message, props);
      else log.warning(a.message, props);
    }
  }
  if (ctx && cfg.comment && (ctx.prNumber || ctx.eventName === 'workflow_run')) {
    const { workflowRunPullRequest } = await import('../github/pr-comment-api.ts');
    // Under workflow_run (fork pull requests) the comment goes on the triggering run's pull request, written with this
    // base-repository workflow's token, and belongs to the triggering workflow (its file names the comment).
    let target: GitHubContext | null = ctx;
    if (!ctx.prNumber) {
      const pr = await workflowRunPullRequest(cfg.githubToken, ctx);
      if (pr.warning) warn(pr.warning);
      const path = String(ctx.payload.workflow_run?.path ?? '');
      target = pr.number ? { ...ctx, prNumber: pr.number, isForkPr: false, ...(path ? { workflowRef: `${ctx.repository}/${path}@${ctx.ref}` } : {}) } : null;
    }
    if (target) await commentOn(target);
  }
  async function commentOn(ctx: GitHubContext): Promise<void> {
    const { upsertLegComment, workflowCommentMarker } = await import('../github/pr-comment-api.ts');
    const { legSection } = await import('../report/pr-comment.ts');
    const { jobSuffix, workflowFile } = await import('../github/context.ts');
    const run = result.data.run;
    // One comment per workflow, a section per leg: the leg is the run's environment (workflow, job, matrix values).
    const legId = run.meta.environment ?? jobSuffix(ctx);
    const leg = legSection(result.data, { key: createHash('sha256').update(legId).digest('base64url').slice(0, 16), label: run.meta.environmentLabel ?? jobSuffix(ctx) });
    const file = workflowFile(ctx.workflowRef);
    const title = file ? file.slice(file.lastIndexOf('/') + 1) : ctx.workflow || 'workflow';
    const c = await upsertLegComment({ token: cfg.githubToken, context: ctx, marker: workflowCommentMarker(ctx), title, leg, verifyDelaysMs: commentVerifyDelays() });
    if (c.warning) warn(c.warning);
  }
  if (cfg.summary) {
    try {
      await out.writeSummary(renderSummary(result.data, { failures: facts?.failures, flagged: facts?.flagged }));
    } catch (err) {
      log.warning(`Could not write the job summary: ${(err as Error).message}`);
    }
  }

  const c = result.counts;
  const outputs: Record<string, string> = {
    total: String(c.total),
    passed: String(c.passed),
    failed: String(c.failed),
    skipped: String(c.skipped),
    'flaky-failures': String(c.flaky),
    'genuine-failures': String(c.genuine),
    'flaky-tests': JSON.stringify(result.flakyTests),
    'run-id': result.savedRunId === null ? '' : String(result.savedRunId),
    database: result.database,
    'artifact-id': artifactId,
    'report-json': reports ? rel(cfg.workspace, reports.json) : '',
    'report-html': reports ? rel(cfg.workspace, reports.html) : '',
  };
  for (const [k, v] of Object.entries(outputs)) out.setOutput(k, v);
}

const rel = (workspace: string, p: string) => {
  const r = relative(workspace, p);
  return leadsOut(r) ? p : r;
};

/**
 * FLAKEFIGHTERS_COMMENT_VERIFY_MS (comma-separated milliseconds) shortens the comment's re-read pauses in tests;
 * the default suits legs that finish together on GitHub.
 */
function commentVerifyDelays(): number[] | undefined {
  const v = process.env.FLAKEFIGHTERS_COMMENT_VERIFY_MS;
  if (!v) return undefined;
  const ms = v.split(',').map(Number);
  return ms.every((n) => Number.isFinite(n) && n >= 0) ? ms : undefined;
}
