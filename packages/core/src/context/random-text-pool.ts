import { randomFillSync } from 'node:crypto';

/**
 * Random ids cut from a block of text rendered from CSPRNG bytes at once (hex trace and span ids,
 * UUIDs). `randomFillSync` costs ~2 µs a call whatever its size up to a few KiB, and rendering many ids
 * in one go beats building each from small strings, so an id costs a slice: ~30–60 ns and 32 bytes.
 * A slice keeps its block alive while the id is referenced: bounded by the ids in flight.
 */
export class RandomTextPool {
  readonly #random: Buffer;
  readonly #render: (random: Buffer) => string;
  #block = '';
  #offset = 0;

  /** `render` turns `bytes` random bytes into the block's text (it may change them in place). */
  constructor(bytes: number, render: (random: Buffer) => string) {
    this.#random = Buffer.allocUnsafe(bytes);
    this.#render = render;
  }

  /** The next `chars` characters of the block, after a refill when fewer are left. */
  take(chars: number): string {
    if (this.#offset + chars > this.#block.length) {
      randomFillSync(this.#random);
      this.#block = this.#render(this.#random);
      this.#offset = 0;
    }
    const text = this.#block.slice(this.#offset, this.#offset + chars);
    this.#offset += chars;
    return text;
  }
}
