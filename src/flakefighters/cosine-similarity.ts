/**
 * CosineSimilarity (Alshammari et al. 2024, II.C): a failure is flaky when the TF-IDF cosine
 * similarity of its traceback to an earlier flaky execution's reaches the threshold. Unlike
 * TracebackMatching, every frame counts (relpath'd, not filtered by root).
 */
import { addResults, type Execution } from '../model.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import type { ClassifyContext, Flakefighter } from './flakefighter.ts';
import { termCounts, TfidfCorpus, tracebackDocument, type TermCounts } from './tfidf.ts';
import {
  describeRef, flakyRefs, frameTuple, groupsFromRuns, hasRootedFrame, judged, NO_ROOTED_FRAME, refEvidence, runTracebacks, type TracebackRef,
} from './traceback-history.ts';
import { noVerdict } from './no-verdict.ts';

export interface CosineSimilarityOptions {
  runLive?: boolean;
  root?: string | null;
  /** The plugin's default is 1 (only identical documents). */
  threshold?: number;
  judgeAll?: boolean;
}

/**
 * sklearn's summation order makes identical documents come out anywhere in 1 ± 4e-16; our policy
 * is that they always match at threshold 1.
 */
export const SIMILARITY_EPSILON = 1e-12;

/** Distinct earlier documents: the first ref of each and how many refs it stands for. */
interface DistinctSet {
  index: Map<string, number>;
  refs: TracebackRef[];
  docs: TermCounts[];
  counts: number[];
}

export class CosineSimilarity implements Flakefighter {
  readonly name = 'CosineSimilarity';
  readonly runLive: boolean;
  readonly threshold: number;
  private readonly root: string | null;
  private readonly judgeAll: boolean;
  private readonly docs = new WeakMap<Execution, TermCounts>();

  constructor(opts: CosineSimilarityOptions = {}) {
    this.runLive = opts.runLive ?? true;
    this.root = opts.root ?? null;
    this.threshold = opts.threshold ?? 1;
    this.judgeAll = opts.judgeAll ?? false;
  }

  params(): Record<string, PickleValue> {
    return { run_live: this.runLive, root: this.root ?? '.', threshold: this.threshold };
  }

  private doc(ref: TracebackRef): TermCounts {
    let d = this.docs.get(ref.execution);
    if (!d) this.docs.set(ref.execution, (d = termCounts(tracebackDocument(ref.tuples))));
    return d;
  }

  /**
   * Identical earlier tracebacks (a flaky test failing the same way run after run) are compared once:
   * each distinct document keeps its first ref and how many it stands for, which gives the same
   * idf, the same similarities and the same first best match as comparing every copy.
   */
  private distinct(refs: ReadonlyArray<TracebackRef | { ref: TracebackRef; count: number }>, base?: DistinctSet): DistinctSet {
    const index = new Map(base?.index);
    const out = { index, refs: [...(base?.refs ?? [])], docs: [...(base?.docs ?? [])], counts: [...(base?.counts ?? [])] };
    for (const item of refs) {
      // A group (the signature index, or loaded history grouped by tuples) stands for `count` refs, its first one first.
      const [ref, n] = 'count' in item ? [item.ref, item.count] : [item, 1];
      const doc = this.doc(ref);
      // Rootedness is part of the key: `src/x.py` and `../src/x.py` give the same tokens.
      const key = `${ref.rooted ? 1 : 0}\u0001${doc.terms.join('\0')}\u0001${doc.counts.join(',')}`;
      const i = index.get(key);
      if (i === undefined) {
        index.set(key, out.refs.length);
        out.refs.push(ref);
        out.docs.push(doc);
        out.counts.push(n);
      } else out.counts[i] += n;
    }
    return out;
  }

  async classify(ctx: ClassifyContext): Promise<void> {
    const root = this.root ?? ctx.root;
    // The distinct flaky tracebacks of the window, each with how many executions carry it: from the store's
    // signature index when it gives them, else grouped from the loaded history.
    const history = ctx.tracebacks ? await ctx.tracebacks.flaky() : groupsFromRuns(ctx.history);
    const historyDistinct = this.distinct(history);
    const current = this.runLive ? null : runTracebacks(ctx.run);
    // The earlier documents are prepared once (idf, term ids, weights per document); with this run's own flaky
    // failures in the corpus, again only when that set has changed since the last failure judged.
    let corpus: { set: DistinctSet; tfidf: TfidfCorpus; own: TracebackRef[] } | null = null;
    const corpusFor = (own: TracebackRef[]) => {
      if (!corpus || own.length !== corpus.own.length || own.some((r, i) => r !== corpus!.own[i])) {
        const set = own.length ? this.distinct(own, historyDistinct) : historyDistinct;
        corpus = { set, tfidf: new TfidfCorpus(set.docs, set.counts), own };
      }
      return corpus;
    };
    let emptyVocabulary = 0;
    for (const test of ctx.run.tests) {
      for (const execution of test.executions) {
        if (!judged(execution, this.judgeAll)) continue;
        if (!execution.exception) {
          addResults(execution, { name: this.name, flaky: false, evidence: { reason: 'no traceback recorded' } });
          continue;
        }
        // Every frame counts in the comparison, but without one under root the traceback says nothing about the
        // project's code (a JDK-only timeout would look like every other), so no verdict.
        if (!hasRootedFrame(execution.exception.frames, root)) {
          addResults(execution, noVerdict(this.name, NO_ROOTED_FRAME));
          continue;
        }
        const own = current ? flakyRefs([current]) : [];
        if (history.length + own.length === 0) {
          addResults(execution, { name: this.name, flaky: false, evidence: { reason: 'no earlier flaky failure to compare with' } });
          continue;
        }
        const query = termCounts(tracebackDocument(execution.exception.frames.map((f) => frameTuple(f, root))));
        const { set, tfidf } = corpusFor(own);
        const sims = tfidf.similarities(query);
        if (!sims) {
          emptyVocabulary++;
          continue;
        }
        // Earlier failures with no frame under their root stay in the corpus (the idf is the plugin's) but are never
        // the match: their similarity says nothing about the project's code.
        let best = -1;
        for (let i = 0; i < sims.length; i++) if (set.refs[i].rooted && (best < 0 || sims[i] > sims[best])) best = i;
        if (best < 0) {
          addResults(execution, { name: this.name, flaky: false, evidence: { reason: 'no earlier flaky failure with a traceback frame under the project root to compare with' } });
          continue;
        }
        const flaky = sims[best] >= this.threshold - SIMILARITY_EPSILON;
        const ref = set.refs[best];
        addResults(execution, {
          name: this.name,
          flaky,
          evidence: {
            reason: flaky
              ? `traceback ${sims[best].toFixed(3)} similar to a flaky failure of ${describeRef(ref, ctx.run, execution)} (threshold ${this.threshold})`
              : `most similar earlier flaky failure: ${sims[best].toFixed(3)} < threshold ${this.threshold}`,
            similarity: sims[best],
            ...refEvidence(ref),
          },
        });
      }
    }
    if (emptyVocabulary) {
      ctx.warn(`CosineSimilarity: ${emptyVocabulary} failure(s) and their earlier flaky tracebacks have no words to compare; no verdict`);
    }
  }
}
