/** The action's thin shell: inputs from the runner, the pipeline, outputs and the exit status. */
import * as core from '@actions/core';
import { readConfig } from '../config/inputs.ts';
import { jobSuffix, readContext } from '../github/context.ts';
import type { Log } from '../log.ts';
import { downloadResults, runPipeline } from '../pipeline.ts';
import { publish } from './publish.ts';
import { redact, redactProcessOutput, registerSecret, registerSecretsFromUrl } from '../store/redact.ts';
import { UserError } from '../store/store.ts';
import { isMainThread, workerData } from 'node:worker_threads';
import { matchedBytes, runInWorker, workerThreshold, YOUNG_GENERATION_MB } from './big-input.ts';
import type { ResultsArtifacts } from '../github/run-artifacts.ts';

/** What the main thread hands a big-input worker: the `results-artifact` download, made once, before the files were sized. */
interface WorkerInput {
  downloaded: ResultsArtifacts | null;
}

const coreLog: Log = {
  info: (m) => core.info(redact(m)),
  notice: (m) => core.notice(redact(m)),
  warning: (m, p) => core.warning(redact(m), p),
  error: (m, p) => core.error(redact(m), p),
  debug: (m) => core.debug(redact(m)),
};

export async function run(): Promise<void> {
  try {
    // Secrets are masked before anything else can print them.
    redactProcessOutput();
    const url = core.getInput('database-url');
    if (url) registerSecretsFromUrl(url);
    registerSecret(core.getInput('github-token'));
    // The artifact service's bearer token: a service error body may echo the Authorization header.
    registerSecret(process.env.ACTIONS_RUNTIME_TOKEN);

    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const config = readConfig((name) => core.getInput(name), workspace);
    const context = readContext(process.env, { matrix: config.matrix });
    jobSuffix(context); // validates the `matrix` input before any work is done
    // The result files are sized where the pipeline will read them, so the artifacts are downloaded first (here, once).
    const downloaded = isMainThread ? await downloadResults(config, context) : (workerData as WorkerInput).downloaded;
    if (isMainThread && (await inWorker(config.testResults, downloaded?.dir ?? config.resultsDir ?? config.workspace, { downloaded }))) return;
    const result = await runPipeline({ config, context, log: coreLog, source: 'action', downloaded });
    await publish(result, config, context, coreLog, {
      setOutput: (name, value) => core.setOutput(name, redact(value)),
      writeSummary: async (markdown) => {
        if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(redact(markdown), true).write();
      },
    });
    if (result.failure) core.setFailed(result.failure);
  } catch (err) {
    core.setFailed(describeError(err));
  }
}

/** One line for the user; the stack only in debug logs, and only for our own bugs. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return redact(err.message);
  const e = err instanceof Error ? err : new Error(String(err));
  core.debug(redact(e.stack ?? ''));
  return redact(`Internal error: ${e.message.replace(/\.$/, '')}. Please report it with the step's debug log (re-run with ACTIONS_STEP_DEBUG=true).`);
}

/**
 * A very large input runs in a worker with a bounded young generation (big-input.ts), which runs this module again
 * and takes it from `run`'s pipeline on; true when it did. Every other run stays here.
 */
async function inWorker(patterns: string[], dir: string, data: WorkerInput): Promise<boolean> {
  const bytes = await matchedBytes(patterns, dir);
  if (bytes <= workerThreshold()) return false;
  const mib = (bytes / 1048576).toFixed(0);
  core.info(`The result files hold ${mib} MiB: read and classified in a worker thread with a ${YOUNG_GENERATION_MB} MiB young generation, to keep the step's memory down.`);
  const code = await runInWorker(new URL(import.meta.url), data, `test-results (${mib} MiB of result files matching ${patterns.join(', ')})`);
  if (code !== 0) process.exitCode = code;
  return true;
}

await run();
