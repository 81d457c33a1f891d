/**
 * scikit-learn's TfidfVectorizer with its defaults, as CosineSimilarity uses it: token pattern
 * `(?u)\b\w\w+\b` on lowercased text, raw term counts, smooth idf `ln((n+1)/(df+1)) + 1`, l2 rows,
 * then cosine_similarity (which normalises again). Refitted on every call, like the plugin.
 */
import { exactLog } from './exact-log.ts';
import { compareCodePoints } from './py-compat.ts';

/** (path, lineno, colno, statement) as the plugin builds it from traceback entries. */
export type FrameTuple = [path: string, lineno: number | null, colno: number | null, statement: string | null];

/** Python str() of the tuple members the plugin joins: None → 'None', ints in decimal. */
function pyStr(v: string | number | null): string {
  if (v === null || v === undefined) return 'None';
  return typeof v === 'number' ? String(v) : v;
}

// Python's \s for str patterns (str.isspace): JS \s lacks U+001C–U+001F and U+0085 and adds U+FEFF.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
// Python's \w for str patterns is str.isalnum() or '_': letters and numbers, not combining marks.
const PY_WORD = '\\p{L}\\p{N}_';
const NOT_WORD_OR_SPACE = new RegExp(`[^${PY_WORD}${PY_SPACE}]`, 'gu');
// `\b\w\w+\b` finds exactly the maximal runs of two or more word characters; JS's \b is ASCII-only.
const TOKEN = new RegExp(`[${PY_WORD}]{2,}`, 'gu');

/** The plugin's document: `re.sub(r"[^\w\s]", " ", "\n".join(" ".join(map(str, t)) for t in tuples))`. */
export function tracebackDocument(tuples: readonly FrameTuple[]): string {
  return tuples.map((t) => t.map(pyStr).join(' ')).join('\n').replace(NOT_WORD_OR_SPACE, ' ');
}

export function tokenize(doc: string): string[] {
  return doc.toLowerCase().match(TOKEN) ?? [];
}

/** A document's term counts, terms sorted by code point (the vectorizer's column order). */
export interface TermCounts {
  terms: string[];
  counts: number[];
}

export function termCounts(doc: string): TermCounts {
  const m = new Map<string, number>();
  for (const t of tokenize(doc)) m.set(t, (m.get(t) ?? 0) + 1);
  const terms = [...m.keys()].sort(compareCodePoints);
  return { terms, counts: terms.map((t) => m.get(t)!) };
}

export interface TfidfFit {
  /** Alphabetical (code point) vocabulary, as get_feature_names_out. */
  vocabulary: string[];
  idf: Map<string, number>;
  /** l2-normalised tf-idf weights per document, terms in vocabulary order. */
  rows: Map<string, number>[];
}

function documentFrequencies(docs: readonly TermCounts[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.terms) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
}

// sklearn: np.log(n / df) + 1 after n += 1, df += 1; the division is rounded before the log.
const idfOf = (n: number, df: number): number => exactLog((n + 1) / (df + 1)) + 1;

/** sklearn's l2 `normalize`: divide by the norm, a zero row stays zero. */
function l2(values: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  const norm = Math.sqrt(sum);
  if (norm === 0) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] / norm;
  return out;
}

function weights(doc: TermCounts, idf: (t: string) => number): Float64Array {
  const w = new Float64Array(doc.terms.length);
  for (let i = 0; i < w.length; i++) w[i] = doc.counts[i] * idf(doc.terms[i]);
  return l2(w);
}

/** fit_transform on these documents; null where sklearn raises "empty vocabulary". */
export function fitTfidf(docs: readonly TermCounts[]): TfidfFit | null {
  const df = documentFrequencies(docs);
  if (df.size === 0) return null;
  const n = docs.length;
  const idf = new Map<string, number>();
  for (const [t, f] of df) idf.set(t, idfOf(n, f));
  const rows = docs.map((d) => {
    const w = weights(d, (t) => idf.get(t)!);
    return new Map(d.terms.map((t, i) => [t, w[i]] as [string, number]));
  });
  return { vocabulary: [...df.keys()].sort(compareCodePoints), idf, rows };
}

/**
 * cosine_similarity(tfidf[0], tfidf[1:]) for the corpus [query, ...others], fitted on exactly these
 * documents. Null when every document is empty (the plugin would crash there). With `multiplicity`,
 * others[i] counts as that many identical documents (its similarity is the same for each copy).
 */
export function tfidfCosineSimilarities(query: TermCounts, others: readonly TermCounts[], multiplicity?: readonly number[]): number[] | null {
  return new TfidfCorpus(others, multiplicity).similarities(query);
}

/**
 * The earlier documents of tfidfCosineSimilarities, prepared once for many queries: terms become
 * integer ids in code point order (so id order is the vectorizer's column order), document
 * frequencies and both idfs a term can have (query has it or not) are computed once, and a query
 * only recomputes the documents that share a term with it; the others are orthogonal (similarity 0).
 * Per document the operations and their order are those of the one-shot fit, so results are bit for bit the same.
 */
export class TfidfCorpus {
  private readonly vocab = new Map<string, number>();
  private readonly n: number;
  private readonly docStart: Int32Array;
  private readonly docTerms: Int32Array;
  private readonly docCounts: Float64Array;
  private readonly postStart: Int32Array;
  private readonly postDocs: Int32Array;
  private readonly idfWithout: Float64Array;
  private readonly idfWith: Float64Array;
  private readonly queryStamp: Int32Array;
  private readonly queryWeight: Float64Array;
  private readonly docStamp: Int32Array;
  private stamp = 0;
  private scratch = new Float64Array(16);

  constructor(readonly docs: readonly TermCounts[], multiplicity?: readonly number[]) {
    const terms = new Set<string>();
    let size = 0;
    for (const d of docs) {
      for (const t of d.terms) terms.add(t);
      size += d.terms.length;
    }
    [...terms].sort(compareCodePoints).forEach((t, i) => this.vocab.set(t, i));
    const v = this.vocab.size;
    const df = new Float64Array(v);
    const postCount = new Int32Array(v + 1);
    this.docStart = new Int32Array(docs.length + 1);
    this.docTerms = new Int32Array(size);
    this.docCounts = new Float64Array(size);
    let k = 0;
    let n = 1;
    docs.forEach((d, i) => {
      const m = multiplicity ? multiplicity[i] : 1;
      n += m;
      this.docStart[i] = k;
      for (let j = 0; j < d.terms.length; j++, k++) {
        const id = this.vocab.get(d.terms[j])!;
        this.docTerms[k] = id;
        this.docCounts[k] = d.counts[j];
        df[id] += m;
        postCount[id + 1]++;
      }
    });
    this.docStart[docs.length] = k;
    this.n = n;
    this.postStart = new Int32Array(v + 1);
    for (let id = 0; id < v; id++) this.postStart[id + 1] = this.postStart[id] + postCount[id + 1];
    this.postDocs = new Int32Array(size);
    const fill = this.postStart.slice(0, v);
    for (let i = 0; i < docs.length; i++) for (let p = this.docStart[i]; p < this.docStart[i + 1]; p++) this.postDocs[fill[this.docTerms[p]]++] = i;
    this.idfWithout = new Float64Array(v);
    this.idfWith = new Float64Array(v);
    // idf depends on the document frequency only, and few frequencies occur: one correctly rounded log each.
    const byDf = new Map<number, number>();
    const idfAt = (f: number) => {
      let x = byDf.get(f);
      if (x === undefined) byDf.set(f, (x = idfOf(n, f)));
      return x;
    };
    for (let id = 0; id < v; id++) {
      this.idfWithout[id] = idfAt(df[id]);
      this.idfWith[id] = idfAt(df[id] + 1);
    }
    this.queryStamp = new Int32Array(v);
    this.queryWeight = new Float64Array(v);
    this.docStamp = new Int32Array(docs.length);
  }

  /** One similarity per document; null where sklearn raises "empty vocabulary". */
  similarities(query: TermCounts): number[] | null {
    if (this.vocab.size === 0 && query.terms.length === 0) return null;
    const stamp = ++this.stamp;
    const queryOnly = idfOf(this.n, 1);
    const ids = query.terms.map((t) => this.vocab.get(t) ?? -1);
    // cosine_similarity normalises its (already normalised) inputs once more.
    const q = l2(l2(Float64Array.from(query.counts, (c, i) => c * (ids[i] < 0 ? queryOnly : this.idfWith[ids[i]]))));
    const sims = new Array<number>(this.docs.length).fill(0);
    const { queryStamp, queryWeight, postStart, postDocs, docStamp, docStart, docTerms, docCounts, idfWith, idfWithout } = this;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0) continue;
      queryStamp[id] = stamp;
      queryWeight[id] = q[i];
    }
    let w = this.scratch;
    for (const id of ids) {
      if (id < 0) continue;
      for (let p = postStart[id]; p < postStart[id + 1]; p++) {
        const d = postDocs[p];
        if (docStamp[d] === stamp) continue;
        docStamp[d] = stamp;
        const from = docStart[d];
        const len = docStart[d + 1] - from;
        if (w.length < len) this.scratch = w = new Float64Array(len * 2);
        for (let k = 0; k < len; k++) {
          const t = docTerms[from + k];
          w[k] = docCounts[from + k] * (queryStamp[t] === stamp ? idfWith[t] : idfWithout[t]);
        }
        // Twice, as l2(weights(...)) in the one-shot fit: the fitted row, then cosine_similarity's normalisation.
        for (let pass = 0; pass < 2; pass++) {
          let sum = 0;
          for (let k = 0; k < len; k++) sum += w[k] * w[k];
          const norm = Math.sqrt(sum);
          if (norm !== 0) for (let k = 0; k < len; k++) w[k] = w[k] / norm;
        }
        let dot = 0;
        for (let k = 0; k < len; k++) {
          const t = docTerms[from + k];
          if (queryStamp[t] === stamp) dot += queryWeight[t] * w[k];
        }
        sims[d] = dot;
      }
    }
    return sims;
  }
}
