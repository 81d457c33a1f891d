/**
 * Strings numbered in the order they were first added, found again by content. A Map keyed by the string does
 * the same, but on a 100k-testcase report each lookup of a fresh string (an id, a classname) went into the
 * engine's runtime to hash it and then chased the Map's entry chain through memory; those lookups were the
 * hottest lines of reading the file. Here the hash is computed in line and a lookup is one or two array reads.
 */
export class StringIndex {
  /**
   * Two numbers per slot, side by side so a probe reads one cache line: the string's number + 1 (0: empty slot)
   * and its hash. The table is kept at most half full.
   */
  private table = new Int32Array(2048);
  private readonly strings: string[] = [];

  /** The number of `s`; when it was not there it is added as the next number, returned as `-1 - number`. */
  findOrAdd(s: string): number {
    const h = stringHash(s);
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const n = table[2 * i];
      if (n === 0) {
        const added = this.strings.push(s) - 1;
        table[2 * i] = added + 1;
        table[2 * i + 1] = h;
        if (this.strings.length > mask >> 1) this.grow();
        return -1 - added;
      }
      if (table[2 * i + 1] === h && this.strings[n - 1] === s) return n - 1;
    }
  }

  private grow(): void {
    const old = this.table;
    const table = (this.table = new Int32Array(old.length * 2));
    const mask = (table.length >> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === 0) continue;
      let i = old[j + 1] & mask;
      while (table[2 * i] !== 0) i = (i + 1) & mask;
      table[2 * i] = old[j];
      table[2 * i + 1] = old[j + 1];
    }
  }
}

/** Per process, as the engine seeds its own string hash: a report cannot be written to make its ids collide here. */
const SEED = Math.floor(Math.random() * 0x100000000) | 0;

/** FNV-1a over pairs of UTF-16 code units (half the steps), then murmur3's finaliser so every unit reaches the low bits. */
function stringHash(s: string): number {
  let h = 0x811c9dc5 ^ SEED ^ s.length;
  const last = s.length - 1;
  let i = 0;
  for (; i < last; i += 2) h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i === last) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
