/** Reads the series key of the line at `offset` again (to confirm a hash match exactly). */
export type KeyAt = (offset: number) => string;

const SHARDS = 64;
/** Int32 slots per entry: two hashes and the line offset + 1 (0 marks an empty slot). */
const STRIDE = 3;
const INITIAL_ENTRIES = 8;

/**
 * The series already read in one family, for the parser's duplicate-series check, without keeping a string
 * per series. A Set of series keys holds one string per series while the family is read; in a 50 MB body
 * that is a million strings which all survive several young-generation collections, and the scavenges grow
 * long copying them. Here a series is two 32-bit hashes of its key and the offset of the line that wrote
 * it, in Int32Arrays the garbage collector neither scans nor copies. Equal hashes are confirmed by reading
 * the earlier line's key again (`keyAt`), so the check is exact.
 *
 * The entries are spread over 64 open-addressing tables by hash, each grown on its own, so no single
 * rehash blocks the event loop for long (a million series in one family).
 */
export class SeriesSet {
  readonly #shards: Array<Int32Array | undefined> = new Array(SHARDS).fill(undefined);
  readonly #sizes = new Int32Array(SHARDS);
  readonly #keyAt: KeyAt;

  constructor(keyAt: KeyAt) {
    this.#keyAt = keyAt;
  }

  /** Adds the series `key` written by the line at `offset`; false when the family already has it. */
  add(key: string, offset: number): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 ^= h1 >>> 16;
    const shardIndex = (h1 >>> 24) & (SHARDS - 1);
    let table = this.#shards[shardIndex];
    if (table === undefined) {
      table = new Int32Array(INITIAL_ENTRIES * STRIDE);
      this.#shards[shardIndex] = table;
    }
    const capacity = table.length / STRIDE;
    for (let slot = h1 & (capacity - 1); ; slot = (slot + 1) & (capacity - 1)) {
      const at = slot * STRIDE;
      const stored = table[at + 2] as number;
      if (stored === 0) break;
      if (table[at] === h1 && table[at + 1] === h2 && this.#keyAt(stored - 1) === key) return false;
    }
    const size = (this.#sizes[shardIndex] as number) + 1;
    this.#sizes[shardIndex] = size;
    if (size * 2 > capacity) {
      table = grow(table);
      this.#shards[shardIndex] = table;
    }
    insert(table, h1, h2, offset + 1);
    return true;
  }
}

function insert(table: Int32Array, h1: number, h2: number, stored: number): void {
  const mask = table.length / STRIDE - 1;
  let slot = h1 & mask;
  while (table[slot * STRIDE + 2] !== 0) slot = (slot + 1) & mask;
  table[slot * STRIDE] = h1;
  table[slot * STRIDE + 1] = h2;
  table[slot * STRIDE + 2] = stored;
}

function grow(table: Int32Array): Int32Array {
  const next = new Int32Array(table.length * 2);
  for (let at = 0; at < table.length; at += STRIDE) {
    const stored = table[at + 2] as number;
    if (stored !== 0) insert(next, table[at] as number, table[at + 1] as number, stored);
  }
  return next;
}
