const MIN_CAPACITY = 64 * 1024;
/** After a burst drained, a buffer larger than this is let go rather than kept for the process's life. */
const KEEP_CAPACITY = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Lines waiting for a file descriptor, as UTF-8 in one buffer, written out from the front. Each line
 * is encoded into it as it is logged (while the freshly built line is still in the CPU cache) instead
 * of being kept as a string and joined with the others at write time, which made a large string per
 * event-loop turn and turned the lines into garbage one turn later.
 */
export class PendingBytes {
  #buffer: Buffer = EMPTY;
  #start = 0;
  #end = 0;

  /** Bytes not written yet. */
  get size(): number {
    return this.#end - this.#start;
  }

  append(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair: 4 bytes for 2 units).
    const worst = line.length * 3;
    if (this.#end + worst > this.#buffer.length) this.#makeRoom(worst);
    this.#end += this.#buffer.write(line, this.#end);
  }

  /** The bytes not written yet: valid until the next append or consume. */
  view(): Buffer {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  /** Marks `bytes` from the front as written. */
  consume(bytes: number): void {
    this.#start += bytes;
    if (this.#start < this.#end) return;
    this.#start = 0;
    this.#end = 0;
    if (this.#buffer.length > KEEP_CAPACITY) this.#buffer = EMPTY;
  }

  /** Lines not completely written (a line whose start was written but not its newline counts). */
  lines(): number {
    let lines = 0;
    const buffer = this.#buffer;
    for (let i = buffer.indexOf(10, this.#start); i !== -1 && i < this.#end; i = buffer.indexOf(10, i + 1))
      lines++;
    return lines;
  }

  clear(): void {
    this.#start = 0;
    this.#end = 0;
    this.#buffer = EMPTY;
  }

  #makeRoom(bytes: number): void {
    const size = this.size;
    if (size + bytes <= this.#buffer.length && this.#start > 0) {
      // Enough room once what was written is dropped from the front.
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      let capacity = Math.max(MIN_CAPACITY, this.#buffer.length);
      while (capacity < size + bytes) capacity *= 2;
      const grown = Buffer.allocUnsafeSlow(capacity);
      this.#buffer.copy(grown, 0, this.#start, this.#end);
      this.#buffer = grown;
    }
    this.#start = 0;
    this.#end = size;
  }
}
