/**
 * scipy.spatial.distance.pdist (jaccard, hamming on booleans) and scipy.cluster.hierarchy
 * linkage + fcluster(criterion='distance'), ported from scipy's _hierarchy.pyx so that merge order,
 * tie breaking and flat cluster numbering are scipy's own: CoverageIndependence's verdicts depend on them.
 */

export type LinkageMethod = 'single' | 'complete' | 'average' | 'weighted' | 'centroid' | 'median' | 'ward';
export const LINKAGE_METHODS: readonly LinkageMethod[] = ['single', 'complete', 'average', 'weighted', 'centroid', 'median', 'ward'];
export type DistanceMetric = 'jaccard' | 'hamming';
export const DISTANCE_METRICS: readonly DistanceMetric[] = ['jaccard', 'hamming'];

/**
 * Boolean rows packed 32 columns a word: row r occupies words [r*words, (r+1)*words). Only the
 * columns that tell rows apart are packed: a column set in every row adds 1 to every intersection
 * (`common`), one set in a single row only to that row's count (`ones` holds the full counts).
 */
export interface BitRows {
  n: number;
  ncols: number;
  words: number;
  bits: Uint32Array;
  /** Set columns per row, packed or not. */
  ones: Int32Array;
  /** Columns set in every row. */
  common: number;
}

export function packRows(rows: readonly (readonly number[])[], ncols: number): BitRows {
  const n = rows.length;
  const count = new Int32Array(ncols);
  const seen = new Int32Array(ncols).fill(-1);
  const ones = new Int32Array(n);
  rows.forEach((cols, r) => {
    for (const c of cols) {
      if (seen[c] === r) continue;
      seen[c] = r;
      count[c]++;
      ones[r]++;
    }
  });
  const packed = new Int32Array(ncols).fill(-1);
  let width = 0;
  let common = 0;
  for (let c = 0; c < ncols; c++) {
    if (count[c] === n) common++;
    else if (count[c] > 1) packed[c] = width++;
  }
  const words = Math.max(1, Math.ceil(width / 32));
  const bits = new Uint32Array(n * words);
  rows.forEach((cols, r) => {
    for (const c of cols) {
      const p = packed[c];
      if (p >= 0) bits[r * words + (p >>> 5)] |= 1 << (p & 31);
    }
  });
  return { n, ncols, words, bits, ones, common };
}

/** Bits set in each 16-bit value: table lookups beat the SWAR popcount in V8 here. */
const POP16 = new Uint8Array(65536);
for (let i = 1; i < 65536; i++) POP16[i] = (i & 1) + POP16[i >>> 1];

export function condensedIndex(n: number, i: number, j: number): number {
  return i < j ? n * i - (i * (i + 1)) / 2 + (j - i - 1) : n * j - (j * (j + 1)) / 2 + (i - j - 1);
}

/**
 * pdist(X, metric) on booleans. jaccard = #(u≠v)/#(u∨v), 0 when both rows are empty (scipy ≥ 1.2);
 * hamming = #(u≠v)/ncols (NaN with no columns). Each is one IEEE division of two counts.
 */
export function pdistBool(x: BitRows, metric: DistanceMetric): Float64Array {
  const { n, words, bits, ncols } = x;
  const out = new Float64Array((n * (n - 1)) / 2);
  // #(u≠v) = |u| + |v| − 2|u∧v| and #(u∨v) = |u| + |v| − |u∧v|: one popcount per word pair,
  // all exact integers, so the one division per pair is scipy's.
  const { ones, common } = x;
  let k = 0;
  for (let i = 0; i < n - 1; i++) {
    const a = i * words;
    const oi = ones[i];
    for (let j = i + 1; j < n; j++) {
      const b = j * words;
      let inter = common;
      for (let w = 0; w < words; w++) {
        const v = bits[a + w] & bits[b + w];
        inter += POP16[v & 0xffff] + POP16[v >>> 16];
      }
      const total = oi + ones[j];
      const diff = total - 2 * inter;
      if (metric === 'jaccard') {
        const union = total - inter;
        out[k++] = union === 0 ? 0 : diff / union;
      } else out[k++] = diff / ncols;
    }
  }
  return out;
}

/**
 * Boolean rows as an inverted index: for each column that tells rows apart (set in more than one
 * row but not in all), the rows that have it, ascending (CSR). Coverage is sparse (a test runs a few
 * dozen of thousands of lines), so intersections counted through the index touch only pairs that
 * share a line.
 */
interface SparseRows {
  n: number;
  ncols: number;
  ones: Int32Array;
  common: number;
  start: Int32Array;
  post: Int32Array;
  rowStart: Int32Array;
  rowCols: Int32Array;
  /** Whether the index is cheaper than packed bit rows for all pairs. */
  cheaper: boolean;
}

function sparseRows(rows: readonly (readonly number[])[], ncols: number): SparseRows {
  const n = rows.length;
  const count = new Int32Array(ncols);
  const seen = new Int32Array(ncols).fill(-1);
  const ones = new Int32Array(n);
  rows.forEach((cols, r) => {
    for (const c of cols) {
      if (seen[c] === r) continue;
      seen[c] = r;
      count[c]++;
      ones[r]++;
    }
  });
  let common = 0;
  let width = 0;
  let pairWork = 0;
  const start = new Int32Array(ncols + 1);
  for (let c = 0; c < ncols; c++) {
    if (count[c] === n) common++;
    const indexed = count[c] > 1 && count[c] < n;
    if (indexed) {
      width++;
      pairWork += (count[c] * (count[c] - 1)) / 2;
    }
    start[c + 1] = start[c] + (indexed ? count[c] : 0);
  }
  const post = new Int32Array(start[ncols]);
  const fill = start.slice(0, ncols);
  const rowStart = new Int32Array(n + 1);
  const rowCols = new Int32Array(start[ncols]);
  seen.fill(-1);
  let k = 0;
  rows.forEach((cols, r) => {
    rowStart[r] = k;
    for (const c of cols) {
      if (seen[c] === r || start[c + 1] === start[c]) continue;
      seen[c] = r;
      post[fill[c]++] = r;
      rowCols[k++] = c;
    }
  });
  rowStart[n] = k;
  // Packed rows cost a word AND and two lookups per word per pair; the index one increment per shared column.
  const cheaper = pairWork <= ((n * (n - 1)) / 2) * Math.max(1, Math.ceil(width / 32));
  return { n, ncols, ones, common, start, post, rowStart, rowCols, cheaper };
}

/** jaccard or hamming of two rows from their set-column counts and intersection: pdistBool's arithmetic. */
function boolDistance(metric: DistanceMetric, total: number, shared: number, ncols: number): number {
  const diff = total - 2 * shared;
  if (metric === 'jaccard') {
    const union = total - shared;
    return union === 0 ? 0 : diff / union;
  }
  return diff / ncols;
}

/**
 * pdist(X, metric) on booleans given as each row's set columns: through the inverted index when it
 * is cheaper, else packed bit rows; both count the same integers, hence the same distances bit for bit.
 */
export function pdistRows(rows: readonly (readonly number[])[], ncols: number, metric: DistanceMetric): Float64Array {
  const x = sparseRows(rows, ncols);
  if (!x.cheaper) return pdistBool(packRows(rows, ncols), metric);
  const { n, ones, common, start, post, rowStart, rowCols } = x;
  const cursor = start.slice(0, ncols);
  const inter = new Int32Array(n);
  const out = new Float64Array((n * (n - 1)) / 2);
  let o = 0;
  for (let i = 0; i < n - 1; i++) {
    // Row i is next in each of its columns' postings (rows are visited in order): the rest are the j > i.
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) {
      const c = rowCols[p];
      const end = start[c + 1];
      for (let q = ++cursor[c]; q < end; q++) inter[post[q]]++;
    }
    const oi = ones[i];
    for (let j = i + 1; j < n; j++) {
      out[o++] = boolDistance(metric, oi + ones[j], inter[j] + common, ncols);
      inter[j] = 0;
    }
  }
  return out;
}

/**
 * linkage(pdist(X, metric), 'single') without the condensed matrix when the inverted index is the
 * cheaper way: scipy's MST algorithm (the same visiting order, comparisons and ties) with each
 * needed row of distances computed from the index as it is reached. Same Z as the two-step path.
 */
export function singleLinkageRows(rows: readonly (readonly number[])[], ncols: number, metric: DistanceMetric): Linkage {
  const x = sparseRows(rows, ncols);
  const { n, ones, common, start, post, rowStart, rowCols } = x;
  if (!x.cheaper) return linkage(pdistBool(packRows(rows, ncols), metric), n, 'single');
  if (n < 2) throw new LinkageError('linkage needs at least 2 observations');
  if (metric === 'hamming' && ncols === 0) throw new LinkageError('The condensed distance matrix must contain only finite values.');
  const Z = new Float64Array((n - 1) * 4);
  const D = new Float64Array(n).fill(Infinity);
  const inter = new Int32Array(n);
  // The rows not yet merged, ascending (scipy scans i ascending: the first of equal minima wins).
  const alive = Int32Array.from({ length: n }, (_, i) => i);
  let m = n;
  const jaccard = metric === 'jaccard';
  let cur = 0;
  let y = 0;
  for (let k = 0; k < n - 1; k++) {
    let currentMin = Infinity;
    let at = 0;
    for (let hi = m; at < hi; ) {
      const mid = (at + hi) >> 1;
      if (alive[mid] < cur) at = mid + 1;
      else hi = mid;
    }
    alive.copyWithin(at, at + 1, m--);
    const from = rowStart[cur];
    const to = rowStart[cur + 1];
    for (let p = from; p < to; p++) {
      const c = rowCols[p];
      for (let q = start[c]; q < start[c + 1]; q++) inter[post[q]]++;
    }
    const ox = ones[cur];
    for (let t = 0; t < m; t++) {
      const i = alive[t];
      // Counts of merged rows are left behind: they are never read again.
      const shared = inter[i] + common;
      inter[i] = 0;
      const total = ox + ones[i];
      // No shared column: jaccard is total/total, exactly 1 (or 0 for two empty rows), without the division.
      const dist = jaccard && shared === 0 ? (total === 0 ? 0 : 1) : boolDistance(metric, total, shared, ncols);
      if (D[i] > dist) D[i] = dist;
      if (D[i] < currentMin) {
        y = i;
        currentMin = D[i];
      }
    }
    Z[k * 4] = cur;
    Z[k * 4 + 1] = y;
    Z[k * 4 + 2] = currentMin;
    cur = y;
  }
  return label(sortByHeight(Z, n), n);
}

type Update = (dxi: number, dyi: number, dxy: number, nx: number, ny: number, ni: number) => number;

// _hierarchy_distance_update.pxi, operation for operation.
const UPDATES: Record<Exclude<LinkageMethod, 'single'>, Update> = {
  complete: (dxi, dyi) => (dxi > dyi ? dxi : dyi),
  average: (dxi, dyi, _dxy, nx, ny) => (nx * dxi + ny * dyi) / (nx + ny),
  weighted: (dxi, dyi) => 0.5 * (dxi + dyi),
  centroid: (dxi, dyi, dxy, nx, ny) => Math.sqrt((nx * dxi * dxi + ny * dyi * dyi - (nx * ny * dxy * dxy) / (nx + ny)) / (nx + ny)),
  median: (dxi, dyi, dxy) => Math.sqrt(0.5 * (dxi * dxi + dyi * dyi) - 0.25 * dxy * dxy),
  ward: (dxi, dyi, dxy, nx, ny, ni) => {
    const t = 1.0 / (nx + ny + ni);
    return Math.sqrt((ni + nx) * t * dxi * dxi + (ni + ny) * t * dyi * dyi - ni * t * dxy * dxy);
  },
};

/** Linkage matrix, row-major (n-1) × [left, right, height, size], like scipy's Z. */
export type Linkage = Float64Array;

export class LinkageError extends Error {}

/** scipy.cluster.hierarchy.linkage(y, method) for a condensed distance matrix. */
export function linkage(y: Float64Array, n: number, method: LinkageMethod): Linkage {
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new LinkageError('The condensed distance matrix must contain only finite values.');
  }
  if (n < 2) throw new LinkageError('linkage needs at least 2 observations');
  if (method === 'single') return mstSingleLinkage(y, n);
  if (method === 'centroid' || method === 'median') return fastLinkage(y, n, UPDATES[method]);
  return nnChain(y, n, UPDATES[method]);
}

function mstSingleLinkage(dists: Float64Array, n: number): Linkage {
  const Z = new Float64Array((n - 1) * 4);
  const merged = new Uint8Array(n);
  const D = new Float64Array(n).fill(Infinity);
  let x = 0;
  let y = 0;
  for (let k = 0; k < n - 1; k++) {
    let currentMin = Infinity;
    merged[x] = 1;
    for (let i = 0; i < n; i++) {
      if (merged[i] === 1) continue;
      const dist = dists[condensedIndex(n, x, i)];
      if (D[i] > dist) D[i] = dist;
      if (D[i] < currentMin) {
        y = i;
        currentMin = D[i];
      }
    }
    Z[k * 4] = x;
    Z[k * 4 + 1] = y;
    Z[k * 4 + 2] = currentMin;
    x = y;
  }
  return label(sortByHeight(Z, n), n);
}

/** rowStarts(n)[i] + j is the condensed index of (i, j) for i < j. */
function rowStarts(n: number): Float64Array {
  const rs = new Float64Array(n);
  for (let i = 0; i < n; i++) rs[i] = n * i - (i * (i + 1)) / 2 - i - 1;
  return rs;
}

function nnChain(dists: Float64Array, n: number, newDist: Update): Linkage {
  const rs = rowStarts(n);
  const Z = new Float64Array((n - 1) * 4);
  const D = Float64Array.from(dists);
  const size = new Int32Array(n).fill(1);
  const chain = new Int32Array(n);
  let chainLength = 0;
  let x = 0;
  let y = 0;
  for (let k = 0; k < n - 1; k++) {
    if (chainLength === 0) {
      chainLength = 1;
      for (let i = 0; i < n; i++) {
        if (size[i] > 0) {
          chain[0] = i;
          break;
        }
      }
    }
    let currentMin: number;
    for (;;) {
      x = chain[chainLength - 1];
      // Prefer the previous chain element, to avoid cycles (scipy's comment).
      if (chainLength > 1) {
        y = chain[chainLength - 2];
        currentMin = D[condensedIndex(n, x, y)];
      } else {
        currentMin = Infinity;
      }
      // i ascending, as scipy's single loop: first the column above x, then x's row.
      for (let i = 0; i < x; i++) {
        if (size[i] === 0) continue;
        const dist = D[rs[i] + x];
        if (dist < currentMin) {
          currentMin = dist;
          y = i;
        }
      }
      const rx = rs[x];
      for (let i = x + 1; i < n; i++) {
        if (size[i] === 0) continue;
        const dist = D[rx + i];
        if (dist < currentMin) {
          currentMin = dist;
          y = i;
        }
      }
      if (chainLength > 1 && y === chain[chainLength - 2]) break;
      chain[chainLength++] = y;
    }
    chainLength -= 2;
    if (x > y) [x, y] = [y, x];
    const nx = size[x];
    const ny = size[y];
    Z[k * 4] = x;
    Z[k * 4 + 1] = y;
    Z[k * 4 + 2] = currentMin;
    Z[k * 4 + 3] = nx + ny;
    size[x] = 0;
    size[y] = nx + ny;
    for (let i = 0; i < n; i++) {
      const ni = size[i];
      if (ni === 0 || i === y) continue;
      const iy = i < y ? rs[i] + y : rs[y] + i;
      const ix = i < x ? rs[i] + x : rs[x] + i;
      D[iy] = newDist(D[ix], D[iy], currentMin, nx, ny, ni);
    }
  }
  return label(sortByHeight(Z, n), n);
}

/** Binary heap of scipy's _structures.pxi (same sift order, so equal values pop the same way). */
class Heap {
  private readonly indexByKey: Int32Array;
  private readonly keyByIndex: Int32Array;
  private readonly values: Float64Array;
  private size: number;
  constructor(values: Float64Array) {
    this.size = values.length;
    this.indexByKey = Int32Array.from({ length: this.size }, (_, i) => i);
    this.keyByIndex = Int32Array.from({ length: this.size }, (_, i) => i);
    this.values = Float64Array.from(values);
    for (let i = Math.floor(this.size / 2) - 1; i >= 0; i--) this.siftDown(i);
  }
  minKey(): number {
    return this.keyByIndex[0];
  }
  minValue(): number {
    return this.values[0];
  }
  removeMin(): void {
    this.swap(0, this.size - 1);
    this.size -= 1;
    this.siftDown(0);
  }
  changeValue(key: number, value: number): void {
    const index = this.indexByKey[key];
    const old = this.values[index];
    this.values[index] = value;
    if (value < old) this.siftUp(index);
    else this.siftDown(index);
  }
  private siftUp(index: number): void {
    let parent = (index - 1) >> 1;
    while (index > 0 && this.values[parent] > this.values[index]) {
      this.swap(index, parent);
      index = parent;
      parent = (index - 1) >> 1;
    }
  }
  private siftDown(index: number): void {
    let child = (index << 1) + 1;
    while (child < this.size) {
      if (child + 1 < this.size && this.values[child + 1] < this.values[child]) child += 1;
      if (this.values[index] > this.values[child]) {
        this.swap(index, child);
        index = child;
        child = (index << 1) + 1;
      } else break;
    }
  }
  private swap(i: number, j: number): void {
    const v = this.values[i];
    this.values[i] = this.values[j];
    this.values[j] = v;
    const ki = this.keyByIndex[i];
    const kj = this.keyByIndex[j];
    this.keyByIndex[i] = kj;
    this.keyByIndex[j] = ki;
    this.indexByKey[ki] = j;
    this.indexByKey[kj] = i;
  }
}

function findMinDist(n: number, D: Float64Array, size: Int32Array, x: number): [number, number] {
  let currentMin = Infinity;
  let y = -1;
  for (let i = x + 1; i < n; i++) {
    if (size[i] === 0) continue;
    const dist = D[condensedIndex(n, x, i)];
    if (dist < currentMin) {
      currentMin = dist;
      y = i;
    }
  }
  if (y === -1) throw new LinkageError('find_min_dist cannot find any neighbors closer than inf away.');
  return [y, currentMin];
}

/** Müllner's generic algorithm (scipy's fast_linkage): centroid and median. Not sorted, not relabelled. */
function fastLinkage(dists: Float64Array, n: number, newDist: Update): Linkage {
  const Z = new Float64Array((n - 1) * 4);
  const D = Float64Array.from(dists);
  const size = new Int32Array(n).fill(1);
  const clusterId = Int32Array.from({ length: n }, (_, i) => i);
  const neighbor = new Int32Array(n - 1);
  const minDist = new Float64Array(n - 1);
  for (let x = 0; x < n - 1; x++) [neighbor[x], minDist[x]] = findMinDist(n, D, size, x);
  const heap = new Heap(minDist);
  let x = 0;
  let y = 0;
  let dist = 0;
  for (let k = 0; k < n - 1; k++) {
    for (let i = 0; i < n - k; i++) {
      x = heap.minKey();
      dist = heap.minValue();
      y = neighbor[x];
      if (dist === D[condensedIndex(n, x, y)]) break;
      [y, dist] = findMinDist(n, D, size, x);
      neighbor[x] = y;
      minDist[x] = dist;
      heap.changeValue(x, dist);
    }
    heap.removeMin();
    let idX = clusterId[x];
    let idY = clusterId[y];
    const nx = size[x];
    const ny = size[y];
    if (idX > idY) [idX, idY] = [idY, idX];
    Z[k * 4] = idX;
    Z[k * 4 + 1] = idY;
    Z[k * 4 + 2] = dist;
    Z[k * 4 + 3] = nx + ny;
    size[x] = 0;
    size[y] = nx + ny;
    clusterId[y] = n + k;
    for (let z = 0; z < n; z++) {
      const nz = size[z];
      if (nz === 0 || z === y) continue;
      const zy = condensedIndex(n, z, y);
      D[zy] = newDist(D[condensedIndex(n, z, x)], D[zy], dist, nx, ny, nz);
    }
    for (let z = 0; z < x; z++) if (size[z] > 0 && neighbor[z] === x) neighbor[z] = y;
    for (let z = 0; z < y; z++) {
      if (size[z] === 0) continue;
      const d = D[condensedIndex(n, z, y)];
      if (d < minDist[z]) {
        neighbor[z] = y;
        minDist[z] = d;
        heap.changeValue(z, d);
      }
    }
    if (y < n - 1) {
      const [z, d] = findMinDist(n, D, size, y);
      if (z !== -1) {
        neighbor[y] = z;
        minDist[y] = d;
        heap.changeValue(y, d);
      }
    }
  }
  return Z;
}

/** np.argsort(Z[:, 2], kind='mergesort'): stable, NaN last. */
function sortByHeight(Z: Float64Array, n: number): Float64Array {
  const order = Array.from({ length: n - 1 }, (_, i) => i);
  order.sort((a, b) => {
    const ha = Z[a * 4 + 2];
    const hb = Z[b * 4 + 2];
    if (Number.isNaN(ha) || Number.isNaN(hb)) return Number.isNaN(ha) ? (Number.isNaN(hb) ? 0 : 1) : -1;
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  });
  const out = new Float64Array(Z.length);
  order.forEach((src, dst) => out.set(Z.subarray(src * 4, src * 4 + 4), dst * 4));
  return out;
}

/** scipy's `label`: union-find relabelling of a sorted dendrogram, sizes in column 3. */
function label(Z: Float64Array, n: number): Float64Array {
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const size = new Int32Array(2 * n - 1).fill(1);
  let nextLabel = n;
  const find = (x: number): number => {
    let p = x;
    while (parent[x] !== x) x = parent[x];
    while (parent[p] !== x) {
      const next = parent[p];
      parent[p] = x;
      p = next;
    }
    return x;
  };
  for (let i = 0; i < n - 1; i++) {
    const xr = find(Z[i * 4]);
    const yr = find(Z[i * 4 + 1]);
    Z[i * 4] = Math.min(xr, yr);
    Z[i * 4 + 1] = Math.max(xr, yr);
    parent[xr] = nextLabel;
    parent[yr] = nextLabel;
    const s = size[xr] + size[yr];
    size[nextLabel++] = s;
    Z[i * 4 + 3] = s;
  }
  return Z;
}

/**
 * fcluster(Z, t, criterion='distance'): the first node in a left-first DFS whose maximum merge
 * height in its subtree is <= t becomes a flat cluster; ids 1..k in order of discovery.
 */
export function fclusterDistance(Z: Linkage, n: number, t: number): Int32Array {
  const T = new Int32Array(n);
  if (n === 1) {
    T[0] = 1;
    return T;
  }
  // get_max_dist_for_each_cluster
  const MD = new Float64Array(n - 1);
  const visited = new Uint8Array(2 * n - 1);
  const curr = new Int32Array(n);
  let k = 0;
  curr[0] = 2 * n - 2;
  while (k >= 0) {
    const root = curr[k] - n;
    const lc = Z[root * 4];
    const rc = Z[root * 4 + 1];
    if (lc >= n && !visited[lc]) {
      visited[lc] = 1;
      curr[++k] = lc;
      continue;
    }
    if (rc >= n && !visited[rc]) {
      visited[rc] = 1;
      curr[++k] = rc;
      continue;
    }
    let maxDist = Z[root * 4 + 2];
    if (lc >= n && MD[lc - n] > maxDist) maxDist = MD[lc - n];
    if (rc >= n && MD[rc - n] > maxDist) maxDist = MD[rc - n];
    MD[root] = maxDist;
    k -= 1;
  }
  // cluster_monocrit
  visited.fill(0);
  let nCluster = 0;
  let leader = -1;
  k = 0;
  curr[0] = 2 * n - 2;
  while (k >= 0) {
    const root = curr[k] - n;
    const lc = Z[root * 4];
    const rc = Z[root * 4 + 1];
    if (leader === -1 && MD[root] <= t) {
      leader = root;
      nCluster += 1;
    }
    if (lc >= n && !visited[lc]) {
      visited[lc] = 1;
      curr[++k] = lc;
      continue;
    }
    if (rc >= n && !visited[rc]) {
      visited[rc] = 1;
      curr[++k] = rc;
      continue;
    }
    if (lc < n) {
      if (leader === -1) nCluster += 1;
      T[lc] = nCluster;
    }
    if (rc < n) {
      if (leader === -1) nCluster += 1;
      T[rc] = nCluster;
    }
    if (leader === root) leader = -1;
    k -= 1;
  }
  return T;
}
