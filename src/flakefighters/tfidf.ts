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
  let df: Map<string, number>;
  let n: number;
  if (multiplicity) {
    // others[i] stands for multiplicity[i] identical documents: same df and n as the expanded corpus.
    df = documentFrequencies([query]);
    n = 1;
    others.forEach((d, i) => {
      n += multiplicity[i];
      for (const t of d.terms) df.set(t, (df.get(t) ?? 0) + multiplicity[i]);
    });
  } else {
    df = documentFrequencies([query, ...others]);
    n = others.length + 1;
  }
  if (df.size === 0) return null;
  const cache = new Map<string, number>();
  const idf = (t: string): number => {
    let v = cache.get(t);
    if (v === undefined) cache.set(t, (v = idfOf(n, df.get(t)!)));
    return v;
  };
  // cosine_similarity normalises its (already normalised) inputs once more.
  const q = l2(weights(query, idf));
  return others.map((d) => {
    const w = l2(weights(d, idf));
    let dot = 0;
    let i = 0;
    let j = 0;
    while (i < query.terms.length && j < d.terms.length) {
      const c = compareCodePoints(query.terms[i], d.terms[j]);
      if (c === 0) dot += q[i++] * w[j++];
      else if (c < 0) i++;
      else j++;
    }
    return dot;
  });
}
