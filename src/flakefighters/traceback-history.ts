/**
 * The traceback tuples TracebackMatching and CosineSimilarity compare: the current failure's frames
 * relative to root, and every earlier flaky execution's frames relative to its run's root.
 */
import { posix } from 'node:path';
import { isFailing, runRef, testFlaky, type Execution, type Run, type Test, type TracebackFrame } from '../model.ts';
import { pyIsUnder, pyRelpath } from './py-compat.ts';
import type { FrameTuple } from './tfidf.ts';
import { learnedFlakyOnly } from '../learned-verdicts.ts';
import { isProjectFrame } from './project-frames.ts';

/** Our stored frames are already relative to their run's root; plugin rows are absolute (relpath them). */
function relativeFramePath(path: string, root: string): string {
  return posix.isAbsolute(path) ? pyRelpath(path, root) : path;
}

/** `commonpath([root, path]) == root`; a stored relative path is under root unless it climbs out. */
export function frameUnderRoot(path: string, root: string): boolean {
  if (posix.isAbsolute(path)) return pyIsUnder(root, path);
  const n = posix.normalize(path);
  return n !== '..' && !n.startsWith('../');
}

export function frameTuple(f: TracebackFrame, root: string): FrameTuple {
  return [relativeFramePath(f.path, root), f.lineno, f.colno, f.statement];
}

/** A previous flaky execution's traceback and where it came from (the evidence). */
export interface TracebackRef {
  run: Run;
  test: Test;
  executionIndex: number;
  execution: Execution;
  tuples: FrameTuple[];
  /** Some frame is under its run's root. One without (only library, runtime or JDK frames) is never a match. */
  rooted: boolean;
}

/**
 * Why a failure with no frame under the root gets no verdict: its traceback says nothing about the project's code,
 * so every such failure looks alike (a JUnit 4 timeout whose stack holds only JDK frames would "match" an unrelated
 * deadlock's timeout). The plugin compares them anyway ([] == []); the product's promise is never to call a
 * genuine failure flaky, so we abstain
 * (a noVerdict row, no-verdict.ts: the plugin reads it as not flaky, the reports show the reason).
 */
export const NO_ROOTED_FRAME =
  'no traceback frame under the project root (only library, runtime or JDK frames, or none), so tracebacks cannot be compared';

/** Some frame of the failure is under root: only then does its traceback say anything about the project's code. */
export function hasRootedFrame(frames: TracebackFrame[], root: string): boolean {
  return frames.some((f) => isProjectFrame(f.path, root));
}

/**
 * TracebackMatching's tuples of a current failure: its frames under root. Null when no frame is a project frame:
 * dependencies under the root (.venv, node_modules) count for the plugin's tuples, but alone say nothing of the code.
 */
export function matchTuples(frames: TracebackFrame[], root: string): FrameTuple[] | null {
  const tuples = frames.filter((f) => frameUnderRoot(f.path, root)).map((f) => frameTuple(f, root));
  return tuples.length === 0 || !hasRootedFrame(frames, root) ? null : tuples;
}

/** Tuples of one run's executions with an exception, computed once (frames never change). */
export function runTracebacks(run: Run): { test: Test; refs: TracebackRef[] }[] {
  return run.tests.map((test) => ({
    test,
    refs: test.executions.flatMap((execution, executionIndex) =>
      execution.exception
        ? [{
            run, test, executionIndex, execution,
            tuples: execution.exception.frames.map((f) => frameTuple(f, run.root)),
            rooted: hasRootedFrame(execution.exception.frames, run.root),
          }]
        : [],
    ),
  }));
}

/** previous_flaky_executions(runs): tests flaky at this moment, every execution with an exception. */
export function flakyRefs(runs: { test: Test; refs: TracebackRef[] }[][]): TracebackRef[] {
  const out: TracebackRef[] = [];
  for (const tests of runs) for (const t of tests) if (t.refs.length && testFlaky(t.test)) out.push(...t.refs);
  return out;
}

/**
 * The executions a traceback flakefighter judges. The plugin appends a (False) result to every
 * execution, passing ones included; we judge the failures and anything that carries an exception.
 */
export function judged(e: Execution, all: boolean): boolean {
  return all || isFailing(e.outcome) || e.exception !== null;
}

export function refEvidence(ref: TracebackRef): {
  runId: number | null;
  runUuid: string | null;
  testName: string;
  executionIndex: number;
  /** The earlier failure is flaky only by a verdict learned later (it passed on a re-run): when and from which run. */
  learnedFrom?: { at: string; runUuid: string | null; reason: string };
} {
  const out = { runId: ref.run.id ?? null, runUuid: ref.run.meta?.uuid ?? null, testName: ref.test.name, executionIndex: ref.executionIndex };
  const learned = learnedFlakyOnly(ref.test);
  if (!learned?.learned) return out;
  return { ...out, learnedFrom: { at: learned.learned.at.toISOString(), runUuid: learned.learned.fromRunUuid, reason: learnedReason(learned.evidence?.reason) } };
}

const learnedReason = (reason: unknown): string => (typeof reason === 'string' && reason ? reason : 'passed later on the same code');

export function describeRef(ref: TracebackRef, current: Run, judging?: Execution): string {
  // Post-run, a test already flagged by an earlier flakefighter matches its own traceback (the plugin's rule).
  if (ref.execution === judging) return `${ref.test.name} itself, already flagged flaky in this run`;
  if (ref.run === current) return `${ref.test.name} earlier in this run`;
  const learned = learnedFlakyOnly(ref.test);
  // The chain back to what made it flaky: it failed genuinely at the time and passed on a re-run later.
  return `run ${runRef(ref.run)} (${ref.test.name})${learned ? `, which ${learnedReason(learned.evidence?.reason)}` : ''}`;
}

/**
 * One distinct earlier flaky traceback (its tuples and rootedness) of the history window: how many flaky executions
 * carry it and the first of them in window order (newest run first, then test and execution order). Comparing with
 * these gives the same verdicts and evidence as comparing with every flaky execution: the first match of a key is
 * its group's first ref, and CosineSimilarity's distinct documents merge groups in order of first occurrence.
 */
export interface FlakyTracebackGroup {
  /** JSON of the tuples. */
  key: string;
  rooted: boolean;
  count: number;
  ref: TracebackRef;
}

/**
 * Where the history flakefighters read earlier flaky tracebacks when the store can answer for them (the signature
 * index, store/traceback-signatures.ts) instead of every stored failure being loaded into `history`.
 */
export interface TracebackHistorySource {
  /** Every distinct flaky traceback of the window, in order of first occurrence. */
  flaky(): Promise<FlakyTracebackGroup[]>;
  /** Only the rooted ones whose lookup hash (store/traceback-signatures.ts lookupHash) is given. */
  matching(hashes: readonly string[]): Promise<FlakyTracebackGroup[]>;
}

/** The groups of loaded history runs (newest first): flakyRefs grouped by (rooted, tuples). */
export function groupsFromRuns(history: Run[]): FlakyTracebackGroup[] {
  const groups = new Map<string, FlakyTracebackGroup>();
  for (const ref of flakyRefs(history.map(runTracebacks))) {
    const key = JSON.stringify(ref.tuples);
    const k = `${ref.rooted ? 1 : 0}\u0001${key}`;
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { key, rooted: ref.rooted, count: 1, ref });
  }
  return [...groups.values()];
}
